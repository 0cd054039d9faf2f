package provider

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/names"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
)

// displayNamePattern is AWS's rule for plan, rule and selection names.
var displayNamePattern = names.DisplayPattern

const displayNameRule = "must be " + names.DisplayRule

var (
	_ resource.ResourceWithConfigure   = (*planResource)(nil)
	_ resource.ResourceWithImportState = (*planResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*planResource)(nil)

	_ resource.ResourceWithValidateConfig = (*planResource)(nil)
)

// NewPlanResource returns the backup_plan resource.
func NewPlanResource() resource.Resource { return &planResource{} }

type planResource struct{ c *clients }

type planModel struct {
	ID                     types.String           `tfsdk:"id"`
	ARN                    types.String           `tfsdk:"arn"`
	Name                   types.String           `tfsdk:"name"`
	Version                types.String           `tfsdk:"version"`
	Rules                  []planRuleModel        `tfsdk:"rule"`
	AdvancedBackupSettings []advancedSettingModel `tfsdk:"advanced_backup_setting"`
	ScanSettings           []scanSettingModel     `tfsdk:"scan_setting"`
	Tags                   types.Map              `tfsdk:"tags"`
	TagsAll                types.Map              `tfsdk:"tags_all"`
}

func (r *planResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_plan"
}

func lifecycleBlock(what string) schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: "When " + what + " move to cold storage and when they are deleted. Leave it out to keep them indefinitely in warm storage.",
		Validators:          []validator.List{listvalidator.SizeAtMost(1)},
		NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
			"cold_storage_after": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Days after creation that a recovery point moves to cold storage. `delete_after` must then be at least 90 days " +
					"later. Only resource types that support cold storage (EFS here) move; the others stay warm.",
				Validators: []validator.Int64{int64validator.Between(1, 36500)},
			},
			"delete_after": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Days after creation that a recovery point is deleted: at least `cold_storage_after` + 90 when both are set.",
				Validators:          []validator.Int64{int64validator.Between(1, 36500)},
			},
			"opt_in_to_archive_for_supported_resources": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Move recovery points of resource types that support it to archive storage. Defaults to `false`.",
			},
		}},
	}
}

