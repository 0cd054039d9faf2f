package provider

import (
	"context"
	"fmt"
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
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
)

// The backup_restore_testing_selection resource: which resources a restore testing plan tests
// (CreateRestoreTestingSelection and its siblings), with the attribute names and shapes of the
// AWS provider's aws_backup_restore_testing_selection.

var (
	_ resource.ResourceWithConfigure      = (*restoreTestingSelectionResource)(nil)
	_ resource.ResourceWithImportState    = (*restoreTestingSelectionResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*restoreTestingSelectionResource)(nil)
	_ resource.ResourceWithValidateConfig = (*restoreTestingSelectionResource)(nil)
)

// restoreTestingResourceTypes are the ProtectedResourceType values the API reference lists.
var restoreTestingResourceTypes = []string{"Aurora", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "Neptune", "RDS", "S3"}

// NewRestoreTestingSelectionResource returns the backup_restore_testing_selection resource.
func NewRestoreTestingSelectionResource() resource.Resource {
	return &restoreTestingSelectionResource{}
}

type restoreTestingSelectionResource struct{ c *clients }

type restoreTestingSelectionModel struct {
	Name                        types.String                       `tfsdk:"name"`
	RestoreTestingPlanName      types.String                       `tfsdk:"restore_testing_plan_name"`
	IAMRoleARN                  types.String                       `tfsdk:"iam_role_arn"`
	ProtectedResourceType       types.String                       `tfsdk:"protected_resource_type"`
	ProtectedResourceARNs       types.Set                          `tfsdk:"protected_resource_arns"`
	ProtectedResourceConditions []protectedResourceConditionsModel `tfsdk:"protected_resource_conditions"`
	RestoreMetadataOverrides    types.Map                          `tfsdk:"restore_metadata_overrides"`
	ValidationWindowHours       types.Int64                        `tfsdk:"validation_window_hours"`
}

type protectedResourceConditionsModel struct {
	StringEquals    []keyValueModel `tfsdk:"string_equals"`
	StringNotEquals []keyValueModel `tfsdk:"string_not_equals"`
}

func (r *restoreTestingSelectionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_restore_testing_selection"
}

// tagConditionBlock is a list of tag key/value pairs of protected_resource_conditions.
func tagConditionBlock(meaning string) schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: meaning,
		NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
			"key": schema.StringAttribute{
				Required: true, MarkdownDescription: "Tag key, such as `Environment` (not `aws:...`).",
				Validators: []validator.String{ruleString{summary: "Invalid tag key", check: rules.TagKey}},
			},
			"value": schema.StringAttribute{
				Required: true, MarkdownDescription: "Tag value, at most 256 characters.",
				Validators: []validator.String{stringvalidator.LengthAtMost(rules.MaxTagValueLen)},
			},
		}},
	}
}

