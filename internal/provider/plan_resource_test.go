package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
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
)

// regionClient is an SDK client on the test's engine in another region.
func (e *testAccEnv) regionClient(region string) *backup.Client {
	return backup.New(e.Client.Options(), func(o *backup.Options) { o.Region = region })
}

// createDRVault makes the guide's DR vault in eu-west-1 and returns its ARN. (A second provider
// block with another region cannot be used here: the test harness serves every provider
// configuration from one provider server, so the last configuration would win.)
func createDRVault(t *testing.T, env *testAccEnv) string {
	t.Helper()
	out, err := env.regionClient("eu-west-1").CreateBackupVault(context.Background(), &backup.CreateBackupVaultInput{BackupVaultName: aws.String("dr-vault")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.BackupVaultArn)
}

// guidePlanConfig is the guide's production plan: a daily rule with cold storage and a
// cross-region copy to the DR vault drARN, and a weekly rule kept five years.
func guidePlanConfig(env *testAccEnv, drARN string) string {
	return env.ProviderConfig() + `
resource "backup_vault" "primary" {
  name = "prod-primary-vault"
}

resource "backup_plan" "prod" {
  name = "prod-daily-backup-plan"

  rule {
    rule_name         = "DailyToUsEast1"
    target_vault_name = backup_vault.primary.name
    schedule          = "cron(0 2 * * ? *)" # 2 AM UTC daily
    start_window      = 60
    completion_window = 180

    lifecycle {
      cold_storage_after = 30
      delete_after       = 365
    }

    copy_action {
      destination_vault_arn = "` + drARN + `"

      lifecycle {
        delete_after = 90
      }
    }
  }

  rule {
    rule_name         = "WeeklyToUsEast1"
    target_vault_name = backup_vault.primary.name
    schedule          = "cron(0 3 ? * SUN *)" # Sunday 3 AM

    lifecycle {
      delete_after = 1825 # 5 years
    }
  }

  tags = {
    env = "prod"
  }
}
`
}

func TestAccPlan_guidePlanWithCrossRegionCopyPlansClean(t *testing.T) {
	env := newTestAccEnv(t)
	drARN := createDRVault(t, env)
	if drARN != "arn:aws:backup:eu-west-1:"+env.AccountID()+":backup-vault:dr-vault" {
		t.Fatalf("DR vault ARN %s", drARN)
	}
	rule := func(i int, attr ...any) tfjsonpath.Path {
		p := tfjsonpath.New("rule").AtSliceIndex(i)
		for _, a := range attr {
			switch v := a.(type) {
			case string:
				p = p.AtMapKey(v)
			case int:
				p = p.AtSliceIndex(v)
			}
		}
		return p
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: guidePlanConfig(env, drARN),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_plan.prod", tfjsonpath.New("arn"),
						knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:backup:us-east-1:`+env.AccountID()+`:backup-plan:[0-9a-f-]{36}$`))),
					statecheck.ExpectKnownValue("backup_plan.prod", tfjsonpath.New("version"), knownvalue.StringRegexp(regexp.MustCompile(`^[A-Za-z0-9+/]{48}$`))),
					statecheck.ExpectKnownValue("backup_plan.prod", rule(0, "rule_name"), knownvalue.StringExact("DailyToUsEast1")),
					statecheck.ExpectKnownValue("backup_plan.prod", rule(0, "start_window"), knownvalue.Int64Exact(60)),
					statecheck.ExpectKnownValue("backup_plan.prod", rule(0, "completion_window"), knownvalue.Int64Exact(180)),
					statecheck.ExpectKnownValue("backup_plan.prod", rule(0, "lifecycle"), knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
						"cold_storage_after": knownvalue.Int64Exact(30), "delete_after": knownvalue.Int64Exact(365),
						"opt_in_to_archive_for_supported_resources": knownvalue.Bool(false),
					})})),
					statecheck.ExpectKnownValue("backup_plan.prod", rule(0, "copy_action", 0, "destination_vault_arn"), knownvalue.StringExact(drARN)),
					statecheck.ExpectKnownValue("backup_plan.prod", rule(0, "copy_action", 0, "lifecycle", 0, "delete_after"), knownvalue.Int64Exact(90)),
					statecheck.ExpectKnownValue("backup_plan.prod", rule(0, "copy_action", 0, "lifecycle", 0, "cold_storage_after"), knownvalue.Null()),
					// The weekly rule leaves windows and time zone out: AWS's defaults, read back without a diff.
					statecheck.ExpectKnownValue("backup_plan.prod", rule(1, "schedule"), knownvalue.StringExact("cron(0 3 ? * SUN *)")),
					statecheck.ExpectKnownValue("backup_plan.prod", rule(1, "start_window"), knownvalue.Int64Exact(480)),
					statecheck.ExpectKnownValue("backup_plan.prod", rule(1, "completion_window"), knownvalue.Int64Exact(10080)),
					statecheck.ExpectKnownValue("backup_plan.prod", rule(1, "schedule_expression_timezone"), knownvalue.StringExact("Etc/UTC")),
					statecheck.ExpectKnownValue("backup_plan.prod", rule(1, "enable_continuous_backup"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("backup_plan.prod", rule(1, "copy_action"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("backup_plan.prod", rule(1, "recovery_point_tags"), knownvalue.Null()),
					statecheck.ExpectKnownValue("backup_plan.prod", tfjsonpath.New("tags_all"), knownvalue.MapExact(map[string]knownvalue.Check{"env": knownvalue.StringExact("prod")})),
				},
				Check: testAccCheckRemotePlan(env, "backup_plan.prod", func(out *backup.GetBackupPlanOutput) error {
					r := out.BackupPlan.Rules
					if len(r) != 2 || aws.ToString(r[0].RuleName) != "DailyToUsEast1" || aws.ToString(r[0].ScheduleExpression) != "cron(0 2 * * ? *)" ||
						aws.ToInt64(r[0].Lifecycle.MoveToColdStorageAfterDays) != 30 || aws.ToString(r[0].CopyActions[0].DestinationBackupVaultArn) != drARN ||
						aws.ToInt64(r[1].Lifecycle.DeleteAfterDays) != 1825 {
						return fmt.Errorf("engine holds %+v", out.BackupPlan)
					}
					return nil
				}),
			},
			{
				ResourceName:      "backup_plan.prod",
				ImportState:       true,
				ImportStateVerify: true,
			},
		},
		CheckDestroy: testAccCheckPlansDeleted(env),
	})
}

func TestAccPlan_copyActionWithoutLifecyclePlansClean(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + fmt.Sprintf(`
resource "backup_plan" "copy" {
  name = "copy-without-lifecycle"

  rule {
    rule_name         = "daily"
    target_vault_name = "prod-primary-vault"
    schedule          = "cron(0 2 * * ? *)"

    copy_action {
      destination_vault_arn = "arn:aws:backup:eu-west-1:%s:backup-vault:dr-vault"
    }
  }
}`, env.AccountID()),
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("backup_plan.copy", tfjsonpath.New("rule").AtSliceIndex(0).AtMapKey("copy_action").AtSliceIndex(0).AtMapKey("lifecycle"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue("backup_plan.copy", tfjsonpath.New("rule").AtSliceIndex(0).AtMapKey("lifecycle"), knownvalue.ListSizeExact(0)),
			},
			Check: testAccCheckRemotePlan(env, "backup_plan.copy", func(out *backup.GetBackupPlanOutput) error {
				if c := out.BackupPlan.Rules[0].CopyActions; len(c) != 1 || c[0].Lifecycle != nil {
					return fmt.Errorf("copy actions %+v, want one without lifecycle", c)
				}
				return nil
			}),
		}},
	})
}

func TestAccPlan_continuousRuleWithoutSchedulePlansClean(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + `
resource "backup_plan" "pitr" {
  name = "continuous"

  rule {
    rule_name                = "continuous"
    target_vault_name        = "prod-primary-vault"
    enable_continuous_backup = true

    lifecycle {
      delete_after = 35
    }
  }
}`,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_plan.pitr", tfjsonpath.New("rule").AtSliceIndex(0).AtMapKey("schedule"), knownvalue.StringExact("cron(0 5 ? * * *)")),
					statecheck.ExpectKnownValue("backup_plan.pitr", tfjsonpath.New("rule").AtSliceIndex(0).AtMapKey("enable_continuous_backup"), knownvalue.Bool(true)),
				},
				Check: testAccCheckRemotePlan(env, "backup_plan.pitr", func(out *backup.GetBackupPlanOutput) error {
					r := out.BackupPlan.Rules[0]
					if !aws.ToBool(r.EnableContinuousBackup) || aws.ToString(r.ScheduleExpression) != "cron(0 5 ? * * *)" {
						return fmt.Errorf("rule %+v", r)
					}
					return nil
				}),
			},
			{
				ResourceName:      "backup_plan.pitr",
				ImportState:       true,
				ImportStateVerify: true,
			},
		},
	})
}

func TestAccPlan_reorderedRulesUpdateInPlace(t *testing.T) {
	env := newTestAccEnv(t)
	daily := `
  rule {
    rule_name         = "daily"
    target_vault_name = "prod-primary-vault"
    schedule          = "cron(0 2 * * ? *)"
  }
`
	weekly := `
  rule {
    rule_name         = "weekly"
    target_vault_name = "prod-primary-vault"
    schedule          = "cron(0 3 ? * SUN *)"
    lifecycle {
      delete_after = 1825
    }
  }
`
	config := func(rules ...string) string {
		return env.ProviderConfig() + "resource \"backup_plan\" \"p\" {\n  name = \"reordered\"\n" + strings.Join(rules, "") + "}\n"
	}
	var firstID, firstVersion string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(daily, weekly),
				Check: func(s *terraform.State) error {
					firstID = s.RootModule().Resources["backup_plan.p"].Primary.ID
					firstVersion = s.RootModule().Resources["backup_plan.p"].Primary.Attributes["version"]
					return nil
				},
			},
			{
				Config: config(weekly, daily),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("backup_plan.p", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_plan.p", tfjsonpath.New("rule").AtSliceIndex(0).AtMapKey("rule_name"), knownvalue.StringExact("weekly")),
					statecheck.ExpectKnownValue("backup_plan.p", tfjsonpath.New("rule").AtSliceIndex(1).AtMapKey("rule_name"), knownvalue.StringExact("daily")),
				},
				Check: resource.ComposeTestCheckFunc(
					func(s *terraform.State) error {
						r := s.RootModule().Resources["backup_plan.p"].Primary
						if r.ID != firstID {
							return fmt.Errorf("plan was replaced: %s -> %s", firstID, r.ID)
						}
						if r.Attributes["version"] == firstVersion {
							return fmt.Errorf("version %s did not change on update", firstVersion)
						}
						return nil
					},
					testAccCheckRemotePlan(env, "backup_plan.p", func(out *backup.GetBackupPlanOutput) error {
						if n := aws.ToString(out.BackupPlan.Rules[0].RuleName); n != "weekly" {
							return fmt.Errorf("engine's first rule is %s", n)
						}
						versions, err := env.Client.ListBackupPlanVersions(context.Background(), &backup.ListBackupPlanVersionsInput{BackupPlanId: out.BackupPlanId})
						if err != nil || len(versions.BackupPlanVersionsList) != 2 {
							return fmt.Errorf("versions = %v, %v; want 2", versions, err)
						}
						return nil
					}),
				),
			},
		},
	})
}

func TestAccPlan_tagOnlyChangeKeepsVersion(t *testing.T) {
	env := newTestAccEnv(t)
	config := func(tags string) string {
		return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_plan" "p" {
  name = "tagged"
  rule {
    rule_name         = "daily"
    target_vault_name = "prod-primary-vault"
    schedule          = "cron(0 2 * * ? *)"
    recovery_point_tags = {}
  }
  %s
}`, tags)
	}
	var version string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(`tags = { team = "a" }`),
				Check: func(s *terraform.State) error {
					version = s.RootModule().Resources["backup_plan.p"].Primary.Attributes["version"]
					return nil
				},
			},
			{
				Config: config(`tags = { team = "b" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_plan.p", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("backup_plan.p", tfjsonpath.New("version"), knownvalue.NotNull()),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_plan.p", tfjsonpath.New("rule").AtSliceIndex(0).AtMapKey("recovery_point_tags"), knownvalue.MapSizeExact(0)),
				},
				Check: func(s *terraform.State) error {
					if v := s.RootModule().Resources["backup_plan.p"].Primary.Attributes["version"]; v != version {
						return fmt.Errorf("a tag change made version %s (was %s)", v, version)
					}
					return testAccCheckPlanTags(env, "backup_plan.p", map[string]string{"team": "b"})(s)
				},
			},
		},
	})
}

// The engine's lifecycle rule, applied at plan time in the attributes' names.
func TestAccPlan_invalidRuleShowsTheEnginesMessage(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
resource "backup_plan" "bad" {
  name = "bad"
  rule {
    rule_name         = "daily"
    target_vault_name = "prod-primary-vault"
    schedule          = "cron(0 2 * * ? *)"
    lifecycle {
      cold_storage_after = 30
      delete_after       = 100
    }
  }
}`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Invalid lifecycle.*InvalidParameterValueException:\s+delete_after\s+\(100\)\s+must\s+be\s+at\s+least\s+cold_storage_after\s+\(30\)\s+\+\s+90.*set\s+delete_after\s+to\s+120\s+or\s+more`),
		}},
	})
}

func TestAccPlan_disappears(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
resource "backup_plan" "p" {
  name = "ephemeral"
  rule {
    rule_name         = "daily"
    target_vault_name = "prod-primary-vault"
  }
}`,
			Check: func(s *terraform.State) error {
				_, err := env.Client.DeleteBackupPlan(context.Background(), &backup.DeleteBackupPlanInput{
					BackupPlanId: aws.String(s.RootModule().Resources["backup_plan.p"].Primary.ID)})
				return err
			},
			ExpectNonEmptyPlan: true,
		}},
	})
}

func testAccCheckRemotePlan(env *testAccEnv, name string, check func(*backup.GetBackupPlanOutput) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[name]
		if !ok {
			return fmt.Errorf("%s not in state", name)
		}
		out, err := awsbackup.FindPlanByID(context.Background(), env.Client, rs.Primary.ID)
		if err != nil {
			return err
		}
		return check(out)
	}
}

func testAccCheckPlanTags(env *testAccEnv, name string, want map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		got, err := awsbackup.ListTags(context.Background(), env.Client, s.RootModule().Resources[name].Primary.Attributes["arn"])
		if err != nil {
			return err
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("remote tags = %v, want %v", got, want)
		}
		return nil
	}
}

func testAccCheckPlansDeleted(env *testAccEnv) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := env.Client.ListBackupPlans(context.Background(), &backup.ListBackupPlansInput{})
		if err != nil {
			return err
		}
		if len(out.BackupPlansList) > 0 {
			return fmt.Errorf("%d backup plans left after destroy", len(out.BackupPlansList))
		}
		return nil
	}
}
