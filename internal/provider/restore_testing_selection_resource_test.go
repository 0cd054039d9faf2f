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
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

const testRoleARN = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"

// restoreTestingSelectionConfig is a selection of EFS resources in plan "weekly" with body.
func restoreTestingSelectionConfig(name, body string) string {
	return fmt.Sprintf(`
resource "backup_restore_testing_selection" "s" {
  name                      = %q
  restore_testing_plan_name = "weekly"
  protected_resource_type   = "EFS"
  iam_role_arn              = %q
%s
}`, name, testRoleARN, body)
}

// Every mistake in a restore testing selection that the configuration alone shows is reported
// at plan time, with the API's error code where it has one, and what to write instead.
func TestAccRestoreTestingSelection_eachMistakeIsCaughtAtPlanNamingTheFix(t *testing.T) {
	env := newTestAccEnv(t)
	cases := map[string]struct {
		config string
		want   string
	}{
		"a dot in the name": {restoreTestingSelectionConfig("efs.dirs", `  protected_resource_arns = ["*"]`),
			`name.*must be 1 to 50 letters, digits or underscores`},
		"a resource type AWS does not test": {strings.Replace(restoreTestingSelectionConfig("efs", `  protected_resource_arns = ["*"]`), `"EFS"`, `"Redshift"`, 1),
			`protected_resource_type.*must be one of.*"EFS".*"RDS".*"S3"`},
		"a role that is not an IAM role ARN": {strings.Replace(restoreTestingSelectionConfig("efs", `  protected_resource_arns = ["*"]`), testRoleARN, "AWSBackupDefaultServiceRole", 1),
			`Invalid IAM role ARN.*iam_role_arn "AWSBackupDefaultServiceRole" is not an IAM role ARN`},
		"the wildcard beside specific ARNs": {restoreTestingSelectionConfig("efs",
			`  protected_resource_arns = ["*", "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1"]`),
			`InvalidParameterValueException: protected_resource_arns takes specific ARNs or \["\*"\], not both`},
		"tag conditions beside specific ARNs": {restoreTestingSelectionConfig("efs", `  protected_resource_arns = ["arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1"]
  protected_resource_conditions {
    string_equals {
      key   = "Environment"
      value = "prod"
    }
  }`), `InvalidParameterValueException: protected_resource_conditions narrow a wildcard selection only`},
		"nothing selected": {restoreTestingSelectionConfig("efs", ""),
			`MissingParameterValueException: the selection selects nothing`},
		"a resource that is not an ARN": {restoreTestingSelectionConfig("efs", `  protected_resource_arns = ["fs-1"]`),
			`protected_resource_arns.*must be "\*" or a resource ARN`},
		"a validation window over a week": {restoreTestingSelectionConfig("efs", "  protected_resource_arns = [\"*\"]\n  validation_window_hours = 169"),
			`validation_window_hours.*must be between 0 and 168`},
		"a condition on a reserved tag key": {restoreTestingSelectionConfig("efs", `  protected_resource_conditions {
    string_not_equals {
      key   = "aws:cloudformation:stack-name"
      value = "x"
    }
  }`), `Invalid tag key.*aws:`},
		"two condition blocks": {restoreTestingSelectionConfig("efs", `  protected_resource_arns = ["*"]
  protected_resource_conditions {}
  protected_resource_conditions {}`), `protected_resource_conditions.*at most 1`},
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

// Selections by ARN, by wildcard, and by wildcard narrowed by tags all plan without an error.
func TestAccRestoreTestingSelection_eachWayOfSelectingPassesValidation(t *testing.T) {
	env := newTestAccEnv(t)
	for name, body := range map[string]string{
		"ARNs":     `  protected_resource_arns = ["arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1"]`,
		"wildcard": "  protected_resource_arns = [\"*\"]\n  validation_window_hours = 0",
		"wildcard and tags": `  protected_resource_arns = ["*"]
  protected_resource_conditions {
    string_equals {
      key   = "Environment"
      value = "prod"
    }
  }`,
		"tags alone": `  protected_resource_conditions {
    string_not_equals {
      key   = "Scratch"
      value = "true"
    }
  }`,
	} {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:             env.ProviderConfig() + restoreTestingSelectionConfig("efs", body),
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
				}},
			})
		})
	}
}

