package api_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
)

// The global settings answer every documented flag, keep what is set (and only that), stamp
// LastUpdateTime on the engine's clock, and refuse unknown flags and values with what to fix.
func TestGlobalSettingsAreKeptPerAccountWithTheirUpdateTime(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	e := newSchedEnv(t, start, engine.Options{Config: &config.Config{Accounts: []config.Account{{Key: drKey}}}})
	got, err := e.c.DescribeGlobalSettings(ctx, &backup.DescribeGlobalSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"isCrossAccountBackupEnabled": "true", "isMpaEnabled": "false", "isDelegatedAdministratorEnabled": "false"}
	if !maps.Equal(got.GlobalSettings, want) || got.LastUpdateTime != nil {
		t.Fatalf("fresh global settings = %v, LastUpdateTime %v; want %v and none", got.GlobalSettings, got.LastUpdateTime, want)
	}
	e.advance(t, "1h")
	if _, err := e.c.UpdateGlobalSettings(ctx, &backup.UpdateGlobalSettingsInput{GlobalSettings: map[string]string{"isCrossAccountBackupEnabled": "false"}}); err != nil {
		t.Fatal(err)
	}
	got, err = e.c.DescribeGlobalSettings(ctx, &backup.DescribeGlobalSettingsInput{})
	want["isCrossAccountBackupEnabled"] = "false"
	if err != nil || !maps.Equal(got.GlobalSettings, want) || !aws.ToTime(got.LastUpdateTime).Equal(start.Add(time.Hour)) {
		t.Fatalf("after the update: %v, LastUpdateTime %v (%v); want %v at %s", got.GlobalSettings, aws.ToTime(got.LastUpdateTime), err, want, start.Add(time.Hour))
	}
	// Another account's settings are its own.
	dr := e.srv.ClientWithKey("us-east-1", drKey)
	other, err := dr.DescribeGlobalSettings(ctx, &backup.DescribeGlobalSettingsInput{})
	if err != nil || other.GlobalSettings["isCrossAccountBackupEnabled"] != "true" {
		t.Fatalf("the other account's settings = %v (%v), want its default true", other.GlobalSettings, err)
	}
	for name, tc := range map[string]struct {
		in       map[string]string
		code     string
		mentions string
	}{
		"no flags":      {map[string]string{}, "MissingParameterValueException", "isCrossAccountBackupEnabled"},
		"unknown flag":  {map[string]string{"isCrossRegionEnabled": "true"}, "InvalidParameterValueException", "isCrossAccountBackupEnabled"},
		"not a boolean": {map[string]string{"isMpaEnabled": "yes"}, "InvalidParameterValueException", `"true" or "false"`},
	} {
		_, err := e.c.UpdateGlobalSettings(ctx, &backup.UpdateGlobalSettingsInput{GlobalSettings: tc.in})
		if apiCode(err) != tc.code || !strings.Contains(apiMessage(err), tc.mentions) {
			t.Errorf("%s: %v; want %s mentioning %s", name, err, tc.code, tc.mentions)
		}
	}
}

