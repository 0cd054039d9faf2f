package provider

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// backedUpPoint registers a directory, backs it up into vault (created here) through the SDK and
// returns the recovery point's ARN and the resource's.
func backedUpPoint(t *testing.T, env *testAccEnv, vault string, seed uint64) (point, resourceARN string) {
	t.Helper()
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, seed)
	res, err := env.Registry().RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: src})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String(vault)}); err != nil {
		t.Fatal(err)
	}
	started, err := env.Client.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String(vault), ResourceArn: aws.String(res.ResourceArn),
		IamRoleArn: aws.String(awsbackup.DefaultIAMRoleARN(env.AccountID()))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := awsbackup.WaitBackupJobCompleted(ctx, env.Client, aws.ToString(started.BackupJobId), time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(started.RecoveryPointArn), res.ResourceArn
}

func (e *testAccEnv) vaultARN(region, name string) string {
	return "arn:aws:backup:" + region + ":" + e.AccountID() + ":backup-vault:" + name
}

// Invoking the copy action copies a point into another vault, reporting progress and the copy's
// ARN, with the lifecycle given.
func TestActions_copyIntoAnotherVaultThroughTheProtocol(t *testing.T) {
	env := newTestAccEnv(t)
	ctx := context.Background()
	point, _ := backedUpPoint(t, env, "prod", 31)
	if _, err := env.Client.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("dr-vault")}); err != nil {
		t.Fatal(err)
	}
	p := newProtoProvider(t, env)
	progress, diags := p.invoke("backup_start_copy_job", map[string]tftypes.Value{
		"source_vault_name": str("prod"), "recovery_point_arn": str(point), "destination_vault_arn": str(env.vaultARN("us-east-1", "dr-vault")),
		"delete_after": tftypes.NewValue(tftypes.Number, 30),
	})
	if hasErrors(diags) {
		t.Fatalf("copy action failed:\n%s", diagText(diags))
	}
	last := progress[len(progress)-1]
	if !strings.HasPrefix(progress[0], "Started copy job ") || !strings.Contains(last, "COMPLETED: recovery point arn:aws:backup:us-east-1:") {
		t.Errorf("progress messages:\n%s", strings.Join(progress, "\n"))
	}
	points, err := env.Client.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("dr-vault")})
	if err != nil || len(points.RecoveryPoints) != 1 {
		t.Fatalf("after the action dr-vault holds %+v (%v), want one point", points, err)
	}
	cp := points.RecoveryPoints[0]
	if !strings.Contains(last, aws.ToString(cp.RecoveryPointArn)) || aws.ToInt64(cp.Lifecycle.DeleteAfterDays) != 30 ||
		!strings.HasSuffix(aws.ToString(cp.SourceBackupVaultArn), ":backup-vault:prod") {
		t.Errorf("the copy %+v (last progress %q)", cp, last)
	}
}

// A copy that fails makes the action fail with the job's StatusMessage; a copy into a vault that
// does not exist is refused before it starts; the configuration is validated.
func TestActions_copyFailuresAreDiagnostics(t *testing.T) {
	env := newTestAccEnv(t)
	ctx := context.Background()
	point, _ := backedUpPoint(t, env, "prod", 32)
	env.Client.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("locked")})
	if _, err := env.Client.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("locked"), MinRetentionDays: aws.Int64(30)}); err != nil {
		t.Fatal(err)
	}
	p := newProtoProvider(t, env)
	_, diags := p.invoke("backup_start_copy_job", map[string]tftypes.Value{
		"source_vault_name": str("prod"), "recovery_point_arn": str(point), "destination_vault_arn": str(env.vaultARN("us-east-1", "locked")),
		"delete_after": tftypes.NewValue(tftypes.Number, 7),
	})
	if text := diagText(diags); !hasErrors(diags) || !strings.Contains(text, "ended FAILED") || !strings.Contains(text, "shorter than the minimum of 30 days") {
		t.Errorf("copy into a locked vault with too short a retention:\n%s", text)
	}
	_, diags = p.invoke("backup_start_copy_job", map[string]tftypes.Value{
		"source_vault_name": str("prod"), "recovery_point_arn": str(point), "destination_vault_arn": str(env.vaultARN("us-east-1", "nope")),
	})
	if text := diagText(diags); !strings.Contains(text, "ResourceNotFoundException") || !strings.Contains(text, "nope") {
		t.Errorf("copy into a missing vault:\n%s", text)
	}
	// The newest point of a vault that is still empty is null: the copy says so, before any call.
	_, diags = p.invoke("backup_start_copy_job", map[string]tftypes.Value{
		"source_vault_name": str("prod"), "recovery_point_arn": tftypes.NewValue(tftypes.String, nil), "destination_vault_arn": str(env.vaultARN("us-east-1", "locked")),
	})
	if text := diagText(diags); !hasErrors(diags) || !strings.Contains(text, "No recovery point to copy") || strings.Contains(text, "IamRoleArn") {
		t.Errorf("copy of a null recovery point:\n%s", text)
	}
	diags = p.validate("backup_start_copy_job", map[string]tftypes.Value{
		"source_vault_name": str("prod"), "recovery_point_arn": str(point), "destination_vault_arn": str("dr-vault"),
		"cold_storage_after": tftypes.NewValue(tftypes.Number, 30), "delete_after": tftypes.NewValue(tftypes.Number, 60),
	})
	if text := diagText(diags); !strings.Contains(text, "must be a backup vault ARN") || !strings.Contains(text, "delete_after (60) must be at least cold_storage_after + 90 = 120") {
		t.Errorf("validation:\n%s", text)
	}
}

