package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
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
	if s.ExcludeVaults.IsNull() || len(s.ExcludeVaults.Elements()) != 0 {
		t.Errorf("exclude_vaults %s, want [] (the default, as AWS reads it back)", s.ExcludeVaults)
	}
	if got := s.IncludeVaults.String(); got != `["*"]` {
		t.Errorf("include_vaults %s", got)
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

// testAccCheckRemoteRestoreTestingPlan runs check on the plan the engine holds under name.
func testAccCheckRemoteRestoreTestingPlan(env *testAccEnv, name string, check func(*backuptypes.RestoreTestingPlanForGet) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		p, err := awsbackup.FindRestoreTestingPlan(context.Background(), env.Client, name)
		if err != nil {
			return err
		}
		return check(p)
	}
}

// testAccCheckRestoreTestingPlansDeleted is a CheckDestroy: no restore testing plan is left.
func testAccCheckRestoreTestingPlansDeleted(env *testAccEnv) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := env.Client.ListRestoreTestingPlans(context.Background(), &backup.ListRestoreTestingPlansInput{})
		if err != nil {
			return err
		}
		for _, p := range out.RestoreTestingPlans {
			return fmt.Errorf("restore testing plan %s still exists after destroy", aws.ToString(p.RestoreTestingPlanName))
		}
		return nil
	}
}

// A plan with only what AWS requires is created with AWS's defaults, imports by name to the same
// state, changes every changeable argument in place, goes back to the defaults when they are
// removed, and is deleted on destroy.
func TestAccRestoreTestingPlan_createImportUpdateDestroy(t *testing.T) {
	env := newTestAccEnv(t)
	const res = "backup_restore_testing_plan.p"
	selection := func(attr ...any) tfjsonpath.Path {
		p := tfjsonpath.New("recovery_point_selection").AtSliceIndex(0)
		for _, a := range attr {
			p = p.AtMapKey(a.(string))
		}
		return p
	}
	minimal := env.ProviderConfig() + restoreTestingPlanConfig("weekly_tests", `  tags = { team = "platform" }`+weeklyLatestSelection)
	changed := env.ProviderConfig() + `
resource "backup_restore_testing_plan" "p" {
  name                         = "weekly_tests"
  schedule_expression          = "cron(30 2 ? * MON-FRI *)"
  schedule_expression_timezone = "Europe/Paris"
  start_window_hours           = 6

  recovery_point_selection {
    algorithm             = "RANDOM_WITHIN_WINDOW"
    include_vaults        = ["arn:aws:backup:*:*:backup-vault:prod-*"]
    exclude_vaults        = ["arn:aws:backup:us-east-1:123456789012:backup-vault:prod-scratch"]
    recovery_point_types  = ["SNAPSHOT", "CONTINUOUS"]
    selection_window_days = 7
  }

  tags = { team = "platform", env = "prod" }
}`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckRestoreTestingPlansDeleted(env),
		Steps: []resource.TestStep{
			{
				Config: minimal,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("arn"), knownvalue.StringRegexp(regexp.MustCompile(
						`^arn:aws:backup:us-east-1:`+env.AccountID()+`:restore-testing-plan:weekly_tests-`))),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("schedule_expression_timezone"), knownvalue.StringExact("Etc/UTC")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("start_window_hours"), knownvalue.Int64Exact(24)),
					statecheck.ExpectKnownValue(res, selection("selection_window_days"), knownvalue.Int64Exact(30)),
					statecheck.ExpectKnownValue(res, selection("exclude_vaults"), knownvalue.SetSizeExact(0)),
					statecheck.ExpectKnownValue(res, selection("include_vaults"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("*")})),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("tags_all"), knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("platform")})),
				},
				Check: testAccCheckRemoteRestoreTestingPlan(env, "weekly_tests", func(p *backuptypes.RestoreTestingPlanForGet) error {
					if got := aws.ToString(p.ScheduleExpression); got != "cron(0 1 ? * SUN *)" || p.StartWindowHours != 24 {
						return fmt.Errorf("the engine holds schedule %q, start window %d", got, p.StartWindowHours)
					}
					return nil
				}),
			},
			{
				ResourceName:                         res,
				ImportState:                          true,
				ImportStateId:                        "weekly_tests",
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "name",
			},
			{
				Config: changed,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("schedule_expression"), knownvalue.StringExact("cron(30 2 ? * MON-FRI *)")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("schedule_expression_timezone"), knownvalue.StringExact("Europe/Paris")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("start_window_hours"), knownvalue.Int64Exact(6)),
					statecheck.ExpectKnownValue(res, selection("algorithm"), knownvalue.StringExact("RANDOM_WITHIN_WINDOW")),
					statecheck.ExpectKnownValue(res, selection("selection_window_days"), knownvalue.Int64Exact(7)),
					statecheck.ExpectKnownValue(res, selection("recovery_point_types"), knownvalue.SetSizeExact(2)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("tags_all"), knownvalue.MapSizeExact(2)),
				},
				Check: testAccCheckRemoteRestoreTestingPlan(env, "weekly_tests", func(p *backuptypes.RestoreTestingPlanForGet) error {
					s := p.RecoveryPointSelection
					if aws.ToString(p.ScheduleExpressionTimezone) != "Europe/Paris" || s == nil || s.SelectionWindowDays != 7 || len(s.ExcludeVaults) != 1 {
						return fmt.Errorf("the engine holds %+v, %+v after the update", p, s)
					}
					return nil
				}),
			},
			{
				// Removing the optional arguments goes back to AWS's defaults, in place.
				Config: minimal,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("schedule_expression_timezone"), knownvalue.StringExact("Etc/UTC")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("start_window_hours"), knownvalue.Int64Exact(24)),
					statecheck.ExpectKnownValue(res, selection("selection_window_days"), knownvalue.Int64Exact(30)),
					statecheck.ExpectKnownValue(res, selection("exclude_vaults"), knownvalue.SetSizeExact(0)),
				},
				Check: testAccCheckRemoteRestoreTestingPlan(env, "weekly_tests", func(p *backuptypes.RestoreTestingPlanForGet) error {
					if s := p.RecoveryPointSelection; s == nil || len(s.ExcludeVaults) != 0 {
						return fmt.Errorf("the engine still excludes %v", s.ExcludeVaults)
					}
					return nil
				}),
			},
			{
				// A new name replaces the plan: AWS cannot rename one.
				Config: strings.Replace(minimal, `"weekly_tests"`, `"weekly_tests_2"`, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: func(*terraform.State) error {
					if _, err := awsbackup.FindRestoreTestingPlan(context.Background(), env.Client, "weekly_tests"); !awsbackup.IsNotFound(err) {
						return fmt.Errorf("the renamed plan's old name still answers: %v", err)
					}
					return nil
				},
			},
		},
	})
}

// A plan deleted outside Terraform is planned for creation again, not reported as an error.
func TestAccRestoreTestingPlan_deletedOutsideTerraformIsRecreated(t *testing.T) {
	env := newTestAccEnv(t)
	config := env.ProviderConfig() + restoreTestingPlanConfig("weekly_tests", weeklyLatestSelection)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					if err := awsbackup.DeleteRestoreTestingPlan(context.Background(), env.Client, "weekly_tests"); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("backup_restore_testing_plan.p", plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}
