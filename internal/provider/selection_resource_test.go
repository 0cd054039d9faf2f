package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

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
)

// selectionPlanConfig is a plan for selections to join.
func selectionPlanConfig(env *testAccEnv) string {
	return env.ProviderConfig() + `
resource "backup_plan" "p" {
  name = "selected"
  rule {
    rule_name         = "daily"
    target_vault_name = "prod-primary-vault"
    schedule          = "cron(0 2 * * ? *)"
  }
}
`
}

func roleARN(env *testAccEnv) string {
	return "arn:aws:iam::" + env.AccountID() + ":role/service-role/AWSBackupDefaultServiceRole"
}

func TestAccSelection_guideTagSelectionImportsAndPlansClean(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: selectionPlanConfig(env) + fmt.Sprintf(`
resource "backup_selection" "all_tagged" {
  name         = "all-tagged-resources"
  plan_id      = backup_plan.p.id
  iam_role_arn = %q

  selection_tag {
    type  = "STRINGEQUALS"
    key   = "Backup"
    value = "true"
  }
}`, roleARN(env)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_selection.all_tagged", tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f-]{36}$`))),
					statecheck.ExpectKnownValue("backup_selection.all_tagged", tfjsonpath.New("resources"), knownvalue.Null()),
					statecheck.ExpectKnownValue("backup_selection.all_tagged", tfjsonpath.New("condition"), knownvalue.ListSizeExact(0)),
				},
				Check: testAccCheckRemoteSelection(env, "backup_selection.all_tagged", func(out *backup.GetBackupSelectionOutput) error {
					tags := out.BackupSelection.ListOfTags
					if len(tags) != 1 || aws.ToString(tags[0].ConditionKey) != "Backup" || aws.ToString(tags[0].ConditionValue) != "true" {
						return fmt.Errorf("ListOfTags = %+v", tags)
					}
					return nil
				}),
			},
			{
				ResourceName:      "backup_selection.all_tagged",
				ImportState:       true,
				ImportStateIdFunc: selectionImportID("backup_selection.all_tagged"),
				ImportStateVerify: true,
			},
		},
	})
}

// Two condition blocks: the AWS provider applied only the first. Here both reach the engine and
// both stay in state as written.
func TestAccSelection_twoConditionBlocksBothKept(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: selectionPlanConfig(env) + fmt.Sprintf(`
resource "backup_selection" "s" {
  name         = "two-conditions"
  plan_id      = backup_plan.p.id
  iam_role_arn = %q
  resources    = ["*"]

  condition {
    string_equals {
      key   = "aws:ResourceTag/Component"
      value = "rds"
    }
    string_like {
      key   = "aws:ResourceTag/Application"
      value = "app*"
    }
  }

  condition {
    string_not_equals {
      key   = "aws:ResourceTag/Backup"
      value = "false"
    }
    string_not_like {
      key   = "aws:ResourceTag/Environment"
      value = "test*"
    }
    string_equals {
      key   = "aws:ResourceTag/Team"
      value = "platform"
    }
  }
}`, roleARN(env)),
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("backup_selection.s", tfjsonpath.New("condition"), knownvalue.ListSizeExact(2)),
				statecheck.ExpectKnownValue("backup_selection.s", tfjsonpath.New("condition").AtSliceIndex(1).AtMapKey("string_equals").AtSliceIndex(0).AtMapKey("key"),
					knownvalue.StringExact("aws:ResourceTag/Team")),
			},
			Check: testAccCheckRemoteSelection(env, "backup_selection.s", func(out *backup.GetBackupSelectionOutput) error {
				c := out.BackupSelection.Conditions
				if c == nil || len(c.StringEquals) != 2 || len(c.StringLike) != 1 || len(c.StringNotEquals) != 1 || len(c.StringNotLike) != 1 ||
					aws.ToString(c.StringEquals[1].ConditionKey) != "aws:ResourceTag/Team" || aws.ToString(c.StringNotLike[0].ConditionValue) != "test*" {
					return fmt.Errorf("engine's conditions = %+v", c)
				}
				return nil
			}),
		}},
	})
}