// With cross-account backup disabled, a copy into another account's vault is refused, on demand
// (StartCopyJob) and by a plan's copy action (a FAILED copy job saying why), even where the
// destination vault's policy allows it; enabling it again lets the same copy through.
func TestCrossAccountCopyIsRefusedWhileCrossAccountBackupIsDisabled(t *testing.T) {
	ctx := context.Background()
	e := newSchedEnv(t, schedStart, engine.Options{Config: &config.Config{Accounts: []config.Account{{Key: drKey}}}})
	e.vault(t, "prod")
	e.vault(t, "local-copy")
	e.dirs(t, 1, map[string]string{"Backup": "true"})
	dr := e.srv.ClientWithKey("us-east-1", drKey)
	if _, err := dr.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("dr-vault")}); err != nil {
		t.Fatal(err)
	}
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + e.srv.Key.AccountID + `:root"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}]}`
	if _, err := dr.PutBackupVaultAccessPolicy(ctx, &backup.PutBackupVaultAccessPolicyInput{BackupVaultName: aws.String("dr-vault"), Policy: aws.String(allow)}); err != nil {
		t.Fatal(err)
	}
	destVault := "arn:aws:backup:us-east-1:" + drKey.AccountID + ":backup-vault:dr-vault"
	setCrossAccount := func(v string) {
		t.Helper()
		if _, err := e.c.UpdateGlobalSettings(ctx, &backup.UpdateGlobalSettingsInput{GlobalSettings: map[string]string{"isCrossAccountBackupEnabled": v}}); err != nil {
			t.Fatal(err)
		}
	}
	setCrossAccount("false")

	// A plan's copy action into the other account: the backup completes, its copy job fails.
	rule := dailyRule("prod")
	rule.CopyActions = []types.CopyAction{{DestinationBackupVaultArn: aws.String(destVault)}}
	e.plan(t, rule)
	e.advance(t, "24h")
	jobs := e.jobs(t)
	if len(jobs) != 1 || jobs[0].State != types.BackupJobStateCompleted {
		t.Fatalf("the scheduled run made %d jobs, states %v; want one COMPLETED", len(jobs), countStates(jobs))
	}
	copies, err := e.c.ListCopyJobs(ctx, &backup.ListCopyJobsInput{})
	if err != nil || len(copies.CopyJobs) != 1 {
		t.Fatalf("ListCopyJobs = %v (%v); want the copy action's job", copies, err)
	}
	if c := copies.CopyJobs[0]; c.State != types.CopyJobStateFailed || !strings.Contains(aws.ToString(c.StatusMessage), "cross-account backup is disabled") {
		t.Errorf("the copy action's job ended %s: %s; want FAILED saying cross-account backup is disabled", c.State, aws.ToString(c.StatusMessage))
	}
	point := jobs[0].RecoveryPointArn
	copyIn := func(dest string) *backup.StartCopyJobInput {
		return &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("prod"), RecoveryPointArn: point,
			DestinationBackupVaultArn: aws.String(dest), IamRoleArn: aws.String(role)}
	}
	_, err = e.c.StartCopyJob(ctx, copyIn(destVault))
	if apiCode(err) != "InvalidRequestException" || !strings.Contains(apiMessage(err), "isCrossAccountBackupEnabled=true") {
		t.Fatalf("a cross-account StartCopyJob while disabled: %v; want InvalidRequestException naming the setting", err)
	}
	// A copy within the account is not cross-account and still runs.
	e.copyCompleted(t, copyIn("arn:aws:backup:us-east-1:"+e.srv.Key.AccountID+":backup-vault:local-copy"))
	points, err := dr.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("dr-vault")})
	if err != nil || len(points.RecoveryPoints) != 0 {
		t.Fatalf("the other account's vault holds %v (%v) while cross-account backup is disabled", points, err)
	}

	setCrossAccount("true")
	j := e.copyCompleted(t, copyIn(destVault))
	if !strings.Contains(aws.ToString(j.DestinationRecoveryPointArn), ":"+drKey.AccountID+":") {
		t.Fatalf("the enabled copy made %s, not a point of account %s", aws.ToString(j.DestinationRecoveryPointArn), drKey.AccountID)
	}
}

