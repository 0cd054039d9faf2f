package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/service"
)

// accStart is where the acceptance tests' fake engine clocks start.
var accStart = time.Date(2032, 5, 1, 9, 30, 0, 0, time.UTC)

const accDay = 24 * time.Hour

func vaultLockConfig(env *testAccEnv, lockArgs string) string {
	return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_vault" "test" {
  name = "locked-vault"
}

resource "backup_vault_lock" "test" {
  backup_vault_name = backup_vault.test.name
%s
}
`, lockArgs)
}

func TestAccVaultLock_headerNameMatchesTheEngine(t *testing.T) {
	if awsbackup.HeaderLockChangeableForDays != service.HeaderLockChangeableForDays {
		t.Fatalf("awsbackup reads %q, the engine writes %q", awsbackup.HeaderLockChangeableForDays, service.HeaderLockChangeableForDays)
	}
}

// A lock moves from governance to compliance and back, and has its range changed, all in place,
// while the engine allows changes; each state imports without changes.
func TestAccVaultLock_updatesInPlaceAndImportsClean(t *testing.T) {
	fake := clock.NewFake(accStart)
	env := newTestAccEnvWithClock(t, fake)
	lockDate := func(days int) string { return accStart.Add(time.Duration(days) * accDay).Format(time.RFC3339) }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: vaultLockConfig(env, `  min_retention_days = 7
  max_retention_days = 30`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("id"), knownvalue.StringExact("locked-vault")),
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("backup_vault_arn"),
						knownvalue.StringExact("arn:aws:backup:us-east-1:"+env.AccountID()+":backup-vault:locked-vault")),
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("mode"), knownvalue.StringExact("GOVERNANCE")),
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("locked"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("lock_date"), knownvalue.Null()),
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("changeable_for_days"), knownvalue.Null()),
				},
				Check: testAccCheckRemoteLock(env, "locked-vault", "min=7 max=30 lockDate=none"),
			},
			{
				ResourceName: "backup_vault_lock.test", ImportState: true, ImportStateId: "locked-vault", ImportStateVerify: true,
			},
			{
				// A governance lock's range changes in place.
				Config: vaultLockConfig(env, `  min_retention_days = 14
  max_retention_days = 60`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_vault_lock.test", plancheck.ResourceActionUpdate),
				}},
				Check: testAccCheckRemoteLock(env, "locked-vault", "min=14 max=60 lockDate=none"),
			},
			{
				// Adding changeable_for_days turns it into a compliance lock, in place; the lock date is
				// the engine's now plus that many days.
				PreConfig: func() { fake.Advance(accDay) },
				Config: vaultLockConfig(env, `  min_retention_days  = 14
  max_retention_days  = 60
  changeable_for_days = 30`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_vault_lock.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("mode"), knownvalue.StringExact("COMPLIANCE")),
					plancheck.ExpectUnknownValue("backup_vault_lock.test", tfjsonpath.New("lock_date")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("mode"), knownvalue.StringExact("COMPLIANCE")),
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("lock_date"), knownvalue.StringExact(lockDate(31))),
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("changeable_for_days"), knownvalue.Int64Exact(30)),
				},
				Check: testAccCheckRemoteLock(env, "locked-vault", "min=14 max=60 lockDate="+lockDate(31)),
			},
			{
				// Inside the grace time the compliance lock's range still changes in place.
				PreConfig: func() { fake.Advance(2 * accDay) },
				Config: vaultLockConfig(env, `  min_retention_days  = 7
  max_retention_days  = 90
  changeable_for_days = 30`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_vault_lock.test", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("lock_date"), knownvalue.StringExact(lockDate(33))),
				},
				Check: testAccCheckRemoteLock(env, "locked-vault", "min=7 max=90 lockDate="+lockDate(33)),
			},
			{
				// The compliance lock imports with its changeable_for_days, so the import plans nothing
				// (aws_backup_vault_lock_configuration would plan a replacement here)...
				ResourceName: "backup_vault_lock.test", ImportState: true, ImportStateId: "locked-vault",
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				// ...and the imported state is exactly the state Terraform made.
				ResourceName: "backup_vault_lock.test", ImportState: true, ImportStateId: "locked-vault", ImportStateVerify: true,
			},
			{
				// Back to governance before the lock date: in place.
				Config: vaultLockConfig(env, `  min_retention_days = 7
  max_retention_days = 90`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_vault_lock.test", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("mode"), knownvalue.StringExact("GOVERNANCE")),
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("lock_date"), knownvalue.Null()),
				},
				Check: testAccCheckRemoteLock(env, "locked-vault", "min=7 max=90 lockDate=none"),
			},
		},
		CheckDestroy: testAccCheckNoLock(env, "locked-vault"),
	})
}

// The story the AWS provider gets wrong twice: a compliance lock is imported without a plan, and
// once its lock date has passed it cannot be changed or destroyed, with diagnostics that say why
// and what to do; removing it from state is the way out.
func TestAccVaultLock_complianceLockAfterItsLockDate(t *testing.T) {
	fake := clock.NewFake(accStart)
	env := newTestAccEnvWithClock(t, fake)
	lockArgs := `  min_retention_days  = 7
  changeable_for_days = 3`
	vaultOnly := env.ProviderConfig() + `
