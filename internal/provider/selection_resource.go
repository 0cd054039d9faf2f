package provider

import (
	"context"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
)

// iamRoleARNPattern is the engine's rule for IAM role ARNs.
// It is compiled when the schema is built, not at plugin start.
var iamRoleARNPattern = rules.IAMRolePattern

var (
	_ resource.ResourceWithModifyPlan  = (*selectionResource)(nil)
	_ resource.ResourceWithConfigure   = (*selectionResource)(nil)
	_ resource.ResourceWithImportState = (*selectionResource)(nil)
)

// NewSelectionResource returns the backup_selection resource.
func NewSelectionResource() resource.Resource { return &selectionResource{} }

type selectionResource struct{ c *clients }

type selectionModel struct {
	ID            types.String        `tfsdk:"id"`
	Name          types.String        `tfsdk:"name"`
	PlanID        types.String        `tfsdk:"plan_id"`
	IAMRoleARN    types.String        `tfsdk:"iam_role_arn"`
	Resources     types.Set           `tfsdk:"resources"`
	NotResources  types.Set           `tfsdk:"not_resources"`
	SelectionTags []selectionTagModel `tfsdk:"selection_tag"`
	Conditions    []conditionModel    `tfsdk:"condition"`
}

type selectionTagModel struct {
	Type  types.String `tfsdk:"type"`
	Key   types.String `tfsdk:"key"`
	Value types.String `tfsdk:"value"`
}

type conditionModel struct {
	StringEquals    []keyValueModel `tfsdk:"string_equals"`
	StringLike      []keyValueModel `tfsdk:"string_like"`
	StringNotEquals []keyValueModel `tfsdk:"string_not_equals"`
	StringNotLike   []keyValueModel `tfsdk:"string_not_like"`
}

type keyValueModel struct {
	Key   types.String `tfsdk:"key"`
	Value types.String `tfsdk:"value"`
}

func (r *selectionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_selection"
}

func keyValueBlock(op, meaning string) schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: "`" + op + "`: " + meaning,
		NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
			"key":   schema.StringAttribute{Required: true, MarkdownDescription: "`aws:ResourceTag/KEY`, naming the tag KEY."},
			"value": schema.StringAttribute{Required: true, MarkdownDescription: "The value compared with the tag's."},
		}},
	}
}

