package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
)

// The backup_restore_testing_plan resource: AWS Backup's restore testing plans
// (CreateRestoreTestingPlan and its siblings), with the attribute names and shapes of the AWS
// provider's aws_backup_restore_testing_plan. A plan says when restore tests run and which
// recovery points they may pick; backup_restore_testing_selection says which resources.

var (
	_ resource.ResourceWithConfigure      = (*restoreTestingPlanResource)(nil)
	_ resource.ResourceWithImportState    = (*restoreTestingPlanResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*restoreTestingPlanResource)(nil)
	_ resource.ResourceWithValidateConfig = (*restoreTestingPlanResource)(nil)
)

// AWS Backup's documented defaults and ranges for restore testing (RestoreTestingPlanForCreate
// and RestoreTestingRecoveryPointSelection in the API reference): the start window "defaults to
// 24 hours" with "a maximum value of 168 hours"; SelectionWindowDays takes "integers from 1 to
// 365" and "defaults to 30"; schedules are "in UTC" unless a time zone is given.
const (
	defaultRestoreStartWindowHours  = 24
	maxRestoreWindowHours           = 168
	defaultSelectionWindowDays      = 30
	maxSelectionWindowDays          = 365
	defaultRestoreScheduleTimezone  = "Etc/UTC"
	restoreTestingNameRule          = "must be 1 to 50 letters, digits or underscores (AWS allows no other character in restore testing names)"
	restoreTestingVaultSelectorRule = "must be \"*\" or a backup vault ARN such as arn:aws:backup:us-east-1:123456789012:backup-vault:NAME, " +
		"where * in the region, account or name matches any run of characters"
)

var (
	// restoreTestingNamePattern is the rule of restore testing plan and selection names: "only
	// alphanumeric characters and underscores", at most 50.
	restoreTestingNamePattern = regexp.MustCompile(`^[0-9A-Za-z_]{1,50}$`)
	// vaultSelectorPattern is an IncludeVaults/ExcludeVaults entry: "*", or a vault ARN in which
	// * stands for any run of characters, as in arn:aws:backup:*:*:backup-vault:asdf-*.
	vaultSelectorPattern = regexp.MustCompile(`^(\*|arn:aws[a-z-]*:backup:[a-z0-9*-]*:([0-9]{12}|\*):backup-vault:[A-Za-z0-9_*-]+)$`)
	// restoreTestingNames turns the API's member names in a rule's message into this resource's.
	restoreTestingNames = strings.NewReplacer(
		"ScheduleExpressionTimezone", "schedule_expression_timezone",
		"ScheduleExpression", "schedule_expression",
	)
)

// NewRestoreTestingPlanResource returns the backup_restore_testing_plan resource.
func NewRestoreTestingPlanResource() resource.Resource { return &restoreTestingPlanResource{} }

type restoreTestingPlanResource struct{ c *clients }

type restoreTestingPlanModel struct {
	ARN                        types.String                  `tfsdk:"arn"`
	Name                       types.String                  `tfsdk:"name"`
	ScheduleExpression         types.String                  `tfsdk:"schedule_expression"`
	ScheduleExpressionTimezone types.String                  `tfsdk:"schedule_expression_timezone"`
	StartWindowHours           types.Int64                   `tfsdk:"start_window_hours"`
	RecoveryPointSelection     []recoveryPointSelectionModel `tfsdk:"recovery_point_selection"`
	Tags                       types.Map                     `tfsdk:"tags"`
	TagsAll                    types.Map                     `tfsdk:"tags_all"`
}

type recoveryPointSelectionModel struct {
	Algorithm           types.String `tfsdk:"algorithm"`
	IncludeVaults       types.Set    `tfsdk:"include_vaults"`
	ExcludeVaults       types.Set    `tfsdk:"exclude_vaults"`
	RecoveryPointTypes  types.Set    `tfsdk:"recovery_point_types"`
	SelectionWindowDays types.Int64  `tfsdk:"selection_window_days"`
}

