package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// everyFieldPlan is a plan with every member of the API's BackupPlanInput, as the AWS CLI would
// create it.
func everyFieldPlan(account string) *backuptypes.BackupPlanInput {
	return &backuptypes.BackupPlanInput{
		BackupPlanName: aws.String("every-field"),
		Rules: []backuptypes.BackupRuleInput{{
			RuleName:                               aws.String("daily"),
			TargetBackupVaultName:                  aws.String("prod"),
			ScheduleExpression:                     aws.String("cron(0 2 * * ? *)"),
			ScheduleExpressionTimezone:             aws.String("Europe/Paris"),
			StartWindowMinutes:                     aws.Int64(60),
			CompletionWindowMinutes:                aws.Int64(180),
			EnableContinuousBackup:                 aws.Bool(false),
			RecoveryPointTags:                      map[string]string{"tier": "gold"},
			TargetLogicallyAirGappedBackupVaultArn: aws.String("arn:aws:backup:us-east-1:" + account + ":backup-vault:isolated"),
			Lifecycle:                              &backuptypes.Lifecycle{MoveToColdStorageAfterDays: aws.Int64(30), DeleteAfterDays: aws.Int64(120), OptInToArchiveForSupportedResources: aws.Bool(false)},
			CopyActions: []backuptypes.CopyAction{{
				DestinationBackupVaultArn: aws.String("arn:aws:backup:eu-west-1:" + account + ":backup-vault:dr"),
				Lifecycle:                 &backuptypes.Lifecycle{DeleteAfterDays: aws.Int64(35), OptInToArchiveForSupportedResources: aws.Bool(false)},
			}},
			ScanActions:  []backuptypes.ScanAction{{MalwareScanner: backuptypes.MalwareScannerGuardduty, ScanMode: backuptypes.ScanModeIncrementalScan}},
			IndexActions: []backuptypes.IndexAction{{ResourceTypes: []string{"S3"}}},
		}},
		AdvancedBackupSettings: []backuptypes.AdvancedBackupSetting{
			{ResourceType: aws.String("EC2"), BackupOptions: map[string]string{"WindowsVSS": "enabled"}},
			{ResourceType: aws.String("S3"), BackupOptions: map[string]string{"BackupACLs": "disabled", "BackupObjectTags": "enabled"}},
		},
		ScanSettings: []backuptypes.ScanSetting{{
			MalwareScanner: backuptypes.MalwareScannerGuardduty, ResourceTypes: []string{"EBS", "S3"},
			ScannerRoleArn: aws.String("arn:aws:iam::" + account + ":role/scanner"),
		}},
	}
}

func everyFieldConfig(env *testAccEnv, startWindow int) string {
	account := env.AccountID()
	return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_plan" "p" {
  name = "every-field"
  tags = { team = "platform" }
  rule {
    rule_name                    = "daily"
    target_vault_name            = "prod"
    schedule                     = "cron(0 2 * * ? *)"
    schedule_expression_timezone = "Europe/Paris"
    start_window                 = %d
    completion_window            = 180
    recovery_point_tags          = { tier = "gold" }
    target_logically_air_gapped_backup_vault_arn = "arn:aws:backup:us-east-1:%[2]s:backup-vault:isolated"
    lifecycle {
      cold_storage_after = 30
      delete_after       = 120
    }
    copy_action {
      destination_vault_arn = "arn:aws:backup:eu-west-1:%[2]s:backup-vault:dr"
      lifecycle {
        delete_after = 35
      }
    }
    scan_action {
      malware_scanner = "GUARDDUTY"
      scan_mode       = "INCREMENTAL_SCAN"
    }
    index_action {
      resource_types = ["S3"]
    }
  }
  advanced_backup_setting {
    resource_type  = "EC2"
    backup_options = { WindowsVSS = "enabled" }
  }
  advanced_backup_setting {
    resource_type  = "S3"
    backup_options = { BackupACLs = "disabled", BackupObjectTags = "enabled" }
  }
  scan_setting {
    malware_scanner  = "GUARDDUTY"
    resource_types   = ["EBS", "S3"]
    scanner_role_arn = "arn:aws:iam::%[2]s:role/scanner"
  }
}`, startWindow, account)
}

// Issue 13's "Done when": a plan created with every field through the API (as the AWS CLI does),
// imported with no diff and then changed through Terraform, keeps every field — the engine's
// GetBackupPlan answer is the same before and after, but for the change.
func TestAccPlan_everyFieldSurvivesImportAndAChange(t *testing.T) {
	env := newTestAccEnv(t)
	ctx := context.Background()
	created, err := env.Client.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{
		BackupPlan: everyFieldPlan(env.AccountID()), BackupPlanTags: map[string]string{"team": "platform"},
	})
	if err != nil {
		t.Fatalf("create the plan through the API: %v", err)
	}
	id := aws.ToString(created.BackupPlanId)
	before, err := env.Client.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// An import block plans a no-op import: every field is in the configuration and the state.
				Config:          everyFieldConfig(env, 60),
				ResourceName:    "backup_plan.p",
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   id,
			},
			{
				Config:             everyFieldConfig(env, 60),
				ResourceName:       "backup_plan.p",
				ImportState:        true,
				ImportStateId:      id,
				ImportStatePersist: true,
			},
			{
				Config: everyFieldConfig(env, 120),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("backup_plan.p", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					after, err := env.Client.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: aws.String(id)})
					if err != nil {
						return err
					}
					if got := aws.ToInt64(after.BackupPlan.Rules[0].StartWindowMinutes); got != 120 {
						return fmt.Errorf("StartWindowMinutes = %d after the change, want 120", got)
					}
					after.BackupPlan.Rules[0].StartWindowMinutes = aws.Int64(60) // the change made
					return sameDocument("the plan before the import and after the change", planDocument(before), planDocument(after))
				},
			},
		},
	})
}

// planDocument is what GetBackupPlan says of a plan's content: the plan and its advanced settings.
func planDocument(out *backup.GetBackupPlanOutput) any {
	return struct {
		Plan     *backuptypes.BackupPlan
		Settings []backuptypes.AdvancedBackupSetting
	}{out.BackupPlan, out.AdvancedBackupSettings}
}

func sameDocument(what string, want, got any) error {
	w, err := json.Marshal(want)
	if err != nil {
		return err
	}
	g, err := json.Marshal(got)
	if err != nil {
		return err
	}
	if string(w) != string(g) {
		return fmt.Errorf("%s differ:\nbefore: %s\nafter:  %s", what, w, g)
	}
	return nil
}

// backup_plan_json carries every plan field, the scan and index fields and S3 settings
// included, into a backup_plan built from it with dynamic blocks, and the engine gets them all.
func TestAccPlanJSONDataSource_keepsEveryField(t *testing.T) {
	env := newTestAccEnv(t)
	doc, err := json.Marshal(map[string]any{"BackupPlan": map[string]any{
		"BackupPlanName": "from-json",
		"Rules": []any{map[string]any{
			"RuleName": "daily", "TargetBackupVaultName": "prod", "ScheduleExpression": "cron(0 2 * * ? *)",
			"TargetLogicallyAirGappedBackupVaultArn": "arn:aws:backup:us-east-1:" + env.AccountID() + ":backup-vault:isolated",
			"ScanActions":                            []any{map[string]any{"MalwareScanner": "GUARDDUTY", "ScanMode": "FULL_SCAN"}},
			"IndexActions":                           []any{map[string]any{"ResourceTypes": []string{"EBS"}}},
		}},
		"AdvancedBackupSettings": []any{map[string]any{"ResourceType": "S3", "BackupOptions": map[string]string{"BackupObjectTags": "disabled"}}},
		"ScanSettings": []any{map[string]any{"MalwareScanner": "GUARDDUTY", "ResourceTypes": []string{"S3"},
			"ScannerRoleArn": "arn:aws:iam::" + env.AccountID() + ":role/scanner"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + fmt.Sprintf(`