func (r *planResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "A backup plan: rules that say when backups run, where they go, how long they are kept and where they are copied. " +
			"Counterpart of `aws_backup_plan`. Every change updates the plan in place and makes a new `version`; rules are an ordered list, " +
			"so reordering them is an in-place update too.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ID of the plan.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ARN of the plan.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the plan: 1 to 50 letters, digits, `-`, `_` or `.`; unique among the account's plans in the region.",
				Validators:          []validator.String{stringvalidator.RegexMatches(displayNamePattern, displayNameRule)},
			},
			"version": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "ID of the plan's current version; every change to the plan makes a new one.",
			},
			"tags":     tagsAttribute(),
			"tags_all": tagsAllAttribute(),
		},
		Blocks: map[string]schema.Block{
			"rule": schema.ListNestedBlock{
				MarkdownDescription: "A backup rule. At least one. An ordered list: rules read back in the order written.",
				Validators:          []validator.List{listvalidator.IsRequired(), listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"rule_name": schema.StringAttribute{
							Required:            true,
							MarkdownDescription: "Name of the rule, unique within the plan: 1 to 50 letters, digits, `-`, `_` or `.`.",
							Validators:          []validator.String{stringvalidator.RegexMatches(displayNamePattern, displayNameRule)},
						},
						"target_vault_name": schema.StringAttribute{
							Required:            true,
							MarkdownDescription: "Name of the vault the rule's recovery points are stored in.",
							Validators:          []validator.String{stringvalidator.RegexMatches(vaultNamePattern, vaultNameRule)},
						},
						"schedule": schema.StringAttribute{
							Optional: true, Computed: true, Default: stringdefault.StaticString(defaultSchedule),
							MarkdownDescription: "When the rule runs: AWS's `cron(minutes hours day-of-month month day-of-week year)` — with `?`, `L`, `W` and `#`, " +
								"and `?` in one of the two day fields — or `rate(n minutes|hours|days)`. At most once an hour. " +
								"Defaults to AWS Backup's `" + defaultSchedule + "` (05:00 daily), which also suits a continuous rule.",
						},
						"schedule_expression_timezone": schema.StringAttribute{
							Optional: true, Computed: true, Default: stringdefault.StaticString(defaultTimezone),
							MarkdownDescription: "IANA time zone the schedule is evaluated in, such as `Europe/Paris`. Defaults to `" + defaultTimezone + "`.",
						},
						"enable_continuous_backup": schema.BoolAttribute{
							Optional: true, Computed: true, Default: booldefault.StaticBool(false),
							MarkdownDescription: "Create continuous backups for point-in-time restore. They are kept 1 to 35 days and cannot go to cold storage. Defaults to `false`.",
						},
						"start_window": schema.Int64Attribute{
							Optional: true, Computed: true, Default: int64default.StaticInt64(defaultStartWindow),
							MarkdownDescription: "Minutes after the scheduled time within which a job must start, or it expires. At least 60; defaults to 480 (8 hours).",
							Validators:          []validator.Int64{int64validator.AtLeast(60)},
						},
						"completion_window": schema.Int64Attribute{
							Optional: true, Computed: true, Default: int64default.StaticInt64(defaultCompletionWindow),
							MarkdownDescription: "Minutes after the scheduled time within which a job must finish, or it is stopped. Greater than `start_window`; defaults to 10080 (7 days).",
						},
						"recovery_point_tags": schema.MapAttribute{
							ElementType: types.StringType, Optional: true,
							MarkdownDescription: "Tags put on every recovery point the rule creates.",
							Validators:          []validator.Map{tagsRule{}},
						},
						"target_logically_air_gapped_backup_vault_arn": schema.StringAttribute{
							Optional: true,
							MarkdownDescription: "ARN of a logically air-gapped vault the rule's recovery points also go to " +
								"(`arn:aws:backup:REGION:ACCOUNT_ID:backup-vault:NAME`).",
							Validators: []validator.String{vaultARNRule("target_logically_air_gapped_backup_vault_arn")},
						},
					},
					Blocks: map[string]schema.Block{
						"lifecycle": lifecycleBlock("the rule's recovery points"),
						"copy_action": schema.ListNestedBlock{
							MarkdownDescription: "A copy of every new recovery point to another vault, in this or another region or account.",
							NestedObject: schema.NestedBlockObject{
								Attributes: map[string]schema.Attribute{
									"destination_vault_arn": schema.StringAttribute{
										Required:            true,
										MarkdownDescription: "ARN of the vault the copy goes to: `arn:aws:backup:REGION:ACCOUNT_ID:backup-vault:NAME`.",
										Validators:          []validator.String{vaultARNRule("destination_vault_arn")},
									},
								},
								Blocks: map[string]schema.Block{"lifecycle": lifecycleBlock("copies")},
							},
						},
						"scan_action": schema.ListNestedBlock{
							MarkdownDescription: "A malware scan of the rule's recovery points (AWS's `ScanActions`).",
							NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
								"malware_scanner": schema.StringAttribute{
									Required: true, MarkdownDescription: "The scanner: `GUARDDUTY`, the only one AWS offers.",
									Validators: []validator.String{stringvalidator.OneOf(malwareScanners...)},
								},
								"scan_mode": schema.StringAttribute{
									Required: true, MarkdownDescription: "`FULL_SCAN` or `INCREMENTAL_SCAN`.",
									Validators: []validator.String{stringvalidator.OneOf(scanModes...)},
								},
							}},
						},
						"index_action": schema.ListNestedBlock{
							MarkdownDescription: "Index the rule's recovery points for search (AWS's `IndexActions`). At most one.",
							Validators:          []validator.List{listvalidator.SizeAtMost(1)},
							NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
								"resource_types": schema.ListAttribute{
									ElementType: types.StringType, Required: true,
									MarkdownDescription: "Resource types indexed: `EBS` or `S3`.",
									Validators: []validator.List{listvalidator.SizeAtLeast(1),
										listvalidator.ValueStringsAre(stringvalidator.OneOf(rules.IndexableResourceTypes...))},
								},
							}},
						},
					},
				},
			},
			"advanced_backup_setting": schema.ListNestedBlock{
				MarkdownDescription: "Resource-type specific options, as AWS Backup offers them: `WindowsVSS` for `EC2`, and `BackupACLs` and " +
					"`BackupObjectTags` for `S3`, each `enabled` or `disabled`. An S3 backup keeps object ACLs and tags unless they are " +
					"`disabled` here: with `BackupObjectTags = \"disabled\"` no object tags are kept, and restored objects have none.",
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"backup_options": schema.MapAttribute{ElementType: types.StringType, Required: true,
						MarkdownDescription: "Options, such as `{ WindowsVSS = \"enabled\" }` or `{ BackupACLs = \"disabled\", BackupObjectTags = \"enabled\" }`."},
					"resource_type": schema.StringAttribute{Required: true, MarkdownDescription: "Resource type the options apply to: `EC2` or `S3`."},
				}},
			},
			"scan_setting": schema.ListNestedBlock{
				MarkdownDescription: "Malware scanning for the plan (AWS's `ScanSettings`): the scanner, the resource types scanned and the role it runs as.",
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"malware_scanner": schema.StringAttribute{
						Required: true, MarkdownDescription: "The scanner: `GUARDDUTY`, the only one AWS offers.",
						Validators: []validator.String{stringvalidator.OneOf(malwareScanners...)},
					},
					"resource_types": schema.ListAttribute{
						ElementType: types.StringType, Required: true,
						MarkdownDescription: "Resource types scanned, such as `EBS` or `S3`.",
						Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
					},
					"scanner_role_arn": schema.StringAttribute{
						Required: true, MarkdownDescription: "ARN of the IAM role the scanner runs as: `arn:aws:iam::ACCOUNT_ID:role/NAME`.",
						Validators: []validator.String{iamRoleARNRule("scanner_role_arn")},
					},
				}},
			},
		},
	}
}

