// Package rules holds AWS Backup's static input rules: the checks a request can fail without
// looking at any stored state. The engine's domain applies them to every request, and the
// provider applies the same functions at plan time, so a rule is written once and a mistake
// known from the configuration alone is reported before apply, in the engine's words.
//
// Every refusal is an *apierr.Error with the code the AWS Backup API answers, and a message that
// names the member at fault (after the caller's path prefix, such as "BackupPlan.Rules[0].")
// and says what to change. The functions take plain values, not wire types, so both sides can
// call them without sharing a model.
package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/names"
	"github.com/strongroom/terraform-provider-backup/internal/engine/policy"
	"github.com/strongroom/terraform-provider-backup/internal/engine/schedule"
)

// AWS Backup's defaults for a rule that leaves them out (BackupRuleInput in the API reference),
// and its limits.
const (
	DefaultScheduleExpression      = "cron(0 5 ? * * *)"
	DefaultStartWindowMinutes      = 480   // 8 hours
	DefaultCompletionWindowMinutes = 10080 // 7 days
	MinStartWindowMinutes          = 60
	MinColdStorageDays             = 90    // days a point must stay cold before it may be deleted
	MaxLifecycleDays               = 36500 // "The maximum value of this parameter is 100 years"
	MaxContinuousRetentionDays     = 35    // continuous backups are kept 1 to 35 days

	MaxTags        = 50
	MaxTagKeyLen   = 128
	MaxTagValueLen = 256

	// Vault Lock's limits, from the PutBackupVaultLockConfiguration reference: "The shortest
	// minimum retention period you can specify is 1 day", "The longest maximum retention period
	// you can specify is 36500 days", and ChangeableForDays of 3 (a 72-hour cooling-off period)
	// up to 36,500 days.
	MinLockRetentionDays = 1
	// MinAirGappedRetentionDays is a logically air-gapped vault's shortest minimum retention.
	MinAirGappedRetentionDays = 7
	MaxLockRetentionDays      = 36500
	MinChangeableForDays      = 3
	MaxChangeableForDays      = 36500

	// MaxHoldText is the developer guide's "280 chars max" for a legal hold's Description and
	// CancelDescription.
	MaxHoldText = 280
)