func (r *restoreTestingPlanResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_restore_testing_plan"
}

func restoreTestingNameValidators() []validator.String {
	return []validator.String{stringvalidator.RegexMatches(restoreTestingNamePattern, restoreTestingNameRule)}
}

func vaultSelectorValidators() []validator.Set {
	return []validator.Set{setvalidator.ValueStringsAre(stringvalidator.RegexMatches(vaultSelectorPattern, restoreTestingVaultSelectorRule))}
}

func (r *restoreTestingPlanResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "A restore testing plan: on a schedule, restore a recovery point of each resource its " +
			"`backup_restore_testing_selection`s select, validate the restored copy, and delete it. Counterpart of " +
			"`aws_backup_restore_testing_plan`, with the same arguments. Every argument but `name` can be changed in place.",
		Attributes: map[string]schema.Attribute{
			"arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ARN of the restore testing plan; `backup_restore_jobs` filters by it.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				MarkdownDescription: "Name of the plan: 1 to 50 letters, digits or underscores. AWS cannot rename a plan, so a new name replaces it.",
				Validators:          restoreTestingNameValidators(),
			},
			"schedule_expression": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "When restore tests run: a `cron()` or `rate()` expression in AWS's dialect, such as " +
					"`cron(0 1 ? * SUN *)` (Sundays at 01:00), at most once an hour.",
			},
			"schedule_expression_timezone": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(defaultRestoreScheduleTimezone),
				MarkdownDescription: "IANA time zone of `schedule_expression`, such as `Europe/Paris`. Defaults to `" + defaultRestoreScheduleTimezone + "`.",
			},
			"start_window_hours": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(defaultRestoreStartWindowHours),
				MarkdownDescription: fmt.Sprintf("Hours after the scheduled time within which a restore test must start, or it is "+
					"canceled: 1 to %d. Defaults to %d.", maxRestoreWindowHours, defaultRestoreStartWindowHours),
				Validators: []validator.Int64{int64validator.Between(1, maxRestoreWindowHours)},
			},
			"tags":     tagsAttribute(),
			"tags_all": tagsAllAttribute(),
		},
		Blocks: map[string]schema.Block{
			"recovery_point_selection": schema.ListNestedBlock{
				MarkdownDescription: "Which recovery point each restore test restores. Exactly one block.",
				Validators:          []validator.List{listvalidator.IsRequired(), listvalidator.SizeBetween(1, 1)},
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"algorithm": schema.StringAttribute{
						Required: true,
						MarkdownDescription: "`LATEST_WITHIN_WINDOW` restores the newest eligible point; `RANDOM_WITHIN_WINDOW` one " +
							"picked at random within `selection_window_days`.",
						Validators: []validator.String{stringvalidator.OneOf(enumStrings(backuptypes.RestoreTestingRecoveryPointSelectionAlgorithm("").Values()...)...)},
					},
					"include_vaults": schema.SetAttribute{
						ElementType: types.StringType, Required: true,
						MarkdownDescription: "Vaults whose recovery points may be picked: `[\"*\"]` for every vault, or vault ARNs, " +
							"where `*` matches any run of characters (`arn:aws:backup:*:*:backup-vault:prod-*`).",
						Validators: append(vaultSelectorValidators(), setvalidator.SizeAtLeast(1)),
					},
					"exclude_vaults": schema.SetAttribute{
						ElementType: types.StringType, Optional: true, Computed: true,
						// AWS's default, "an empty list", as AWS reads it back and as the AWS provider stores it.
						Default: setdefault.StaticValue(types.SetValueMust(types.StringType, nil)),
						MarkdownDescription: "Vaults to leave out, even if `include_vaults` names them; the same forms as `include_vaults`. " +
							"Defaults to none.",
						Validators: vaultSelectorValidators(),
					},
					"recovery_point_types": schema.SetAttribute{
						ElementType: types.StringType, Required: true,
						MarkdownDescription: "`SNAPSHOT`, `CONTINUOUS` (point-in-time), or both.",
						Validators: []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(
							stringvalidator.OneOf(enumStrings(backuptypes.RestoreTestingRecoveryPointType("").Values()...)...))},
					},
					"selection_window_days": schema.Int64Attribute{
						Optional: true, Computed: true, Default: int64default.StaticInt64(defaultSelectionWindowDays),
						MarkdownDescription: fmt.Sprintf("Only recovery points created within this many days before the test are "+
							"eligible: 1 to %d. Defaults to %d.", maxSelectionWindowDays, defaultSelectionWindowDays),
						Validators: []validator.Int64{int64validator.Between(1, maxSelectionWindowDays)},
					},
				}},
			},
		},
	}
}