resource "backup_vault" "test" {
  name = "locked-vault"
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: vaultLockConfig(env, lockArgs),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("lock_date"), knownvalue.StringExact(accStart.Add(3*accDay).Format(time.RFC3339))),
				},
			},
			{
				// Past the lock date: the lock is immutable.
				PreConfig:    func() { fake.Advance(4 * accDay) },
				ResourceName: "backup_vault_lock.test", ImportState: true, ImportStateId: "locked-vault",
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				ResourceName: "backup_vault_lock.test", ImportState: true, ImportStateId: "locked-vault", ImportStateVerify: true,
			},
			{
				Config:      vaultLockConfig(env, "  min_retention_days  = 1\n  changeable_for_days = 3"),
				ExpectError: regexp.MustCompile(`Cannot change an immutable vault lock[\s\S]*compliance mode[\s\S]*Revert the configuration`),
			},
			{
				// Destroying the lock is refused, and the diagnostic says to drop it from state.
				Config:      vaultOnly,
				ExpectError: regexp.MustCompile(`Cannot remove an immutable vault lock[\s\S]*lock date[\s\S]*immutable[\s\S]*terraform state rm backup_vault_lock`),
			},
			{
				// The way out the diagnostic offers: forget the lock without destroying it.
				Config: vaultOnly + `
removed {
  from = backup_vault_lock.test
  lifecycle {
    destroy = false
  }
}
`,
				Check: testAccCheckRemoteLock(env, "locked-vault", "min=7 max=none lockDate="+accStart.Add(3*accDay).Format(time.RFC3339)),
			},
		},
		// The empty vault is deleted even under its immutable lock, and the lock goes with it.
		CheckDestroy: testAccCheckVaultDestroyed(env, "locked-vault"),
	})
}

func TestAccVaultLock_disappears(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: vaultLockConfig(env, "  max_retention_days = 30"),
				Check: func(*terraform.State) error {
					_, err := env.Client.DeleteBackupVaultLockConfiguration(context.Background(), &backup.DeleteBackupVaultLockConfigurationInput{BackupVaultName: aws.String("locked-vault")})
					return err
				},
				ExpectNonEmptyPlan: true,
			},
			{
				// Read dropped it from state; the next apply puts it back.
				Config: vaultLockConfig(env, "  max_retention_days = 30"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_vault_lock.test", plancheck.ResourceActionCreate),
				}},
				Check: testAccCheckRemoteLock(env, "locked-vault", "min=none max=30 lockDate=none"),
			},
		},
	})
}

func TestAccVaultLock_refusesToOverwriteAnExistingLock(t *testing.T) {
	env := newTestAccEnv(t)
	ctx := context.Background()
	if _, err := env.Client.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("prelocked")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("prelocked"), MinRetentionDays: aws.Int64(30)}); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
