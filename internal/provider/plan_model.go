package provider

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// AWS Backup's defaults for a rule, which the engine also applies. The schema uses them as
// attribute defaults so a rule that leaves them out reads back without a diff.
const (
	defaultSchedule         = "cron(0 5 ? * * *)"
	defaultTimezone         = "Etc/UTC"
	defaultStartWindow      = 480
	defaultCompletionWindow = 10080
)

// planRuleModel is one rule of a plan, shared by the backup_plan resource and the plan data
// sources.
type planRuleModel struct {
	RuleName                   types.String      `tfsdk:"rule_name"`
	TargetVaultName            types.String      `tfsdk:"target_vault_name"`
	Schedule                   types.String      `tfsdk:"schedule"`
	ScheduleExpressionTimezone types.String      `tfsdk:"schedule_expression_timezone"`
	EnableContinuousBackup     types.Bool        `tfsdk:"enable_continuous_backup"`
	StartWindow                types.Int64       `tfsdk:"start_window"`
	CompletionWindow           types.Int64       `tfsdk:"completion_window"`
	Lifecycle                  []lifecycleModel  `tfsdk:"lifecycle"`
	CopyActions                []copyActionModel `tfsdk:"copy_action"`
	RecoveryPointTags          types.Map         `tfsdk:"recovery_point_tags"`
	// TargetLogicallyAirGappedVaultARN, ScanActions and IndexActions are the API's
	// TargetLogicallyAirGappedBackupVaultArn, ScanActions and IndexActions.
	TargetLogicallyAirGappedVaultARN types.String       `tfsdk:"target_logically_air_gapped_backup_vault_arn"`
	ScanActions                      []scanActionModel  `tfsdk:"scan_action"`
	IndexActions                     []indexActionModel `tfsdk:"index_action"`
}

type scanActionModel struct {
	MalwareScanner types.String `tfsdk:"malware_scanner"`
	ScanMode       types.String `tfsdk:"scan_mode"`
}

type indexActionModel struct {
	ResourceTypes types.List `tfsdk:"resource_types"`
}

// scanSettingModel is one of a plan's ScanSettings.
type scanSettingModel struct {
	MalwareScanner types.String `tfsdk:"malware_scanner"`
	ResourceTypes  types.List   `tfsdk:"resource_types"`
	ScannerRoleARN types.String `tfsdk:"scanner_role_arn"`
}

type lifecycleModel struct {
	ColdStorageAfter types.Int64 `tfsdk:"cold_storage_after"`
	DeleteAfter      types.Int64 `tfsdk:"delete_after"`
	OptInToArchive   types.Bool  `tfsdk:"opt_in_to_archive_for_supported_resources"`
}

type copyActionModel struct {
	DestinationVaultARN types.String     `tfsdk:"destination_vault_arn"`
	Lifecycle           []lifecycleModel `tfsdk:"lifecycle"`
}

type advancedSettingModel struct {
	BackupOptions types.Map    `tfsdk:"backup_options"`
	ResourceType  types.String `tfsdk:"resource_type"`
}