func (r *restoreTestingPlanResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks the schedule and its time zone with the engine's rule, the one backup
// plans are held to.
func (r *restoreTestingPlanResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var expr, zone types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("schedule_expression"), &expr)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("schedule_expression_timezone"), &zone)...)
	if resp.Diagnostics.HasError() || expr.IsNull() || !known(expr, zone) {
		return
	}
	if err := rules.Schedule(expr.ValueString(), zone.ValueString(), ""); err != nil {
		at := path.Root("schedule_expression")
		if e, ok := apierr.As(err); ok && strings.HasPrefix(e.Message, "ScheduleExpressionTimezone") {
			at = path.Root("schedule_expression_timezone")
		}
		addRuleErrorNamed(&resp.Diagnostics, at, "Invalid restore testing schedule", err, restoreTestingNames)
	}
}

func (r *restoreTestingPlanResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	refuseDroppingUnmodelled(ctx, req, resp, "tags", "tags_all")
	planTagsAll(ctx, r.c, req, resp)
}

// expandRecoveryPointSelection is the API's RecoveryPointSelection of the block.
func expandRecoveryPointSelection(ctx context.Context, blocks []recoveryPointSelectionModel) (*backuptypes.RestoreTestingRecoveryPointSelection, diag.Diagnostics) {
	var diags diag.Diagnostics
	if len(blocks) == 0 {
		return nil, diags
	}
	b := blocks[0]
	out := &backuptypes.RestoreTestingRecoveryPointSelection{
		Algorithm:           backuptypes.RestoreTestingRecoveryPointSelectionAlgorithm(b.Algorithm.ValueString()),
		SelectionWindowDays: int32(b.SelectionWindowDays.ValueInt64()),
		ExcludeVaults:       []string{},
	}
	diags.Append(b.IncludeVaults.ElementsAs(ctx, &out.IncludeVaults, false)...)
	if !b.ExcludeVaults.IsNull() {
		diags.Append(b.ExcludeVaults.ElementsAs(ctx, &out.ExcludeVaults, false)...)
	}
	var kinds []string
	diags.Append(b.RecoveryPointTypes.ElementsAs(ctx, &kinds, false)...)
	for _, k := range kinds {
		out.RecoveryPointTypes = append(out.RecoveryPointTypes, backuptypes.RestoreTestingRecoveryPointType(k))
	}
	return out, diags
}

// flattenRecoveryPointSelection is the block of the API's RecoveryPointSelection.
func flattenRecoveryPointSelection(s *backuptypes.RestoreTestingRecoveryPointSelection) []recoveryPointSelectionModel {
	if s == nil {
		return []recoveryPointSelectionModel{}
	}
	kinds := make([]string, 0, len(s.RecoveryPointTypes))
	for _, k := range s.RecoveryPointTypes {
		kinds = append(kinds, string(k))
	}
	return []recoveryPointSelectionModel{{
		Algorithm:           types.StringValue(string(s.Algorithm)),
		IncludeVaults:       knownStringSet(s.IncludeVaults),
		ExcludeVaults:       knownStringSet(s.ExcludeVaults),
		RecoveryPointTypes:  knownStringSet(kinds),
		SelectionWindowDays: types.Int64Value(int64(s.SelectionWindowDays)),
	}}
}