// The empty conditions AWS answers for a selection without any read as no block, no ARNs read as
// the default [], and the overrides keep the spelling of their keys as configured, since AWS
// compares keys without case.
func TestRestoreTestingSelection_readKeepsWhatTheConfigurationSaid(t *testing.T) {
	m := restoreTestingSelectionModel{
		ProtectedResourceARNs:    types.SetNull(types.StringType),
		RestoreMetadataOverrides: mapToTF(map[string]string{"NewFileSystem": "true"}),
	}
	flattenRestoreTestingSelection(&backuptypes.RestoreTestingSelectionForGet{
		RestoreTestingSelectionName: aws.String("efs"), RestoreTestingPlanName: aws.String("weekly"),
		IamRoleArn: aws.String(testRoleARN), ProtectedResourceType: aws.String("EFS"),
		ProtectedResourceConditions: &backuptypes.ProtectedResourceConditions{StringEquals: []backuptypes.KeyValue{}, StringNotEquals: []backuptypes.KeyValue{}},
		RestoreMetadataOverrides:    map[string]string{"newfilesystem": "true", "encrypted": "false"},
		ValidationWindowHours:       4,
	}, &m)
	if len(m.ProtectedResourceConditions) != 0 {
		t.Errorf("empty conditions read as %d blocks, want none", len(m.ProtectedResourceConditions))
	}
	if m.ProtectedResourceARNs.IsNull() || len(m.ProtectedResourceARNs.Elements()) != 0 {
		t.Errorf("protected_resource_arns %s, want [] (the default): none answered", m.ProtectedResourceARNs)
	}
	got := m.RestoreMetadataOverrides.Elements()
	if _, ok := got["NewFileSystem"]; !ok || len(got) != 2 {
		t.Errorf("restore_metadata_overrides %v, want NewFileSystem as configured, and encrypted", got)
	}
	if m.ValidationWindowHours.ValueInt64() != 4 {
		t.Errorf("validation_window_hours %s", m.ValidationWindowHours)
	}

	// Conditions with entries read as one block holding them.
	flattenRestoreTestingSelection(&backuptypes.RestoreTestingSelectionForGet{
		ProtectedResourceConditions: &backuptypes.ProtectedResourceConditions{
			StringNotEquals: []backuptypes.KeyValue{{Key: aws.String("Scratch"), Value: aws.String("true")}},
		},
	}, &m)
	if len(m.ProtectedResourceConditions) != 1 || len(m.ProtectedResourceConditions[0].StringNotEquals) != 1 ||
		m.ProtectedResourceConditions[0].StringEquals == nil {
		t.Errorf("conditions read as %+v, want one block with one string_not_equals and an empty string_equals", m.ProtectedResourceConditions)
	}
}

// The import ID is the AWS provider's: SELECTION_NAME:PLAN_NAME.
func TestRestoreTestingSelection_importIDIsTheAWSProviders(t *testing.T) {
	plan, name, err := awsbackup.ParseRestoreTestingSelectionImportID("efs_dirs:weekly_tests")
	if err != nil || plan != "weekly_tests" || name != "efs_dirs" {
		t.Errorf("parsed (%q, %q, %v), want plan weekly_tests, selection efs_dirs", plan, name, err)
	}
	if got := awsbackup.RestoreTestingSelectionImportID("weekly_tests", "efs_dirs"); got != "efs_dirs:weekly_tests" {
		t.Errorf("import ID %q", got)
	}
	for _, bad := range []string{"efs_dirs", ":weekly", "efs:", "a:b:c"} {
		if _, _, err := awsbackup.ParseRestoreTestingSelectionImportID(bad); err == nil || !strings.Contains(err.Error(), "SELECTION_NAME:PLAN_NAME") {
			t.Errorf("import ID %q: error %v, want one naming SELECTION_NAME:PLAN_NAME", bad, err)
		}
	}
}