// The ARN patterns are compiled on first use, not at every start of the engine and of the
// Terraform provider, which links this package: their bounded repetitions make large programs
// (the IAM role's about 0.3 ms and 350 KB to compile).
var (
	// VaultARNPattern is a backup vault ARN with a real region and a 12-digit account, as copy
	// actions and logically air-gapped targets need.
	VaultARNPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws[a-z-]*:backup:([a-z]{2}(-[a-z]+)+-[0-9]+):([0-9]{12}):backup-vault:(` + names.VaultNameExpr + `)$`)
	})
	// IAMRolePattern is an IAM role ARN.
	IAMRolePattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	})
)

// Schedule checks a rule's expression, its time zone and AWS Backup's once-an-hour limit. An
// empty expression is the default; an empty zone is Etc/UTC.
func Schedule(expr, timezone, path string) error {
	if expr == "" {
		expr = DefaultScheduleExpression
	}
	if _, err := schedule.LoadLocation(timezone); err != nil {
		return apierr.InvalidParameter("%sScheduleExpressionTimezone: %v", path, err)
	}
	s, err := schedule.Parse(expr, timezone)
	if err != nil {
		return apierr.InvalidParameter("%sScheduleExpression %q is not valid: %v", path, expr, err)
	}
	if ok, why := s.AtMostHourly(); !ok {
		return apierr.InvalidParameter("%sScheduleExpression %q runs more often than once an hour, the most AWS Backup allows: %s", path, expr, why)
	}
	return nil
}

// Windows checks a rule's start and completion windows (nil: the default): the start window is
// at least 60 minutes, and the completion window ends after it.
func Windows(startMinutes, completionMinutes *int64, path string) error {
	start := int64(DefaultStartWindowMinutes)
	if startMinutes != nil {
		start = *startMinutes
		if start < MinStartWindowMinutes {
			return apierr.InvalidParameter("%sStartWindowMinutes (%d) must be at least %d minutes (or left out for the default of %d)", path, start, MinStartWindowMinutes, DefaultStartWindowMinutes)
		}
	}
	if completionMinutes != nil {
		if c := *completionMinutes; c <= start {
			return apierr.InvalidParameter("%sCompletionWindowMinutes (%d) must be greater than StartWindowMinutes (%d)%s", path, c, start, defaultNote(startMinutes == nil))
		}
	} else if DefaultCompletionWindowMinutes <= start {
		return apierr.InvalidParameter("%sCompletionWindowMinutes (%d, the default) must be greater than StartWindowMinutes (%d): set CompletionWindowMinutes above %d", path, DefaultCompletionWindowMinutes, start, start)
	}
	return nil
}

func defaultNote(isDefault bool) string {
	if isDefault {
		return ", the default: set StartWindowMinutes lower or CompletionWindowMinutes higher"
	}
	return ": set CompletionWindowMinutes higher or StartWindowMinutes lower"
}

// Lifecycle checks a lifecycle's days (nil: not set). continuous is whether the rule makes
// continuous backups, which cannot go cold and are kept at most 35 days. path names the
// lifecycle, such as "Rules[0].Lifecycle.".
func Lifecycle(moveToColdDays, deleteAfterDays *int64, continuous bool, path string) error {
	for _, f := range []struct {
		name string
		v    *int64
	}{{"MoveToColdStorageAfterDays", moveToColdDays}, {"DeleteAfterDays", deleteAfterDays}} {
		if f.v == nil {
			continue
		}
		if *f.v < 1 || *f.v > MaxLifecycleDays {
			return apierr.InvalidParameter("%s%s (%d) must be from 1 to %d days; leave it out to keep recovery points indefinitely", path, f.name, *f.v, MaxLifecycleDays)
		}
	}
	if continuous && moveToColdDays != nil {
		return apierr.InvalidParameter("%sMoveToColdStorageAfterDays (%d) is not allowed with EnableContinuousBackup: continuous backups cannot move to cold storage; remove MoveToColdStorageAfterDays or disable continuous backup", path, *moveToColdDays)
	}
	if continuous && deleteAfterDays != nil && *deleteAfterDays > MaxContinuousRetentionDays {
		return apierr.InvalidParameter("%sDeleteAfterDays (%d) is too long for a continuous backup, which is kept 1 to %d days", path, *deleteAfterDays, MaxContinuousRetentionDays)
	}
	if moveToColdDays != nil && deleteAfterDays != nil && *deleteAfterDays < *moveToColdDays+MinColdStorageDays {
		return apierr.InvalidParameter("%sDeleteAfterDays (%d) must be at least MoveToColdStorageAfterDays (%d) + %d: recovery points stay in cold storage for at least %d days; set DeleteAfterDays to %d or more",
			path, *deleteAfterDays, *moveToColdDays, MinColdStorageDays, MinColdStorageDays, *moveToColdDays+MinColdStorageDays)
	}
	return nil
}

// VaultARN checks a backup vault ARN; field names it in the message.
func VaultARN(arn, field string) error {
	if VaultARNPattern().MatchString(arn) {
		return nil
	}
	hint := ""
	if parts := strings.Split(arn, ":"); len(parts) >= 5 && strings.HasPrefix(arn, "arn:") && !names.AccountPattern.MatchString(parts[4]) {
		hint = fmt.Sprintf(" (the account %q must be a 12-digit account ID)", parts[4])
	}
	return apierr.InvalidParameter("%s %q is not a backup vault ARN: expected arn:aws:backup:REGION:ACCOUNT_ID:backup-vault:NAME%s", field, arn, hint)
}

// IAMRoleARN checks an IAM role ARN; field names it in the message.
func IAMRoleARN(arn, field string) error {
	if IAMRolePattern().MatchString(arn) {
		return nil
	}
	return apierr.InvalidParameter("%s %q is not an IAM role ARN: expected arn:aws:iam::ACCOUNT_ID:role/NAME, with a 12-digit account ID", field, arn)
}

// VaultName checks a backup vault name; field names it in the message.
func VaultName(name, field string) error {
	if names.VaultPattern.MatchString(name) {
		return nil
	}
	return apierr.InvalidParameter("%s %q is not a vault name: %s", field, name, names.VaultRule)
}

// Tags applies AWS's tag rules: at most 50 tags, keys of 1–128 characters that do not start with
// the reserved "aws:" prefix, values of at most 256 characters.
func Tags(tags map[string]string) error {
	if len(tags) > MaxTags {
		return apierr.InvalidParameter("a resource can have at most %d tags; got %d: remove %d", MaxTags, len(tags), len(tags)-MaxTags)
	}
	for k, v := range tags {
		if err := TagKey(k); err != nil {
			return err
		}
		if utf8.RuneCountInString(v) > MaxTagValueLen {
			return apierr.InvalidParameter("the value of tag %q is longer than %d characters", k, MaxTagValueLen)
		}
	}
	return nil
}

// TagKey checks one tag key.
func TagKey(k string) error {
	switch {
	case k == "":
		return apierr.InvalidParameter("a tag key must not be empty")
	case utf8.RuneCountInString(k) > MaxTagKeyLen:
		return apierr.InvalidParameter("tag key %q is longer than %d characters", k, MaxTagKeyLen)
	case strings.HasPrefix(strings.ToLower(k), "aws:"):
		return apierr.InvalidParameter("tag key %q uses the reserved prefix aws:", k)
	}
	return nil
}

// The advanced backup settings AWS Backup offers, by resource type: Windows VSS for EC2, and for
// S3 whether ACLs and object tags are backed up (both are, by default).
var advancedOptions = map[string][]string{
	"EC2": {"WindowsVSS"},
	"S3":  {"BackupACLs", "BackupObjectTags"},
}

// AdvancedBackupSetting checks one of a plan's AdvancedBackupSettings.
func AdvancedBackupSetting(resourceType string, options map[string]string, path string) error {
	known, ok := advancedOptions[resourceType]
	if !ok {
		return apierr.InvalidParameter("%sResourceType %q has no advanced backup settings: they are WindowsVSS for EC2, and BackupACLs and BackupObjectTags for S3", path, resourceType)
	}
	for k, v := range options {
		if !contains(known, k) {
			return apierr.InvalidParameter("%sBackupOptions key %q is not an option for %s: the options are %s", path, k, resourceType, strings.Join(known, " and "))
		}
		if v != "enabled" && v != "disabled" {
			return apierr.InvalidParameter("%sBackupOptions.%s %q must be enabled or disabled", path, k, v)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// IndexableResourceTypes are the resource types an IndexAction may name.
var IndexableResourceTypes = []string{"EBS", "S3"}

// IndexActions checks a rule's IndexActions, given as their ResourceTypes lists: at most one,
// naming EBS or S3.
func IndexActions(resourceTypes [][]string, path string) error {
	if len(resourceTypes) > 1 {
		return apierr.InvalidParameter("%sIndexActions has %d entries; a rule can have at most one IndexAction", path, len(resourceTypes))
	}
	for i, kinds := range resourceTypes {
		for j, t := range kinds {
			if !contains(IndexableResourceTypes, t) {
				return apierr.InvalidParameter("%sIndexActions[%d].ResourceTypes[%d] %q is not indexable: the valid values are EBS and S3", path, i, j, t)
			}
		}
	}
	return nil
}

// LockRetention checks a vault lock's MinRetentionDays and MaxRetentionDays (nil: not set): each
// within [floor, 36500], and min ≤ max. floor is 1 for a vault lock; a logically air-gapped
// vault's range starts at 7.
func LockRetention(minDays, maxDays *int64, floor int64) error {
	for _, f := range []struct {
		name string
		v    *int64
	}{{"MinRetentionDays", minDays}, {"MaxRetentionDays", maxDays}} {
		if f.v == nil {
			continue
		}
		if *f.v < floor {
			return apierr.InvalidParameter("%s must be at least %d, got %d", f.name, floor, *f.v)
		}
		if *f.v > MaxLockRetentionDays {
			return apierr.InvalidParameter("%s must be at most %d days (about 100 years), got %d", f.name, MaxLockRetentionDays, *f.v)
		}
	}
	if minDays != nil && maxDays != nil && *minDays > *maxDays {
		return apierr.InvalidParameter("MinRetentionDays (%d) must not be greater than MaxRetentionDays (%d): lower the minimum or raise the maximum", *minDays, *maxDays)
	}
	return nil
}

// ChangeableForDays checks a lock's ChangeableForDays (nil: a governance-mode lock).
func ChangeableForDays(d *int64) error {
	if d == nil {
		return nil
	}
	if *d < MinChangeableForDays {
		return apierr.InvalidParameter("ChangeableForDays must be at least %d, got %d: AWS Backup enforces a 72-hour cooling-off period before a compliance-mode lock becomes immutable (omit ChangeableForDays for a governance-mode lock)", MinChangeableForDays, *d)
	}
	if *d > MaxChangeableForDays {
		return apierr.InvalidParameter("ChangeableForDays must be at most %d days (about 100 years), got %d", MaxChangeableForDays, *d)
	}
	return nil
}

// HoldText checks a legal hold's Title, Description or CancelDescription (field): required, not
// blank, at most 280 characters. CancelLegalHold refuses a hold cancelled without a reason.
func HoldText(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return apierr.Missing("%s is required and must not be blank", field)
	}
	if n := utf8.RuneCountInString(v); n > MaxHoldText {
		return apierr.InvalidParameter("%s is %d characters long; a legal hold's %s can be at most %d", field, n, field, MaxHoldText)
	}
	return nil
}

// VaultAccessPolicy parses and checks a vault access policy document. actions are the operation
// names a statement's actions must match (nil: any "backup:" action). A malformed document is
// InvalidParameterValueException, saying where it is wrong.
func VaultAccessPolicy(text string, actions []string) (*policy.Document, error) {
	doc, err := policy.Parse(text, policy.Options{Actions: actions})
	if err != nil {
		var pe *policy.Error
		if errors.As(err, &pe) {
			return nil, apierr.InvalidParameter("Policy is not a valid backup vault access policy: %s", pe.Error())
		}
		return nil, err
	}
	return doc, nil
}
