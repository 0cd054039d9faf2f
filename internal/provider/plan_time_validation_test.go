package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// Each mistake of issue 13's list is reported at plan time — no API call, so nothing is created —
// by the engine's own rule (internal/engine/rules), with a message that names the fix. The
// lock, hold and policy mistakes have their own cases in TestAccVaultLock_invalidConfigurationIsCaughtAtPlan,
// TestAccLegalHold_invalidConfigIsCaughtAtPlan and TestAccVaultPolicy_badPoliciesAreRefusedWithTheFault.
func TestAccPlanTimeValidation_eachMistakeNamesTheFix(t *testing.T) {
	env := newTestAccEnv(t)
	plan := func(rule string) string {
		return fmt.Sprintf(`
resource "backup_plan" "p" {
  name = "checked"
  rule {
    rule_name         = "daily"
    target_vault_name = "v1"
%s
  }
}`, rule)
	}
	var fiftyOne []string
	for i := range 51 {
		fiftyOne = append(fiftyOne, fmt.Sprintf("k%02d = \"v\"", i))
	}
	cases := map[string]struct {
		config string
		want   string
	}{
		"malformed cron": {plan(`    schedule = "cron(0 2 * * *)"`),
			`Invalid schedule.*has 5 fields; AWS cron has 6.*use cron\(0 2 \* \* \? \*\)`},
		"malformed rate": {plan(`    schedule = "rate(2 hour)"`),
			`Invalid schedule.*must say rate\(2 hours\)`},
		"more often than hourly": {plan(`    schedule = "cron(0,30 * * * ? *)"`),
			`Invalid schedule.*runs more often than once an hour`},
		"delete_after below cold_storage_after + 90": {plan("    lifecycle {\n      cold_storage_after = 30\n      delete_after = 60\n    }"),
			`Invalid lifecycle.*delete_after \(60\) must be at least cold_storage_after \(30\) \+ 90.*set delete_after to 120 or more`},
		"copy lifecycle gap": {plan("    copy_action {\n      destination_vault_arn = \"arn:aws:backup:us-east-1:123456789012:backup-vault:dr\"\n      lifecycle {\n        cold_storage_after = 10\n        delete_after = 20\n      }\n    }"),
			`Invalid copy lifecycle.*delete_after \(20\) must be at least cold_storage_after \(10\) \+ 90`},
		"start window under 60": {plan(`    start_window = 30`),
			`Invalid backup windows.*start_window \(30\) must be at least 60 minutes`},
		"completion window not after the start window": {plan("    start_window = 120\n    completion_window = 90"),
			`completion_window \(90\) must be greater than start_window \(120\)`},
		"more than 50 tags": {plan("") + "\n" + `resource "backup_vault" "v" {
  name = "many-tags"
  tags = {` + strings.Join(fiftyOne, "\n") + `}
}`, `Invalid tags.*at most 50 tags; got 51: remove 1`},
		"more than 50 recovery point tags": {plan("    recovery_point_tags = {" + strings.Join(fiftyOne, "\n") + "}"),
			`Invalid tags.*at most 50 tags; got 51`},
		"vault name outside the pattern": {`
resource "backup_vault" "v" {
  name = "no spaces allowed"
}`, `must be 2 to 50 characters: letters, digits, hyphens \(-\) and underscores`},
		"copy destination not a vault ARN": {plan("    copy_action {\n      destination_vault_arn = \"arn:aws:backup:us-east-1:42:backup-vault:dr\"\n    }"),
			`Invalid vault ARN.*destination_vault_arn .* is not a backup vault ARN.*the account "42" must be a 12-digit account ID`},
		"S3 advanced setting value": {plan("") + `
resource "backup_plan" "s3" {
  name = "s3-options"
  rule {
    rule_name         = "daily"
    target_vault_name = "v1"
  }
  advanced_backup_setting {
    resource_type  = "S3"
    backup_options = { BackupObjectTags = "off" }
  }
}`, `Invalid advanced backup setting.*backup_options.BackupObjectTags "off" must be enabled or disabled`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      env.ProviderConfig() + tc.config,
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`(?s)` + strings.ReplaceAll(tc.want, " ", `\s+`)),
				}},
			})
		})
	}
}

// Values Terraform learns only at apply are not judged at plan: a schedule, a window and tags
// built from another resource's output plan cleanly. (Judged as "not set", the start window
// would be the default 480 minutes, after the completion window of 100.)
func TestAccPlanTimeValidation_unknownValuesDoNotTripIt(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
resource "terraform_data" "later" {
  input = "2"
}

resource "backup_plan" "p" {
  name = "later"
  tags = { (terraform_data.later.output) = "x" }
  rule {
    rule_name         = "daily"
    target_vault_name = "v1"
    schedule          = "cron(0 ${terraform_data.later.output} * * ? *)"
    start_window      = terraform_data.later.output * 30
    completion_window = 100
    recovery_point_tags = { team = terraform_data.later.output }
    lifecycle {
      cold_storage_after = terraform_data.later.output
      delete_after       = 200
    }
  }
}`,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
}
