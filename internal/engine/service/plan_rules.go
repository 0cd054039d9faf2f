package service

import (
	"fmt"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	modelnames "github.com/strongroom/terraform-provider-backup/internal/engine/names"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/schedule"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// AWS Backup's defaults for a rule that leaves them out (BackupRuleInput in the API reference).
// The static rules themselves are in internal/engine/rules, which the provider applies at plan
// time too.
const (
	DefaultScheduleExpression      = rules.DefaultScheduleExpression
	DefaultStartWindowMinutes      = rules.DefaultStartWindowMinutes
	DefaultCompletionWindowMinutes = rules.DefaultCompletionWindowMinutes
	minStartWindowMinutes          = rules.MinStartWindowMinutes
)

var (
	// Names AWS allows for plans, rules and selections: "1 to 50 alphanumeric or '-_.' characters".
	displayNamePattern = modelnames.DisplayPattern
	vaultNamePattern   = modelnames.VaultPattern
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
	for i, s := range p.ScanSettings {
		if s.ScannerRoleArn != "" {
			if err := rules.IAMRoleARN(s.ScannerRoleArn, fmt.Sprintf("%sScanSettings[%d].ScannerRoleArn", prefix, i)); err != nil {
				return err
			}
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
	}
	if err := rules.VaultName(r.TargetBackupVaultName, path+"TargetBackupVaultName"); err != nil {
		return err
	}
	if err := validateSchedule(r, path); err != nil {
		return err
	}
	if err := rules.Windows(r.StartWindowMinutes, r.CompletionWindowMinutes, path); err != nil {
		return err
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
	indexed := make([][]string, 0, len(r.IndexActions))
	for _, a := range r.IndexActions {
		indexed = append(indexed, a.ResourceTypes)
	}
	return rules.IndexActions(indexed, path)
}

// validateSchedule checks the expression, its time zone and AWS Backup's once-an-hour limit.
func validateSchedule(r *wire.BackupRuleInput, path string) error {
	return rules.Schedule(r.ScheduleExpression, r.ScheduleExpressionTimezone, path)
}

func validateLifecycle(l *wire.Lifecycle, path string, continuous bool) error {
	if l == nil {
		return nil
	}
	if l.DeleteAfterEvent != "" {
		return apierr.InvalidParameter("%sDeleteAfterEvent is set by AWS Backup and is not valid as an input: remove it", path)
	}
	return rules.Lifecycle(l.MoveToColdStorageAfterDays, l.DeleteAfterDays, continuous, path)
}

func validateVaultARN(arn, field string) error {
	return rules.VaultARN(arn, field)
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

// validateAdvancedSetting accepts what AWS accepts: Windows VSS for EC2, and whether ACLs and
// object tags are backed up for S3.
func validateAdvancedSetting(s wire.AdvancedBackupSetting, path string) error {
	return rules.AdvancedBackupSetting(s.ResourceType, s.BackupOptions, path)
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