// ValidateConfig applies the engine's plan rules at plan time: schedules, windows, lifecycles,
// recovery point tags and advanced settings.
func (r *planResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m planModel
	if d := req.Config.Get(ctx, &m); d.HasError() {
		return // blocks not known yet (a dynamic block over unknown values): the engine checks them at apply
	}
	validateRules(m.Rules, path.Root("rule"), &resp.Diagnostics)
	for i, s := range m.AdvancedBackupSettings {
		if !known(s.ResourceType, s.BackupOptions) || s.BackupOptions.IsNull() {
			continue
		}
		opts, d := mapFromTF(ctx, s.BackupOptions)
		if d.HasError() {
			continue
		}
		if err := rules.AdvancedBackupSetting(s.ResourceType.ValueString(), opts, ""); err != nil {
			addRuleError(&resp.Diagnostics, path.Root("advanced_backup_setting").AtListIndex(i), "Invalid advanced backup setting", err)
		}
	}
}

// validateRules applies the engine's rule checks to configured rules; at is the rule list's path.
func validateRules(rs []planRuleModel, at path.Path, diags *diag.Diagnostics) {
	for i, r := range rs {
		p := at.AtListIndex(i)
		if known(r.Schedule, r.ScheduleExpressionTimezone) {
			if err := rules.Schedule(r.Schedule.ValueString(), r.ScheduleExpressionTimezone.ValueString(), ""); err != nil {
				addRuleError(diags, p.AtName("schedule"), "Invalid schedule", err)
			}
		}
		if known(r.StartWindow, r.CompletionWindow) {
			if err := rules.Windows(int64Ptr(r.StartWindow), int64Ptr(r.CompletionWindow), ""); err != nil {
				addRuleError(diags, p.AtName("start_window"), "Invalid backup windows", err)
			}
		}
		if len(r.Lifecycle) == 1 && known(r.EnableContinuousBackup, r.Lifecycle[0].ColdStorageAfter, r.Lifecycle[0].DeleteAfter) {
			l := r.Lifecycle[0]
			if err := rules.Lifecycle(int64Ptr(l.ColdStorageAfter), int64Ptr(l.DeleteAfter), r.EnableContinuousBackup.ValueBool(), ""); err != nil {
				addRuleError(diags, p.AtName("lifecycle").AtListIndex(0).AtName("delete_after"), "Invalid lifecycle", err)
			}
		}
		for j, c := range r.CopyActions {
			if len(c.Lifecycle) == 1 && known(c.Lifecycle[0].ColdStorageAfter, c.Lifecycle[0].DeleteAfter) {
				l := c.Lifecycle[0]
				// Copies are snapshots: cold storage is allowed even when the rule is continuous.
				if err := rules.Lifecycle(int64Ptr(l.ColdStorageAfter), int64Ptr(l.DeleteAfter), false, ""); err != nil {
					addRuleError(diags, p.AtName("copy_action").AtListIndex(j).AtName("lifecycle").AtListIndex(0).AtName("delete_after"), "Invalid copy lifecycle", err)
				}
			}
		}
	}
}

