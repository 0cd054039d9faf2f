package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccPlanAndSelectionDataSources_readWhatResourcesWrote(t *testing.T) {
	env := newTestAccEnv(t)
	drARN := createDRVault(t, env)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: guidePlanConfig(env, drARN) + fmt.Sprintf(`
resource "backup_selection" "s" {
  name         = "all-tagged-resources"
  plan_id      = backup_plan.prod.id
  iam_role_arn = %q
  not_resources = ["arn:aws:s3:::scratch"]

  selection_tag {
    type  = "STRINGEQUALS"
    key   = "Backup"
    value = "true"
  }

  condition {
    string_not_equals {
      key   = "aws:ResourceTag/stage"
      value = "test"
    }
  }
}

data "backup_plan" "prod" {
  plan_id = backup_plan.prod.id
}

data "backup_selection" "s" {
  plan_id      = backup_plan.prod.id
  selection_id = backup_selection.s.id
}
`, roleARN(env)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.CompareValuePairs("data.backup_plan.prod", tfjsonpath.New("version"), "backup_plan.prod", tfjsonpath.New("version"), compareEqual{}),
				statecheck.CompareValuePairs("data.backup_plan.prod", tfjsonpath.New("arn"), "backup_plan.prod", tfjsonpath.New("arn"), compareEqual{}),
				statecheck.CompareValuePairs("data.backup_plan.prod", tfjsonpath.New("rule"), "backup_plan.prod", tfjsonpath.New("rule"), compareEqual{}),
				statecheck.ExpectKnownValue("data.backup_plan.prod", tfjsonpath.New("name"), knownvalue.StringExact("prod-daily-backup-plan")),
				statecheck.ExpectKnownValue("data.backup_plan.prod", tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{"env": knownvalue.StringExact("prod")})),
				statecheck.ExpectKnownValue("data.backup_selection.s", tfjsonpath.New("name"), knownvalue.StringExact("all-tagged-resources")),
				statecheck.ExpectKnownValue("data.backup_selection.s", tfjsonpath.New("iam_role_arn"), knownvalue.StringExact(roleARN(env))),
				statecheck.ExpectKnownValue("data.backup_selection.s", tfjsonpath.New("resources"), knownvalue.SetSizeExact(0)),
				statecheck.ExpectKnownValue("data.backup_selection.s", tfjsonpath.New("not_resources"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("arn:aws:s3:::scratch")})),
				statecheck.ExpectKnownValue("data.backup_selection.s", tfjsonpath.New("selection_tag").AtSliceIndex(0).AtMapKey("key"), knownvalue.StringExact("Backup")),
				statecheck.ExpectKnownValue("data.backup_selection.s", tfjsonpath.New("condition").AtSliceIndex(0).AtMapKey("string_not_equals").AtSliceIndex(0).AtMapKey("value"), knownvalue.StringExact("test")),
			},
		}},
	})
}

// compareEqual is a statecheck value comparer for equal values.
type compareEqual struct{}

func (compareEqual) CompareValues(values ...any) error {
	if len(values) == 2 && fmt.Sprint(values[0]) == fmt.Sprint(values[1]) {
		return nil
	}
	return fmt.Errorf("values differ: %v", values)
}

// guidePlanJSON is the guide's plan document as strict JSON: its // comments and its Selections
// member (not part of a plan) removed, DR account filled in.
func guidePlanJSON(drARN string) string {
	return `{
  "BackupPlanName": "prod-daily-backup-plan",
  "Rules": [
    {
      "RuleName": "DailyToUsEast1",
      "TargetBackupVaultName": "prod-primary-vault",
      "ScheduleExpression": "cron(0 2 * * ? *)",
      "StartWindowMinutes": 60,
      "CompletionWindowMinutes": 180,
      "Lifecycle": { "MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 365 },
      "CopyActions": [
        { "DestinationBackupVaultArn": "` + drARN + `", "Lifecycle": { "DeleteAfterDays": 90 } }
      ]
    },
    {
      "RuleName": "WeeklyToUsEast1",
      "TargetBackupVaultName": "prod-primary-vault",
      "ScheduleExpression": "cron(0 3 ? * SUN *)",
      "Lifecycle": { "DeleteAfterDays": 1825 }
    }
  ]
}`
}

