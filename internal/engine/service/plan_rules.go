package service

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	modelnames "github.com/strongroom/terraform-provider-backup/internal/engine/names"
	"github.com/strongroom/terraform-provider-backup/internal/engine/schedule"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// AWS Backup's defaults for a rule that leaves them out (BackupRuleInput in the API reference).
const (
	DefaultScheduleExpression      = "cron(0 5 ? * * *)"
	DefaultStartWindowMinutes      = 480   // 8 hours
	DefaultCompletionWindowMinutes = 10080 // 7 days
	minStartWindowMinutes          = 60
	minColdStorageDays             = 90    // days a point must stay cold before it may be deleted
	maxLifecycleDays               = 36500 // "The maximum value of this parameter is 100 years"
	maxContinuousRetentionDays     = 35    // continuous backups are kept 1 to 35 days
)

var (
	// Names AWS allows for plans, rules and selections: "1 to 50 alphanumeric or '-_.' characters".
	displayNamePattern = modelnames.DisplayPattern
	vaultNamePattern   = modelnames.VaultPattern
	// A backup vault ARN with a real region and a 12-digit account, as copy actions and
	// logically air-gapped targets need.
	vaultARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:backup:([a-z]{2}(-[a-z]+)+-[0-9]+):([0-9]{12}):backup-vault:(` + modelnames.VaultNameExpr + `)$`)
	iamRolePattern  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	accountPattern  = modelnames.AccountPattern
)

// validatePlan applies AWS Backup's rules to a plan. prefix is how messages name the plan
// ("BackupPlan." in CreateBackupPlan, "" for a JSON document), so that every refusal names the
// member at fault, such as "BackupPlan.Rules[0].Lifecycle.DeleteAfterDays".
func validatePlan(p *wire.BackupPlanInput, prefix string) error {
	if p.BackupPlanName == "" {
		return apierr.Missing("%sBackupPlanName is required", prefix)
	}
	if !displayNamePattern.MatchString(p.BackupPlanName) {
		return apierr.InvalidParameter("%sBackupPlanName %q must be "+modelnames.DisplayRule, prefix, p.BackupPlanName)
	}
	if len(p.Rules) == 0 {
		return apierr.InvalidParameter("%sRules must contain at least one rule", prefix)
	}
	seen := map[string]int{}
	for i := range p.Rules {
		r := &p.Rules[i]
		path := fmt.Sprintf("%sRules[%d].", prefix, i)
		if j, dup := seen[r.RuleName]; dup && r.RuleName != "" {
			return apierr.InvalidParameter("%sRuleName %q is already the name of Rules[%d]: rule names must be unique within a plan", path, r.RuleName, j)
		}
		seen[r.RuleName] = i
		if err := validateRule(r, path); err != nil {
			return err
		}
	}
	for i, s := range p.AdvancedBackupSettings {
		if err := validateAdvancedSetting(s, fmt.Sprintf("%sAdvancedBackupSettings[%d].", prefix, i)); err != nil {
			return err
		}
	}
	return nil
}

func validateRule(r *wire.BackupRuleInput, path string) error {
	switch {
	case r.RuleName == "":
		return apierr.Missing("%sRuleName is required", path)
	case !displayNamePattern.MatchString(r.RuleName):
		return apierr.InvalidParameter("%sRuleName %q must be "+modelnames.DisplayRule, path, r.RuleName)
	case r.TargetBackupVaultName == "":
		return apierr.Missing("%sTargetBackupVaultName is required", path)
	case !vaultNamePattern.MatchString(r.TargetBackupVaultName):
		return apierr.InvalidParameter("%sTargetBackupVaultName %q is not a vault name: "+modelnames.VaultRule, path, r.TargetBackupVaultName)
	}
	if err := validateSchedule(r, path); err != nil {
		return err
	}
	start := int64(DefaultStartWindowMinutes)
	if r.StartWindowMinutes != nil {
		start = *r.StartWindowMinutes
		if start < minStartWindowMinutes {
			return apierr.InvalidParameter("%sStartWindowMinutes (%d) must be at least %d minutes (or left out for the default of %d)", path, start, minStartWindowMinutes, DefaultStartWindowMinutes)
		}
	}
	if r.CompletionWindowMinutes != nil {
		if c := *r.CompletionWindowMinutes; c <= start {
			return apierr.InvalidParameter("%sCompletionWindowMinutes (%d) must be greater than StartWindowMinutes (%d)%s", path, c, start, defaultNote(r.StartWindowMinutes == nil))
		}
	} else if DefaultCompletionWindowMinutes <= start {
		return apierr.InvalidParameter("%sCompletionWindowMinutes (%d, the default) must be greater than StartWindowMinutes (%d): set CompletionWindowMinutes above %d", path, DefaultCompletionWindowMinutes, start, start)
	}
	continuous := r.EnableContinuousBackup != nil && *r.EnableContinuousBackup
	if err := validateLifecycle(r.Lifecycle, path+"Lifecycle.", continuous); err != nil {
		return err
	}
	if err := validateRecoveryPointTags(r.RecoveryPointTags, path); err != nil {
		return err
	}
	for i, c := range r.CopyActions {
		cpath := fmt.Sprintf("%sCopyActions[%d].", path, i)
		if c.DestinationBackupVaultArn == "" {
			return apierr.Missing("%sDestinationBackupVaultArn is required", cpath)
		}
		if err := validateVaultARN(c.DestinationBackupVaultArn, cpath+"DestinationBackupVaultArn"); err != nil {
			return err
		}
		// A copy's lifecycle follows the same rules; copies are snapshots, so cold storage is
		// allowed even when the rule itself is continuous.
		if err := validateLifecycle(c.Lifecycle, cpath+"Lifecycle.", false); err != nil {
			return err
		}
	}
	if r.TargetLogicallyAirGappedBackupVaultArn != "" {
		if err := validateVaultARN(r.TargetLogicallyAirGappedBackupVaultArn, path+"TargetLogicallyAirGappedBackupVaultArn"); err != nil {
			return err
		}
	}
	if len(r.IndexActions) > 1 {
		return apierr.InvalidParameter("%sIndexActions has %d entries; a rule can have at most one IndexAction", path, len(r.IndexActions))
	}
	for i, a := range r.IndexActions {
		for j, t := range a.ResourceTypes {
			if t != "EBS" && t != "S3" {
				return apierr.InvalidParameter("%sIndexActions[%d].ResourceTypes[%d] %q is not indexable: the valid values are EBS and S3", path, i, j, t)
			}
		}
	}
	return nil
}

func defaultNote(isDefault bool) string {
	if isDefault {
		return ", the default: set StartWindowMinutes lower or CompletionWindowMinutes higher"
	}
	return ": set CompletionWindowMinutes higher or StartWindowMinutes lower"
}

// validateSchedule checks the expression, its time zone and AWS Backup's once-an-hour limit.
func validateSchedule(r *wire.BackupRuleInput, path string) error {
	expr := r.ScheduleExpression
	if expr == "" {
		expr = DefaultScheduleExpression
	}
	if _, err := schedule.LoadLocation(r.ScheduleExpressionTimezone); err != nil {
		return apierr.InvalidParameter("%sScheduleExpressionTimezone: %v", path, err)
	}
	s, err := schedule.Parse(expr, r.ScheduleExpressionTimezone)
	if err != nil {
		return apierr.InvalidParameter("%sScheduleExpression %q is not valid: %v", path, expr, err)
	}
	if ok, why := s.AtMostHourly(); !ok {
		return apierr.InvalidParameter("%sScheduleExpression %q runs more often than once an hour, the most AWS Backup allows: %s", path, expr, why)
	}
	return nil
}

func validateLifecycle(l *wire.Lifecycle, path string, continuous bool) error {
	if l == nil {
		return nil
	}
	if l.DeleteAfterEvent != "" {
		return apierr.InvalidParameter("%sDeleteAfterEvent is set by AWS Backup and is not valid as an input: remove it", path)
	}
	for _, f := range []struct {
		name string
		v    *int64
	}{{"MoveToColdStorageAfterDays", l.MoveToColdStorageAfterDays}, {"DeleteAfterDays", l.DeleteAfterDays}} {
		name, v := f.name, f.v
		if v == nil {
			continue
		}
		if *v < 1 || *v > maxLifecycleDays {
			return apierr.InvalidParameter("%s%s (%d) must be from 1 to %d days; leave it out to keep recovery points indefinitely", path, name, *v, maxLifecycleDays)
		}
	}
	if continuous && l.MoveToColdStorageAfterDays != nil {
		return apierr.InvalidParameter("%sMoveToColdStorageAfterDays (%d) is not allowed with EnableContinuousBackup: continuous backups cannot move to cold storage; remove MoveToColdStorageAfterDays or disable continuous backup", path, *l.MoveToColdStorageAfterDays)
	}
	if continuous && l.DeleteAfterDays != nil && *l.DeleteAfterDays > maxContinuousRetentionDays {
		return apierr.InvalidParameter("%sDeleteAfterDays (%d) is too long for a continuous backup, which is kept 1 to %d days", path, *l.DeleteAfterDays, maxContinuousRetentionDays)
	}
	if l.MoveToColdStorageAfterDays != nil && l.DeleteAfterDays != nil && *l.DeleteAfterDays < *l.MoveToColdStorageAfterDays+minColdStorageDays {
		return apierr.InvalidParameter("%sDeleteAfterDays (%d) must be at least MoveToColdStorageAfterDays (%d) + %d: recovery points stay in cold storage for at least %d days",
			path, *l.DeleteAfterDays, *l.MoveToColdStorageAfterDays, minColdStorageDays, minColdStorageDays)
	}
	return nil
}

func validateVaultARN(arn, field string) error {
	m := vaultARNPattern.FindStringSubmatch(arn)
	if m == nil {
		hint := ""
		if parts := strings.Split(arn, ":"); len(parts) >= 5 && strings.HasPrefix(arn, "arn:") && !accountPattern.MatchString(parts[4]) {
			hint = fmt.Sprintf(" (the account %q must be a 12-digit account ID)", parts[4])
		}
		return apierr.InvalidParameter("%s %q is not a backup vault ARN: expected arn:aws:backup:REGION:ACCOUNT_ID:backup-vault:NAME%s", field, arn, hint)
	}
	return nil
}

func validateRecoveryPointTags(tags map[string]string, path string) error {
	if err := validateTags(tags); err != nil {
		if e, ok := apierr.As(err); ok {
			return apierr.InvalidParameter("%sRecoveryPointTags: %s", path, e.Message)
		}
		return err
	}
	return nil
}

// validateAdvancedSetting accepts what AWS accepts: Windows VSS for EC2.
func validateAdvancedSetting(s wire.AdvancedBackupSetting, path string) error {
	if s.ResourceType != "EC2" {
		return apierr.InvalidParameter("%sResourceType %q is not supported: the only advanced backup setting is WindowsVSS for EC2", path, s.ResourceType)
	}
	for k, v := range s.BackupOptions {
		if k != "WindowsVSS" {
			return apierr.InvalidParameter("%sBackupOptions key %q is not supported: the only option is WindowsVSS", path, k)
		}
		if v != "enabled" && v != "disabled" {
			return apierr.InvalidParameter("%sBackupOptions.WindowsVSS %q must be enabled or disabled", path, v)
		}
	}
	return nil
}

// normalizeRule fills in AWS's defaults, so the stored plan says when the rule really runs.
func normalizeRule(r wire.BackupRuleInput) wire.BackupRuleInput {
	if r.ScheduleExpression == "" {
		r.ScheduleExpression = DefaultScheduleExpression
	}
	if r.ScheduleExpressionTimezone == "" {
		r.ScheduleExpressionTimezone = schedule.DefaultTimezone
	}
	if r.StartWindowMinutes == nil {
		r.StartWindowMinutes = ptr(int64(DefaultStartWindowMinutes))
	}
	if r.CompletionWindowMinutes == nil {
		r.CompletionWindowMinutes = ptr(int64(DefaultCompletionWindowMinutes))
	}
	return r
}

// normalizePlan returns the plan as the engine stores and answers it: defaults filled in, and
// rule IDs taken from ruleIDs by rule name (so a rule keeps its ID across versions) or made new
// by newID. With newID nil, rules get no ID (a document that is not stored).
func normalizePlan(p *wire.BackupPlanInput, ruleIDs map[string]string, newID func() string) wire.BackupPlan {
	out := wire.BackupPlan{
		BackupPlanName:         p.BackupPlanName,
		AdvancedBackupSettings: p.AdvancedBackupSettings,
		ScanSettings:           p.ScanSettings,
		Rules:                  make([]wire.BackupRule, 0, len(p.Rules)),
	}
	for _, r := range p.Rules {
		rule := wire.BackupRule{BackupRuleInput: normalizeRule(r)}
		if id, ok := ruleIDs[r.RuleName]; ok {
			rule.RuleId = id
		} else if newID != nil {
			rule.RuleId = newID()
		}
		out.Rules = append(out.Rules, rule)
	}
	return out
}
