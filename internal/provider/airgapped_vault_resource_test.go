package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

func airGappedConfig(env *testAccEnv, minDays, maxDays int, extra string) string {
	return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_logically_air_gapped_vault" "test" {
  name               = "isolated-vault"
  min_retention_days = %d
  max_retention_days = %d
%s
}
`, minDays, maxDays, extra)
}

func TestAccAirGappedVault_createsTagsInPlaceAndReplacesOnRetention(t *testing.T) {
	fake := clock.NewFake(accStart)
	env := newTestAccEnvWithClock(t, fake)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: airGappedConfig(env, 7, 35, `  tags = { tier = "dr" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_logically_air_gapped_vault.test", tfjsonpath.New("id"), knownvalue.StringExact("isolated-vault")),
					statecheck.ExpectKnownValue("backup_logically_air_gapped_vault.test", tfjsonpath.New("arn"),
						knownvalue.StringExact("arn:aws:backup:us-east-1:"+env.AccountID()+":backup-vault:isolated-vault")),
					statecheck.ExpectKnownValue("backup_logically_air_gapped_vault.test", tfjsonpath.New("vault_state"), knownvalue.StringExact("AVAILABLE")),
					statecheck.ExpectKnownValue("backup_logically_air_gapped_vault.test", tfjsonpath.New("tags_all"), knownvalue.MapExact(map[string]knownvalue.Check{
						"tier": knownvalue.StringExact("dr"),
					})),
				},
				Check: testAccCheckAirGapped(env, "isolated-vault", 7, 35, accStart),
			},
			{
				ResourceName: "backup_logically_air_gapped_vault.test", ImportState: true, ImportStateId: "isolated-vault", ImportStateVerify: true,
			},
			{
				ResourceName: "backup_logically_air_gapped_vault.test", ImportState: true, ImportStateId: "isolated-vault",
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				// Tags change in place.
				Config: airGappedConfig(env, 7, 35, `  tags = { tier = "dr", team = "platform" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_logically_air_gapped_vault.test", plancheck.ResourceActionUpdate),
				}},
				Check: testAccCheckRemoteTags(env, "isolated-vault", map[string]string{"tier": "dr", "team": "platform"}),
			},
			{
				// The API cannot change the retention range: the vault is replaced, and the new one is
				// locked from its own creation.
				PreConfig: func() { fake.Advance(accDay) },
				Config:    airGappedConfig(env, 14, 90, `  tags = { tier = "dr", team = "platform" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_logically_air_gapped_vault.test", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: testAccCheckAirGapped(env, "isolated-vault", 14, 90, accStart.Add(accDay)),
			},
		},
		CheckDestroy: testAccCheckVaultDestroyed(env, "isolated-vault"),
	})
}

func TestAccAirGappedVault_disappears(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: airGappedConfig(env, 7, 30, ""),
			Check: func(*terraform.State) error {
				_, err := env.Client.DeleteBackupVault(context.Background(), &backup.DeleteBackupVaultInput{BackupVaultName: aws.String("isolated-vault")})
				return err
			},
			ExpectNonEmptyPlan: true,
		}},
	})
}

func TestAccAirGappedVault_lockCannotBeManagedSeparately(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: airGappedConfig(env, 7, 30, "") + `
resource "backup_vault_lock" "test" {
  backup_vault_name  = backup_logically_air_gapped_vault.test.name
  min_retention_days = 1
}
`,
			ExpectError: regexp.MustCompile(`Vault is logically air-gapped[\s\S]*cannot be set with backup_vault_lock`),
		}},
	})
}

func TestAccAirGappedVault_invalidConfigurationIsCaughtAtPlan(t *testing.T) {
	env := newTestAccEnv(t)
	cases := map[string]struct {
		min, max int
		want     *regexp.Regexp
	}{
		"min below 7":  {6, 30, regexp.MustCompile(`min_retention_days\s+must\s+be\s+at\s+least\s+7,\s+got\s+6`)},
		"max too long": {7, 36501, regexp.MustCompile(`max_retention_days\s+must\s+be\s+at\s+most\s+36500`)},
		"min over max": {60, 30, regexp.MustCompile(`min_retention_days\s+\(60\)\s+must\s+not\s+be\s+greater\s+than\s+max_retention_days\s+\(30\)`)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: airGappedConfig(env, tc.min, tc.max, ""), PlanOnly: true, ExpectError: tc.want}},
			})
		})
	}
}

// testAccCheckAirGapped checks a vault is air-gapped and compliance-locked with the range, since
// its creation at created.
func testAccCheckAirGapped(env *testAccEnv, name string, minDays, maxDays int64, created time.Time) resource.TestCheckFunc {
	return func(*terraform.State) error {
		l, err := awsbackup.FindVaultLock(context.Background(), env.Client, name)
		if err != nil {
			return err
		}
		if l.VaultType != types.VaultTypeLogicallyAirGappedBackupVault || l.Mode() != awsbackup.LockModeCompliance ||
			aws.ToInt64(l.MinRetentionDays) != minDays || aws.ToInt64(l.MaxRetentionDays) != maxDays || !l.LockDate.Equal(created) {
			return fmt.Errorf("vault %s: type %s, %s lock %v..%v since %v; want air-gapped, compliance %d..%d since %v",
				name, l.VaultType, l.Mode(), aws.ToInt64(l.MinRetentionDays), aws.ToInt64(l.MaxRetentionDays), l.LockDate, minDays, maxDays, created)
		}
		return nil
	}
}
