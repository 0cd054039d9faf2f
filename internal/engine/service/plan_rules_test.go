package service

import (
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

const drVaultARN = "arn:aws:backup:eu-west-1:210987654321:backup-vault:dr-vault"

// guidePlan is the production plan of the AWS Backup guide the project started from
// (../shared/seeds/000_ec20890367f2de93.txt), with DR_ACCOUNT_ID filled in.
func guidePlan() wire.BackupPlanInput {
	return wire.BackupPlanInput{
		BackupPlanName: "prod-daily-backup-plan",
		Rules: []wire.BackupRuleInput{
			{
				RuleName:                "DailyToUsEast1",
				TargetBackupVaultName:   "prod-primary-vault",
				ScheduleExpression:      "cron(0 2 * * ? *)",
				StartWindowMinutes:      ptr(int64(60)),
				CompletionWindowMinutes: ptr(int64(180)),
				Lifecycle:               &wire.Lifecycle{MoveToColdStorageAfterDays: ptr(int64(30)), DeleteAfterDays: ptr(int64(365))},
				CopyActions: []wire.CopyAction{{
					DestinationBackupVaultArn: drVaultARN,
					Lifecycle:                 &wire.Lifecycle{DeleteAfterDays: ptr(int64(90))},
				}},
			},
			{
				RuleName:              "WeeklyToUsEast1",
				TargetBackupVaultName: "prod-primary-vault",
				ScheduleExpression:    "cron(0 3 ? * SUN *)",
				Lifecycle:             &wire.Lifecycle{DeleteAfterDays: ptr(int64(1825))},
			},
		},
	}
}

func TestValidatePlan_acceptsTheGuidePlan(t *testing.T) {
	p := guidePlan()
	if err := validatePlan(&p, "BackupPlan."); err != nil {
		t.Fatal(err)
	}
}

// TestValidatePlan_rules is one case per rule AWS Backup applies to a plan: each breaks exactly
// one rule of the guide's plan, and the refusal must carry AWS's error code and name the member.
func TestValidatePlan_rules(t *testing.T) {
	cases := []struct {
		name   string
		change func(p *wire.BackupPlanInput)
		code   string
		want   string
	}{
		// Names.
		{"plan name missing", func(p *wire.BackupPlanInput) { p.BackupPlanName = "" },
			apierr.MissingParameterValue, "BackupPlan.BackupPlanName is required"},
		{"plan name with spaces", func(p *wire.BackupPlanInput) { p.BackupPlanName = "prod daily" },
			apierr.InvalidParameterValue, `BackupPlan.BackupPlanName "prod daily" must be 1 to 50 letters`},
		{"plan name too long", func(p *wire.BackupPlanInput) { p.BackupPlanName = strings.Repeat("p", 51) },
			apierr.InvalidParameterValue, "BackupPlan.BackupPlanName"},
		{"no rules", func(p *wire.BackupPlanInput) { p.Rules = nil },
			apierr.InvalidParameterValue, "BackupPlan.Rules must contain at least one rule"},
		{"rule name missing", func(p *wire.BackupPlanInput) { p.Rules[1].RuleName = "" },
			apierr.MissingParameterValue, "BackupPlan.Rules[1].RuleName is required"},
		{"rule name pattern", func(p *wire.BackupPlanInput) { p.Rules[0].RuleName = "daily/us" },
			apierr.InvalidParameterValue, `BackupPlan.Rules[0].RuleName "daily/us"`},
		{"duplicate rule names", func(p *wire.BackupPlanInput) { p.Rules[1].RuleName = "DailyToUsEast1" },
			apierr.InvalidParameterValue, `BackupPlan.Rules[1].RuleName "DailyToUsEast1" is already the name of Rules[0]`},
		{"vault name missing", func(p *wire.BackupPlanInput) { p.Rules[0].TargetBackupVaultName = "" },
			apierr.MissingParameterValue, "BackupPlan.Rules[0].TargetBackupVaultName is required"},
		{"vault name pattern", func(p *wire.BackupPlanInput) { p.Rules[0].TargetBackupVaultName = "prod.vault" },
			apierr.InvalidParameterValue, `BackupPlan.Rules[0].TargetBackupVaultName "prod.vault" is not a vault name`},

		// ScheduleExpression and its time zone.
		{"cron with five fields", func(p *wire.BackupPlanInput) { p.Rules[0].ScheduleExpression = "cron(0 2 * * ?)" },
			apierr.InvalidParameterValue, `BackupPlan.Rules[0].ScheduleExpression "cron(0 2 * * ?)" is not valid: "cron(0 2 * * ?)" has 5 fields`},
		{"cron without ?", func(p *wire.BackupPlanInput) { p.Rules[1].ScheduleExpression = "cron(0 3 * * SUN *)" },
			apierr.InvalidParameterValue, "BackupPlan.Rules[1].ScheduleExpression \"cron(0 3 * * SUN *)\" is not valid: \"cron(0 3 * * SUN *)\" sets both day-of-month"},
		{"cron value out of range", func(p *wire.BackupPlanInput) { p.Rules[0].ScheduleExpression = "cron(0 25 * * ? *)" },
			apierr.InvalidParameterValue, `hours field "25": 25 is out of range 0-23`},
		{"not cron or rate", func(p *wire.BackupPlanInput) { p.Rules[0].ScheduleExpression = "0 2 * * ? *" },
			apierr.InvalidParameterValue, "is neither cron("},
		{"cron more often than hourly", func(p *wire.BackupPlanInput) { p.Rules[0].ScheduleExpression = "cron(0/30 * * * ? *)" },
			apierr.InvalidParameterValue, `BackupPlan.Rules[0].ScheduleExpression "cron(0/30 * * * ? *)" runs more often than once an hour, the most AWS Backup allows: its minutes field names 2 minutes of the hour (0,30)`},
		{"minute list in one hour", func(p *wire.BackupPlanInput) { p.Rules[0].ScheduleExpression = "cron(0,45 2 * * ? *)" },
			apierr.InvalidParameterValue, "runs more often than once an hour"},
		{"rate more often than hourly", func(p *wire.BackupPlanInput) { p.Rules[0].ScheduleExpression = "rate(30 minutes)" },
			apierr.InvalidParameterValue, `"rate(30 minutes)" runs more often than once an hour, the most AWS Backup allows: it fires every 30m0s`},
		{"rate grammar", func(p *wire.BackupPlanInput) { p.Rules[0].ScheduleExpression = "rate(2 hour)" },
			apierr.InvalidParameterValue, `must say rate(2 hours)`},
		{"timezone not IANA", func(p *wire.BackupPlanInput) { p.Rules[0].ScheduleExpressionTimezone = "Eastern" },
			apierr.InvalidParameterValue, `BackupPlan.Rules[0].ScheduleExpressionTimezone: "Eastern" is not an IANA time zone name`},
		{"timezone Local", func(p *wire.BackupPlanInput) { p.Rules[0].ScheduleExpressionTimezone = "Local" },
			apierr.InvalidParameterValue, "ScheduleExpressionTimezone"},

		// Windows.
		{"start window under an hour", func(p *wire.BackupPlanInput) { p.Rules[0].StartWindowMinutes = ptr(int64(59)) },
			apierr.InvalidParameterValue, "BackupPlan.Rules[0].StartWindowMinutes (59) must be at least 60 minutes"},
		{"completion window not after start", func(p *wire.BackupPlanInput) { p.Rules[0].CompletionWindowMinutes = ptr(int64(60)) },
			apierr.InvalidParameterValue, "BackupPlan.Rules[0].CompletionWindowMinutes (60) must be greater than StartWindowMinutes (60)"},
		{"completion window against the default start", func(p *wire.BackupPlanInput) { p.Rules[1].CompletionWindowMinutes = ptr(int64(480)) },
			apierr.InvalidParameterValue, "BackupPlan.Rules[1].CompletionWindowMinutes (480) must be greater than StartWindowMinutes (480), the default"},
		{"start window past the default completion", func(p *wire.BackupPlanInput) { p.Rules[1].StartWindowMinutes = ptr(int64(20000)) },
			apierr.InvalidParameterValue, "BackupPlan.Rules[1].CompletionWindowMinutes (10080, the default) must be greater than StartWindowMinutes (20000)"},

		// Lifecycle.
		{"delete before cold + 90", func(p *wire.BackupPlanInput) {
			p.Rules[0].Lifecycle = &wire.Lifecycle{MoveToColdStorageAfterDays: ptr(int64(30)), DeleteAfterDays: ptr(int64(100))}
		}, apierr.InvalidParameterValue, "Rules[0].Lifecycle.DeleteAfterDays (100) must be at least MoveToColdStorageAfterDays (30) + 90"},
		{"delete after zero days", func(p *wire.BackupPlanInput) { p.Rules[1].Lifecycle.DeleteAfterDays = ptr(int64(0)) },
			apierr.InvalidParameterValue, "BackupPlan.Rules[1].Lifecycle.DeleteAfterDays (0) must be from 1 to 36500 days"},
		{"delete after more than 100 years", func(p *wire.BackupPlanInput) { p.Rules[1].Lifecycle.DeleteAfterDays = ptr(int64(36501)) },
			apierr.InvalidParameterValue, "DeleteAfterDays (36501) must be from 1 to 36500"},
		{"negative cold storage", func(p *wire.BackupPlanInput) { p.Rules[0].Lifecycle.MoveToColdStorageAfterDays = ptr(int64(-1)) },
			apierr.InvalidParameterValue, "Lifecycle.MoveToColdStorageAfterDays (-1) must be from 1"},
		{"DeleteAfterEvent is output only", func(p *wire.BackupPlanInput) { p.Rules[1].Lifecycle.DeleteAfterEvent = "DELETE_AFTER_COPY" },
			apierr.InvalidParameterValue, "BackupPlan.Rules[1].Lifecycle.DeleteAfterEvent is set by AWS Backup and is not valid as an input"},
		{"continuous backup with cold storage", func(p *wire.BackupPlanInput) { p.Rules[0].EnableContinuousBackup = ptr(true) },
			apierr.InvalidParameterValue, "BackupPlan.Rules[0].Lifecycle.MoveToColdStorageAfterDays (30) is not allowed with EnableContinuousBackup"},
		{"continuous backup kept over 35 days", func(p *wire.BackupPlanInput) { p.Rules[1].EnableContinuousBackup = ptr(true) },
			apierr.InvalidParameterValue, "BackupPlan.Rules[1].Lifecycle.DeleteAfterDays (1825) is too long for a continuous backup, which is kept 1 to 35 days"},

		// Copy actions.
		{"copy destination missing", func(p *wire.BackupPlanInput) { p.Rules[0].CopyActions[0].DestinationBackupVaultArn = "" },
			apierr.MissingParameterValue, "BackupPlan.Rules[0].CopyActions[0].DestinationBackupVaultArn is required"},
		{"copy destination with the guide's placeholder account", func(p *wire.BackupPlanInput) {
			p.Rules[0].CopyActions[0].DestinationBackupVaultArn = "arn:aws:backup:eu-west-1:DR_ACCOUNT_ID:backup-vault:dr-vault"
		}, apierr.InvalidParameterValue, `BackupPlan.Rules[0].CopyActions[0].DestinationBackupVaultArn "arn:aws:backup:eu-west-1:DR_ACCOUNT_ID:backup-vault:dr-vault" is not a backup vault ARN: expected arn:aws:backup:REGION:ACCOUNT_ID:backup-vault:NAME (the account "DR_ACCOUNT_ID" must be a 12-digit account ID)`},
		{"copy destination not a vault", func(p *wire.BackupPlanInput) {
			p.Rules[0].CopyActions[0].DestinationBackupVaultArn = "arn:aws:backup:eu-west-1:210987654321:backup-plan:abc"
		}, apierr.InvalidParameterValue, "DestinationBackupVaultArn \"arn:aws:backup:eu-west-1:210987654321:backup-plan:abc\" is not a backup vault ARN"},
		{"copy destination not an ARN", func(p *wire.BackupPlanInput) { p.Rules[0].CopyActions[0].DestinationBackupVaultArn = "dr-vault" },
			apierr.InvalidParameterValue, "is not a backup vault ARN"},
		{"copy lifecycle follows the same rule", func(p *wire.BackupPlanInput) {
			p.Rules[0].CopyActions[0].Lifecycle = &wire.Lifecycle{MoveToColdStorageAfterDays: ptr(int64(10)), DeleteAfterDays: ptr(int64(90))}
		}, apierr.InvalidParameterValue, "BackupPlan.Rules[0].CopyActions[0].Lifecycle.DeleteAfterDays (90) must be at least MoveToColdStorageAfterDays (10) + 90"},
		{"copy lifecycle days in range", func(p *wire.BackupPlanInput) { p.Rules[0].CopyActions[0].Lifecycle.DeleteAfterDays = ptr(int64(0)) },
			apierr.InvalidParameterValue, "BackupPlan.Rules[0].CopyActions[0].Lifecycle.DeleteAfterDays (0)"},
		{"logically air-gapped target must be a vault ARN", func(p *wire.BackupPlanInput) { p.Rules[0].TargetLogicallyAirGappedBackupVaultArn = "vault" },
			apierr.InvalidParameterValue, `BackupPlan.Rules[0].TargetLogicallyAirGappedBackupVaultArn "vault" is not a backup vault ARN`},

		// Tags, index actions and advanced settings.
		{"recovery point tag with reserved prefix", func(p *wire.BackupPlanInput) { p.Rules[0].RecoveryPointTags = map[string]string{"aws:team": "x"} },
			apierr.InvalidParameterValue, `BackupPlan.Rules[0].RecoveryPointTags: tag key "aws:team" uses the reserved prefix aws:`},
		{"two index actions", func(p *wire.BackupPlanInput) {
			p.Rules[0].IndexActions = []wire.IndexAction{{ResourceTypes: []string{"EBS"}}, {ResourceTypes: []string{"S3"}}}
		}, apierr.InvalidParameterValue, "BackupPlan.Rules[0].IndexActions has 2 entries; a rule can have at most one"},
		{"index action type", func(p *wire.BackupPlanInput) {
			p.Rules[0].IndexActions = []wire.IndexAction{{ResourceTypes: []string{"RDS"}}}
		},
			apierr.InvalidParameterValue, `BackupPlan.Rules[0].IndexActions[0].ResourceTypes[0] "RDS" is not indexable`},
		{"advanced setting for another resource type", func(p *wire.BackupPlanInput) {
			p.AdvancedBackupSettings = []wire.AdvancedBackupSetting{{ResourceType: "RDS", BackupOptions: map[string]string{"WindowsVSS": "enabled"}}}
		}, apierr.InvalidParameterValue, `BackupPlan.AdvancedBackupSettings[0].ResourceType "RDS" has no advanced backup settings`},
		{"an S3 option for EC2", func(p *wire.BackupPlanInput) {
			p.AdvancedBackupSettings = []wire.AdvancedBackupSetting{{ResourceType: "EC2", BackupOptions: map[string]string{"BackupACLs": "enabled"}}}
		}, apierr.InvalidParameterValue, `BackupPlan.AdvancedBackupSettings[0].BackupOptions key "BackupACLs" is not an option for EC2`},
		{"S3 option value", func(p *wire.BackupPlanInput) {
			p.AdvancedBackupSettings = []wire.AdvancedBackupSetting{{ResourceType: "S3", BackupOptions: map[string]string{"BackupObjectTags": "no"}}}
		}, apierr.InvalidParameterValue, `BackupPlan.AdvancedBackupSettings[0].BackupOptions.BackupObjectTags "no" must be enabled or disabled`},
		{"scanner role", func(p *wire.BackupPlanInput) {
			p.ScanSettings = []wire.ScanSetting{{MalwareScanner: "GUARDDUTY", ResourceTypes: []string{"S3"}, ScannerRoleArn: "role"}}
		}, apierr.InvalidParameterValue, `BackupPlan.ScanSettings[0].ScannerRoleArn "role" is not an IAM role ARN`},
		{"advanced setting option value", func(p *wire.BackupPlanInput) {
			p.AdvancedBackupSettings = []wire.AdvancedBackupSetting{{ResourceType: "EC2", BackupOptions: map[string]string{"WindowsVSS": "on"}}}
		}, apierr.InvalidParameterValue, `BackupPlan.AdvancedBackupSettings[0].BackupOptions.WindowsVSS "on" must be enabled or disabled`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := guidePlan()
			tc.change(&p)
			err := validatePlan(&p, "BackupPlan.")
			e, ok := apierr.As(err)
			if !ok {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if e.Code != tc.code || !strings.Contains(e.Message, tc.want) {
				t.Errorf("got %s: %s\nwant %s containing %q", e.Code, e.Message, tc.code, tc.want)
			}
		})
	}
}

func TestValidatePlan_acceptsWhatAWSAccepts(t *testing.T) {
	cases := []struct {
		name   string
		change func(p *wire.BackupPlanInput)
	}{
		{"no schedule (AWS's default)", func(p *wire.BackupPlanInput) { p.Rules[0].ScheduleExpression = "" }},
		{"hourly cron", func(p *wire.BackupPlanInput) { p.Rules[0].ScheduleExpression = "cron(0 * * * ? *)" }},
		{"hourly rate", func(p *wire.BackupPlanInput) { p.Rules[0].ScheduleExpression = "rate(1 hour)" }},
		{"an IANA time zone", func(p *wire.BackupPlanInput) { p.Rules[0].ScheduleExpressionTimezone = "America/New_York" }},
		{"exactly cold + 90", func(p *wire.BackupPlanInput) {
			p.Rules[0].Lifecycle = &wire.Lifecycle{MoveToColdStorageAfterDays: ptr(int64(30)), DeleteAfterDays: ptr(int64(120))}
		}},
		{"cold storage without deletion", func(p *wire.BackupPlanInput) {
			p.Rules[0].Lifecycle = &wire.Lifecycle{MoveToColdStorageAfterDays: ptr(int64(30))}
		}},
		{"archive opt-in", func(p *wire.BackupPlanInput) { p.Rules[0].Lifecycle.OptInToArchiveForSupportedResources = ptr(true) }},
		{"continuous rule without schedule, 35 days", func(p *wire.BackupPlanInput) {
			p.Rules[1] = wire.BackupRuleInput{RuleName: "pitr", TargetBackupVaultName: "prod-primary-vault", EnableContinuousBackup: ptr(true), Lifecycle: &wire.Lifecycle{DeleteAfterDays: ptr(int64(35))}}
		}},
		{"continuous rule whose copy goes cold", func(p *wire.BackupPlanInput) {
			p.Rules[1] = wire.BackupRuleInput{RuleName: "pitr", TargetBackupVaultName: "prod-primary-vault", EnableContinuousBackup: ptr(true),
				CopyActions: []wire.CopyAction{{DestinationBackupVaultArn: drVaultARN, Lifecycle: &wire.Lifecycle{MoveToColdStorageAfterDays: ptr(int64(7)), DeleteAfterDays: ptr(int64(97))}}}}
		}},
		{"copy action without lifecycle", func(p *wire.BackupPlanInput) { p.Rules[0].CopyActions[0].Lifecycle = nil }},
		{"no lifecycle at all", func(p *wire.BackupPlanInput) { p.Rules[1].Lifecycle = nil }},
		{"recovery point tags, index action, scan action, advanced settings", func(p *wire.BackupPlanInput) {
			p.Rules[0].RecoveryPointTags = map[string]string{"source": "daily"}
			p.Rules[0].IndexActions = []wire.IndexAction{{ResourceTypes: []string{"EBS", "S3"}}}
			p.Rules[0].ScanActions = []wire.ScanAction{{MalwareScanner: "GUARDDUTY", ScanMode: "FULL_SCAN"}}
			p.AdvancedBackupSettings = []wire.AdvancedBackupSetting{{ResourceType: "EC2", BackupOptions: map[string]string{"WindowsVSS": "enabled"}}}
		}},
		{"S3 advanced settings", func(p *wire.BackupPlanInput) {
			p.AdvancedBackupSettings = []wire.AdvancedBackupSetting{{ResourceType: "S3", BackupOptions: map[string]string{"BackupACLs": "disabled", "BackupObjectTags": "enabled"}}}
		}},
		{"scan settings", func(p *wire.BackupPlanInput) {
			p.ScanSettings = []wire.ScanSetting{{MalwareScanner: "GUARDDUTY", ResourceTypes: []string{"S3"}, ScannerRoleArn: "arn:aws:iam::123456789012:role/scanner"}}
		}},
	}
	for _, tc := range cases {
		p := guidePlan()
		tc.change(&p)
		if err := validatePlan(&p, "BackupPlan."); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestNormalizePlan_fillsAWSDefaultsAndKeepsRuleIDsByName(t *testing.T) {
	p := guidePlan()
	ids := 0
	newID := func() string { ids++; return "rule-" + string(rune('0'+ids)) }
	got := normalizePlan(&p, map[string]string{"WeeklyToUsEast1": "kept"}, newID)
	daily, weekly := got.Rules[0], got.Rules[1]
	if daily.RuleId != "rule-1" || weekly.RuleId != "kept" {
		t.Errorf("rule IDs = %q, %q", daily.RuleId, weekly.RuleId)
	}
	if *daily.StartWindowMinutes != 60 || *daily.CompletionWindowMinutes != 180 {
		t.Errorf("given windows changed: %d, %d", *daily.StartWindowMinutes, *daily.CompletionWindowMinutes)
	}
	if *weekly.StartWindowMinutes != 480 || *weekly.CompletionWindowMinutes != 10080 || weekly.ScheduleExpressionTimezone != "Etc/UTC" {
		t.Errorf("defaults = %d, %d, %q", *weekly.StartWindowMinutes, *weekly.CompletionWindowMinutes, weekly.ScheduleExpressionTimezone)
	}
	p.Rules[1].ScheduleExpression = ""
	if got := normalizePlan(&p, nil, nil); got.Rules[1].ScheduleExpression != "cron(0 5 ? * * *)" || got.Rules[1].RuleId != "" {
		t.Errorf("default schedule = %q, id %q", got.Rules[1].ScheduleExpression, got.Rules[1].RuleId)
	}
	// The input is not modified, so what the caller wrote survives.
	if p.Rules[1].StartWindowMinutes != nil {
		t.Error("normalizePlan changed its input")
	}
}

func TestPlanTemplates_validate(t *testing.T) {
	if len(planTemplates) < 3 {
		t.Fatalf("%d templates", len(planTemplates))
	}
	ids := map[string]bool{}
	for _, tmpl := range planTemplates {
		p := tmpl.Plan
		if err := validatePlan(&p, ""); err != nil {
			t.Errorf("template %s: %v", tmpl.Name, err)
		}
		if ids[tmpl.ID] {
			t.Errorf("template ID %s repeats", tmpl.ID)
		}
		ids[tmpl.ID] = true
	}
}