func (r *planResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan computes tags_all, and keeps version known when only tags change: tags are not part
// of the plan document, so changing them makes no new version.
func (r *planResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	refuseDroppingUnmodelled(ctx, req, resp, "tags", "tags_all", "timeouts")
	planTagsAll(ctx, r.c, req, resp)
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var planName, stateName types.String
	var planRules, stateRules, planSettings, stateSettings, planScan, stateScan types.List
	for _, get := range []diag.Diagnostics{
		req.Plan.GetAttribute(ctx, path.Root("name"), &planName),
		req.State.GetAttribute(ctx, path.Root("name"), &stateName),
		req.Plan.GetAttribute(ctx, path.Root("rule"), &planRules),
		req.State.GetAttribute(ctx, path.Root("rule"), &stateRules),
		req.Plan.GetAttribute(ctx, path.Root("advanced_backup_setting"), &planSettings),
		req.State.GetAttribute(ctx, path.Root("advanced_backup_setting"), &stateSettings),
		req.Plan.GetAttribute(ctx, path.Root("scan_setting"), &planScan),
		req.State.GetAttribute(ctx, path.Root("scan_setting"), &stateScan),
	} {
		resp.Diagnostics.Append(get...)
	}
	if resp.Diagnostics.HasError() || !planName.Equal(stateName) || !planRules.Equal(stateRules) || !planSettings.Equal(stateSettings) || !planScan.Equal(stateScan) {
		return
	}
	var version types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("version"), &version)...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("version"), version)...)
}

func (r *planResource) expand(ctx context.Context, m *planModel) (*backuptypes.BackupPlanInput, diag.Diagnostics) {
	rules, diags := expandRules(ctx, m.Rules)
	settings, d := expandAdvancedSettings(ctx, m.AdvancedBackupSettings)
	diags.Append(d...)
	scans, d := expandScanSettings(ctx, m.ScanSettings)
	diags.Append(d...)
	return &backuptypes.BackupPlanInput{BackupPlanName: aws.String(m.Name.ValueString()), Rules: rules, AdvancedBackupSettings: settings, ScanSettings: scans}, diags
}