// knownStringSet is values as a set, empty (not null) when there are none.
func knownStringSet(values []string) types.Set {
	return stringSet(values, types.SetValueMust(types.StringType, nil))
}

// flattenRestoreTestingPlan fills m from the API's plan (tags aside).
func flattenRestoreTestingPlan(p *backuptypes.RestoreTestingPlanForGet, m *restoreTestingPlanModel) {
	m.ARN = types.StringValue(aws.ToString(p.RestoreTestingPlanArn))
	m.Name = types.StringValue(aws.ToString(p.RestoreTestingPlanName))
	m.ScheduleExpression = types.StringValue(aws.ToString(p.ScheduleExpression))
	// A plan made without a time zone runs in UTC, which the default names.
	zone := aws.ToString(p.ScheduleExpressionTimezone)
	if zone == "" {
		zone = defaultRestoreScheduleTimezone
	}
	m.ScheduleExpressionTimezone = types.StringValue(zone)
	hours := int64(p.StartWindowHours)
	if hours == 0 {
		hours = defaultRestoreStartWindowHours // left out: AWS's default
	}
	m.StartWindowHours = types.Int64Value(hours)
	m.RecoveryPointSelection = flattenRecoveryPointSelection(p.RecoveryPointSelection)
	if len(m.RecoveryPointSelection) == 1 && m.RecoveryPointSelection[0].SelectionWindowDays.ValueInt64() == 0 {
		m.RecoveryPointSelection[0].SelectionWindowDays = types.Int64Value(defaultSelectionWindowDays)
	}
}

func (r *restoreTestingPlanResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan restoreTestingPlanModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	sel, d := expandRecoveryPointSelection(ctx, plan.RecoveryPointSelection)
	resp.Diagnostics.Append(d...)
	own, d := mapFromTF(ctx, plan.Tags)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	_, err := r.c.Backup.CreateRestoreTestingPlan(ctx, &backup.CreateRestoreTestingPlanInput{
		CreatorRequestId: aws.String(uuid.NewString()),
		RestoreTestingPlan: &backuptypes.RestoreTestingPlanForCreate{
			RestoreTestingPlanName:     aws.String(name),
			ScheduleExpression:         aws.String(plan.ScheduleExpression.ValueString()),
			ScheduleExpressionTimezone: aws.String(plan.ScheduleExpressionTimezone.ValueString()),
			StartWindowHours:           int32(plan.StartWindowHours.ValueInt64()),
			RecoveryPointSelection:     sel,
		},
		Tags: mergeTags(r.c.DefaultTags, own),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("creating restore testing plan %q", name), err)
		return
	}
	tflog.Info(ctx, "created restore testing plan", map[string]any{"name": name})
	// Save the name first: if the read fails, Terraform still knows the plan exists.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, name, &plan, &resp.Diagnostics), "Restore testing plan disappeared",
		fmt.Sprintf("Restore testing plan %s was deleted right after it was created.", name)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// read refreshes m from the API; it returns false, with no diagnostic, when the plan is gone.
func (r *restoreTestingPlanResource) read(ctx context.Context, name string, m *restoreTestingPlanModel, diags *diag.Diagnostics) bool {
	p, err := awsbackup.FindRestoreTestingPlan(ctx, r.c.Backup, name)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading restore testing plan %s", name), err)
		return false
	}
	remote, err := awsbackup.ListTags(ctx, r.c.Backup, aws.ToString(p.RestoreTestingPlanArn))
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("listing tags of restore testing plan %s", name), err)
		return false
	}
	flattenRestoreTestingPlan(p, m)
	m.Tags, m.TagsAll = tagsFromRemote(remote, r.c.DefaultTags, m.Tags)
	return true
}