func (r *restoreTestingSelectionResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "Selects the resources a `backup_restore_testing_plan` tests: those of one type, by ARN or by tag. " +
			"Counterpart of `aws_backup_restore_testing_selection`, with the same arguments. `name`, `restore_testing_plan_name` " +
			"and `protected_resource_type` cannot be changed in place (AWS has no way to), so changing them replaces the selection; " +
			"everything else is updated in place.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				MarkdownDescription: "Name of the selection, unique within its plan: 1 to 50 letters, digits or underscores.",
				Validators:          restoreTestingNameValidators(),
			},
			"restore_testing_plan_name": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				MarkdownDescription: "Name of the restore testing plan the selection belongs to.",
				Validators:          restoreTestingNameValidators(),
			},
			"iam_role_arn": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "ARN of the IAM role restore tests run as, such as `arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole`.",
				Validators:          []validator.String{iamRoleARNRule("iam_role_arn")},
			},
			"protected_resource_type": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				MarkdownDescription: "Type of the resources tested: one of `" + strings.Join(restoreTestingResourceTypes, "`, `") +
					"`. The engine restores `EFS` (directories), `RDS` (PostgreSQL) and `S3`.",
				Validators: []validator.String{stringvalidator.OneOf(restoreTestingResourceTypes...)},
			},
			"protected_resource_arns": schema.SetAttribute{
				ElementType: types.StringType, Optional: true, Computed: true,
				Default: setdefault.StaticValue(types.SetValueMust(types.StringType, nil)),
				MarkdownDescription: "ARNs of the resources to test, or `[\"*\"]` for every protected resource of the type " +
					"(narrowed by `protected_resource_conditions`). Not both `*` and ARNs.",
				Validators: []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(stringvalidator.Any(
					stringvalidator.OneOf("*"),
					stringvalidator.RegexMatches(arnPattern, "must be \"*\" or a resource ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)")))},
			},
			"restore_metadata_overrides": schema.MapAttribute{
				ElementType: types.StringType, Optional: true, Computed: true, Sensitive: true,
				Default: mapdefault.StaticValue(types.MapValueMust(types.StringType, nil)),
				MarkdownDescription: "Restore metadata to use instead of what AWS infers from the recovery point " +
					"(`aws backup get-restore-testing-inferred-metadata` shows it); keys are not case sensitive. " +
					"Sensitive, as the API marks it. On the engine, `engine:validation = \"builtin\"` has the engine validate " +
					"each restored copy itself: EFS, every file's hash against the recovery point; S3, the objects, their sizes " +
					"and ETags; RDS, the query in `engine:validation-query` must run, and answer at least " +
					"`engine:validation-min-row-count` if given. Without it, a validator reports each restore test's outcome " +
					"with `PutRestoreValidationResult` before `validation_window_hours` end, or the test is `TIMED_OUT`.",
			},
			"validation_window_hours": schema.Int64Attribute{
				Optional: true, Computed: true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
				MarkdownDescription: fmt.Sprintf("Hours the restored copy is kept for validation before it is deleted: 0 to %d "+
					"(0: deleted as soon as it is validated). Unset: the API's default (0 on the engine).", maxRestoreWindowHours),
				Validators: []validator.Int64{int64validator.Between(0, maxRestoreWindowHours)},
			},
		},
		Blocks: map[string]schema.Block{
			"protected_resource_conditions": schema.ListNestedBlock{
				MarkdownDescription: "Tag conditions every tested resource must meet, with `protected_resource_arns = [\"*\"]` or " +
					"without `protected_resource_arns`. At most one block; every entry must hold.",
				Validators: []validator.List{listvalidator.SizeAtMost(1)},
				NestedObject: schema.NestedBlockObject{Blocks: map[string]schema.Block{
					"string_equals":     tagConditionBlock("The resource has this tag with exactly this value."),
					"string_not_equals": tagConditionBlock("The resource does not have this tag with this value."),
				}},
			},
		},
	}
}

func (r *restoreTestingSelectionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig holds the selection to the API's rule on what it selects: specific ARNs, or "*"
// (possibly narrowed by tag conditions), or tag conditions alone, and something.
func (r *restoreTestingSelectionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var arns types.Set
	var conditions types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("protected_resource_arns"), &arns)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("protected_resource_conditions"), &conditions)...)
	if resp.Diagnostics.HasError() || arns.IsUnknown() || conditions.IsUnknown() {
		return
	}
	var values []types.String
	if !arns.IsNull() && arns.ElementsAs(ctx, &values, false).HasError() {
		return
	}
	wildcard, specific := false, false
	for _, v := range values {
		switch {
		case v.IsUnknown():
			return
		case v.ValueString() == "*":
			wildcard = true
		default:
			specific = true
		}
	}
	hasConditions := len(conditions.Elements()) > 0
	switch {
	case wildcard && specific:
		resp.Diagnostics.AddAttributeError(path.Root("protected_resource_arns"), "Invalid restore testing selection",
			"InvalidParameterValueException: protected_resource_arns takes specific ARNs or [\"*\"], not both. Use [\"*\"] with "+
				"protected_resource_conditions to select by tag, or list only ARNs.")
	case specific && hasConditions:
		resp.Diagnostics.AddAttributeError(path.Root("protected_resource_conditions"), "Invalid restore testing selection",
			"InvalidParameterValueException: protected_resource_conditions narrow a wildcard selection only. Set "+
				"protected_resource_arns = [\"*\"] to select by tag, or remove protected_resource_conditions.")
	case arns.IsNull() && !hasConditions:
		resp.Diagnostics.AddAttributeError(path.Root("protected_resource_arns"), "Invalid restore testing selection",
			"MissingParameterValueException: the selection selects nothing. Set protected_resource_arns (ARNs, or [\"*\"] for "+
				"every resource of protected_resource_type) or protected_resource_conditions.")
	}
}

func (r *restoreTestingSelectionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	refuseDroppingUnmodelled(ctx, req, resp)
}

// restoreTestingSelectionArgs are the API's members of the model that both create and update take.
type restoreTestingSelectionArgs struct {
	arns       []string
	conditions *backuptypes.ProtectedResourceConditions
	overrides  map[string]string
	window     *int32
}

