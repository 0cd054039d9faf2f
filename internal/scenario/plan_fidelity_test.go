package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// everyFieldPlanDocument is a plan with every member of BackupPlanInput, for the AWS CLI's
// --backup-plan.
const everyFieldPlanDocument = `{
  "BackupPlanName": "every-field",
  "Rules": [{
    "RuleName": "daily",
    "TargetBackupVaultName": "prod",
    "ScheduleExpression": "cron(0 2 * * ? *)",
    "ScheduleExpressionTimezone": "Europe/Paris",
    "StartWindowMinutes": 60,
    "CompletionWindowMinutes": 180,
    "EnableContinuousBackup": false,
    "RecoveryPointTags": {"tier": "gold"},
    "TargetLogicallyAirGappedBackupVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:isolated",
    "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120, "OptInToArchiveForSupportedResources": false},
    "CopyActions": [{"DestinationBackupVaultArn": "arn:aws:backup:eu-west-1:123456789012:backup-vault:dr",
                     "Lifecycle": {"DeleteAfterDays": 35, "OptInToArchiveForSupportedResources": false}}],
    "ScanActions": [{"MalwareScanner": "GUARDDUTY", "ScanMode": "INCREMENTAL_SCAN"}],
    "IndexActions": [{"ResourceTypes": ["S3"]}]
  }],
  "AdvancedBackupSettings": [
    {"ResourceType": "EC2", "BackupOptions": {"WindowsVSS": "enabled"}},
    {"ResourceType": "S3", "BackupOptions": {"BackupACLs": "disabled", "BackupObjectTags": "enabled"}}
  ],
  "ScanSettings": [{"MalwareScanner": "GUARDDUTY", "ResourceTypes": ["EBS", "S3"], "ScannerRoleArn": "arn:aws:iam::123456789012:role/scanner"}]
}`

const everyFieldConfig = `
provider "backup" {
  endpoint = %q
  region   = "us-east-1"
}

import {
  to = backup_plan.p
  id = %q
}

resource "backup_plan" "p" {
  name = "every-field"
  rule {
    rule_name                    = "daily"
    target_vault_name            = "prod"
    schedule                     = "cron(0 2 * * ? *)"
    schedule_expression_timezone = "Europe/Paris"
    start_window                 = %d
    completion_window            = 180
    recovery_point_tags          = { tier = "gold" }
    target_logically_air_gapped_backup_vault_arn = "arn:aws:backup:us-east-1:123456789012:backup-vault:isolated"
    lifecycle {
      cold_storage_after = 30
      delete_after       = 120
    }
    copy_action {
      destination_vault_arn = "arn:aws:backup:eu-west-1:123456789012:backup-vault:dr"
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
    scanner_role_arn = "arn:aws:iam::123456789012:role/scanner"
  }
}
`

// Issue 13's "Done when": a plan created with every field through the AWS CLI, imported and then
// changed through Terraform, keeps every field: the engine's get-backup-plan answer is the same
// before and after, but for the change.
func TestAWSCLIAndTerraform_everyPlanFieldSurvivesImportAndAChange(t *testing.T) {
	parallel(t)
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not on PATH")
	}
	d := startDaemon(t)
	const region = "us-east-1"
	created := d.mustAWS(t, region, "backup", "create-backup-plan", "--backup-plan", writeFile(t, "plan.json", everyFieldPlanDocument))
	id, _ := created["BackupPlanId"].(string)
	before := d.mustAWS(t, region, "backup", "get-backup-plan", "--backup-plan-id", id)

	work := t.TempDir()
	mirror := filepath.Join(work, "mirror", "registry.terraform.io", "strongroom", "backup", "0.0.1", runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(mirror, 0o755); err != nil {
		t.Fatal(err)
	}
	placeBinary(t, filepath.Join(mirror, "terraform-provider-backup_v0.0.1"))
	rc := filepath.Join(work, "terraformrc")
	if err := os.WriteFile(rc, []byte(fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"strongroom/backup\" = %q\n  }\n  filesystem_mirror {\n    path    = %q\n    include = [\"registry.terraform.io/strongroom/backup\"]\n  }\n}\n",
		filepath.Dir(binary), filepath.Join(work, "mirror"))), 0o644); err != nil {
		t.Fatal(err)
	}
	module := filepath.Join(work, "module")
	if err := os.MkdirAll(module, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(startWindow int) {
		t.Helper()
		main := "terraform {\n  required_providers {\n    backup = { source = \"strongroom/backup\" }\n  }\n}\n" + fmt.Sprintf(everyFieldConfig, d.Endpoint, id, startWindow)
		if err := os.WriteFile(filepath.Join(module, "main.tf"), []byte(main), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := append(d.clientEnv(t, region), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("terraform", append([]string{"-chdir=" + module}, args...)...)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("terraform %s: %v\n%s\ndaemon log:\n%s", strings.Join(args, " "), err, out.String(), d.Logs())
		}
		return out.String()
	}
	write(60)
	if out := run("plan", "-no-color", "-input=false"); !strings.Contains(out, "1 to import, 0 to add, 0 to change, 0 to destroy") {
		t.Fatalf("the import plans changes:\n%s", out)
	}
	run("apply", "-auto-approve", "-no-color", "-input=false")
	write(120)
	if out := run("apply", "-auto-approve", "-no-color", "-input=false"); !strings.Contains(out, "0 added, 1 changed, 0 destroyed") {
		t.Fatalf("the change did not apply in place:\n%s", out)
	}
	after := d.mustAWS(t, region, "backup", "get-backup-plan", "--backup-plan-id", id)
	rule := obj(list(obj(after["BackupPlan"])["Rules"])[0])
	if rule["StartWindowMinutes"] != float64(120) {
		t.Fatalf("StartWindowMinutes after the change = %v, want 120", rule["StartWindowMinutes"])
	}
	rule["StartWindowMinutes"] = float64(60) // the change made
	for _, k := range []string{"BackupPlan", "AdvancedBackupSettings"} {
		w, _ := json.Marshal(before[k])
		g, _ := json.Marshal(after[k])
		if string(w) != string(g) {
			t.Errorf("get-backup-plan %s differs:\nbefore: %s\nafter:  %s", k, w, g)
		}
	}
}