func (r *restoreTestingPlanResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state restoreTestingPlanModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	name := state.Name.ValueString()
	if !r.read(ctx, name, &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			tflog.Warn(ctx, "restore testing plan not found, removing from state", map[string]any{"name": name})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	noteUnmodelled(ctx, answers, fmt.Sprintf("backup_restore_testing_plan %s", name), resp.Private, &resp.Diagnostics, "GetRestoreTestingPlan")
}

func (r *restoreTestingPlanResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state restoreTestingPlanModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	if !plan.ScheduleExpression.Equal(state.ScheduleExpression) || !plan.ScheduleExpressionTimezone.Equal(state.ScheduleExpressionTimezone) ||
		!plan.StartWindowHours.Equal(state.StartWindowHours) || !sameRecoveryPointSelection(plan.RecoveryPointSelection, state.RecoveryPointSelection) {
		sel, d := expandRecoveryPointSelection(ctx, plan.RecoveryPointSelection)
		resp.Diagnostics.Append(d...)
		if resp.Diagnostics.HasError() {
			return
		}
		_, err := r.c.Backup.UpdateRestoreTestingPlan(ctx, &backup.UpdateRestoreTestingPlanInput{
			RestoreTestingPlanName: aws.String(name),
			RestoreTestingPlan: &backuptypes.RestoreTestingPlanForUpdate{
				ScheduleExpression:         aws.String(plan.ScheduleExpression.ValueString()),
				ScheduleExpressionTimezone: aws.String(plan.ScheduleExpressionTimezone.ValueString()),
				StartWindowHours:           int32(plan.StartWindowHours.ValueInt64()),
				RecoveryPointSelection:     sel,
			},
		})
		if err != nil {
			addStateAPIError(&resp.Diagnostics, fmt.Sprintf("updating restore testing plan %s", name), err)
			return
		}
		tflog.Info(ctx, "updated restore testing plan", map[string]any{"name": name})
	}
	if !applyTagsAll(ctx, r.c, state.ARN.ValueString(), fmt.Sprintf("restore testing plan %s", name), state.TagsAll, plan.TagsAll, &resp.Diagnostics) {
		return
	}
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, name, &plan, &resp.Diagnostics), "Restore testing plan disappeared",
		fmt.Sprintf("Restore testing plan %s was deleted outside Terraform during the update.", name)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// sameRecoveryPointSelection reports whether two recovery_point_selection blocks are equal.
func sameRecoveryPointSelection(a, b []recoveryPointSelectionModel) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !x.Algorithm.Equal(y.Algorithm) || !x.IncludeVaults.Equal(y.IncludeVaults) || !sameOptionalSet(x.ExcludeVaults, y.ExcludeVaults) ||
			!x.RecoveryPointTypes.Equal(y.RecoveryPointTypes) || !x.SelectionWindowDays.Equal(y.SelectionWindowDays) {
			return false
		}
	}
	return true
}

// sameOptionalSet treats a null set and an empty one as the same: the API does not tell them apart.
func sameOptionalSet(a, b types.Set) bool {
	if len(a.Elements()) == 0 && len(b.Elements()) == 0 && !a.IsUnknown() && !b.IsUnknown() {
		return true
	}
	return a.Equal(b)
}

func (r *restoreTestingPlanResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state restoreTestingPlanModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	err := awsbackup.DeleteRestoreTestingPlan(ctx, r.c.Backup, name)
	if err == nil || awsbackup.IsNotFound(err) {
		return
	}
	addStateAPIError(&resp.Diagnostics, fmt.Sprintf("deleting restore testing plan %s", name), err)
	if awsbackup.ErrorCode(err) == "InvalidRequestException" {
		resp.Diagnostics.AddWarning("The plan may still have restore testing selections",
			"Delete its backup_restore_testing_selection resources first. Selections that Terraform does not manage can be listed with "+
				"`aws backup list-restore-testing-selections --restore-testing-plan-name "+name+"` and deleted with "+
				"`aws backup delete-restore-testing-selection`.")
	}
}

// ImportState takes the plan's name, as aws_backup_restore_testing_plan does.
func (r *restoreTestingPlanResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !restoreTestingNamePattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("The import ID of a restore testing plan is its name, which %s; got %q. "+
			"`aws backup list-restore-testing-plans` lists them.", restoreTestingNameRule, req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
}