func expandRestoreTestingSelection(ctx context.Context, m *restoreTestingSelectionModel) (restoreTestingSelectionArgs, diag.Diagnostics) {
	var out restoreTestingSelectionArgs
	var diags diag.Diagnostics
	// Empty lists and maps are not sent: they are what leaving the member out means.
	if len(m.ProtectedResourceARNs.Elements()) > 0 {
		diags.Append(m.ProtectedResourceARNs.ElementsAs(ctx, &out.arns, false)...)
	}
	if len(m.ProtectedResourceConditions) > 0 {
		c := m.ProtectedResourceConditions[0]
		out.conditions = &backuptypes.ProtectedResourceConditions{
			StringEquals: expandTagConditions(c.StringEquals), StringNotEquals: expandTagConditions(c.StringNotEquals),
		}
	}
	if len(m.RestoreMetadataOverrides.Elements()) > 0 {
		overrides, d := mapFromTF(ctx, m.RestoreMetadataOverrides)
		diags.Append(d...)
		out.overrides = overrides
	}
	if !m.ValidationWindowHours.IsNull() && !m.ValidationWindowHours.IsUnknown() {
		out.window = aws.Int32(int32(m.ValidationWindowHours.ValueInt64()))
	}
	return out, diags
}

func expandTagConditions(kvs []keyValueModel) []backuptypes.KeyValue {
	out := []backuptypes.KeyValue{}
	for _, kv := range kvs {
		out = append(out, backuptypes.KeyValue{Key: aws.String(kv.Key.ValueString()), Value: aws.String(kv.Value.ValueString())})
	}
	return out
}

func flattenTagConditions(kvs []backuptypes.KeyValue) []keyValueModel {
	out := []keyValueModel{}
	for _, kv := range kvs {
		out = append(out, keyValueModel{Key: types.StringValue(aws.ToString(kv.Key)), Value: types.StringValue(aws.ToString(kv.Value))})
	}
	return out
}

// flattenRestoreTestingSelection fills m from the API; m's prior values decide null versus empty.
func flattenRestoreTestingSelection(s *backuptypes.RestoreTestingSelectionForGet, m *restoreTestingSelectionModel) {
	m.Name = types.StringValue(aws.ToString(s.RestoreTestingSelectionName))
	m.RestoreTestingPlanName = types.StringValue(aws.ToString(s.RestoreTestingPlanName))
	m.IAMRoleARN = types.StringValue(aws.ToString(s.IamRoleArn))
	m.ProtectedResourceType = types.StringValue(aws.ToString(s.ProtectedResourceType))
	m.ProtectedResourceARNs = knownStringSet(s.ProtectedResourceArns)
	m.ProtectedResourceConditions = []protectedResourceConditionsModel{}
	// AWS answers an empty {StringEquals: [], StringNotEquals: []} for a selection without
	// conditions: that is no block.
	if c := s.ProtectedResourceConditions; c != nil && len(c.StringEquals)+len(c.StringNotEquals) > 0 {
		m.ProtectedResourceConditions = []protectedResourceConditionsModel{{
			StringEquals: flattenTagConditions(c.StringEquals), StringNotEquals: flattenTagConditions(c.StringNotEquals),
		}}
	}
	m.RestoreMetadataOverrides = overridesFromRemote(s.RestoreMetadataOverrides, m.RestoreMetadataOverrides)
	m.ValidationWindowHours = types.Int64Value(int64(s.ValidationWindowHours))
}

// overridesFromRemote is the API's restore metadata overrides as the attribute, with the
// configured spelling of each key, since AWS compares the keys without case.
func overridesFromRemote(remote map[string]string, prior types.Map) types.Map {
	spelled := map[string]string{}
	for k := range prior.Elements() {
		spelled[strings.ToLower(k)] = k
	}
	out := make(map[string]string, len(remote))
	for k, v := range remote {
		if configured, ok := spelled[strings.ToLower(k)]; ok {
			k = configured
		}
		out[k] = v
	}
	return mapToTF(out)
}

func (r *restoreTestingSelectionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan restoreTestingSelectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	args, d := expandRestoreTestingSelection(ctx, &plan)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	planName, name := plan.RestoreTestingPlanName.ValueString(), plan.Name.ValueString()
	_, err := r.c.Backup.CreateRestoreTestingSelection(ctx, &backup.CreateRestoreTestingSelectionInput{
		CreatorRequestId:       aws.String(uuid.NewString()),
		RestoreTestingPlanName: aws.String(planName),
		RestoreTestingSelection: &backuptypes.RestoreTestingSelectionForCreate{
			RestoreTestingSelectionName: aws.String(name),
			IamRoleArn:                  aws.String(plan.IAMRoleARN.ValueString()),
			ProtectedResourceType:       aws.String(plan.ProtectedResourceType.ValueString()),
			ProtectedResourceArns:       args.arns,
			ProtectedResourceConditions: args.conditions,
			RestoreMetadataOverrides:    args.overrides,
			ValidationWindowHours:       args.window,
		},
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("creating restore testing selection %q in plan %s", name, planName), err)
		return
	}
	tflog.Info(ctx, "created restore testing selection", map[string]any{"plan": planName, "name": name})
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("restore_testing_plan_name"), planName)...)
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, planName, name, &plan, &resp.Diagnostics), "Restore testing selection disappeared",
		fmt.Sprintf("Restore testing selection %s of plan %s was deleted right after it was created.", name, planName)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// read refreshes m from the API. It returns false, with no diagnostic, if the selection is gone.