// Region settings: every engine type is listed, opted in and managed until set otherwise; an
// update sets only what it names, per region; a type the engine does not back up is refused.
func TestRegionSettingsListTheEnginesTypesAndKeepWhatIsSet(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	types_, err := e.c.GetSupportedResourceTypes(ctx, &backup.GetSupportedResourceTypesInput{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.c.DescribeRegionSettings(ctx, &backup.DescribeRegionSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if keys := slices.Sorted(maps.Keys(got.ResourceTypeOptInPreference)); !slices.Equal(keys, types_.ResourceTypes) {
		t.Fatalf("opt-in preference lists %v, want the supported types %v", keys, types_.ResourceTypes)
	}
	for _, typ := range types_.ResourceTypes {
		if !got.ResourceTypeOptInPreference[typ] || !got.ResourceTypeManagementPreference[typ] {
			t.Errorf("fresh settings: %s opt-in %v, managed %v; want both true", typ, got.ResourceTypeOptInPreference[typ], got.ResourceTypeManagementPreference[typ])
		}
	}
	if _, err := e.c.UpdateRegionSettings(ctx, &backup.UpdateRegionSettingsInput{ResourceTypeOptInPreference: map[string]bool{"S3": false},
		ResourceTypeManagementPreference: map[string]bool{"EFS": false}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.UpdateRegionSettings(ctx, &backup.UpdateRegionSettingsInput{ResourceTypeOptInPreference: map[string]bool{"RDS": true}}); err != nil {
		t.Fatal(err)
	}
	got, err = e.c.DescribeRegionSettings(ctx, &backup.DescribeRegionSettingsInput{})
	if err != nil || got.ResourceTypeOptInPreference["S3"] || !got.ResourceTypeOptInPreference["EFS"] || got.ResourceTypeManagementPreference["EFS"] || !got.ResourceTypeManagementPreference["S3"] {
		t.Fatalf("after the updates: opt-in %v, managed %v (%v); want S3 opted out and EFS unmanaged, the rest as before", got.ResourceTypeOptInPreference, got.ResourceTypeManagementPreference, err)
	}
	eu := e.srv.Client("eu-west-1")
	if other, err := eu.DescribeRegionSettings(ctx, &backup.DescribeRegionSettingsInput{}); err != nil || !other.ResourceTypeOptInPreference["S3"] {
		t.Fatalf("eu-west-1's settings = %v (%v); the us-east-1 opt-out leaked", other, err)
	}
	_, err = e.c.UpdateRegionSettings(ctx, &backup.UpdateRegionSettingsInput{ResourceTypeOptInPreference: map[string]bool{"DynamoDB": true}})
	if apiCode(err) != "InvalidParameterValueException" || !strings.Contains(apiMessage(err), "DescribeRegionSettings") {
		t.Fatalf("opting in DynamoDB: %v; want InvalidParameterValueException pointing at DescribeRegionSettings", err)
	}
}

// A resource type opted out of the region is refused on demand with InvalidRequestException, is
// skipped by a plan that selects it by tag, and is still backed up by a selection that names it,
// as AWS documents; opting it back in lets the tag-selected resource be backed up again.
func TestOptedOutTypeIsSkippedByTagSelectionsAndRefusedOnDemand(t *testing.T) {
	ctx := context.Background()
	e := newSchedEnv(t, schedStart, engine.Options{})
	e.vault(t, "prod")
	tagged := e.dirs(t, 2, map[string]string{"Backup": "true"})
	e.plan(t, dailyRule("prod"))
	optIn := func(on bool) {
		t.Helper()
		if _, err := e.c.UpdateRegionSettings(ctx, &backup.UpdateRegionSettingsInput{ResourceTypeOptInPreference: map[string]bool{"EFS": on}}); err != nil {
			t.Fatal(err)
		}
	}
	optIn(false)
	_, err := e.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("prod"), ResourceArn: aws.String(tagged[0]), IamRoleArn: aws.String(role)})
	if apiCode(err) != "InvalidRequestException" || !strings.Contains(apiMessage(err), "ResourceTypeOptInPreference EFS=true") {
		t.Fatalf("an on-demand backup of an opted-out type: %v; want InvalidRequestException naming the opt-in", err)
	}
	e.advance(t, "24h")
	if jobs := e.jobs(t); len(jobs) != 0 {
		t.Fatalf("a tag selection backed up %d resources of an opted-out type", len(jobs))
	}
	// A selection that names the resource assigns it explicitly: it is backed up all the same.
	plans, err := e.c.ListBackupPlans(ctx, &backup.ListBackupPlansInput{})
	if err != nil || len(plans.BackupPlansList) != 1 {
		t.Fatalf("ListBackupPlans = %v (%v)", plans, err)
	}
	if _, err := e.c.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: plans.BackupPlansList[0].BackupPlanId, BackupSelection: &types.BackupSelection{
		SelectionName: aws.String("named"), IamRoleArn: aws.String(role), Resources: []string{tagged[1]}}}); err != nil {
		t.Fatal(err)
	}
	e.advance(t, "24h")
	jobs := e.jobs(t)
	if len(jobs) != 1 || aws.ToString(jobs[0].ResourceArn) != tagged[1] {
		t.Fatalf("with the resource named: %d jobs %v; want one, of %s", len(jobs), jobs, tagged[1])
	}
	optIn(true)
	e.advance(t, "24h")
	if jobs := e.jobs(t); len(jobs) != 3 {
		t.Fatalf("after opting back in: %d jobs, want 3 (both resources on the third night)", len(jobs))
	}
}
