package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
)

// Plan-time validation applies the engine's own rule functions (internal/engine/rules) to the
// configuration, so a mistake the configuration alone shows is reported at plan, in the words
// the engine would use at apply, with the API's member names turned into the attributes'.
// Values not known yet (computed elsewhere) are skipped: the engine checks them at apply.

// tfNames turns the API's member names in a rule's message into the provider's attribute names.
// Longer names come first: strings.Replacer tries its pairs in order at each position.
var tfNames = strings.NewReplacer(
	"ScheduleExpressionTimezone", "schedule_expression_timezone",
	"ScheduleExpression", "schedule",
	"StartWindowMinutes", "start_window",
	"CompletionWindowMinutes", "completion_window",
	"MoveToColdStorageAfterDays", "cold_storage_after",
	"DeleteAfterDays", "delete_after",
	"EnableContinuousBackup", "enable_continuous_backup",
	"MinRetentionDays", "min_retention_days",
	"MaxRetentionDays", "max_retention_days",
	"ChangeableForDays", "changeable_for_days",
	"CancelDescription", "cancel_description",
	"BackupOptions", "backup_options",
	"ResourceType ", "resource_type ",
)

// addRuleError reports a rule's refusal on the attribute at p, with the API's error code that the
// engine would answer at apply.
func addRuleError(diags *diag.Diagnostics, p path.Path, summary string, err error) {
	addRuleErrorNamed(diags, p, summary, err, tfNames)
}

// addRuleErrorNamed is addRuleError for a resource whose attributes name the API's members
// differently from the backup plan's (names turns them into its attributes').
func addRuleErrorNamed(diags *diag.Diagnostics, p path.Path, summary string, err error, names *strings.Replacer) {
	detail := err.Error()
	if e, ok := apierr.As(err); ok {
		detail = e.Code + ": " + names.Replace(e.Message) + "."
	}
	diags.AddAttributeError(p, summary, detail)
}

// ruleString is a validator that applies a rule to a known string.
type ruleString struct {
	summary string
	check   func(string) error
}

func (v ruleString) Description(context.Context) string             { return v.summary }
func (v ruleString) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v ruleString) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		addRuleError(&resp.Diagnostics, req.Path, v.summary, err)
	}
}

func vaultARNRule(field string) validator.String {
	return ruleString{summary: "Invalid vault ARN", check: func(s string) error { return rules.VaultARN(s, field) }}
}

func iamRoleARNRule(field string) validator.String {
	return ruleString{summary: "Invalid IAM role ARN", check: func(s string) error { return rules.IAMRoleARN(s, field) }}
}

// tagsRule checks a tags map (AWS's count, key and value rules) once its keys are known.
type tagsRule struct{}

func (tagsRule) Description(context.Context) string {
	return "at most 50 tags; keys of 1 to 128 characters not starting with aws:, values of at most 256"
}
func (v tagsRule) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (tagsRule) ValidateMap(ctx context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	tags := map[string]string{}
	for k, v := range req.ConfigValue.Elements() {
		s, ok := v.(types.String)
		if !ok || s.IsUnknown() {
			s = types.StringValue("") // the key and the count are known; the value is checked at apply
		}
		tags[k] = s.ValueString()
	}
	if err := rules.Tags(tags); err != nil {
		addRuleError(&resp.Diagnostics, req.Path, "Invalid tags", err)
	}
}

// known reports whether every value is known (null counts as known: it is "not set").
func known(vs ...interface{ IsUnknown() bool }) bool {
	for _, v := range vs {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

// int64Ptr is v as the rules take it: nil when not set.
func int64Ptr(v types.Int64) *int64 {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	n := v.ValueInt64()
	return &n
}

// The values AWS Backup's model allows for malware scans.
var (
	malwareScanners = []string{"GUARDDUTY"}
	scanModes       = []string{"FULL_SCAN", "INCREMENTAL_SCAN"}
)
