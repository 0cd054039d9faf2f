package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// The terraform CLI on this machine (1.11) cannot run actions (1.14+), so these tests speak the
// plugin protocol to the provider the way Terraform would: GetProviderSchema, ConfigureProvider,
// ValidateActionConfig and InvokeAction against providerserver.NewProtocol6WithError, which runs
// the framework's own action machinery.

// protoProvider is a configured provider server for one test's engine.
type protoProvider struct {
	t      *testing.T
	server tfprotov6.ProviderServerWithActions //nolint:staticcheck // InvokeAction is only on this interface in terraform-plugin-go v0.31
	schema *tfprotov6.GetProviderSchemaResponse
}

func newProtoProvider(t *testing.T, env *testAccEnv) *protoProvider {
	t.Helper()
	ctx := context.Background()
	base, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 the action RPCs are only on this interface in terraform-plugin-go v0.31
	server, ok := base.(tfprotov6.ProviderServerWithActions) //nolint:staticcheck
	if !ok {
		t.Fatal("the framework's provider server does not serve actions")
	}
	schema, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasErrors(schema.Diagnostics) {
		t.Fatalf("GetProviderSchema: %v %v", err, diagText(schema.Diagnostics))
	}
	p := &protoProvider{t: t, server: server, schema: schema}
	cfg := p.value(schema.Provider, map[string]tftypes.Value{"data_dir": tftypes.NewValue(tftypes.String, env.DataDir)})
	resp, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.14.0", Config: &cfg})
	if err != nil || hasErrors(resp.Diagnostics) {
		t.Fatalf("ConfigureProvider: %v %v", err, diagText(resp.Diagnostics))
	}
	return p
}

// value builds a configuration of schema s: the given attributes, null for the rest.
func (p *protoProvider) value(s *tfprotov6.Schema, set map[string]tftypes.Value) tfprotov6.DynamicValue {
	p.t.Helper()
	typ := s.ValueType().(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := set[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	for name := range set {
		if _, ok := typ.AttributeTypes[name]; !ok {
			p.t.Fatalf("the schema has no attribute %q", name)
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		p.t.Fatal(err)
	}
	return dv
}

// invoke runs an action and returns its progress messages and completion diagnostics.
func (p *protoProvider) invoke(action string, set map[string]tftypes.Value) ([]string, []*tfprotov6.Diagnostic) {
	p.t.Helper()
	as, ok := p.schema.ActionSchemas[action]
	if !ok {
		p.t.Fatalf("the provider has no action %s", action)
	}
	cfg := p.value(as.Schema, set)
	stream, err := p.server.InvokeAction(context.Background(), &tfprotov6.InvokeActionRequest{ActionType: action, Config: &cfg})
	if err != nil {
		p.t.Fatal(err)
	}
	var progress []string
	var diags []*tfprotov6.Diagnostic
	completed := false
	for ev := range stream.Events {
		switch e := ev.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			progress = append(progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			diags, completed = e.Diagnostics, true
		}
	}
	if !completed {
		p.t.Fatalf("InvokeAction %s sent no completed event", action)
	}
	return progress, diags
}

func (p *protoProvider) validate(action string, set map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	p.t.Helper()
	cfg := p.value(p.schema.ActionSchemas[action].Schema, set)
	resp, err := p.server.ValidateActionConfig(context.Background(), &tfprotov6.ValidateActionConfigRequest{ActionType: action, Config: &cfg})
	if err != nil {
		p.t.Fatal(err)
	}
	return resp.Diagnostics
}

func hasErrors(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

func diagText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "[%v] %s: %s\n", d.Severity, d.Summary, d.Detail)
	}
	return b.String()
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func TestActions_areInTheProviderSchema(t *testing.T) {
	p := newProtoProvider(t, newTestAccEnv(t))
	for _, name := range []string{"backup_start_backup_job", "backup_start_restore_job", "backup_start_copy_job"} {
		as, ok := p.schema.ActionSchemas[name]
		if !ok {
			t.Errorf("action %s missing from GetProviderSchema", name)
			continue
		}
		if as.Schema.Block.Description == "" {
			t.Errorf("action %s has no description", name)
		}
	}
}

// Invoking the backup action runs a backup job to completion, reporting progress, and the
// restore action brings the data back into a new directory.
func TestActions_backupThenRestoreThroughTheProtocol(t *testing.T) {
	env := newTestAccEnv(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 21)
	res, err := env.Registry().RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: src})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("action-vault")}); err != nil {
		t.Fatal(err)
	}
	p := newProtoProvider(t, env)

	progress, diags := p.invoke("backup_start_backup_job", map[string]tftypes.Value{
		"vault_name": str("action-vault"), "resource_arn": str(res.ResourceArn), "delete_after": tftypes.NewValue(tftypes.Number, 7),
		"recovery_point_tags": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"by": str("action")}),
	})
	if hasErrors(diags) {
		t.Fatalf("backup action failed:\n%s", diagText(diags))
	}
	if len(progress) < 2 || !strings.HasPrefix(progress[0], "Started backup job ") || !strings.Contains(progress[len(progress)-1], "COMPLETED: recovery point arn:aws:backup:") {
		t.Errorf("progress messages:\n%s", strings.Join(progress, "\n"))
	}
	points, err := env.Client.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("action-vault")})
	if err != nil || len(points.RecoveryPoints) != 1 {
		t.Fatalf("after the action the vault holds %+v (%v), want one point", points, err)
	}
	rp := points.RecoveryPoints[0]
	if aws.ToInt64(rp.Lifecycle.DeleteAfterDays) != 7 {
		t.Errorf("the point's lifecycle is %+v, want DeleteAfterDays 7", rp.Lifecycle)
	}

	dest := filepath.Join(t.TempDir(), "restored")
	progress, diags = p.invoke("backup_start_restore_job", map[string]tftypes.Value{
		"recovery_point_arn": str(aws.ToString(rp.RecoveryPointArn)),
		"metadata":           tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"destination-path": str(dest)}),
	})
	if hasErrors(diags) {
		t.Fatalf("restore action failed:\n%s", diagText(diags))
	}
	if last := progress[len(progress)-1]; !strings.Contains(last, "COMPLETED into "+dest+": arn:aws:elasticfilesystem:") {
		t.Errorf("last progress message %q does not say where the data went", last)
	}
	if diffs := enginetest.DiffTrees(t, src, dest); len(diffs) > 0 {
		t.Errorf("restored tree differs:\n%s", strings.Join(diffs, "\n"))
	}
}