// planFromJSONConfig manages a plan whose rules come from a JSON document through a dynamic
// block, as the data source's documentation shows.
const planFromJSONConfig = `
data "backup_plan_json" "guide" {
  json = file(%q)
}

resource "backup_plan" "from_json" {
  name = data.backup_plan_json.guide.name

  dynamic "rule" {
    for_each = data.backup_plan_json.guide.rule
    content {
      rule_name                    = rule.value.rule_name
      target_vault_name            = rule.value.target_vault_name
      schedule                     = rule.value.schedule
      schedule_expression_timezone = rule.value.schedule_expression_timezone
      enable_continuous_backup     = rule.value.enable_continuous_backup
      start_window                 = rule.value.start_window
      completion_window            = rule.value.completion_window
      recovery_point_tags          = rule.value.recovery_point_tags

      dynamic "lifecycle" {
        for_each = rule.value.lifecycle
        content {
          cold_storage_after = lifecycle.value.cold_storage_after
          delete_after       = lifecycle.value.delete_after
        }
      }

      dynamic "copy_action" {
        for_each = rule.value.copy_action
        content {
          destination_vault_arn = copy_action.value.destination_vault_arn
          dynamic "lifecycle" {
            for_each = copy_action.value.lifecycle
            content {
              cold_storage_after = lifecycle.value.cold_storage_after
              delete_after       = lifecycle.value.delete_after
            }
          }
        }
      }
    }
  }
}
`

func TestAccPlanJSONDataSource_guideDocumentBecomesAPlanWithoutDiff(t *testing.T) {
	env := newTestAccEnv(t)
	drARN := "arn:aws:backup:eu-west-1:" + env.AccountID() + ":backup-vault:dr-vault"
	doc := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(doc, []byte(guidePlanJSON(drARN)), 0o600); err != nil {
		t.Fatal(err)
	}
	rule := func(i int) tfjsonpath.Path { return tfjsonpath.New("rule").AtSliceIndex(i) }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:           env.ProviderConfig() + fmt.Sprintf(planFromJSONConfig, doc),
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.backup_plan_json.guide", tfjsonpath.New("name"), knownvalue.StringExact("prod-daily-backup-plan")),
				statecheck.ExpectKnownValue("data.backup_plan_json.guide", rule(0).AtMapKey("copy_action").AtSliceIndex(0).AtMapKey("destination_vault_arn"), knownvalue.StringExact(drARN)),
				statecheck.ExpectKnownValue("data.backup_plan_json.guide", rule(1).AtMapKey("start_window"), knownvalue.Int64Exact(480)),
				statecheck.ExpectKnownValue("backup_plan.from_json", rule(0).AtMapKey("lifecycle").AtSliceIndex(0).AtMapKey("cold_storage_after"), knownvalue.Int64Exact(30)),
				statecheck.ExpectKnownValue("backup_plan.from_json", rule(0).AtMapKey("copy_action").AtSliceIndex(0).AtMapKey("lifecycle").AtSliceIndex(0).AtMapKey("delete_after"), knownvalue.Int64Exact(90)),
				statecheck.ExpectKnownValue("backup_plan.from_json", rule(1).AtMapKey("schedule"), knownvalue.StringExact("cron(0 3 ? * SUN *)")),
			},
		}},
	})
}

func TestAccPlanJSONDataSource_refusesCommentsAndBrokenRules(t *testing.T) {
	env := newTestAccEnv(t)
	cases := []struct {
		name, doc string
		want      *regexp.Regexp
	}{
		{"the guide's comments", `{ "BackupPlanName": "p", "Rules": [ { "RuleName": "r", "TargetBackupVaultName": "vault", "ScheduleExpression": "cron(0 2 * * ? *)", // 2 AM UTC daily
 } ] }`, regexp.MustCompile(`InvalidRequestException:[\s\S]*JSON has no comments`)},
		{"the guide's Selections member", `{ "BackupPlanName": "p", "Rules": [], "Selections": [] }`,
			regexp.MustCompile(`"Selections" is not part of\s+a\s+backup\s+plan`)},
		{"a lifecycle AWS refuses", `{ "BackupPlanName": "p", "Rules": [ { "RuleName": "r", "TargetBackupVaultName": "vault", "Lifecycle": { "MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 100 } } ] }`,
			regexp.MustCompile(`InvalidParameterValueException:\s+Rules\[0\].Lifecycle.DeleteAfterDays\s+\(100\)`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := filepath.Join(t.TempDir(), "plan.json")
			if err := os.WriteFile(doc, []byte(tc.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      env.ProviderConfig() + fmt.Sprintf("data \"backup_plan_json\" \"p\" {\n  json = file(%q)\n}\n", doc),
					ExpectError: tc.want,
				}},
			})
		})
	}
}