func (r *restoreTestingSelectionResource) read(ctx context.Context, planName, name string, m *restoreTestingSelectionModel, diags *diag.Diagnostics) bool {
	got, err := awsbackup.FindRestoreTestingSelection(ctx, r.c.Backup, planName, name)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading restore testing selection %s of plan %s", name, planName), err)
		return false
	}
	flattenRestoreTestingSelection(got, m)
	return true
}

func (r *restoreTestingSelectionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state restoreTestingSelectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	planName, name := state.RestoreTestingPlanName.ValueString(), state.Name.ValueString()
	if !r.read(ctx, planName, name, &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			tflog.Warn(ctx, "restore testing selection not found, removing from state", map[string]any{"plan": planName, "name": name})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	noteUnmodelled(ctx, answers, fmt.Sprintf("backup_restore_testing_selection %s", awsbackup.RestoreTestingSelectionImportID(planName, name)),
		resp.Private, &resp.Diagnostics, "GetRestoreTestingSelection")
}

func (r *restoreTestingSelectionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state restoreTestingSelectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	args, d := expandRestoreTestingSelection(ctx, &plan)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The update leaves a member it is not given as it was, so an argument removed from the
	// configuration is sent empty; one that was never set is not sent at all (AWS answers empty
	// conditions for "none", and an engine may refuse empty conditions beside specific ARNs).
	if args.conditions == nil && len(state.ProtectedResourceConditions) > 0 {
		args.conditions = &backuptypes.ProtectedResourceConditions{StringEquals: []backuptypes.KeyValue{}, StringNotEquals: []backuptypes.KeyValue{}}
	}
	if args.arns == nil && len(state.ProtectedResourceARNs.Elements()) > 0 {
		args.arns = []string{}
	}
	if args.overrides == nil && len(state.RestoreMetadataOverrides.Elements()) > 0 {
		args.overrides = map[string]string{}
	}
	planName, name := state.RestoreTestingPlanName.ValueString(), state.Name.ValueString()
	_, err := r.c.Backup.UpdateRestoreTestingSelection(ctx, &backup.UpdateRestoreTestingSelectionInput{
		RestoreTestingPlanName:      aws.String(planName),
		RestoreTestingSelectionName: aws.String(name),
		RestoreTestingSelection: &backuptypes.RestoreTestingSelectionForUpdate{
			IamRoleArn:                  aws.String(plan.IAMRoleARN.ValueString()),
			ProtectedResourceArns:       args.arns,
			ProtectedResourceConditions: args.conditions,
			RestoreMetadataOverrides:    args.overrides,
			ValidationWindowHours:       args.window,
		},
	})
	if err != nil {
		addStateAPIError(&resp.Diagnostics, fmt.Sprintf("updating restore testing selection %s of plan %s", name, planName), err)
		return
	}
	tflog.Info(ctx, "updated restore testing selection", map[string]any{"plan": planName, "name": name})
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, planName, name, &plan, &resp.Diagnostics), "Restore testing selection disappeared",
		fmt.Sprintf("Restore testing selection %s of plan %s was deleted outside Terraform during the update.", name, planName)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *restoreTestingSelectionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state restoreTestingSelectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	planName, name := state.RestoreTestingPlanName.ValueString(), state.Name.ValueString()
	err := awsbackup.DeleteRestoreTestingSelection(ctx, r.c.Backup, planName, name)
	if err != nil && !awsbackup.IsNotFound(err) {
		addStateAPIError(&resp.Diagnostics, fmt.Sprintf("deleting restore testing selection %s of plan %s", name, planName), err)
	}
}

// ImportState takes SELECTION_NAME:PLAN_NAME, as aws_backup_restore_testing_selection does.
func (r *restoreTestingSelectionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	planName, name, err := awsbackup.ParseRestoreTestingSelectionImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("restore_testing_plan_name"), planName)...)
}