func (r *selectionResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "Assigns resources to a backup plan. Counterpart of `aws_backup_selection`. The API cannot update a selection, " +
			"so every change replaces it.\n\nA resource is selected when it matches `resources` **or** any `selection_tag` (or when " +
			"neither is given), does not match `not_resources`, and meets **every** entry of every `condition` block.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ID of the selection.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				MarkdownDescription: "Name of the selection, unique within the plan: 1 to 50 letters, digits, `-`, `_` or `.`.",
				Validators:          []validator.String{stringvalidator.RegexMatches(displayNamePattern, displayNameRule)},
			},
			"plan_id": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				MarkdownDescription: "ID of the backup plan the resources are assigned to.",
			},
			"iam_role_arn": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				MarkdownDescription: "ARN of the IAM role backups run as, such as `arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole`.",
				Validators: []validator.String{stringvalidator.RegexMatches(iamRoleARNPattern(),
					"must be an IAM role ARN, arn:aws:iam::ACCOUNT_ID:role/NAME, with a 12-digit account ID")},
			},
			"resources": schema.SetAttribute{
				ElementType: types.StringType, Optional: true,
				PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplace()},
				MarkdownDescription: "ARNs or ARN patterns of resources to select; `*` matches any run of characters, " +
					"as in `arn:aws:elasticfilesystem:*:*:file-system/*`, and `\"*\"` alone selects everything. At most 500 ARNs, or 30 with wildcards.",
			},
			"not_resources": schema.SetAttribute{
				ElementType: types.StringType, Optional: true,
				PlanModifiers:       []planmodifier.Set{setplanmodifier.RequiresReplace()},
				MarkdownDescription: "ARNs or ARN patterns of resources to leave out, even if selected otherwise.",
			},
		},
		Blocks: map[string]schema.Block{
			"selection_tag": schema.ListNestedBlock{
				MarkdownDescription: "Selects resources with this tag (AWS's `ListOfTags`). Several blocks are ORed: a resource with any of the tags is selected.",
				PlanModifiers:       []planmodifier.List{listplanmodifier.RequiresReplace()},
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{
						Required: true, MarkdownDescription: "`STRINGEQUALS`, the only type AWS offers.",
						Validators: []validator.String{stringvalidator.OneOf("STRINGEQUALS")},
					},
					"key":   schema.StringAttribute{Required: true, MarkdownDescription: "Tag key, such as `Backup`."},
					"value": schema.StringAttribute{Required: true, MarkdownDescription: "Tag value, such as `true`."},
				}},
			},
			"condition": schema.ListNestedBlock{
				MarkdownDescription: "Conditions every selected resource must meet (AWS's `Conditions`). Every entry of every operator in " +
					"every block must hold (AND), so blocks compare by meaning: the same entries split over other blocks, or in another " +
					"order, are the same conditions. Such a regrouping (after importing a selection written as several blocks, which " +
					"reads back as one) is an in-place update that changes nothing in the engine; any other change replaces the selection.",
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplaceIf(conditionsChangeMeaning,
					"Replaces the selection when the conditions mean something else; a regrouping of the same entries does not.",
					"Replaces the selection when the conditions mean something else; a regrouping of the same entries does not.")},
				NestedObject: schema.NestedBlockObject{Blocks: map[string]schema.Block{
					"string_equals":     keyValueBlock("StringEquals", "the tag has exactly this value."),
					"string_like":       keyValueBlock("StringLike", "the tag's value matches, with `*` and `?` wildcards."),
					"string_not_equals": keyValueBlock("StringNotEquals", "the tag is absent or has another value."),
					"string_not_like":   keyValueBlock("StringNotLike", "the tag is absent or its value does not match the pattern."),
				}},
			},
		},
	}
}

