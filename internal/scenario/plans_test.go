package scenario

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// guidePlanDocument is the guide's production plan as the AWS CLI's --backup-plan file: strict
// JSON (the guide's // comments and its Selections member removed), DR account filled in.
const guidePlanDocument = `{
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
        {
          "DestinationBackupVaultArn": "arn:aws:backup:eu-west-1:210987654321:backup-vault:dr-vault",
          "Lifecycle": { "DeleteAfterDays": 90 }
        }
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

// The guide's selection, for create-backup-selection --backup-selection.
const guideSelectionDocument = `{
  "SelectionName": "all-tagged-resources",
  "IamRoleArn": "arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole",
  "ListOfTags": [ { "ConditionType": "STRINGEQUALS", "ConditionKey": "Backup", "ConditionValue": "true" } ]
}`

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return "file://" + p
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { l, _ := v.([]any); return l }

// The plans story with the AWS CLI: create the guide's plan from a file, update it, list its
// versions, add the guide's selection, fail to delete the plan while the selection exists, delete
// both, and check a plan document with get-backup-plan-from-json.
func TestAWSCLI_guidePlanLifecycle(t *testing.T) {
	parallel(t)
	d := startDaemon(t)
	const region = "us-east-1"
	d.mustAWS(t, region, "backup", "create-backup-vault", "--backup-vault-name", "prod-primary-vault")

	created := d.mustAWS(t, region, "backup", "create-backup-plan", "--backup-plan", writeFile(t, "plan.json", guidePlanDocument),
		"--backup-plan-tags", "env=prod", "--creator-request-id", "cli-plan-1")
	id, _ := created["BackupPlanId"].(string)
	v1, _ := created["VersionId"].(string)
	if len(id) != 36 || v1 == "" || !strings.HasSuffix(created["BackupPlanArn"].(string), ":backup-plan:"+id) {
		t.Fatalf("create-backup-plan printed %v", created)
	}

	got := d.mustAWS(t, region, "backup", "get-backup-plan", "--backup-plan-id", id)
	rules := list(obj(got["BackupPlan"])["Rules"])
	if len(rules) != 2 {
		t.Fatalf("get-backup-plan printed %v", got)
	}
	daily, weekly := obj(rules[0]), obj(rules[1])
	if daily["ScheduleExpression"] != "cron(0 2 * * ? *)" || daily["StartWindowMinutes"] != float64(60) || daily["CompletionWindowMinutes"] != float64(180) ||
		obj(daily["Lifecycle"])["MoveToColdStorageAfterDays"] != float64(30) ||
		obj(list(daily["CopyActions"])[0])["DestinationBackupVaultArn"] != "arn:aws:backup:eu-west-1:210987654321:backup-vault:dr-vault" {
		t.Errorf("daily rule printed %v", daily)
	}
	if weekly["StartWindowMinutes"] != float64(480) || weekly["CompletionWindowMinutes"] != float64(10080) || weekly["ScheduleExpressionTimezone"] != "Etc/UTC" {
		t.Errorf("weekly rule defaults printed %v", weekly)
	}

	// Update: weekly backups kept two years, in New York time.
	var updated map[string]any
	if err := json.Unmarshal([]byte(guidePlanDocument), &updated); err != nil {
		t.Fatal(err)
	}
	w := obj(list(updated["Rules"])[1])
	w["Lifecycle"] = map[string]any{"DeleteAfterDays": 730}
	w["ScheduleExpressionTimezone"] = "America/New_York"
	doc, _ := json.Marshal(updated)
	up := d.mustAWS(t, region, "backup", "update-backup-plan", "--backup-plan-id", id, "--backup-plan", writeFile(t, "updated.json", string(doc)))
	v2, _ := up["VersionId"].(string)
	if v2 == "" || v2 == v1 {
		t.Fatalf("update-backup-plan printed %v", up)
	}
	versions := d.mustAWS(t, region, "backup", "list-backup-plan-versions", "--backup-plan-id", id)
	vl := list(versions["BackupPlanVersionsList"])
	if len(vl) != 2 || obj(vl[0])["VersionId"] != v1 || obj(vl[1])["VersionId"] != v2 {
		t.Fatalf("list-backup-plan-versions printed %v", versions)
	}
	old := d.mustAWS(t, region, "backup", "get-backup-plan", "--backup-plan-id", id, "--version-id", v1)
	if obj(obj(list(obj(old["BackupPlan"])["Rules"])[1])["Lifecycle"])["DeleteAfterDays"] != float64(1825) {
		t.Errorf("version 1 printed %v", old)
	}

	sel := d.mustAWS(t, region, "backup", "create-backup-selection", "--backup-plan-id", id, "--backup-selection", writeFile(t, "selection.json", guideSelectionDocument))
	selID, _ := sel["SelectionId"].(string)
	if selID == "" {
		t.Fatalf("create-backup-selection printed %v", sel)
	}
	listed := d.mustAWS(t, region, "backup", "list-backup-selections", "--backup-plan-id", id)
	if ls := list(listed["BackupSelectionsList"]); len(ls) != 1 || obj(ls[0])["SelectionName"] != "all-tagged-resources" {
		t.Errorf("list-backup-selections printed %v", listed)
	}

	refused := d.aws(t, region, "backup", "delete-backup-plan", "--backup-plan-id", id)
	if refused.Code == 0 || !strings.Contains(refused.Stderr, "InvalidRequestException") || !strings.Contains(refused.Stderr, "delete them first") {
		t.Fatalf("delete-backup-plan with a selection: exit %d, stderr %q; want InvalidRequestException", refused.Code, refused.Stderr)
	}
	d.mustAWS(t, region, "backup", "delete-backup-selection", "--backup-plan-id", id, "--selection-id", selID)
	deleted := d.mustAWS(t, region, "backup", "delete-backup-plan", "--backup-plan-id", id)
	if deleted["VersionId"] != v2 || deleted["DeletionDate"] == nil {
		t.Errorf("delete-backup-plan printed %v", deleted)
	}
	plans := d.mustAWS(t, region, "backup", "list-backup-plans")
	withDeleted := d.mustAWS(t, region, "backup", "list-backup-plans", "--include-deleted")
	if len(list(plans["BackupPlansList"])) != 0 || len(list(withDeleted["BackupPlansList"])) != 1 {
		t.Errorf("list-backup-plans printed %v / with deleted %v", plans, withDeleted)
	}

	// get-backup-plan-from-json checks a document with the same rules, without creating anything.
	fromJSON := d.mustAWS(t, region, "backup", "get-backup-plan-from-json", "--backup-plan-template-json", guidePlanDocument)
	if obj(fromJSON["BackupPlan"])["BackupPlanName"] != "prod-daily-backup-plan" || len(list(obj(fromJSON["BackupPlan"])["Rules"])) != 2 {
		t.Errorf("get-backup-plan-from-json printed %v", fromJSON)
	}
	withComments := d.aws(t, region, "backup", "get-backup-plan-from-json", "--backup-plan-template-json",
		`{ "BackupPlanName": "prod-daily-backup-plan", "Rules": [ { "RuleName": "DailyToUsEast1", "TargetBackupVaultName": "prod-primary-vault", "ScheduleExpression": "cron(0 2 * * ? *)", // 2 AM UTC daily
 } ] }`)
	if withComments.Code == 0 || !strings.Contains(withComments.Stderr, "InvalidRequestException") || !strings.Contains(withComments.Stderr, "JSON has no comments") {
		t.Errorf("get-backup-plan-from-json with comments: exit %d, stderr %q", withComments.Code, withComments.Stderr)
	}
	badRule := d.aws(t, region, "backup", "get-backup-plan-from-json", "--backup-plan-template-json",
		strings.Replace(guidePlanDocument, `"DeleteAfterDays": 365`, `"DeleteAfterDays": 100`, 1))
	if badRule.Code == 0 || !strings.Contains(badRule.Stderr, "InvalidParameterValueException") ||
		!strings.Contains(badRule.Stderr, "Rules[0].Lifecycle.DeleteAfterDays (100) must be at least MoveToColdStorageAfterDays (30) + 90") {
		t.Errorf("get-backup-plan-from-json with a bad lifecycle: exit %d, stderr %q", badRule.Code, badRule.Stderr)
	}
	tooOften := d.aws(t, region, "backup", "create-backup-plan", "--backup-plan",
		writeFile(t, "often.json", strings.Replace(guidePlanDocument, "cron(0 2 * * ? *)", "cron(0/30 * * * ? *)", 1)))
	if tooOften.Code == 0 || !strings.Contains(tooOften.Stderr, "InvalidParameterValueException") || !strings.Contains(tooOften.Stderr, "more often than once an hour") {
		t.Errorf("create-backup-plan every 30 minutes: exit %d, stderr %q", tooOften.Code, tooOften.Stderr)
	}

	templates := d.mustAWS(t, region, "backup", "list-backup-plan-templates")
	tl := list(templates["BackupPlanTemplatesList"])
	if len(tl) < 3 {
		t.Fatalf("list-backup-plan-templates printed %v", templates)
	}
	tmpl := d.mustAWS(t, region, "backup", "get-backup-plan-from-template", "--backup-plan-template-id", obj(tl[0])["BackupPlanTemplateId"].(string))
	if obj(tmpl["BackupPlanDocument"])["BackupPlanName"] != obj(tl[0])["BackupPlanTemplateName"] {
		t.Errorf("get-backup-plan-from-template printed %v", tmpl)
	}
}
