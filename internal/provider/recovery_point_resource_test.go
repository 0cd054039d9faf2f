package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

func httpClient(e *engine.Engine) *http.Client {
	return &http.Client{Transport: e.InProcessTransport()}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

var recoveryPointARN = regexp.MustCompile(`^arn:aws:backup:us-east-1:[0-9]{12}:recovery-point:[0-9a-f-]{36}$`)

// The story the issue asks for, in Terraform: register a directory, back it up, find the point
// through the data sources, restore it to a new directory, and get the same bytes back.
func TestAccRecoveryPoint_backupListRestoreRoundTrip(t *testing.T) {
	env := newTestAccEnv(t)
	src := filepath.Join(t.TempDir(), "app-data")
	enginetest.WriteTree(t, src, 11)
	dest := filepath.Join(t.TempDir(), "restored")
	config := env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "app" {
  type = "EFS"
  path = %q
  tags = { Backup = "true" }
}

resource "backup_vault" "primary" {
  name = "prod-primary-vault"
}

resource "backup_recovery_point" "now" {
  vault_name         = backup_vault.primary.name
  resource_arn       = backup_protected_resource.app.arn
  cold_storage_after = 30
  delete_after       = 365
  tags               = { reason = "before-migration" }
}

data "backup_recovery_points" "efs" {
  vault_name    = backup_vault.primary.name
  resource_type = "EFS"
  depends_on    = [backup_recovery_point.now]
}

data "backup_recovery_point" "latest" {
  vault_name         = backup_vault.primary.name
  recovery_point_arn = data.backup_recovery_points.efs.arns[length(data.backup_recovery_points.efs.arns) - 1]
}

resource "backup_restore_job" "copy" {
  recovery_point_arn = data.backup_recovery_point.latest.recovery_point_arn
  metadata = merge(data.backup_recovery_point.latest.restore_metadata, {
    "destination-path" = %q
  })
}
`, src, dest)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_recovery_point.now", tfjsonpath.New("arn"), knownvalue.StringRegexp(recoveryPointARN)),
					statecheck.ExpectKnownValue("backup_recovery_point.now", tfjsonpath.New("status"), knownvalue.StringExact("COMPLETED")),
					statecheck.ExpectKnownValue("backup_recovery_point.now", tfjsonpath.New("resource_type"), knownvalue.StringExact("EFS")),
					statecheck.ExpectKnownValue("backup_recovery_point.now", tfjsonpath.New("resource_name"), knownvalue.StringExact("app-data")),
					statecheck.ExpectKnownValue("backup_recovery_point.now", tfjsonpath.New("storage_class"), knownvalue.StringExact("WARM")),
					statecheck.ExpectKnownValue("backup_recovery_point.now", tfjsonpath.New("backup_job_id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9A-F-]{36}$`))),
					statecheck.ExpectKnownValue("backup_recovery_point.now", tfjsonpath.New("iam_role_arn"),
						knownvalue.StringExact("arn:aws:iam::"+env.AccountID()+":role/service-role/AWSBackupDefaultServiceRole")),
					statecheck.ExpectKnownValue("data.backup_recovery_points.efs", tfjsonpath.New("recovery_points"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.backup_recovery_points.efs", tfjsonpath.New("recovery_points").AtSliceIndex(0).AtMapKey("resource_type"), knownvalue.StringExact("EFS")),
					statecheck.ExpectKnownValue("data.backup_recovery_point.latest", tfjsonpath.New("restore_metadata").AtMapKey("source-path"), knownvalue.StringExact(src)),
					statecheck.ExpectKnownValue("data.backup_recovery_point.latest", tfjsonpath.New("restore_metadata").AtMapKey("newFileSystem"), knownvalue.StringExact("true")),
					statecheck.ExpectKnownValue("data.backup_recovery_point.latest", tfjsonpath.New("delete_after"), knownvalue.Int64Exact(365)),
					statecheck.ExpectKnownValue("data.backup_recovery_point.latest", tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
						"reason": knownvalue.StringExact("before-migration")})),
					statecheck.ExpectKnownValue("backup_restore_job.copy", tfjsonpath.New("status"), knownvalue.StringExact("COMPLETED")),
					statecheck.ExpectKnownValue("backup_restore_job.copy", tfjsonpath.New("destination_path"), knownvalue.StringExact(dest)),
					statecheck.ExpectKnownValue("backup_restore_job.copy", tfjsonpath.New("created_resource_arn"), knownvalue.StringRegexp(efsARN)),
				},
				Check: resource.ComposeTestCheckFunc(
					func(*terraform.State) error {
						if diffs := enginetest.DiffTrees(t, src, dest); len(diffs) > 0 {
							return fmt.Errorf("restored tree differs from the source:\n%s", strings.Join(diffs, "\n"))
						}
						return nil
					},
					resource.TestCheckResourceAttrPair("backup_recovery_point.now", "arn", "data.backup_recovery_point.latest", "id"),
					resource.TestCheckResourceAttrPair("backup_restore_job.copy", "source_resource_arn", "backup_protected_resource.app", "arn"),
				),
			},
			{
				ResourceName:      "backup_recovery_point.now",
				ImportState:       true,
				ImportStateVerify: true,
				// An imported point has no job or triggers of its own.
				ImportStateVerifyIgnore: []string{"backup_job_id", "timeouts"},
			},
			{
				ResourceName: "backup_recovery_point.now",
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return "prod-primary-vault|" + s.RootModule().Resources["backup_recovery_point.now"].Primary.ID, nil
				},
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"backup_job_id", "timeouts"},
			},
			{
				ResourceName:            "backup_restore_job.copy",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

func TestAccRecoveryPoint_lifecycleAndTagsUpdateInPlace(t *testing.T) {
	env := newTestAccEnv(t)
	src := t.TempDir()
	enginetest.WriteTree(t, src, 12)
	config := func(extra string) string {
		return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "app" {
  type = "EFS"
  path = %q
}
resource "backup_vault" "v" {
  name = "lifecycle-vault"
}
resource "backup_recovery_point" "p" {
  vault_name   = backup_vault.v.name
  resource_arn = backup_protected_resource.app.arn
  %s
}`, src, extra)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(``),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_recovery_point.p", tfjsonpath.New("delete_after"), knownvalue.Null()),
					statecheck.ExpectKnownValue("backup_recovery_point.p", tfjsonpath.New("calculated_lifecycle"), knownvalue.Null()),
				},
			},
			{
				Config: config(`delete_after = 35
  tags = { keep = "short" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_recovery_point.p", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_recovery_point.p", tfjsonpath.New("delete_after"), knownvalue.Int64Exact(35)),
					statecheck.ExpectKnownValue("backup_recovery_point.p", tfjsonpath.New("calculated_lifecycle").AtMapKey("delete_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("backup_recovery_point.p", tfjsonpath.New("tags_all"), knownvalue.MapExact(map[string]knownvalue.Check{
						"keep": knownvalue.StringExact("short")})),
				},
			},
			{
				// New triggers take a new backup.
				Config: config(`delete_after = 35
  tags = { keep = "short" }
  triggers = { release = "v2" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_recovery_point.p", plancheck.ResourceActionDestroyBeforeCreate),
				}},
			},
		},
	})
}

func TestAccRecoveryPoint_lifecycleRuleIsCaughtAtPlan(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
resource "backup_recovery_point" "p" {
  vault_name         = "v1"
  resource_arn       = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-00000000000000000"
  cold_storage_after = 30
  delete_after       = 60
}`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`delete_after\s+\(60\)\s+must\s+be\s+at\s+least\s+cold_storage_after\s+\+\s+90\s+=\s+120`),
		}},
	})
}