func (r *selectionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func expandSelection(ctx context.Context, m *selectionModel) (*backuptypes.BackupSelection, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := &backuptypes.BackupSelection{SelectionName: aws.String(m.Name.ValueString()), IamRoleArn: aws.String(m.IAMRoleARN.ValueString())}
	if !m.Resources.IsNull() {
		diags.Append(m.Resources.ElementsAs(ctx, &out.Resources, false)...)
	}
	if !m.NotResources.IsNull() {
		diags.Append(m.NotResources.ElementsAs(ctx, &out.NotResources, false)...)
	}
	for _, t := range m.SelectionTags {
		out.ListOfTags = append(out.ListOfTags, backuptypes.Condition{ConditionType: backuptypes.ConditionType(t.Type.ValueString()),
			ConditionKey: aws.String(t.Key.ValueString()), ConditionValue: aws.String(t.Value.ValueString())})
	}
	if len(m.Conditions) > 0 {
		// The API has one Conditions object; the blocks' entries are concatenated in order, which
		// changes nothing since every entry must hold.
		c := &backuptypes.Conditions{}
		for _, b := range m.Conditions {
			c.StringEquals = append(c.StringEquals, expandKeyValues(b.StringEquals)...)
			c.StringLike = append(c.StringLike, expandKeyValues(b.StringLike)...)
			c.StringNotEquals = append(c.StringNotEquals, expandKeyValues(b.StringNotEquals)...)
			c.StringNotLike = append(c.StringNotLike, expandKeyValues(b.StringNotLike)...)
		}
		out.Conditions = c
	}
	return out, diags
}

func expandKeyValues(kvs []keyValueModel) []backuptypes.ConditionParameter {
	var out []backuptypes.ConditionParameter
	for _, kv := range kvs {
		out = append(out, backuptypes.ConditionParameter{ConditionKey: aws.String(kv.Key.ValueString()), ConditionValue: aws.String(kv.Value.ValueString())})
	}
	return out
}

// flattenConditions returns the API's Conditions as condition blocks. The API keeps no block
// boundaries, so when the entries mean what the prior blocks do (the same entries, in any order
// and grouping), the prior blocks are kept as written; otherwise (an import, or a change made
// elsewhere) they read back as one block.
func flattenConditions(remote *backuptypes.Conditions, prior []conditionModel) []conditionModel {
	var got backuptypes.Conditions
	if remote != nil {
		got = *remote
	}
	flat := conditionModel{
		StringEquals: flattenKeyValues(got.StringEquals), StringLike: flattenKeyValues(got.StringLike),
		StringNotEquals: flattenKeyValues(got.StringNotEquals), StringNotLike: flattenKeyValues(got.StringNotLike),
	}
	if len(prior) > 0 && sameConditions(prior, []conditionModel{flat}) {
		kept := make([]conditionModel, 0, len(prior))
		for _, b := range prior {
			kept = append(kept, conditionModel{StringEquals: nonNil(b.StringEquals), StringLike: nonNil(b.StringLike),
				StringNotEquals: nonNil(b.StringNotEquals), StringNotLike: nonNil(b.StringNotLike)})
		}
		return kept
	}
	if len(flat.StringEquals)+len(flat.StringLike)+len(flat.StringNotEquals)+len(flat.StringNotLike) == 0 {
		return []conditionModel{}
	}
	return []conditionModel{flat}
}

// conditionEntries is what condition blocks mean: every entry must hold, so the meaning is the
// set of (operator, key, value) entries, whatever their order or grouping.
func conditionEntries(blocks []conditionModel) map[string]bool {
	out := map[string]bool{}
	for _, b := range blocks {
		for op, kvs := range map[string][]keyValueModel{"StringEquals": b.StringEquals, "StringLike": b.StringLike,
			"StringNotEquals": b.StringNotEquals, "StringNotLike": b.StringNotLike} {
			for _, kv := range kvs {
				out[op+"\x00"+kv.Key.ValueString()+"\x00"+kv.Value.ValueString()] = true
			}
		}
	}
	return out
}

// sameConditions reports whether two lists of condition blocks mean the same.
func sameConditions(a, b []conditionModel) bool {
	return maps.Equal(conditionEntries(a), conditionEntries(b))
}

// conditionsChangeMeaning asks for a replacement only when the planned conditions mean something
// else than those in the state; values not known yet are assumed to.
func conditionsChangeMeaning(ctx context.Context, req planmodifier.ListRequest, resp *listplanmodifier.RequiresReplaceIfFuncResponse) {
	var planned, prior []conditionModel
	if req.PlanValue.ElementsAs(ctx, &planned, false).HasError() || req.StateValue.ElementsAs(ctx, &prior, false).HasError() {
		resp.RequiresReplace = true // blocks not known yet
		return
	}
	for _, b := range planned {
		for _, kvs := range [][]keyValueModel{b.StringEquals, b.StringLike, b.StringNotEquals, b.StringNotLike} {
			for _, kv := range kvs {
				if kv.Key.IsUnknown() || kv.Value.IsUnknown() {
					resp.RequiresReplace = true
					return
				}
			}
		}
	}
	resp.RequiresReplace = !sameConditions(planned, prior)
}

// nonNil keeps an absent nested block list empty rather than null, as Terraform has it.
func nonNil(kvs []keyValueModel) []keyValueModel {
	if kvs == nil {
		return []keyValueModel{}
	}
	return kvs
}

func flattenKeyValues(ps []backuptypes.ConditionParameter) []keyValueModel {
	out := []keyValueModel{}
	for _, p := range ps {
		out = append(out, keyValueModel{Key: types.StringValue(aws.ToString(p.ConditionKey)), Value: types.StringValue(aws.ToString(p.ConditionValue))})
	}
	return out
}

// flattenSelection fills m from the API; m's prior values decide null versus empty.
func flattenSelection(out *backup.GetBackupSelectionOutput, m *selectionModel) {
	s := out.BackupSelection
	m.ID = types.StringValue(aws.ToString(out.SelectionId))
	m.PlanID = types.StringValue(aws.ToString(out.BackupPlanId))
	m.Name = types.StringValue(aws.ToString(s.SelectionName))
	m.IAMRoleARN = types.StringValue(aws.ToString(s.IamRoleArn))
	m.Resources = stringSet(s.Resources, m.Resources)
	m.NotResources = stringSet(s.NotResources, m.NotResources)
	m.SelectionTags = []selectionTagModel{}
	for _, t := range s.ListOfTags {
		m.SelectionTags = append(m.SelectionTags, selectionTagModel{Type: types.StringValue(string(t.ConditionType)),
			Key: types.StringValue(aws.ToString(t.ConditionKey)), Value: types.StringValue(aws.ToString(t.ConditionValue))})
	}
	m.Conditions = flattenConditions(s.Conditions, m.Conditions)
}

// stringSet is the API's list as a set; an empty list stays null when it was null before.
func stringSet(values []string, prior types.Set) types.Set {
	if len(values) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.SetNull(types.StringType)
	}
	elems := make([]attr.Value, 0, len(values))
	for _, v := range values {
		elems = append(elems, types.StringValue(v))
	}
	return types.SetValueMust(types.StringType, elems)
}