// A job that fails makes the action fail with the job's StatusMessage; a restore that would
// overwrite is refused before it starts.
func TestActions_failuresAreDiagnostics(t *testing.T) {
	env := newTestAccEnv(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "gone")
	mkdir(t, src)
	res, err := env.Registry().RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: src})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(src)
	env.Client.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("action-vault")})
	p := newProtoProvider(t, env)
	_, diags := p.invoke("backup_start_backup_job", map[string]tftypes.Value{"vault_name": str("action-vault"), "resource_arn": str(res.ResourceArn)})
	if !hasErrors(diags) || !strings.Contains(diagText(diags), "ended FAILED") || !strings.Contains(diagText(diags), "does not exist any more") {
		t.Errorf("diagnostics:\n%s", diagText(diags))
	}
	_, diags = p.invoke("backup_start_restore_job", map[string]tftypes.Value{
		"recovery_point_arn": str("arn:aws:backup:us-east-1:" + env.AccountID() + ":recovery-point:00000000-0000-0000-0000-000000000000"),
		"metadata":           tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"destination-path": str(t.TempDir())}),
	})
	if !strings.Contains(diagText(diags), "ResourceNotFoundException") {
		t.Errorf("restore of an unknown point:\n%s", diagText(diags))
	}
}

func TestActions_validateConfig(t *testing.T) {
	p := newProtoProvider(t, newTestAccEnv(t))
	diags := p.validate("backup_start_backup_job", map[string]tftypes.Value{
		"vault_name": str("v1"), "resource_arn": str("arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1"),
		"cold_storage_after": tftypes.NewValue(tftypes.Number, 30), "delete_after": tftypes.NewValue(tftypes.Number, 60),
	})
	if !strings.Contains(diagText(diags), "delete_after (60) must be at least cold_storage_after + 90 = 120") {
		t.Errorf("diagnostics:\n%s", diagText(diags))
	}
	diags = p.validate("backup_start_backup_job", map[string]tftypes.Value{
		"vault_name": str("bad.name"), "resource_arn": str("x"), "timeout": str("soon"),
	})
	if text := diagText(diags); !strings.Contains(text, "2 to 50 characters") || !strings.Contains(text, `"soon" is not a positive duration`) {
		t.Errorf("diagnostics:\n%s", text)
	}
}

// The terraform CLI here (1.11) cannot export action schemas, so tfplugindocs renders the action
// pages from hand-written templates. This keeps their attribute lists honest.
func TestActions_docTemplatesListEveryAttribute(t *testing.T) {
	p := newProtoProvider(t, newTestAccEnv(t))
	for name, as := range p.schema.ActionSchemas {
		tmpl := filepath.Join("..", "..", "templates", "actions", strings.TrimPrefix(name, "backup_")+".md.tmpl")
		b, err := os.ReadFile(tmpl)
		if err != nil {
			t.Errorf("action %s has no doc template: %v", name, err)
			continue
		}
		doc := string(b)
		listed := map[string]bool{}
		for _, line := range strings.Split(doc, "\n") {
			if rest, ok := strings.CutPrefix(line, "- `"); ok {
				listed[rest[:strings.Index(rest, "`")]] = true
			}
		}
		for _, a := range as.Schema.Block.Attributes {
			if !listed[a.Name] {
				t.Errorf("%s does not document attribute %s", tmpl, a.Name)
			}
			delete(listed, a.Name)
		}
		for extra := range listed {
			t.Errorf("%s documents %s, which the action does not have", tmpl, extra)
		}
	}
}