func TestAccRecoveryPoint_disappears(t *testing.T) {
	env := newTestAccEnv(t)
	src := t.TempDir()
	enginetest.WriteTree(t, src, 13)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "app" {
  type = "EFS"
  path = %q
}
resource "backup_vault" "v" {
  name = "gone-vault"
}
resource "backup_recovery_point" "p" {
  vault_name   = backup_vault.v.name
  resource_arn = backup_protected_resource.app.arn
}`, src),
			Check: func(s *terraform.State) error {
				_, err := env.Client.DeleteRecoveryPoint(context.Background(), &backup.DeleteRecoveryPointInput{
					BackupVaultName: aws.String("gone-vault"), RecoveryPointArn: aws.String(s.RootModule().Resources["backup_recovery_point.p"].Primary.ID)})
				return err
			},
			ExpectNonEmptyPlan: true,
		}},
	})
}

// A backup whose source is gone fails the apply with the job's StatusMessage, and leaves nothing
// in state.
func TestAccRecoveryPoint_failedBackupIsAnErrorThatSaysWhy(t *testing.T) {
	env := newTestAccEnv(t)
	src := filepath.Join(t.TempDir(), "vanishing")
	mkdir(t, src)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "app" {
  type = "EFS"
  path = %q
}
resource "backup_vault" "v" {
  name = "fail-vault"
}`, src),
				Check: func(*terraform.State) error { return os.Remove(src) },
			},
			{
				Config: env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "app" {
  type = "EFS"
  path = %q
}
resource "backup_vault" "v" {
  name = "fail-vault"
}
resource "backup_recovery_point" "p" {
  vault_name   = backup_vault.v.name
  resource_arn = backup_protected_resource.app.arn
}`, src),
				ExpectError: regexp.MustCompile(`Backup job [0-9A-F-]+ ended FAILED[\s\S]*does\s+not\s+exist\s+any\s+more`),
			},
		},
	})
}

func TestAccRestoreJob_refusesANonEmptyDestination(t *testing.T) {
	env := newTestAccEnv(t)
	src := t.TempDir()
	enginetest.WriteTree(t, src, 14)
	occupied := t.TempDir()
	if err := os.WriteFile(filepath.Join(occupied, "precious"), []byte("do not touch"), 0o600); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "app" {
  type = "EFS"
  path = %q
}
resource "backup_vault" "v" {
  name = "restore-vault"
}
resource "backup_recovery_point" "p" {
  vault_name   = backup_vault.v.name
  resource_arn = backup_protected_resource.app.arn
}
resource "backup_restore_job" "r" {
  recovery_point_arn = backup_recovery_point.p.arn
  metadata = {
    newFileSystem      = "true"
    "destination-path" = %q
  }
}`, src, occupied),
			ExpectError: regexp.MustCompile(`InvalidParameterValueException[\s\S]*is\s+not\s+empty`),
		}},
	})
	if b, _ := os.ReadFile(filepath.Join(occupied, "precious")); string(b) != "do not touch" {
		t.Errorf("the refused restore touched the destination")
	}
}