func (r *selectionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan selectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	sel, d := expandSelection(ctx, &plan)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	planID := plan.PlanID.ValueString()
	out, err := r.c.Backup.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{
		BackupPlanId: aws.String(planID), BackupSelection: sel, CreatorRequestId: aws.String(uuid.NewString()),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("creating backup selection %q in plan %s", plan.Name.ValueString(), planID), err)
		return
	}
	id := aws.ToString(out.SelectionId)
	tflog.Info(ctx, "created backup selection", map[string]any{"plan_id": planID, "id": id})
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("plan_id"), planID)...)
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, planID, id, &plan, &resp.Diagnostics), "Backup selection disappeared", fmt.Sprintf("Backup selection %s was deleted outside Terraform while it was being created.", id)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// read refreshes m from the API. It returns false, with no diagnostic, if the selection is gone.
func (r *selectionResource) read(ctx context.Context, planID, id string, m *selectionModel, diags *diag.Diagnostics) bool {
	got, err := awsbackup.FindSelection(ctx, r.c.Backup, planID, id)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading backup selection %s", id), err)
		return false
	}
	flattenSelection(got, m)
	return true
}

func (r *selectionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state selectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	if !r.read(ctx, state.PlanID.ValueString(), state.ID.ValueString(), &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			tflog.Warn(ctx, "backup selection not found, removing from state", map[string]any{"id": state.ID.ValueString()})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	noteUnmodelled(ctx, answers, fmt.Sprintf("backup_selection %s", state.ID.ValueString()), resp.Private, &resp.Diagnostics, "GetBackupSelection")
}

// Update is called only when the condition blocks are regrouped without a change of meaning
// (every other change replaces the selection): the engine holds the same Conditions, so only the
// state takes the configuration's grouping.
func (r *selectionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan selectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *selectionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state selectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := awsbackup.DeleteSelection(ctx, r.c.Backup, state.PlanID.ValueString(), state.ID.ValueString())
	if err != nil && !awsbackup.IsNotFound(err) {
		addStateAPIError(&resp.Diagnostics, fmt.Sprintf("deleting backup selection %s", state.ID.ValueString()), err)
	}
}

// ImportState takes PLAN_ID|SELECTION_ID.
func (r *selectionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	planID, id, err := awsbackup.ParseSelectionImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("plan_id"), planID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// ModifyPlan refuses a change that would drop members of the object the provider does not model.
func (r *selectionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	refuseDroppingUnmodelled(ctx, req, resp, "tags", "tags_all", "timeouts")
}