func TestAccSelection_everyOperatorImportsAndChangesReplace(t *testing.T) {
	env := newTestAccEnv(t)
	config := func(notResource string) string {
		return selectionPlanConfig(env) + fmt.Sprintf(`
resource "backup_selection" "s" {
  name          = "efs-but-scratch"
  plan_id       = backup_plan.p.id
  iam_role_arn  = %q
  resources     = ["arn:aws:elasticfilesystem:*:*:file-system/*", "arn:aws:s3:::logs-*"]
  not_resources = [%q]

  selection_tag {
    type  = "STRINGEQUALS"
    key   = "Backup"
    value = "true"
  }

  condition {
    string_equals {
      key   = "aws:ResourceTag/env"
      value = "prod"
    }
    string_like {
      key   = "aws:ResourceTag/app"
      value = "web-*"
    }
    string_not_equals {
      key   = "aws:ResourceTag/stage"
      value = "test"
    }
    string_not_like {
      key   = "aws:ResourceTag/owner"
      value = "*temp*"
    }
  }
}`, roleARN(env), notResource)
	}
	var firstID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config("arn:aws:elasticfilesystem:*:*:file-system/fs-scratch"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_selection.s", tfjsonpath.New("resources"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("arn:aws:elasticfilesystem:*:*:file-system/*"), knownvalue.StringExact("arn:aws:s3:::logs-*"),
					})),
				},
				Check: func(s *terraform.State) error {
					firstID = s.RootModule().Resources["backup_selection.s"].Primary.ID
					return nil
				},
			},
			{
				ResourceName:      "backup_selection.s",
				ImportState:       true,
				ImportStateIdFunc: selectionImportID("backup_selection.s"),
				ImportStateVerify: true,
			},
			{
				// The API cannot update a selection: a change replaces it.
				Config: config("arn:aws:elasticfilesystem:*:*:file-system/fs-tmp"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_selection.s", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("backup_plan.p", plancheck.ResourceActionNoop),
				}},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources["backup_selection.s"].Primary.ID; id == firstID {
						return fmt.Errorf("selection %s was not replaced", id)
					}
					out, err := env.Client.ListBackupSelections(context.Background(), &backup.ListBackupSelectionsInput{
						BackupPlanId: aws.String(s.RootModule().Resources["backup_plan.p"].Primary.ID)})
					if err != nil || len(out.BackupSelectionsList) != 1 {
						return fmt.Errorf("plan has %v selections (%v), want 1", out, err)
					}
					return nil
				},
			},
			{
				ResourceName:  "backup_selection.s",
				ImportState:   true,
				ImportStateId: "not-a-pair",
				ExpectError:   regexp.MustCompile(`must be PLAN_ID\|SELECTION_ID`),
			},
		},
	})
}

func TestAccSelection_disappears(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: selectionPlanConfig(env) + fmt.Sprintf(`
resource "backup_selection" "s" {
  name         = "ephemeral"
  plan_id      = backup_plan.p.id
  iam_role_arn = %q
  resources    = ["*"]
}`, roleARN(env)),
			Check: func(s *terraform.State) error {
				rs := s.RootModule().Resources["backup_selection.s"].Primary
				_, err := env.Client.DeleteBackupSelection(context.Background(), &backup.DeleteBackupSelectionInput{
					BackupPlanId: aws.String(rs.Attributes["plan_id"]), SelectionId: aws.String(rs.ID)})
				return err
			},
			ExpectNonEmptyPlan: true,
		}},
	})
}

func TestAccSelection_planWithSelectionCannotBeDeletedBehindTerraformsBack(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: selectionPlanConfig(env) + fmt.Sprintf(`
resource "backup_selection" "s" {
  name         = "kept"
  plan_id      = backup_plan.p.id
  iam_role_arn = %q
  resources    = ["*"]
}`, roleARN(env)),
			Check: func(s *terraform.State) error {
				_, err := env.Client.DeleteBackupPlan(context.Background(), &backup.DeleteBackupPlanInput{
					BackupPlanId: aws.String(s.RootModule().Resources["backup_plan.p"].Primary.ID)})
				if awsbackup.ErrorCode(err) != "InvalidRequestException" {
					return fmt.Errorf("DeleteBackupPlan with a selection: %v, want InvalidRequestException", err)
				}
				return nil
			},
		}},
	})
}

func selectionImportID(name string) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		rs, ok := s.RootModule().Resources[name]
		if !ok {
			return "", fmt.Errorf("%s not in state", name)
		}
		return awsbackup.SelectionImportID(rs.Primary.Attributes["plan_id"], rs.Primary.ID), nil
	}
}

func testAccCheckRemoteSelection(env *testAccEnv, name string, check func(*backup.GetBackupSelectionOutput) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[name]
		if !ok {
			return fmt.Errorf("%s not in state", name)
		}
		out, err := awsbackup.FindSelection(context.Background(), env.Client, rs.Primary.Attributes["plan_id"], rs.Primary.ID)
		if err != nil {
			return err
		}
		return check(out)
	}
}

// Condition blocks compare by meaning. A selection made outside Terraform (the API keeps no block
// boundaries) imported under a configuration that writes its conditions as two blocks is not
// replaced: the plan regroups the state in place, with no call to the engine, and then shows no
// diff. Reordered entries are the same conditions too; a changed value replaces the selection.
func TestAccSelection_conditionBlocksCompareByMeaning(t *testing.T) {
	env := newTestAccEnv(t)
	ctx := context.Background()
	selection := func(blocks string) string {
		return selectionPlanConfig(env) + fmt.Sprintf(`
resource "backup_selection" "s" {
  name         = "by-meaning"
  plan_id      = backup_plan.p.id
  iam_role_arn = %q
  resources    = ["*"]
%s
}`, roleARN(env), blocks)
	}
	kv := func(op, key, value string) string {
		return fmt.Sprintf("    %s {\n      key   = %q\n      value = %q\n    }\n", op, key, value)
	}
	twoBlocks := "  condition {\n" + kv("string_equals", "aws:ResourceTag/Component", "rds") + "  }\n" +
		"  condition {\n" + kv("string_not_like", "aws:ResourceTag/Environment", "test*") + kv("string_equals", "aws:ResourceTag/Team", "platform") + "  }\n"
	oneBlockReordered := "  condition {\n" + kv("string_equals", "aws:ResourceTag/Team", "platform") + kv("string_not_like", "aws:ResourceTag/Environment", "test*") +
		kv("string_equals", "aws:ResourceTag/Component", "rds") + "  }\n"
	changed := "  condition {\n" + kv("string_equals", "aws:ResourceTag/Team", "storage") + kv("string_not_like", "aws:ResourceTag/Environment", "test*") +
		kv("string_equals", "aws:ResourceTag/Component", "rds") + "  }\n"
	var planID, selectionID string
	sameSelection := func(s *terraform.State) error {
		if id := s.RootModule().Resources["backup_selection.s"].Primary.ID; id != selectionID {
			return fmt.Errorf("selection %s was replaced by %s", selectionID, id)
		}
		out, err := env.Client.ListBackupSelections(ctx, &backup.ListBackupSelectionsInput{BackupPlanId: aws.String(planID)})
		if err != nil || len(out.BackupSelectionsList) != 1 {
			return fmt.Errorf("plan has %v selections (%v), want 1", out, err)
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: selectionPlanConfig(env),
				Check: func(s *terraform.State) error {
					planID = s.RootModule().Resources["backup_plan.p"].Primary.ID
					out, err := env.Client.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{
						BackupPlanId: aws.String(planID),
						BackupSelection: &backuptypes.BackupSelection{
							SelectionName: aws.String("by-meaning"), IamRoleArn: aws.String(roleARN(env)), Resources: []string{"*"},
							Conditions: &backuptypes.Conditions{
								StringEquals: []backuptypes.ConditionParameter{
									{ConditionKey: aws.String("aws:ResourceTag/Component"), ConditionValue: aws.String("rds")},
									{ConditionKey: aws.String("aws:ResourceTag/Team"), ConditionValue: aws.String("platform")},
								},
								StringNotLike: []backuptypes.ConditionParameter{{ConditionKey: aws.String("aws:ResourceTag/Environment"), ConditionValue: aws.String("test*")}},
							},
						},
					})
					selectionID = aws.ToString(out.SelectionId)
					return err
				},
			},
			{
				Config:             selection(twoBlocks),
				ResourceName:       "backup_selection.s",
				ImportState:        true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return awsbackup.SelectionImportID(planID, selectionID), nil },
				ImportStatePersist: true,
			},
			{
				Config: selection(twoBlocks),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("backup_selection.s", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_selection.s", tfjsonpath.New("condition"), knownvalue.ListSizeExact(2)),
				},
				Check: sameSelection,
			},
			{
				Config: selection(oneBlockReordered),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("backup_selection.s", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: sameSelection,
			},
			{
				Config: selection(changed),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_selection.s", plancheck.ResourceActionDestroyBeforeCreate),
				}},
			},
		},
	})
}