// restoreTestingPlanAndSelection is plan "weekly_tests" with one selection, efs_prod, whose
// arguments are body.
func restoreTestingPlanAndSelection(env *testAccEnv, selectionType, body string) string {
	return env.ProviderConfig() + restoreTestingPlanConfig("weekly_tests", weeklyLatestSelection) + fmt.Sprintf(`
resource "backup_restore_testing_selection" "s" {
  name                      = "efs_prod"
  restore_testing_plan_name = backup_restore_testing_plan.p.name
  protected_resource_type   = %q
%s
}`, selectionType, body)
}

// testAccCheckRemoteRestoreTestingSelection runs check on the selection the engine holds.
func testAccCheckRemoteRestoreTestingSelection(env *testAccEnv, check func(*backuptypes.RestoreTestingSelectionForGet) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		s, err := awsbackup.FindRestoreTestingSelection(context.Background(), env.Client, "weekly_tests", "efs_prod")
		if err != nil {
			return err
		}
		return check(s)
	}
}

// A selection by tag is created, imports by SELECTION_NAME:PLAN_NAME to the same state, changes
// its role, resources, overrides and validation window in place (conditions removed are removed
// in the engine too), is replaced when its resource type changes, and is deleted on destroy.
func TestAccRestoreTestingSelection_createImportUpdateDestroy(t *testing.T) {
	env := newTestAccEnv(t)
	const res = "backup_restore_testing_selection.s"
	byTag := restoreTestingPlanAndSelection(env, "EFS", fmt.Sprintf(`  iam_role_arn            = %q
  protected_resource_arns = ["*"]
  protected_resource_conditions {
    string_equals {
      key   = "Environment"
      value = "prod"
    }
  }
  restore_metadata_overrides = { "engine:validation" = "builtin" }`, testRoleARN))
	byARN := restoreTestingPlanAndSelection(env, "EFS", `  iam_role_arn            = "arn:aws:iam::123456789012:role/restore-tester"
  protected_resource_arns = ["arn:aws:elasticfilesystem:us-east-1:`+env.AccountID()+`:file-system/fs-1"]
  validation_window_hours = 2`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, err := awsbackup.FindRestoreTestingSelection(context.Background(), env.Client, "weekly_tests", "efs_prod"); !awsbackup.IsNotFound(err) {
				return fmt.Errorf("the selection is still there after destroy: %v", err)
			}
			return testAccCheckRestoreTestingPlansDeleted(env)(nil)
		},
		Steps: []resource.TestStep{
			{
				Config: byTag,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("protected_resource_arns"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("*")})),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("protected_resource_conditions").AtSliceIndex(0).AtMapKey("string_equals").AtSliceIndex(0),
						knownvalue.ObjectExact(map[string]knownvalue.Check{"key": knownvalue.StringExact("Environment"), "value": knownvalue.StringExact("prod")})),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("protected_resource_conditions").AtSliceIndex(0).AtMapKey("string_not_equals"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("restore_metadata_overrides"),
						knownvalue.MapExact(map[string]knownvalue.Check{"engine:validation": knownvalue.StringExact("builtin")})),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("validation_window_hours"), knownvalue.Int64Exact(0)),
				},
			},
			{
				ResourceName:                         res,
				ImportState:                          true,
				ImportStateId:                        "efs_prod:weekly_tests",
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "name",
			},
			{
				Config: byARN,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("iam_role_arn"), knownvalue.StringExact("arn:aws:iam::123456789012:role/restore-tester")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("protected_resource_conditions"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("restore_metadata_overrides"), knownvalue.MapSizeExact(0)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("validation_window_hours"), knownvalue.Int64Exact(2)),
				},
				Check: testAccCheckRemoteRestoreTestingSelection(env, func(s *backuptypes.RestoreTestingSelectionForGet) error {
					if c := s.ProtectedResourceConditions; c != nil && len(c.StringEquals)+len(c.StringNotEquals) > 0 {
						return fmt.Errorf("the engine kept the removed conditions: %+v", c)
					}
					if len(s.RestoreMetadataOverrides) != 0 || len(s.ProtectedResourceArns) != 1 || s.ValidationWindowHours != 2 {
						return fmt.Errorf("the engine holds overrides %v, ARNs %v, window %d", s.RestoreMetadataOverrides, s.ProtectedResourceArns, s.ValidationWindowHours)
					}
					return nil
				}),
			},
			{
				// AWS cannot change a selection's resource type: a new one replaces it.
				Config: restoreTestingPlanAndSelection(env, "S3", fmt.Sprintf("  iam_role_arn = %q\n  protected_resource_arns = [\"*\"]", testRoleARN)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("protected_resource_type"), knownvalue.StringExact("S3")),
				},
			},
		},
	})
}