// expandRules turns configured rules into the API's. Every attribute with a default is sent, so
// what the engine stores is what the plan showed.
func expandRules(ctx context.Context, rules []planRuleModel) ([]backuptypes.BackupRuleInput, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := make([]backuptypes.BackupRuleInput, 0, len(rules))
	for _, r := range rules {
		in := backuptypes.BackupRuleInput{
			RuleName:                   aws.String(r.RuleName.ValueString()),
			TargetBackupVaultName:      aws.String(r.TargetVaultName.ValueString()),
			ScheduleExpression:         stringOr(r.Schedule, defaultSchedule),
			ScheduleExpressionTimezone: stringOr(r.ScheduleExpressionTimezone, defaultTimezone),
			EnableContinuousBackup:     aws.Bool(r.EnableContinuousBackup.ValueBool()),
			StartWindowMinutes:         int64Or(r.StartWindow, defaultStartWindow),
			CompletionWindowMinutes:    int64Or(r.CompletionWindow, defaultCompletionWindow),
			Lifecycle:                  expandLifecycle(r.Lifecycle),
		}
		if !r.RecoveryPointTags.IsNull() && !r.RecoveryPointTags.IsUnknown() {
			tags, d := mapFromTF(ctx, r.RecoveryPointTags)
			diags.Append(d...)
			in.RecoveryPointTags = tags
		}
		for _, c := range r.CopyActions {
			in.CopyActions = append(in.CopyActions, backuptypes.CopyAction{
				DestinationBackupVaultArn: aws.String(c.DestinationVaultARN.ValueString()),
				Lifecycle:                 expandLifecycle(c.Lifecycle),
			})
		}
		if v := r.TargetLogicallyAirGappedVaultARN.ValueString(); v != "" {
			in.TargetLogicallyAirGappedBackupVaultArn = aws.String(v)
		}
		for _, a := range r.ScanActions {
			in.ScanActions = append(in.ScanActions, backuptypes.ScanAction{
				MalwareScanner: backuptypes.MalwareScanner(a.MalwareScanner.ValueString()),
				ScanMode:       backuptypes.ScanMode(a.ScanMode.ValueString()),
			})
		}
		for _, a := range r.IndexActions {
			var kinds []string
			diags.Append(a.ResourceTypes.ElementsAs(ctx, &kinds, false)...)
			in.IndexActions = append(in.IndexActions, backuptypes.IndexAction{ResourceTypes: kinds})
		}
		out = append(out, in)
	}
	return out, diags
}

func expandLifecycle(l []lifecycleModel) *backuptypes.Lifecycle {
	if len(l) == 0 {
		return nil
	}
	out := &backuptypes.Lifecycle{OptInToArchiveForSupportedResources: aws.Bool(l[0].OptInToArchive.ValueBool())}
	if !l[0].ColdStorageAfter.IsNull() && !l[0].ColdStorageAfter.IsUnknown() {
		out.MoveToColdStorageAfterDays = aws.Int64(l[0].ColdStorageAfter.ValueInt64())
	}
	if !l[0].DeleteAfter.IsNull() && !l[0].DeleteAfter.IsUnknown() {
		out.DeleteAfterDays = aws.Int64(l[0].DeleteAfter.ValueInt64())
	}
	return out
}

func expandScanSettings(ctx context.Context, settings []scanSettingModel) ([]backuptypes.ScanSetting, diag.Diagnostics) {
	var diags diag.Diagnostics
	var out []backuptypes.ScanSetting
	for _, s := range settings {
		var kinds []string
		diags.Append(s.ResourceTypes.ElementsAs(ctx, &kinds, false)...)
		out = append(out, backuptypes.ScanSetting{
			MalwareScanner: backuptypes.MalwareScanner(s.MalwareScanner.ValueString()),
			ResourceTypes:  kinds,
			ScannerRoleArn: aws.String(s.ScannerRoleARN.ValueString()),
		})
	}
	return out, diags
}

func expandAdvancedSettings(ctx context.Context, settings []advancedSettingModel) ([]backuptypes.AdvancedBackupSetting, diag.Diagnostics) {
	var diags diag.Diagnostics
	var out []backuptypes.AdvancedBackupSetting
	for _, s := range settings {
		opts, d := mapFromTF(ctx, s.BackupOptions)
		diags.Append(d...)
		out = append(out, backuptypes.AdvancedBackupSetting{ResourceType: aws.String(s.ResourceType.ValueString()), BackupOptions: opts})
	}
	return out, diags
}

