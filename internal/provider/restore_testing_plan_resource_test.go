package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// restoreTestingPlanConfig is a restore testing plan named name whose block body is body.
func restoreTestingPlanConfig(name, body string) string {
	return fmt.Sprintf(`
resource "backup_restore_testing_plan" "p" {
  name                = %q
  schedule_expression = "cron(0 1 ? * SUN *)"
%s
}`, name, body)
}

const weeklyLatestSelection = `
  recovery_point_selection {
    algorithm            = "LATEST_WITHIN_WINDOW"
    include_vaults       = ["*"]
    recovery_point_types = ["SNAPSHOT"]
  }`

// Every mistake in a restore testing plan that the configuration alone shows is reported at plan
// time, on the attribute at fault, with what to write instead.
func TestAccRestoreTestingPlan_eachMistakeIsCaughtAtPlanNamingTheFix(t *testing.T) {
	env := newTestAccEnv(t)
	selection := func(lines string) string {
		return "  recovery_point_selection {\n" + lines + "\n  }"
	}
	cases := map[string]struct {
		config string
		want   string
	}{
		"a hyphen in the name": {restoreTestingPlanConfig("weekly-tests", weeklyLatestSelection),
			`name.*must be 1 to 50 letters, digits or underscores`},
		"a cron of five fields": {strings.Replace(restoreTestingPlanConfig("weekly", weeklyLatestSelection), "cron(0 1 ? * SUN *)", "cron(0 1 * * 0)", 1),
			`Invalid restore testing schedule.*schedule_expression "cron\(0 1 \* \* 0\)" is not valid.*6`},
		"more often than hourly": {strings.Replace(restoreTestingPlanConfig("weekly", weeklyLatestSelection), "cron(0 1 ? * SUN *)", "rate(30 minutes)", 1),
			`Invalid restore testing schedule.*more often than once an hour`},
		"an unknown time zone": {restoreTestingPlanConfig("weekly", `  schedule_expression_timezone = "Mars/Olympus"`+weeklyLatestSelection),
			`schedule_expression_timezone.*Mars/Olympus`},
		"a start window of a week and a day": {restoreTestingPlanConfig("weekly", "  start_window_hours = 192"+weeklyLatestSelection),
			`start_window_hours.*must be between 1 and 168`},
		"no start window": {restoreTestingPlanConfig("weekly", "  start_window_hours = 0"+weeklyLatestSelection),
			`start_window_hours.*must be between 1 and 168`},
		"an unknown algorithm": {restoreTestingPlanConfig("weekly", selection(`    algorithm = "OLDEST"
    include_vaults = ["*"]
    recovery_point_types = ["SNAPSHOT"]`)),
			`algorithm.*value must be one of.*LATEST_WITHIN_WINDOW.*RANDOM_WITHIN_WINDOW`},
		"a vault by name rather than ARN": {restoreTestingPlanConfig("weekly", selection(`    algorithm = "LATEST_WITHIN_WINDOW"
    include_vaults = ["prod"]
    recovery_point_types = ["SNAPSHOT"]`)),
			`include_vaults.*must be "\*" or a backup vault ARN such as arn:aws:backup:us-east-1:123456789012:backup-vault:NAME`},
		"an excluded vault that is not an ARN": {restoreTestingPlanConfig("weekly", selection(`    algorithm = "LATEST_WITHIN_WINDOW"
    include_vaults = ["*"]
    exclude_vaults = ["arn:aws:backup:us-east-1:42:backup-vault:scratch"]
    recovery_point_types = ["SNAPSHOT"]`)),
			`exclude_vaults.*must be "\*" or a backup vault ARN`},
		"no vault included": {restoreTestingPlanConfig("weekly", selection(`    algorithm = "LATEST_WITHIN_WINDOW"
    include_vaults = []
    recovery_point_types = ["SNAPSHOT"]`)),
			`include_vaults.*must contain at least 1`},
		"an unknown recovery point type": {restoreTestingPlanConfig("weekly", selection(`    algorithm = "LATEST_WITHIN_WINDOW"
    include_vaults = ["*"]
    recovery_point_types = ["INCREMENTAL"]`)),
			`recovery_point_types.*must be one of.*CONTINUOUS.*SNAPSHOT`},
		"a selection window over a year": {restoreTestingPlanConfig("weekly", selection(`    algorithm = "RANDOM_WITHIN_WINDOW"
    include_vaults = ["*"]
    recovery_point_types = ["SNAPSHOT"]
    selection_window_days = 366`)),
			`selection_window_days.*must be between 1 and 365`},
		"no recovery_point_selection": {restoreTestingPlanConfig("weekly", ""),
			`recovery_point_selection.*must have a configuration value`},
		"a tag key AWS reserves": {restoreTestingPlanConfig("weekly", `  tags = { "aws:owner" = "x" }`+weeklyLatestSelection),
			`Invalid tags.*aws:`},
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

// A correct plan, including vault ARNs with wildcards, plans without an error.
func TestAccRestoreTestingPlan_aCorrectPlanPassesValidation(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + restoreTestingPlanConfig("weekly_tests", `
  schedule_expression_timezone = "Europe/Paris"
  start_window_hours           = 168
  recovery_point_selection {
    algorithm             = "RANDOM_WITHIN_WINDOW"
    include_vaults        = ["arn:aws:backup:*:*:backup-vault:prod-*"]
    exclude_vaults        = ["arn:aws:backup:us-east-1:123456789012:backup-vault:prod-scratch"]
    recovery_point_types  = ["SNAPSHOT", "CONTINUOUS"]
    selection_window_days = 365
  }`),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
}

// A plan read back without the members AWS defaults (as one made with the CLI is) reads as the
// schema's defaults, so importing it and writing the defaults out plans no change.
func TestRestoreTestingPlan_readFillsTheDefaultsAWSLeavesOut(t *testing.T) {
	var m restoreTestingPlanModel
	m.Tags = types.MapNull(types.StringType)
	flattenRestoreTestingPlan(&backuptypes.RestoreTestingPlanForGet{
		RestoreTestingPlanArn:  aws.String("arn:aws:backup:us-east-1:123456789012:restore-testing-plan:weekly-abc"),
		RestoreTestingPlanName: aws.String("weekly"),
		ScheduleExpression:     aws.String("cron(0 1 ? * SUN *)"),
		RecoveryPointSelection: &backuptypes.RestoreTestingRecoveryPointSelection{
			Algorithm:          backuptypes.RestoreTestingRecoveryPointSelectionAlgorithmLatestWithinWindow,
			IncludeVaults:      []string{"*"},
			RecoveryPointTypes: []backuptypes.RestoreTestingRecoveryPointType{backuptypes.RestoreTestingRecoveryPointTypeSnapshot},
		},
	}, &m)
	if got := m.ScheduleExpressionTimezone.ValueString(); got != defaultRestoreScheduleTimezone {
		t.Errorf("schedule_expression_timezone %q, want %q", got, defaultRestoreScheduleTimezone)
	}
	if got := m.StartWindowHours.ValueInt64(); got != defaultRestoreStartWindowHours {
		t.Errorf("start_window_hours %d, want %d", got, defaultRestoreStartWindowHours)
	}
	if len(m.RecoveryPointSelection) != 1 {
		t.Fatalf("recovery_point_selection has %d blocks, want 1", len(m.RecoveryPointSelection))
	}
	s := m.RecoveryPointSelection[0]
	if got := s.SelectionWindowDays.ValueInt64(); got != defaultSelectionWindowDays {
		t.Errorf("selection_window_days %d, want %d", got, defaultSelectionWindowDays)
	}
	if !s.ExcludeVaults.IsNull() {
		t.Errorf("exclude_vaults %s, want null: none were configured and none are set", s.ExcludeVaults)
	}
	if got := s.IncludeVaults.String(); got != `["*"]` {
		t.Errorf("include_vaults %s", got)
	}

	// Configured empty, an empty answer stays empty rather than turning null.
	m.RecoveryPointSelection[0].ExcludeVaults = types.SetValueMust(types.StringType, nil)
	again := flattenRecoveryPointSelection(&backuptypes.RestoreTestingRecoveryPointSelection{IncludeVaults: []string{"*"}}, m.RecoveryPointSelection)
	if again[0].ExcludeVaults.IsNull() {
		t.Error("exclude_vaults configured as [] read back null")
	}
}

// An update is sent only when the plan's own arguments change: a null and an empty
// exclude_vaults are the same to the API.
func TestRestoreTestingPlan_sameRecoveryPointSelectionTreatsNullAndEmptyAlike(t *testing.T) {
	ctx := context.Background()
	set := func(vs ...string) types.Set {
		s, _ := types.SetValueFrom(ctx, types.StringType, vs)
		return s
	}
	base := recoveryPointSelectionModel{Algorithm: types.StringValue("LATEST_WITHIN_WINDOW"), IncludeVaults: set("*"),
		ExcludeVaults: types.SetNull(types.StringType), RecoveryPointTypes: set("SNAPSHOT"), SelectionWindowDays: types.Int64Value(30)}
	empty := base
	empty.ExcludeVaults = set()
	if !sameRecoveryPointSelection([]recoveryPointSelectionModel{base}, []recoveryPointSelectionModel{empty}) {
		t.Error("null and empty exclude_vaults compared different")
	}
	other := base
	other.ExcludeVaults = set("arn:aws:backup:us-east-1:123456789012:backup-vault:x")
	if sameRecoveryPointSelection([]recoveryPointSelectionModel{base}, []recoveryPointSelectionModel{other}) {
		t.Error("a new excluded vault compared the same")
	}
	days := base
	days.SelectionWindowDays = types.Int64Value(7)
	if sameRecoveryPointSelection([]recoveryPointSelectionModel{base}, []recoveryPointSelectionModel{days}) {
		t.Error("another selection window compared the same")
	}
}