// The backup_copy_jobs data source lists copy jobs with ListCopyJobs' filters.
func TestAccCopyJobsDataSource_filters(t *testing.T) {
	env := newTestAccEnv(t)
	ctx := context.Background()
	point, resourceARN := backedUpPoint(t, env, "prod", 33)
	env.Client.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("dr-vault")})
	env.Client.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("locked")})
	env.Client.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("locked"), MaxRetentionDays: aws.Int64(7)})
	copyTo := func(vault string) *backuptypes.CopyJob {
		t.Helper()
		started, err := env.Client.StartCopyJob(ctx, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("prod"), RecoveryPointArn: aws.String(point),
			DestinationBackupVaultArn: aws.String(env.vaultARN("us-east-1", vault)), IamRoleArn: aws.String(awsbackup.DefaultIAMRoleARN(env.AccountID()))})
		if err != nil {
			t.Fatal(err)
		}
		j, _ := awsbackup.WaitCopyJobCompleted(ctx, env.Client, aws.ToString(started.CopyJobId), time.Minute, nil)
		if j == nil {
			t.Fatalf("copy job %s did not finish", aws.ToString(started.CopyJobId))
		}
		return j
	}
	ok, failed := copyTo("dr-vault"), copyTo("locked")
	if ok.State != backuptypes.CopyJobStateCompleted || failed.State != backuptypes.CopyJobStateFailed {
		t.Fatalf("arranged copy jobs ended %s and %s", ok.State, failed.State)
	}
	config := env.ProviderConfig() + fmt.Sprintf(`
data "backup_copy_jobs" "all" {}

data "backup_copy_jobs" "failed" {
  state = "FAILED"
}

data "backup_copy_jobs" "into_dr" {
  destination_vault_arn     = %q
  source_recovery_point_arn = %q
  resource_arn              = %q
  resource_type             = "EFS"
  message_category          = "SUCCESS"
  created_after             = "2000-01-01T00:00:00Z"
  completed_before          = "2100-01-01T00:00:00Z"
}

data "backup_copy_jobs" "none" {
  created_before = "2000-01-01T00:00:00Z"
}
`, env.vaultARN("us-east-1", "dr-vault"), point, resourceARN)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.backup_copy_jobs.all", tfjsonpath.New("ids"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringExact(aws.ToString(ok.CopyJobId)), knownvalue.StringExact(aws.ToString(failed.CopyJobId))})),
				statecheck.ExpectKnownValue("data.backup_copy_jobs.failed", tfjsonpath.New("ids"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringExact(aws.ToString(failed.CopyJobId))})),
				statecheck.ExpectKnownValue("data.backup_copy_jobs.failed", tfjsonpath.New("copy_jobs").AtSliceIndex(0).AtMapKey("status_message"),
					knownvalue.StringRegexp(regexp.MustCompile(`longer than the maximum of 7 days`))),
				statecheck.ExpectKnownValue("data.backup_copy_jobs.failed", tfjsonpath.New("copy_jobs").AtSliceIndex(0).AtMapKey("destination_recovery_point_arn"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.backup_copy_jobs.into_dr", tfjsonpath.New("copy_jobs"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"copy_job_id":                    knownvalue.StringExact(aws.ToString(ok.CopyJobId)),
						"state":                          knownvalue.StringExact("COMPLETED"),
						"message_category":               knownvalue.StringExact("SUCCESS"),
						"source_recovery_point_arn":      knownvalue.StringExact(point),
						"source_vault_arn":               knownvalue.StringExact(env.vaultARN("us-east-1", "prod")),
						"destination_vault_arn":          knownvalue.StringExact(env.vaultARN("us-east-1", "dr-vault")),
						"destination_recovery_point_arn": knownvalue.StringExact(aws.ToString(ok.DestinationRecoveryPointArn)),
						"resource_arn":                   knownvalue.StringExact(resourceARN),
						"resource_type":                  knownvalue.StringExact("EFS"),
						"completion_date":                knownvalue.NotNull(),
						"created_by_backup_job_id":       knownvalue.Null(),
					}),
				})),
				statecheck.ExpectKnownValue("data.backup_copy_jobs.none", tfjsonpath.New("copy_jobs"), knownvalue.ListSizeExact(0)),
			},
		}},
	})
}

func TestAccCopyJobsDataSource_refusesABadTimestamp(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      env.ProviderConfig() + `data "backup_copy_jobs" "bad" { created_after = "yesterday" }`,
			ExpectError: regexp.MustCompile(`"yesterday" is not an RFC 3339 timestamp`),
		}},
	})
}
