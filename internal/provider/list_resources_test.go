package provider

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// List resources need Terraform 1.14 (`terraform query`); the CLI here is 1.11, so these tests
// send ListResource through the protocol, as Terraform does for a .tfquery.hcl list block.

var wantListResources = []string{
	"backup_framework", "backup_legal_hold", "backup_logically_air_gapped_vault", "backup_plan", "backup_protected_resource",
	"backup_recovery_point", "backup_report_plan", "backup_restore_job", "backup_restore_testing_plan", "backup_restore_testing_selection",
	"backup_selection", "backup_vault",
	"backup_vault_lock", "backup_vault_notifications", "backup_vault_policy",
}

func TestListResources_eachListsAManagedResourceWithAnIdentity(t *testing.T) {
	ctx := context.Background()
	server, schemas, err := protocolServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for name, s := range schemas.ListResourceSchemas {
		got = append(got, name)
		if _, ok := schemas.ResourceSchemas[name]; !ok {
			t.Errorf("list resource %s has no managed resource", name)
		}
		if _, ok := ids.IdentitySchemas[name]; !ok {
			t.Errorf("list resource %s lists a resource without an identity", name)
		}
		if s.Block.Description == "" {
			t.Errorf("list resource %s has no description", name)
		}
	}
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(wantListResources, " ") {
		t.Errorf("list resources %v, want %v", got, wantListResources)
	}
}

// listed is what one ListResource call answered.
type listed struct {
	identities []map[string]string
	names      []string
	resources  []map[string]string // the string attributes of each resource, with include_resource
	diags      []*tfprotov6.Diagnostic
}

func (p *protoProvider) list(typeName string, config map[string]tftypes.Value, includeResource bool, limit int64) listed {
	p.t.Helper()
	ctx := context.Background()
	// The method, not tfprotov6.ProviderServerWithListResource: that interface is deprecated
	// while the RPC moves into ProviderServer.
	server, ok := p.server.(interface {
		ListResource(context.Context, *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error)
	})
	if !ok {
		p.t.Fatal("the framework's provider server does not serve list resources")
	}
	cfg := p.value(p.schema.ListResourceSchemas[typeName], config)
	stream, err := server.ListResource(ctx, &tfprotov6.ListResourceRequest{TypeName: typeName, Config: &cfg, IncludeResource: includeResource, Limit: limit})
	if err != nil {
		p.t.Fatal(err)
	}
	ids, err := p.server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		p.t.Fatal(err)
	}
	var out listed
	for r := range stream.Results {
		out.diags = append(out.diags, r.Diagnostics...)
		if r.Identity == nil {
			continue
		}
		iv, err := r.Identity.IdentityData.Unmarshal(ids.IdentitySchemas[typeName].ValueType())
		if err != nil {
			p.t.Fatal(err)
		}
		out.identities = append(out.identities, stringAttributes(p.t, iv))
		out.names = append(out.names, r.DisplayName)
		if r.Resource != nil {
			rv, err := r.Resource.Unmarshal(p.schema.ResourceSchemas[typeName].ValueType())
			if err != nil {
				p.t.Fatal(err)
			}
			out.resources = append(out.resources, stringAttributes(p.t, rv))
		}
	}
	return out
}

