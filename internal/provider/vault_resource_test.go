package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

func TestAccVault_createsImportsAndPlansClean(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + `
resource "backup_vault" "test" {
  name = "prod-primary-vault"
}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("id"), knownvalue.StringExact("prod-primary-vault")),
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("arn"),
						knownvalue.StringExact("arn:aws:backup:us-east-1:"+env.AccountID()+":backup-vault:prod-primary-vault")),
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("kms_key_arn"),
						knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:kms:us-east-1:`+env.AccountID()+`:key/[0-9a-f-]{36}$`))),
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("recovery_points"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("force_destroy"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("tags"), knownvalue.Null()),
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("tags_all"), knownvalue.MapExact(map[string]knownvalue.Check{})),
				},
				Check: testAccCheckVaultExists(env, "prod-primary-vault"),
			},
			{
				ResourceName:      "backup_vault.test",
				ImportState:       true,
				ImportStateId:     "prod-primary-vault",
				ImportStateVerify: true,
			},
		},
		CheckDestroy: testAccCheckVaultDestroyed(env, "prod-primary-vault"),
	})
}

func TestAccVault_tagsUpdateInPlace(t *testing.T) {
	env := newTestAccEnv(t)
	config := func(tags string) string {
		return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_vault" "test" {
  name = "tagged"
  %s
}`, tags)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(`tags = { team = "platform", cost = "1" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
						"team": knownvalue.StringExact("platform"), "cost": knownvalue.StringExact("1"),
					})),
				},
			},
			{
				Config: config(`tags = { team = "storage", env = "prod" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_vault.test", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("tags_all"), knownvalue.MapExact(map[string]knownvalue.Check{
						"team": knownvalue.StringExact("storage"), "env": knownvalue.StringExact("prod"),
					})),
				},
				Check: testAccCheckRemoteTags(env, "tagged", map[string]string{"team": "storage", "env": "prod"}),
			},
			{
				Config: config(``),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_vault.test", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("tags"), knownvalue.Null()),
				},
				Check: testAccCheckRemoteTags(env, "tagged", map[string]string{}),
			},
		},
	})
}

func TestAccVault_defaultTagsMergeWithoutDiff(t *testing.T) {
	env := newTestAccEnv(t)
	config := func(resourceTags string) string {
		return env.ProviderConfigWith(`  default_tags {
    tags = { managed_by = "terraform", env = "dev" }
  }`) + fmt.Sprintf(`
resource "backup_vault" "test" {
  name = "defaults"
  %s
}`, resourceTags)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(`tags = { env = "prod", team = "a" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
						"env": knownvalue.StringExact("prod"), "team": knownvalue.StringExact("a"),
					})),
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("tags_all"), knownvalue.MapExact(map[string]knownvalue.Check{
						"managed_by": knownvalue.StringExact("terraform"), "env": knownvalue.StringExact("prod"), "team": knownvalue.StringExact("a"),
					})),
				},
				Check: testAccCheckRemoteTags(env, "defaults", map[string]string{"managed_by": "terraform", "env": "prod", "team": "a"}),
			},
			{
				// A resource tag equal to a default tag stays in tags and plans clean.
				Config: config(`tags = { managed_by = "terraform" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
						"managed_by": knownvalue.StringExact("terraform"),
					})),
				},
				Check: testAccCheckRemoteTags(env, "defaults", map[string]string{"managed_by": "terraform", "env": "dev"}),
			},
		},
	})
}

func TestAccVault_disappears(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
resource "backup_vault" "test" {
  name = "ephemeral"
}`,
			Check: resource.ComposeTestCheckFunc(
				testAccCheckVaultExists(env, "ephemeral"),
				func(*terraform.State) error {
					_, err := env.Client.DeleteBackupVault(context.Background(), &backup.DeleteBackupVaultInput{BackupVaultName: aws.String("ephemeral")})
					return err
				},
			),
			ExpectNonEmptyPlan: true,
		}},
	})
}

func TestAccVault_invalidNameIsCaughtAtPlan(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
resource "backup_vault" "test" {
  name = "has.dots"
}`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`must be 2 to 50 characters: letters, digits, hyphens`),
		}},
	})
}

func TestAccVault_duplicateNameFailsWithAlreadyExists(t *testing.T) {
	env := newTestAccEnv(t)
	if _, err := env.Client.CreateBackupVault(context.Background(), &backup.CreateBackupVaultInput{BackupVaultName: aws.String("taken")}); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
resource "backup_vault" "test" {
  name = "taken"
}`,
			ExpectError: regexp.MustCompile(`AlreadyExistsException[\s\S]*terraform import`),
		}},
	})
}

func TestAccVault_kmsKeyChangeReplaces(t *testing.T) {
	env := newTestAccEnv(t)
	config := func(key string) string {
		return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_vault" "test" {
  name        = "keyed"
  kms_key_arn = "arn:aws:kms:us-east-1:%s:key/%s"
}`, env.AccountID(), key)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config("11111111-1111-1111-1111-111111111111")},
			{
				Config: config("22222222-2222-2222-2222-222222222222"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_vault.test", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("kms_key_arn"),
						knownvalue.StringExact("arn:aws:kms:us-east-1:"+env.AccountID()+":key/22222222-2222-2222-2222-222222222222")),
				},
			},
		},
	})
}

func TestAccVault_worksAgainstAnEngineDaemon(t *testing.T) {
	srv := enginetestStart(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "backup" {
  endpoint   = %q
  region     = "eu-west-1"
  access_key = %q
  secret_key = %q
}

resource "backup_vault" "test" {
  name = "dr-vault"
}`, srv.URL, srv.Key.AccessKeyID, srv.Key.SecretAccessKey),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("backup_vault.test", tfjsonpath.New("arn"),
					knownvalue.StringExact("arn:aws:backup:eu-west-1:"+srv.Key.AccountID+":backup-vault:dr-vault")),
			},
		}},
	})
}

func enginetestStart(t *testing.T) *enginetest.Server {
	return enginetest.Start(t, engineOptions())
}

func testAccCheckVaultExists(env *testAccEnv, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		_, err := awsbackup.FindVaultByName(context.Background(), env.Client, name)
		return err
	}
}

func testAccCheckVaultDestroyed(env *testAccEnv, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		_, err := awsbackup.FindVaultByName(context.Background(), env.Client, name)
		if awsbackup.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("backup vault %s still exists", name)
	}
}

func testAccCheckRemoteTags(env *testAccEnv, vault string, want map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx := context.Background()
		v, err := awsbackup.FindVaultByName(ctx, env.Client, vault)
		if err != nil {
			return err
		}
		got, err := awsbackup.ListTags(ctx, env.Client, aws.ToString(v.BackupVaultArn))
		if err != nil {
			return err
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("remote tags = %v, want %v", got, want)
		}
		return nil
	}
}