// The data sources read what the resources made, with the dates the API adds.
func TestAccRestoreTestingDataSources_readThePlanAndSelection(t *testing.T) {
	env := newTestAccEnv(t)
	config := restoreTestingPlanAndSelection(env, "EFS", fmt.Sprintf("  iam_role_arn = %q\n  protected_resource_arns = [\"*\"]\n  validation_window_hours = 3", testRoleARN)) + `
data "backup_restore_testing_plan" "p" {
  name = backup_restore_testing_plan.p.name
}

data "backup_restore_testing_selection" "s" {
  name                      = backup_restore_testing_selection.s.name
  restore_testing_plan_name = backup_restore_testing_selection.s.restore_testing_plan_name
}`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.CompareValuePairs("data.backup_restore_testing_plan.p", tfjsonpath.New("arn"),
					"backup_restore_testing_plan.p", tfjsonpath.New("arn"), compare.ValuesSame()),
				statecheck.ExpectKnownValue("data.backup_restore_testing_plan.p", tfjsonpath.New("schedule_expression"), knownvalue.StringExact("cron(0 1 ? * SUN *)")),
				statecheck.ExpectKnownValue("data.backup_restore_testing_plan.p", tfjsonpath.New("recovery_point_selection").AtSliceIndex(0).AtMapKey("algorithm"),
					knownvalue.StringExact("LATEST_WITHIN_WINDOW")),
				statecheck.ExpectKnownValue("data.backup_restore_testing_plan.p", tfjsonpath.New("creation_time"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
				statecheck.ExpectKnownValue("data.backup_restore_testing_plan.p", tfjsonpath.New("last_execution_time"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.backup_restore_testing_selection.s", tfjsonpath.New("protected_resource_type"), knownvalue.StringExact("EFS")),
				statecheck.ExpectKnownValue("data.backup_restore_testing_selection.s", tfjsonpath.New("validation_window_hours"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue("data.backup_restore_testing_selection.s", tfjsonpath.New("protected_resource_arns"),
					knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("*")})),
				statecheck.ExpectKnownValue("data.backup_restore_testing_selection.s", tfjsonpath.New("protected_resource_conditions"), knownvalue.ListSizeExact(0)),
			},
		}},
	})
}

// Values known only at apply are left to the engine: a schedule, vaults and resources built from
// other resources' outputs plan cleanly.
func TestAccRestoreTesting_unknownValuesDoNotTripPlanTimeValidation(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
resource "terraform_data" "later" {
  input = "3"
}

resource "backup_vault" "v" {
  name = "later"
}

resource "backup_restore_testing_plan" "p" {
  name                = "later"
  schedule_expression = "cron(0 ${terraform_data.later.output} ? * SUN *)"
  start_window_hours  = terraform_data.later.output
  recovery_point_selection {
    algorithm            = "LATEST_WITHIN_WINDOW"
    include_vaults       = [backup_vault.v.arn]
    recovery_point_types = ["SNAPSHOT"]
  }
}

resource "backup_restore_testing_selection" "s" {
  name                      = "later"
  restore_testing_plan_name = backup_restore_testing_plan.p.name
  protected_resource_type   = "EFS"
  iam_role_arn              = "` + testRoleARN + `"
  protected_resource_arns   = [terraform_data.later.id]
}`,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
}