func TestListResources_findWhatExistsWithIdentitiesThatImport(t *testing.T) {
	env := newTestAccEnv(t)
	ctx := context.Background()
	for _, v := range []string{"list-b", "list-a"} {
		if _, err := env.Client.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.Client.CreateLogicallyAirGappedBackupVault(ctx, &backup.CreateLogicallyAirGappedBackupVaultInput{
		BackupVaultName: aws.String("list-isolated"), MinRetentionDays: aws.Int64(7), MaxRetentionDays: aws.Int64(90),
	}); err != nil {
		t.Fatal(err)
	}
	// One vault's configuration of each kind: list-b locked and notifying, list-a with a policy.
	if _, err := env.Client.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("list-b"), MinRetentionDays: aws.Int64(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.PutBackupVaultNotifications(ctx, &backup.PutBackupVaultNotificationsInput{BackupVaultName: aws.String("list-b"),
		SNSTopicArn: aws.String("arn:aws:sns:us-east-1:" + env.AccountID() + ":backup-events"), BackupVaultEvents: []backuptypes.BackupVaultEvent{backuptypes.BackupVaultEventBackupJobCompleted}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.PutBackupVaultAccessPolicy(ctx, &backup.PutBackupVaultAccessPolicyInput{BackupVaultName: aws.String("list-a"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"backup:DeleteBackupVault","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	plan, err := env.Client.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: &backuptypes.BackupPlanInput{
		BackupPlanName: aws.String("list-plan"),
		Rules:          []backuptypes.BackupRuleInput{{RuleName: aws.String("daily"), TargetBackupVaultName: aws.String("list-a")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	planID := aws.ToString(plan.BackupPlanId)
	sel, err := env.Client.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: plan.BackupPlanId, BackupSelection: &backuptypes.BackupSelection{
		SelectionName: aws.String("list-selection"), IamRoleArn: aws.String("arn:aws:iam::" + env.AccountID() + ":role/backup"),
		ListOfTags: []backuptypes.Condition{{ConditionType: backuptypes.ConditionTypeStringequals, ConditionKey: aws.String("Backup"), ConditionValue: aws.String("true")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 3)
	res, err := env.Registry().RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: src})
	if err != nil {
		t.Fatal(err)
	}
	p := newProtoProvider(t, env)
	if _, diags := p.invoke("backup_start_backup_job", map[string]tftypes.Value{"vault_name": str("list-a"), "resource_arn": str(res.ResourceArn)}); hasErrors(diags) {
		t.Fatalf("backup: %s", diagText(diags))
	}
	points, err := env.Client.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("list-a")})
	if err != nil || len(points.RecoveryPoints) != 1 {
		t.Fatalf("recovery points %+v, %v", points, err)
	}
	pointARN := aws.ToString(points.RecoveryPoints[0].RecoveryPointArn)
	if _, diags := p.invoke("backup_start_restore_job", map[string]tftypes.Value{
		"recovery_point_arn": str(pointARN),
		"metadata":           tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"destination-path": str(filepath.Join(t.TempDir(), "restored"))}),
	}); hasErrors(diags) {
		t.Fatalf("restore: %s", diagText(diags))
	}
	restores, err := env.Client.ListRestoreJobs(ctx, &backup.ListRestoreJobsInput{})
	if err != nil || len(restores.RestoreJobs) != 1 {
		t.Fatalf("restore jobs %+v, %v", restores, err)
	}
	hold, err := env.Client.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{Title: aws.String("list-hold"), Description: aws.String("litigation"),
		RecoveryPointSelection: &backuptypes.RecoveryPointSelection{VaultNames: []string{"list-a"}}})
	if err != nil {
		t.Fatal(err)
	}
	fw, err := env.Client.CreateFramework(ctx, &backup.CreateFrameworkInput{FrameworkName: aws.String("list_framework"),
		FrameworkControls: []backuptypes.FrameworkControl{{ControlName: aws.String("BACKUP_RECOVERY_POINT_ENCRYPTED")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.CreateReportPlan(ctx, &backup.CreateReportPlanInput{ReportPlanName: aws.String("list_report"),
		ReportDeliveryChannel: &backuptypes.ReportDeliveryChannel{S3BucketName: aws.String("audit-reports")},
		ReportSetting:         &backuptypes.ReportSetting{ReportTemplate: aws.String("CONTROL_COMPLIANCE_REPORT"), FrameworkArns: []string{aws.ToString(fw.FrameworkArn)}}}); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		typeName string
		config   map[string]tftypes.Value
		want     []map[string]string
	}{
		{"backup_vault", nil, []map[string]string{{"name": "list-a"}, {"name": "list-b"}}},
		{"backup_logically_air_gapped_vault", nil, []map[string]string{{"name": "list-isolated"}}},
		{"backup_vault_lock", nil, []map[string]string{{"backup_vault_name": "list-b"}}},
		{"backup_vault_notifications", nil, []map[string]string{{"backup_vault_name": "list-b"}}},
		{"backup_vault_policy", nil, []map[string]string{{"backup_vault_name": "list-a"}}},
		{"backup_plan", nil, []map[string]string{{"id": planID}}},
		{"backup_selection", nil, []map[string]string{{"plan_id": planID, "id": aws.ToString(sel.SelectionId)}}},
		{"backup_selection", map[string]tftypes.Value{"plan_id": str(planID)}, []map[string]string{{"plan_id": planID, "id": aws.ToString(sel.SelectionId)}}},
		{"backup_recovery_point", nil, []map[string]string{{"vault_name": "list-a", "arn": pointARN}}},
		{"backup_recovery_point", map[string]tftypes.Value{"vault_name": str("list-b")}, nil},
		{"backup_legal_hold", nil, []map[string]string{{"id": aws.ToString(hold.LegalHoldId)}}},
		// The restore into a new directory registered that directory too.
		{"backup_protected_resource", nil, []map[string]string{{"arn": res.ResourceArn}, {"arn": aws.ToString(restores.RestoreJobs[0].CreatedResourceArn)}}},
		{"backup_restore_job", nil, []map[string]string{{"id": aws.ToString(restores.RestoreJobs[0].RestoreJobId)}}},
		{"backup_framework", nil, []map[string]string{{"id": "list_framework"}}},
		{"backup_report_plan", nil, []map[string]string{{"id": "list_report"}}},
	} {
		got := p.list(c.typeName, c.config, false, 0)
		if len(got.diags) > 0 {
			t.Errorf("%s %v: %s", c.typeName, c.config, diagText(got.diags))
		}
		if canonicalJSON(t, sortedIdentities(got.identities)) != canonicalJSON(t, sortedIdentities(c.want)) {
			t.Errorf("%s %v listed %v, want %v", c.typeName, c.config, got.identities, c.want)
		}
		for _, n := range got.names {
			if n == "" {
				t.Errorf("%s: a result without a display name", c.typeName)
			}
		}
		// What is listed imports: include_resource imports and reads each one.
		full := p.list(c.typeName, c.config, true, 0)
		if hasErrors(full.diags) || len(full.resources) != len(c.want) {
			t.Errorf("%s with include_resource: %d resources for %d identities\n%s", c.typeName, len(full.resources), len(c.want), diagText(full.diags))
			continue
		}
		for i, r := range full.resources {
			if r["id"] == "" {
				t.Errorf("%s: listed resource %v was not read (no id)", c.typeName, full.identities[i])
			}
		}
	}

	if got := p.list("backup_vault", nil, false, 1); len(got.identities) != 1 {
		t.Errorf("with limit 1 the vault list answered %v", got.identities)
	}
	full := p.list("backup_plan", nil, true, 0)
	if len(full.resources) == 1 && full.resources[0]["name"] != "list-plan" {
		t.Errorf("the listed plan reads as %v, want name list-plan", full.resources[0])
	}
}

func sortedIdentities(ids []map[string]string) []string {
	out := []string{}
	for _, id := range ids {
		var parts []string
		for k, v := range id {
			parts = append(parts, k+"="+v)
		}
		sort.Strings(parts)
		out = append(out, strings.Join(parts, ","))
	}
	sort.Strings(out)
	return out
}

// A filter that names something missing is an error about the list block, not about the state.
func TestListResources_aFilterNamingNothingSaysSo(t *testing.T) {
	p := newProtoProvider(t, newTestAccEnv(t))
	got := p.list("backup_recovery_point", map[string]tftypes.Value{"vault_name": str("no-such-vault")}, false, 0)
	text := diagText(got.diags)
	if !hasErrors(got.diags) || !strings.Contains(text, "ResourceNotFoundException") || !strings.Contains(text, "check its vault_name") ||
		strings.Contains(text, "refresh") {
		t.Errorf("listing the points of a missing vault:\n%s", text)
	}
}

// Restore testing plans are listed by name, and their selections by selection and plan name, for
// every plan or one; with include_resource each is imported and read.
func TestListResources_restoreTestingPlansAndTheirSelections(t *testing.T) {
	env := newTestAccEnv(t)
	ctx := context.Background()
	for _, name := range []string{"weekly", "monthly"} {
		if _, err := env.Client.CreateRestoreTestingPlan(ctx, &backup.CreateRestoreTestingPlanInput{RestoreTestingPlan: &backuptypes.RestoreTestingPlanForCreate{
			RestoreTestingPlanName: aws.String(name), ScheduleExpression: aws.String("cron(0 1 ? * SUN *)"),
			RecoveryPointSelection: &backuptypes.RestoreTestingRecoveryPointSelection{
				Algorithm: backuptypes.RestoreTestingRecoveryPointSelectionAlgorithmLatestWithinWindow, IncludeVaults: []string{"*"},
				RecoveryPointTypes: []backuptypes.RestoreTestingRecoveryPointType{backuptypes.RestoreTestingRecoveryPointTypeSnapshot},
			},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"efs", "s3"} {
		if _, err := env.Client.CreateRestoreTestingSelection(ctx, &backup.CreateRestoreTestingSelectionInput{RestoreTestingPlanName: aws.String("weekly"),
			RestoreTestingSelection: &backuptypes.RestoreTestingSelectionForCreate{RestoreTestingSelectionName: aws.String(name),
				IamRoleArn: aws.String(testRoleARN), ProtectedResourceType: aws.String(strings.ToUpper(name)), ProtectedResourceArns: []string{"*"}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	p := newProtoProvider(t, env)
	selections := []map[string]string{{"name": "efs", "restore_testing_plan_name": "weekly"}, {"name": "s3", "restore_testing_plan_name": "weekly"}}
	for _, c := range []struct {
		typeName, readAttr string
		config             map[string]tftypes.Value
		want               []map[string]string
	}{
		{"backup_restore_testing_plan", "arn", nil, []map[string]string{{"name": "monthly"}, {"name": "weekly"}}},
		{"backup_restore_testing_selection", "iam_role_arn", nil, selections},
		{"backup_restore_testing_selection", "iam_role_arn", map[string]tftypes.Value{"restore_testing_plan_name": str("weekly")}, selections},
		{"backup_restore_testing_selection", "iam_role_arn", map[string]tftypes.Value{"restore_testing_plan_name": str("monthly")}, nil},
	} {
		got := p.list(c.typeName, c.config, false, 0)
		if len(got.diags) > 0 || canonicalJSON(t, sortedIdentities(got.identities)) != canonicalJSON(t, sortedIdentities(c.want)) {
			t.Errorf("%s %v listed %v, want %v\n%s", c.typeName, c.config, got.identities, c.want, diagText(got.diags))
		}
		full := p.list(c.typeName, c.config, true, 0)
		if hasErrors(full.diags) || len(full.resources) != len(c.want) {
			t.Errorf("%s with include_resource: %d resources for %d identities\n%s", c.typeName, len(full.resources), len(c.want), diagText(full.diags))
			continue
		}
		for i, r := range full.resources {
			if r[c.readAttr] == "" {
				t.Errorf("%s: listed resource %v was not read (no %s)", c.typeName, full.identities[i], c.readAttr)
			}
		}
	}
}
