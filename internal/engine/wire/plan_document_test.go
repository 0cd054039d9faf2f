package wire

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

func TestDecodeBackupPlanDocument(t *testing.T) {
	ninety := int64(90)
	guide, _ := json.Marshal(BackupPlanInput{BackupPlanName: "prod-daily-backup-plan", Rules: []BackupRuleInput{
		{RuleName: "daily", TargetBackupVaultName: "prod", CopyActions: []CopyAction{{DestinationBackupVaultArn: "arn:aws:backup:eu-west-1:123456789012:backup-vault:dr", Lifecycle: &Lifecycle{DeleteAfterDays: &ninety}}}},
		{RuleName: "weekly", TargetBackupVaultName: "prod"},
	}})
	wrapped := `{"BackupPlan": ` + string(guide) + `}`
	for _, doc := range []string{string(guide), wrapped} {
		p, err := DecodeBackupPlanDocument(doc)
		if err != nil {
			t.Fatal(err)
		}
		if p.BackupPlanName != "prod-daily-backup-plan" || len(p.Rules) != 2 || *p.Rules[0].CopyActions[0].Lifecycle.DeleteAfterDays != 90 {
			t.Errorf("parsed %+v", p)
		}
	}
	cases := []struct{ doc, want string }{
		{"", "BackupPlanTemplateJson is empty"},
		{`{"BackupPlanName": "x", // daily` + "\n" + `"Rules": []}`, "is not valid JSON at line 1, column 25"},
		{`{"BackupPlanName": "x", // daily` + "\n" + `"Rules": []}`, "JSON has no comments: remove the // comments"},
		{`{"BackupPlanName": "x", "Rules": [], "Selections": []}`, `"Selections" is not part of a backup plan`},
		{`{"BackupPlanName": "x", "Rules": [{"RuleName": "r", "Schedule": "cron(0 2 * * ? *)"}]}`, `unknown member "Schedule"`},
		{`{"BackupPlanName": "x", "Rules": [{"RuleName": "r", "StartWindowMinutes": "60"}]}`, "Rules.StartWindowMinutes must be a whole number, not a JSON string"},
		{`["not", "a", "plan"]`, "must be an object"},
	}
	for _, tc := range cases {
		_, err := DecodeBackupPlanDocument(tc.doc)
		if !apierr.Is(err, apierr.InvalidRequest) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DecodeBackupPlanDocument(%q) = %v, want InvalidRequestException containing %q", tc.doc, err, tc.want)
		}
	}
}