func TestAccRecoveryPoints_filters(t *testing.T) {
	env := newTestAccEnv(t)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	enginetest.WriteTree(t, a, 15)
	enginetest.WriteTree(t, b, 16)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "a" {
  type = "EFS"
  path = %q
}
resource "backup_protected_resource" "b" {
  type = "EFS"
  path = %q
}
resource "backup_vault" "v1" {
  name = "filter-one"
}
resource "backup_vault" "v2" {
  name = "filter-two"
}
resource "backup_recovery_point" "a1" {
  vault_name   = backup_vault.v1.name
  resource_arn = backup_protected_resource.a.arn
}
resource "backup_recovery_point" "b2" {
  vault_name   = backup_vault.v2.name
  resource_arn = backup_protected_resource.b.arn
}
data "backup_recovery_points" "all" {
  depends_on = [backup_recovery_point.a1, backup_recovery_point.b2]
}
data "backup_recovery_points" "of_b" {
  resource_arn = backup_protected_resource.b.arn
  depends_on   = [backup_recovery_point.a1, backup_recovery_point.b2]
}
data "backup_recovery_points" "in_v1" {
  vault_name = backup_vault.v1.name
  status     = "COMPLETED"
  depends_on = [backup_recovery_point.a1, backup_recovery_point.b2]
}
data "backup_recovery_points" "future" {
  created_after = "2999-01-01T00:00:00Z"
  depends_on    = [backup_recovery_point.a1, backup_recovery_point.b2]
}
data "backup_recovery_points" "rds" {
  resource_type = "RDS"
  depends_on    = [backup_recovery_point.a1, backup_recovery_point.b2]
}`, a, b),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.backup_recovery_points.all", tfjsonpath.New("arns"), knownvalue.ListSizeExact(2)),
				statecheck.ExpectKnownValue("data.backup_recovery_points.of_b", tfjsonpath.New("recovery_points"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"vault_name": knownvalue.StringExact("filter-two")}),
				})),
				statecheck.ExpectKnownValue("data.backup_recovery_points.in_v1", tfjsonpath.New("recovery_points"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"resource_name": knownvalue.StringExact("a")}),
				})),
				statecheck.ExpectKnownValue("data.backup_recovery_points.future", tfjsonpath.New("arns"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue("data.backup_recovery_points.rds", tfjsonpath.New("arns"), knownvalue.ListSizeExact(0)),
			},
		}},
	})
}

// force_destroy on a vault deletes the recovery points in it, which a plain destroy refuses.
func TestAccVault_forceDestroyDeletesRecoveryPoints(t *testing.T) {
	env := newTestAccEnv(t)
	src := t.TempDir()
	enginetest.WriteTree(t, src, 17)
	config := func(force bool) string {
		return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "app" {
  type = "EFS"
  path = %q
}
resource "backup_vault" "v" {
  name          = "doomed-vault"
  force_destroy = %t
}`, src, force)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(true),
				Check: func(s *terraform.State) error {
					// A backup taken outside Terraform, which the vault's destroy must remove.
					out, err := env.Client.StartBackupJob(context.Background(), &backup.StartBackupJobInput{BackupVaultName: aws.String("doomed-vault"),
						ResourceArn: aws.String(s.RootModule().Resources["backup_protected_resource.app"].Primary.ID),
						IamRoleArn:  aws.String("arn:aws:iam::" + env.AccountID() + ":role/service-role/AWSBackupDefaultServiceRole")})
					if err != nil {
						return err
					}
					_, err = awsbackup.WaitBackupJobCompleted(context.Background(), env.Client, aws.ToString(out.BackupJobId), time.Minute, nil)
					return err
				},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			_, err := env.Client.DescribeBackupVault(context.Background(), &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("doomed-vault")})
			if !awsbackup.IsNotFound(err) && awsbackup.ErrorCode(err) != "ResourceNotFoundException" {
				return fmt.Errorf("the vault survived its destroy: %v", err)
			}
			return nil
		},
	})
}

