package rules

import (
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

func p(v int64) *int64 { return &v }

// Each rule refuses with the API's code and a message that names the member and the fix, and
// accepts the boundary value.
func TestRulesRefuseNamingTheFix(t *testing.T) {
	cases := []struct {
		name      string
		err       error
		code, msg string
	}{
		{"unix cron", Schedule("cron(0 2 * * *)", "", "Rules[0]."), apierr.InvalidParameterValue, `Rules[0].ScheduleExpression "cron(0 2 * * *)" is not valid: "cron(0 2 * * *)" has 5 fields; AWS cron has 6: minutes hours day-of-month month day-of-week year; use cron(0 2 * * ? *)`},
		{"malformed rate", Schedule("rate(2 hour)", "", ""), apierr.InvalidParameterValue, "must say rate(2 hours)"},
		{"too often", Schedule("rate(30 minutes)", "", ""), apierr.InvalidParameterValue, "runs more often than once an hour"},
		{"bad zone", Schedule("", "Mars/Olympus", ""), apierr.InvalidParameterValue, `ScheduleExpressionTimezone: "Mars/Olympus" is not an IANA time zone name`},
		{"start window", Windows(p(59), nil, "Rules[1]."), apierr.InvalidParameterValue, "Rules[1].StartWindowMinutes (59) must be at least 60 minutes"},
		{"completion before start", Windows(p(120), p(120), ""), apierr.InvalidParameterValue, "CompletionWindowMinutes (120) must be greater than StartWindowMinutes (120)"},
		{"default completion", Windows(p(20000), nil, ""), apierr.InvalidParameterValue, "CompletionWindowMinutes (10080, the default) must be greater"},
		{"cold gap", Lifecycle(p(30), p(100), false, "Lifecycle."), apierr.InvalidParameterValue, "Lifecycle.DeleteAfterDays (100) must be at least MoveToColdStorageAfterDays (30) + 90: recovery points stay in cold storage for at least 90 days; set DeleteAfterDays to 120 or more"},
		{"continuous cold", Lifecycle(p(30), nil, true, ""), apierr.InvalidParameterValue, "not allowed with EnableContinuousBackup"},
		{"continuous long", Lifecycle(nil, p(36), true, ""), apierr.InvalidParameterValue, "DeleteAfterDays (36) is too long for a continuous backup"},
		{"lifecycle range", Lifecycle(nil, p(0), false, ""), apierr.InvalidParameterValue, "DeleteAfterDays (0) must be from 1 to 36500 days"},
		{"vault arn", VaultARN("arn:aws:backup:eu-west-1:12:backup-vault:v", "CopyActions[0].DestinationBackupVaultArn"), apierr.InvalidParameterValue, `(the account "12" must be a 12-digit account ID)`},
		{"role arn", IAMRoleARN("arn:aws:iam::123:role/x", "ScannerRoleArn"), apierr.InvalidParameterValue, `ScannerRoleArn "arn:aws:iam::123:role/x" is not an IAM role ARN`},
		{"vault name", VaultName("a", "BackupVaultName"), apierr.InvalidParameterValue, `BackupVaultName "a" is not a vault name: 2 to 50 letters`},
		{"tag count", Tags(manyTags(51)), apierr.InvalidParameterValue, "at most 50 tags; got 51: remove 1"},
		{"tag prefix", Tags(map[string]string{"aws:x": "y"}), apierr.InvalidParameterValue, "reserved prefix aws:"},
		{"advanced type", AdvancedBackupSetting("RDS", nil, "AdvancedBackupSettings[0]."), apierr.InvalidParameterValue, `AdvancedBackupSettings[0].ResourceType "RDS" has no advanced backup settings`},
		{"advanced key", AdvancedBackupSetting("S3", map[string]string{"WindowsVSS": "enabled"}, ""), apierr.InvalidParameterValue, `"WindowsVSS" is not an option for S3: the options are BackupACLs and BackupObjectTags`},
		{"advanced value", AdvancedBackupSetting("S3", map[string]string{"BackupObjectTags": "off"}, ""), apierr.InvalidParameterValue, `BackupOptions.BackupObjectTags "off" must be enabled or disabled`},
		{"index types", IndexActions([][]string{{"EFS"}}, ""), apierr.InvalidParameterValue, `IndexActions[0].ResourceTypes[0] "EFS" is not indexable`},
		{"index count", IndexActions([][]string{{"S3"}, {"EBS"}}, ""), apierr.InvalidParameterValue, "at most one IndexAction"},
		{"lock order", LockRetention(p(30), p(7), MinLockRetentionDays), apierr.InvalidParameterValue, "MinRetentionDays (30) must not be greater than MaxRetentionDays (7)"},
		{"lock floor", LockRetention(p(0), nil, MinLockRetentionDays), apierr.InvalidParameterValue, "MinRetentionDays must be at least 1, got 0"},
		{"lock ceiling", LockRetention(nil, p(36501), MinLockRetentionDays), apierr.InvalidParameterValue, "MaxRetentionDays must be at most 36500"},
		{"changeable", ChangeableForDays(p(2)), apierr.InvalidParameterValue, "ChangeableForDays must be at least 3, got 2"},
		{"cancel description", HoldText("CancelDescription", " "), apierr.MissingParameterValue, "CancelDescription is required and must not be blank"},
		{"hold text length", HoldText("Description", strings.Repeat("x", 281)), apierr.InvalidParameterValue, "at most 280"},
		{"policy json", policyErr(`{"Version": "2012-10-17",`), apierr.InvalidParameterValue, "Policy is not a valid backup vault access policy"},
	}
	for _, tc := range cases {
		e, ok := apierr.As(tc.err)
		if !ok || e.Code != tc.code || !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s: got %v, want %s containing %q", tc.name, tc.err, tc.code, tc.msg)
		}
	}
}

func TestRulesAcceptTheBoundaries(t *testing.T) {
	for name, err := range map[string]error{
		"default schedule":   Schedule("", "", ""),
		"hourly":             Schedule("rate(1 hour)", "Europe/Paris", ""),
		"start 60":           Windows(p(60), p(61), ""),
		"defaults":           Windows(nil, nil, ""),
		"cold + 90":          Lifecycle(p(30), p(120), false, ""),
		"continuous 35":      Lifecycle(nil, p(35), true, ""),
		"vault arn":          VaultARN("arn:aws:backup:eu-west-1:123456789012:backup-vault:v-1", "x"),
		"50 tags":            Tags(manyTags(50)),
		"vss":                AdvancedBackupSetting("EC2", map[string]string{"WindowsVSS": "enabled"}, ""),
		"s3 settings":        AdvancedBackupSetting("S3", map[string]string{"BackupACLs": "disabled", "BackupObjectTags": "enabled"}, ""),
		"index S3":           IndexActions([][]string{{"S3"}}, ""),
		"lock equal":         LockRetention(p(7), p(7), MinLockRetentionDays),
		"changeable 3":       ChangeableForDays(p(3)),
		"governance":         ChangeableForDays(nil),
		"cancel description": HoldText("CancelDescription", "matter closed"),
		"policy":             policyErr(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"}]}`),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func manyTags(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[strings.Repeat("k", 1+i%3)+string(rune('a'+i%26))+string(rune('a'+i/26))] = "v"
	}
	return m
}

func policyErr(text string) error {
	_, err := VaultAccessPolicy(text, nil)
	return err
}