data "backup_plan_json" "doc" {
  json = %q
}

resource "backup_plan" "p" {
  name = data.backup_plan_json.doc.name
  dynamic "rule" {
    for_each = data.backup_plan_json.doc.rule
    content {
      rule_name         = rule.value.rule_name
      target_vault_name = rule.value.target_vault_name
      schedule          = rule.value.schedule
      target_logically_air_gapped_backup_vault_arn = rule.value.target_logically_air_gapped_backup_vault_arn
      dynamic "scan_action" {
        for_each = rule.value.scan_action
        content {
          malware_scanner = scan_action.value.malware_scanner
          scan_mode       = scan_action.value.scan_mode
        }
      }
      dynamic "index_action" {
        for_each = rule.value.index_action
        content {
          resource_types = index_action.value.resource_types
        }
      }
    }
  }
  dynamic "advanced_backup_setting" {
    for_each = data.backup_plan_json.doc.advanced_backup_setting
    content {
      resource_type  = advanced_backup_setting.value.resource_type
      backup_options = advanced_backup_setting.value.backup_options
    }
  }
  dynamic "scan_setting" {
    for_each = data.backup_plan_json.doc.scan_setting
    content {
      malware_scanner  = scan_setting.value.malware_scanner
      resource_types   = scan_setting.value.resource_types
      scanner_role_arn = scan_setting.value.scanner_role_arn
    }
  }
}`, doc),
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			Check: func(s *terraform.State) error {
				out, err := env.Client.GetBackupPlan(context.Background(), &backup.GetBackupPlanInput{BackupPlanId: aws.String(s.RootModule().Resources["backup_plan.p"].Primary.ID)})
				if err != nil {
					return err
				}
				r := out.BackupPlan.Rules[0]
				switch {
				case len(r.ScanActions) != 1 || r.ScanActions[0].ScanMode != backuptypes.ScanModeFullScan:
					return fmt.Errorf("ScanActions = %+v", r.ScanActions)
				case len(r.IndexActions) != 1 || len(r.IndexActions[0].ResourceTypes) != 1 || r.IndexActions[0].ResourceTypes[0] != "EBS":
					return fmt.Errorf("IndexActions = %+v", r.IndexActions)
				case aws.ToString(r.TargetLogicallyAirGappedBackupVaultArn) == "":
					return fmt.Errorf("TargetLogicallyAirGappedBackupVaultArn lost")
				case len(out.BackupPlan.ScanSettings) != 1 || aws.ToString(out.BackupPlan.ScanSettings[0].ScannerRoleArn) == "":
					return fmt.Errorf("ScanSettings = %+v", out.BackupPlan.ScanSettings)
				case len(out.AdvancedBackupSettings) != 1 || out.AdvancedBackupSettings[0].BackupOptions["BackupObjectTags"] != "disabled":
					return fmt.Errorf("AdvancedBackupSettings = %+v", out.AdvancedBackupSettings)
				}
				return nil
			},
		}},
	})
}