// force_destroy deletes nothing while a legal hold holds one of the vault's points: the destroy
// fails with a diagnostic naming the hold and what to do, both points are still there, and once
// the hold is cancelled the destroy deletes them and the vault.
func TestAccVault_forceDestroyRefusesWhileAPointIsHeld(t *testing.T) {
	env := newTestAccEnv(t)
	srcA, srcB := t.TempDir(), t.TempDir()
	enginetest.WriteTree(t, srcA, 18)
	enginetest.WriteTree(t, srcB, 19)
	config := env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "a" {
  type = "EFS"
  path = %q
}
resource "backup_protected_resource" "b" {
  type = "EFS"
  path = %q
}
resource "backup_vault" "v" {
  name          = "held-vault"
  force_destroy = true
}`, srcA, srcB)
	ctx := context.Background()
	var holdID string
	pointsLeft := func() int {
		out, err := env.Client.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("held-vault")})
		if err != nil {
			t.Fatalf("list the vault's points: %v", err)
		}
		return len(out.RecoveryPoints)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					// One backup of each resource, taken outside Terraform; a hold on a's only.
					for _, r := range []string{"a", "b"} {
						out, err := env.Client.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("held-vault"),
							ResourceArn: aws.String(s.RootModule().Resources["backup_protected_resource."+r].Primary.ID),
							IamRoleArn:  aws.String("arn:aws:iam::" + env.AccountID() + ":role/service-role/AWSBackupDefaultServiceRole")})
						if err != nil {
							return err
						}
						if _, err := awsbackup.WaitBackupJobCompleted(ctx, env.Client, aws.ToString(out.BackupJobId), time.Minute, nil); err != nil {
							return err
						}
					}
					hold, err := env.Client.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{Title: aws.String("matter-a"), Description: aws.String("resource a"),
						RecoveryPointSelection: &backuptypes.RecoveryPointSelection{ResourceIdentifiers: []string{s.RootModule().Resources["backup_protected_resource.a"].Primary.ID}}})
					if err != nil {
						return err
					}
					holdID = aws.ToString(hold.LegalHoldId)
					return nil
				},
			},
			{
				Config:      config,
				Destroy:     true,
				ExpectError: regexp.MustCompile(`Cannot force_destroy backup vault "held-vault"[\s\S]*deleted\s+nothing[\s\S]*1\s+of\s+its\s+2\s+recovery\s+points\s+is\s+protected[\s\S]*under\s+legal\s+hold\s+[0-9a-f-]{36}\s+\("matter-a"\)[\s\S]*Cancel\s+the\s+hold`),
			},
			{
				PreConfig: func() {
					if n := pointsLeft(); n != 2 {
						t.Fatalf("after the refused destroy the vault has %d points, want both", n)
					}
					if _, err := env.Client.CancelLegalHold(ctx, &backup.CancelLegalHoldInput{LegalHoldId: aws.String(holdID), CancelDescription: aws.String("matter closed")}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
			},
		},
		CheckDestroy: func(*terraform.State) error {
			_, err := env.Client.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("held-vault")})
			if awsbackup.ErrorCode(err) != "ResourceNotFoundException" {
				return fmt.Errorf("the vault survived its destroy once the hold was cancelled: %v", err)
			}
			return nil
		},
	})
}