resource "backup_vault_lock" "test" {
  backup_vault_name  = "prelocked"
  min_retention_days = 1
}`,
			ExpectError: regexp.MustCompile(`already has a GOVERNANCE-mode vault lock[\s\S]*terraform import`),
		}},
	})
	if err := testAccCheckRemoteLock(env, "prelocked", "min=30 max=none lockDate=none")(nil); err != nil {
		t.Error(err)
	}
}

func TestAccVaultLock_invalidConfigurationIsCaughtAtPlan(t *testing.T) {
	env := newTestAccEnv(t)
	cases := map[string]struct {
		args string
		want *regexp.Regexp
	}{
		"min above max":         {"  min_retention_days = 40\n  max_retention_days = 30", regexp.MustCompile(`min_retention_days\s+\(40\)\s+must\s+not\s+be\s+greater\s+than\s+max_retention_days\s+\(30\)`)},
		"changeable for 2 days": {"  changeable_for_days = 2", regexp.MustCompile(`changeable_for_days\s+must\s+be\s+at\s+least\s+3,\s+got\s+2`)},
		"max beyond 100 years":  {"  max_retention_days = 36501", regexp.MustCompile(`max_retention_days\s+must\s+be\s+at\s+most\s+36500`)},
		"min of zero":           {"  min_retention_days = 0", regexp.MustCompile(`min_retention_days\s+must\s+be\s+at\s+least\s+1,\s+got\s+0`)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: env.ProviderConfig() + fmt.Sprintf(`
resource "backup_vault_lock" "test" {
  backup_vault_name = "some-vault"
%s
}`, tc.args),
					PlanOnly:    true,
					ExpectError: tc.want,
				}},
			})
		})
	}
}

// testAccCheckRemoteLock compares a vault's lock, as the API describes it, with
// "min=M max=N lockDate=RFC3339" ("none" for unset).
func testAccCheckRemoteLock(env *testAccEnv, vault, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		l, err := awsbackup.FindVaultLock(context.Background(), env.Client, vault)
		if err != nil {
			return err
		}
		show := func(p *int64) string {
			if p == nil {
				return "none"
			}
			return fmt.Sprint(*p)
		}
		date := "none"
		if l.LockDate != nil {
			date = l.LockDate.UTC().Format(time.RFC3339)
		}
		if got := fmt.Sprintf("min=%s max=%s lockDate=%s", show(l.MinRetentionDays), show(l.MaxRetentionDays), date); got != want {
			return fmt.Errorf("remote lock of %s: %s, want %s", vault, got, want)
		}
		return nil
	}
}

func testAccCheckNoLock(env *testAccEnv, vault string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		_, err := awsbackup.FindVaultLock(context.Background(), env.Client, vault)
		if awsbackup.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("backup vault %s is still locked", vault)
	}
}

// Only backup_vault_name forces a replacement: the lock leaves the old vault and locks the new one.
func TestAccVaultLock_movingToAnotherVaultReplaces(t *testing.T) {
	env := newTestAccEnv(t)
	config := func(target string) string {
		return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_vault" "a" {
  name = "vault-a"
}

resource "backup_vault" "b" {
  name = "vault-b"
}

resource "backup_vault_lock" "test" {
  backup_vault_name  = backup_vault.%s.name
  max_retention_days = 30
}
`, target)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config("a"), Check: testAccCheckRemoteLock(env, "vault-a", "min=none max=30 lockDate=none")},
			{
				Config: config("b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_vault_lock.test", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault_lock.test", tfjsonpath.New("backup_vault_arn"),
						knownvalue.StringExact("arn:aws:backup:us-east-1:"+env.AccountID()+":backup-vault:vault-b")),
				},
				Check: resource.ComposeTestCheckFunc(
					testAccCheckNoLock(env, "vault-a"),
					testAccCheckRemoteLock(env, "vault-b", "min=none max=30 lockDate=none"),
				),
			},
		},
	})
}