func (r *planResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan planModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, d := r.expand(ctx, &plan)
	resp.Diagnostics.Append(d...)
	own, d := mapFromTF(ctx, plan.Tags)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	out, err := r.c.Backup.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{
		BackupPlan:       in,
		BackupPlanTags:   mergeTags(r.c.DefaultTags, own),
		CreatorRequestId: aws.String(uuid.NewString()),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("creating backup plan %q", name), err)
		return
	}
	id := aws.ToString(out.BackupPlanId)
	tflog.Info(ctx, "created backup plan", map[string]any{"name": name, "id": id, "version": aws.ToString(out.VersionId)})
	// Save the ID first: if the read fails, Terraform still knows the plan exists.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	plan.ID = types.StringValue(id)
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, id, &plan, &resp.Diagnostics), "Backup plan disappeared", fmt.Sprintf("Backup plan %s was deleted right after it was created.", id)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// read refreshes m from the API; it returns false, with no diagnostic, when the plan is gone.
func (r *planResource) read(ctx context.Context, id string, m *planModel, diags *diag.Diagnostics) bool {
	out, err := awsbackup.FindPlanByID(ctx, r.c.Backup, id)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading backup plan %s", id), err)
		return false
	}
	arn := aws.ToString(out.BackupPlanArn)
	remote, err := awsbackup.ListTags(ctx, r.c.Backup, arn)
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("listing tags of backup plan %s", id), err)
		return false
	}
	m.ID = types.StringValue(aws.ToString(out.BackupPlanId))
	m.ARN = types.StringValue(arn)
	m.Version = types.StringValue(aws.ToString(out.VersionId))
	m.Name = types.StringValue(aws.ToString(out.BackupPlan.BackupPlanName))
	m.Rules = flattenRules(out.BackupPlan.Rules, m.Rules)
	m.AdvancedBackupSettings = flattenAdvancedSettings(out.AdvancedBackupSettings)
	m.ScanSettings = flattenScanSettings(out.BackupPlan.ScanSettings)
	m.Tags, m.TagsAll = tagsFromRemote(remote, r.c.DefaultTags, m.Tags)
	return true
}

func (r *planResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state planModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	if !r.read(ctx, state.ID.ValueString(), &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			tflog.Warn(ctx, "backup plan not found, removing from state", map[string]any{"id": state.ID.ValueString()})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	noteUnmodelled(ctx, answers, fmt.Sprintf("backup_plan %s", state.ID.ValueString()), resp.Private, &resp.Diagnostics, "GetBackupPlan")
}

func (r *planResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state planModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	if plan.Version.IsUnknown() { // the plan document changed (ModifyPlan keeps version for tag-only changes)
		in, d := r.expand(ctx, &plan)
		resp.Diagnostics.Append(d...)
		if resp.Diagnostics.HasError() {
			return
		}
		out, err := r.c.Backup.UpdateBackupPlan(ctx, &backup.UpdateBackupPlanInput{BackupPlanId: aws.String(id), BackupPlan: in})
		if err != nil {
			addStateAPIError(&resp.Diagnostics, fmt.Sprintf("updating backup plan %s", id), err)
			return
		}
		tflog.Info(ctx, "updated backup plan", map[string]any{"id": id, "version": aws.ToString(out.VersionId)})
	}
	if !applyTagsAll(ctx, r.c, state.ARN.ValueString(), fmt.Sprintf("backup plan %s", id), state.TagsAll, plan.TagsAll, &resp.Diagnostics) {
		return
	}
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, id, &plan, &resp.Diagnostics), "Backup plan disappeared", fmt.Sprintf("Backup plan %s was deleted outside Terraform during the update.", id)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *planResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state planModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	err := awsbackup.DeletePlan(ctx, r.c.Backup, id)
	if err == nil || awsbackup.IsNotFound(err) {
		return
	}
	addStateAPIError(&resp.Diagnostics, fmt.Sprintf("deleting backup plan %s", id), err)
	if awsbackup.ErrorCode(err) == "InvalidRequestException" {
		resp.Diagnostics.AddWarning("The plan still has backup selections",
			"Delete its backup_selection resources first. Selections that Terraform does not manage can be listed with "+
				"`aws backup list-backup-selections --backup-plan-id "+id+"` and deleted with `aws backup delete-backup-selection`.")
	}
}

func (r *planResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