// flattenRules turns the API's rules into the model, in the API's order. prior, the rules as
// last written (by name), decides what the API cannot tell apart: an empty recovery_point_tags
// map from no map at all.
func flattenRules(remote []backuptypes.BackupRule, prior []planRuleModel) []planRuleModel {
	byName := map[string]planRuleModel{}
	for _, p := range prior {
		byName[p.RuleName.ValueString()] = p
	}
	out := make([]planRuleModel, 0, len(remote))
	for _, r := range remote {
		name := aws.ToString(r.RuleName)
		m := planRuleModel{
			RuleName:                         types.StringValue(name),
			TargetVaultName:                  types.StringValue(aws.ToString(r.TargetBackupVaultName)),
			Schedule:                         types.StringValue(valueOr(r.ScheduleExpression, defaultSchedule)),
			ScheduleExpressionTimezone:       types.StringValue(valueOr(r.ScheduleExpressionTimezone, defaultTimezone)),
			EnableContinuousBackup:           types.BoolValue(aws.ToBool(r.EnableContinuousBackup)),
			StartWindow:                      types.Int64Value(int64Value(r.StartWindowMinutes, defaultStartWindow)),
			CompletionWindow:                 types.Int64Value(int64Value(r.CompletionWindowMinutes, defaultCompletionWindow)),
			Lifecycle:                        flattenLifecycle(r.Lifecycle),
			CopyActions:                      []copyActionModel{},
			RecoveryPointTags:                types.MapNull(types.StringType),
			TargetLogicallyAirGappedVaultARN: types.StringPointerValue(r.TargetLogicallyAirGappedBackupVaultArn),
			ScanActions:                      []scanActionModel{},
			IndexActions:                     []indexActionModel{},
		}
		if aws.ToString(r.TargetLogicallyAirGappedBackupVaultArn) == "" {
			m.TargetLogicallyAirGappedVaultARN = types.StringNull()
		}
		for _, a := range r.ScanActions {
			m.ScanActions = append(m.ScanActions, scanActionModel{MalwareScanner: types.StringValue(string(a.MalwareScanner)), ScanMode: types.StringValue(string(a.ScanMode))})
		}
		for _, a := range r.IndexActions {
			m.IndexActions = append(m.IndexActions, indexActionModel{ResourceTypes: stringList(a.ResourceTypes)})
		}
		for _, c := range r.CopyActions {
			m.CopyActions = append(m.CopyActions, copyActionModel{
				DestinationVaultARN: types.StringValue(aws.ToString(c.DestinationBackupVaultArn)),
				Lifecycle:           flattenLifecycle(c.Lifecycle),
			})
		}
		if p, ok := byName[name]; (ok && !p.RecoveryPointTags.IsNull()) || len(r.RecoveryPointTags) > 0 {
			m.RecoveryPointTags = mapToTF(r.RecoveryPointTags)
		}
		out = append(out, m)
	}
	return out
}

func flattenLifecycle(l *backuptypes.Lifecycle) []lifecycleModel {
	if l == nil {
		return []lifecycleModel{}
	}
	m := lifecycleModel{
		ColdStorageAfter: types.Int64PointerValue(l.MoveToColdStorageAfterDays),
		DeleteAfter:      types.Int64PointerValue(l.DeleteAfterDays),
		OptInToArchive:   types.BoolValue(aws.ToBool(l.OptInToArchiveForSupportedResources)),
	}
	return []lifecycleModel{m}
}

func flattenScanSettings(remote []backuptypes.ScanSetting) []scanSettingModel {
	out := []scanSettingModel{}
	for _, s := range remote {
		out = append(out, scanSettingModel{
			MalwareScanner: types.StringValue(string(s.MalwareScanner)),
			ResourceTypes:  stringList(s.ResourceTypes),
			ScannerRoleARN: types.StringValue(aws.ToString(s.ScannerRoleArn)),
		})
	}
	return out
}

func flattenAdvancedSettings(remote []backuptypes.AdvancedBackupSetting) []advancedSettingModel {
	out := []advancedSettingModel{}
	for _, s := range remote {
		out = append(out, advancedSettingModel{ResourceType: types.StringValue(aws.ToString(s.ResourceType)), BackupOptions: mapToTF(s.BackupOptions)})
	}
	return out
}

func stringOr(v types.String, def string) *string {
	if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
		return aws.String(def)
	}
	return aws.String(v.ValueString())
}

func int64Or(v types.Int64, def int64) *int64 {
	if v.IsNull() || v.IsUnknown() {
		return aws.Int64(def)
	}
	return aws.Int64(v.ValueInt64())
}

func valueOr(p *string, def string) string {
	if p == nil || *p == "" {
		return def
	}
	return *p
}

func int64Value(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}
