package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
)

// AWS Backup's limits on legal holds: descriptions are "280 chars max" (developer guide, Legal
// holds), and the engine keeps a cancelled hold's record for at most 36500 days.
const (
	holdDescriptionMax      = 280
	holdRetainRecordMaxDays = 36500
	holdCreateTimeout       = 10 * time.Minute
	holdDeleteTimeout       = 10 * time.Minute
)

// arnPattern is the shape of an ARN: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
var arnPattern = regexp.MustCompile(`^arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:.+$`)

var (
	_ resource.ResourceWithConfigure      = (*legalHoldResource)(nil)
	_ resource.ResourceWithImportState    = (*legalHoldResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*legalHoldResource)(nil)
	_ resource.ResourceWithValidateConfig = (*legalHoldResource)(nil)
)

// NewLegalHoldResource returns the backup_legal_hold resource.
func NewLegalHoldResource() resource.Resource { return &legalHoldResource{} }

type legalHoldResource struct{ c *clients }

type legalHoldModel struct {
	ID                 types.String        `tfsdk:"id"`
	ARN                types.String        `tfsdk:"arn"`
	Title              types.String        `tfsdk:"title"`
	Description        types.String        `tfsdk:"description"`
	Selection          *holdSelectionModel `tfsdk:"recovery_point_selection"`
	Status             types.String        `tfsdk:"status"`
	CreationDate       types.String        `tfsdk:"creation_date"`
	CancelDescription  types.String        `tfsdk:"cancel_description"`
	RetainRecordInDays types.Int64         `tfsdk:"retain_record_in_days"`
	Tags               types.Map           `tfsdk:"tags"`
	TagsAll            types.Map           `tfsdk:"tags_all"`
	Timeouts           timeouts.Value      `tfsdk:"timeouts"`
}

type holdSelectionModel struct {
	VaultNames          types.List          `tfsdk:"vault_names"`
	ResourceIdentifiers types.List          `tfsdk:"resource_identifiers"`
	DateRange           *holdDateRangeModel `tfsdk:"date_range"`
}

type holdDateRangeModel struct {
	FromDate types.String `tfsdk:"from_date"`
	ToDate   types.String `tfsdk:"to_date"`
}

func (r *legalHoldResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_legal_hold"
}

const cancelDescriptionExample = `cancel_description = "Matter 2024-17 closed; hold released on counsel's instruction"`

func (r *legalHoldResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "A legal hold: the recovery points it selects cannot be deleted — by hand, by `force_destroy`, or by " +
			"their lifecycle, which waits — nor have their retention shortened, until the hold is cancelled. Vault locks still apply " +
			"on top. (terraform-provider-aws has no counterpart; this follows `AWS::Backup::LegalHold`.)\n\n" +
			"A hold covers the recovery points that exist when it is created and match `recovery_point_selection`: every given " +
			"criterion must match (vault, resource, creation date range), any entry of a list matches, and a criterion left out " +
			"does not narrow the selection. Points created later are not held — create another hold for them.\n\n" +
			"Destroying the resource **cancels** the hold (AWS Backup's `CancelLegalHold`), which requires a reason: " +
			"`cancel_description`. The cancelled hold's record, with that reason, is kept for `retain_record_in_days` " +
			"(AWS's default: 180). Changing `title`, `description` or `recovery_point_selection` cancels the hold and creates a " +
			"new one; `tags`, `cancel_description` and `retain_record_in_days` change in place.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The legal hold's ID.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ARN of the legal hold.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"title": schema.StringAttribute{
				Required: true, MarkdownDescription: "Title of the hold, e.g. the matter it is for. Changing it replaces the hold.",
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: fmt.Sprintf("Why the points are held (at most %d characters). Changing it replaces the hold.", holdDescriptionMax),
				Validators:          []validator.String{stringvalidator.LengthBetween(1, holdDescriptionMax)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"recovery_point_selection": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Which recovery points to hold. Leave it out to hold every recovery point of the region. " +
					"Changing it replaces the hold.",
				PlanModifiers: []planmodifier.Object{objectplanmodifier.RequiresReplace()},
				Attributes: map[string]schema.Attribute{
					"vault_names": schema.ListAttribute{
						Optional: true, ElementType: types.StringType,
						MarkdownDescription: "Only points in these vaults (which must exist).",
						Validators: []validator.List{listvalidator.SizeAtLeast(1),
							listvalidator.ValueStringsAre(stringvalidator.RegexMatches(vaultNamePattern, vaultNameRule))},
					},
					"resource_identifiers": schema.ListAttribute{
						Optional: true, ElementType: types.StringType,
						MarkdownDescription: "Only points of these resources, by ARN (`backup_protected_resource.<name>.arn`).",
						Validators: []validator.List{listvalidator.SizeAtLeast(1),
							listvalidator.ValueStringsAre(stringvalidator.RegexMatches(arnPattern, "must be an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"))},
					},
					"date_range": schema.SingleNestedAttribute{
						Optional:            true,
						MarkdownDescription: "Only points created in this range, both ends included. Neither end may be in the future.",
						Attributes: map[string]schema.Attribute{
							"from_date": schema.StringAttribute{Required: true, Validators: []validator.String{rfc3339{}},
								MarkdownDescription: "Start of the range, an RFC 3339 time such as `2024-01-01T00:00:00Z`."},
							"to_date": schema.StringAttribute{Required: true, Validators: []validator.String{rfc3339{}},
								MarkdownDescription: "End of the range, an RFC 3339 time; not in the future."},
						},
					},
				},
			},
			"status": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`ACTIVE` once every selected point is held (the resource waits for it). A hold cancelled outside Terraform is removed from the state and planned anew.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"creation_date": schema.StringAttribute{
				Computed: true, MarkdownDescription: "When the hold was created (RFC 3339).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"cancel_description": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("**Required.** The reason recorded on the hold when it is cancelled, which destroying (or replacing) "+
					"this resource does; AWS Backup refuses to cancel a hold without one. At most %d characters. Only used then: changing it "+
					"does not touch the hold.", holdDescriptionMax),
				Validators: []validator.String{stringvalidator.LengthAtMost(holdDescriptionMax)},
			},
			"retain_record_in_days": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How many days the record of the hold is kept after it is cancelled (0–%d). "+
					"Unset: AWS Backup's default, 180 days. The points are released at once either way.", holdRetainRecordMaxDays),
				Validators: []validator.Int64{int64validator.Between(0, holdRetainRecordMaxDays)},
			},
			"tags":     tagsAttribute(),
			"tags_all": tagsAllAttribute(),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Delete: true}),
		},
	}
}

func (r *legalHoldResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig catches at plan time what would otherwise fail only at destroy: a hold without a
// cancel_description cannot be cancelled. It also checks the date range's order and that it is
// not in the future, which the API would refuse at apply.
func (r *legalHoldResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cancel types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("cancel_description"), &cancel)...)
	if resp.Diagnostics.HasError() {
		return
	}
	switch {
	case cancel.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("cancel_description"), "Missing cancel_description",
			"Destroying a backup_legal_hold cancels (releases) the legal hold, and AWS Backup refuses to cancel a hold without a "+
				"reason, which it keeps on the hold's record. Set cancel_description to the reason to record when this hold is "+
				"released, for example:\n\n  "+cancelDescriptionExample+"\n\n"+
				"It is used only when the hold is destroyed or replaced; changing it later does not touch the hold.")
	case !cancel.IsUnknown():
		if err := rules.HoldText("CancelDescription", cancel.ValueString()); err != nil {
			addRuleError(&resp.Diagnostics, path.Root("cancel_description"), "Invalid cancel_description", err)
		}
	}
	var sel types.Object
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("recovery_point_selection"), &sel)...)
	if !sel.IsNull() && !sel.IsUnknown() {
		empty := true
		for _, v := range sel.Attributes() {
			empty = empty && v.IsNull()
		}
		if empty {
			resp.Diagnostics.AddAttributeError(path.Root("recovery_point_selection"), "Empty recovery_point_selection",
				"recovery_point_selection sets none of vault_names, resource_identifiers and date_range. To hold every recovery "+
					"point of the region, leave recovery_point_selection out; otherwise say which points to hold.")
		}
	}
	var from, to types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("recovery_point_selection").AtName("date_range").AtName("from_date"), &from)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("recovery_point_selection").AtName("date_range").AtName("to_date"), &to)...)
	if resp.Diagnostics.HasError() || !isKnownString(from) || !isKnownString(to) {
		return
	}
	f, errF := time.Parse(time.RFC3339, from.ValueString())
	t, errT := time.Parse(time.RFC3339, to.ValueString())
	if errF != nil || errT != nil {
		return // the attributes' own validators report it
	}
	rangePath := path.Root("recovery_point_selection").AtName("date_range")
	if f.After(t) {
		resp.Diagnostics.AddAttributeError(rangePath.AtName("from_date"), "Empty date range",
			fmt.Sprintf("from_date (%s) is after to_date (%s), so the hold would select nothing: swap them.", from.ValueString(), to.ValueString()))
	}
	if t.After(time.Now()) {
		resp.Diagnostics.AddAttributeError(rangePath.AtName("to_date"), "Date range in the future",
			fmt.Sprintf("to_date (%s) is in the future. A legal hold covers only recovery points that already exist, and AWS Backup "+
				"refuses future dates: use a time in the past (timestamp() gives now).", to.ValueString()))
	}
}

func isKnownString(v types.String) bool { return !v.IsNull() && !v.IsUnknown() }

func (r *legalHoldResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	refuseDroppingUnmodelled(ctx, req, resp, "tags", "tags_all", "timeouts")
	planTagsAll(ctx, r.c, req, resp)
}

func (r *legalHoldResource) selectionInput(ctx context.Context, m *holdSelectionModel, diags *diag.Diagnostics) *backuptypes.RecoveryPointSelection {
	if m == nil {
		return nil
	}
	sel := &backuptypes.RecoveryPointSelection{}
	diags.Append(m.VaultNames.ElementsAs(ctx, &sel.VaultNames, true)...)
	diags.Append(m.ResourceIdentifiers.ElementsAs(ctx, &sel.ResourceIdentifiers, true)...)
	if m.DateRange != nil {
		from, err1 := time.Parse(time.RFC3339, m.DateRange.FromDate.ValueString())
		to, err2 := time.Parse(time.RFC3339, m.DateRange.ToDate.ValueString())
		if err1 != nil || err2 != nil {
			diags.AddAttributeError(path.Root("recovery_point_selection").AtName("date_range"), "Invalid date range",
				"from_date and to_date must be RFC 3339 times such as 2024-01-01T00:00:00Z.")
			return nil
		}
		sel.DateRange = &backuptypes.DateRange{FromDate: aws.Time(from), ToDate: aws.Time(to)}
	}
	return sel
}

func (r *legalHoldResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan legalHoldModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, holdCreateTimeout)
	resp.Diagnostics.Append(d...)
	own, d := mapFromTF(ctx, plan.Tags)
	resp.Diagnostics.Append(d...)
	sel := r.selectionInput(ctx, plan.Selection, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	title := plan.Title.ValueString()
	out, err := r.c.Backup.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{
		Title: aws.String(title), Description: aws.String(plan.Description.ValueString()),
		IdempotencyToken: aws.String(uuid.NewString()), RecoveryPointSelection: sel, Tags: mergeTags(r.c.DefaultTags, own),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("creating legal hold %q", title), err)
		return
	}
	id := aws.ToString(out.LegalHoldId)
	// From here on the hold exists: record it even if waiting fails, so Terraform can cancel it.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	tflog.Info(ctx, "created legal hold", map[string]any{"id": id, "status": string(out.Status)})
	if _, err := awsbackup.WaitLegalHoldActive(ctx, r.c.Backup, id, timeout, func(_ *backup.GetLegalHoldOutput, status string) {
		tflog.Debug(ctx, "waiting for legal hold to hold its recovery points", map[string]any{"id": id, "status": status})
	}); err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error waiting for legal hold %q", title),
			fmt.Sprintf("Legal hold %s was created but did not become ACTIVE: %v. Raise timeouts.create if the account has very many "+
				"recovery points; the hold is in the state and will be cancelled and created again on the next apply.", id, err))
		return
	}
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, id, &plan, &resp.Diagnostics), "Legal hold disappeared", fmt.Sprintf("Legal hold %s was cancelled outside Terraform while it was being created.", id)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// read refreshes m from the API. It returns false, with no diagnostic, when the hold no longer
// holds anything: its record is gone, or it was cancelled (outside Terraform).
func (r *legalHoldResource) read(ctx context.Context, id string, m *legalHoldModel, diags *diag.Diagnostics) bool {
	out, err := awsbackup.FindLegalHoldByID(ctx, r.c.Backup, id)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading legal hold %s", id), err)
		return false
	}
	status := string(out.Status)
	if status == awsbackup.LegalHoldCanceling || status == awsbackup.LegalHoldCanceled {
		tflog.Warn(ctx, "legal hold was cancelled outside Terraform; it no longer holds its recovery points", map[string]any{
			"id": id, "cancel_description": aws.ToString(out.CancelDescription)})
		return false
	}
	arn := aws.ToString(out.LegalHoldArn)
	remote, err := awsbackup.ListTags(ctx, r.c.Backup, arn)
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("listing tags of legal hold %s", id), err)
		return false
	}
	m.ID = types.StringValue(aws.ToString(out.LegalHoldId))
	m.ARN = types.StringValue(arn)
	m.Title = types.StringValue(aws.ToString(out.Title))
	m.Description = types.StringValue(aws.ToString(out.Description))
	m.Status = types.StringValue(status)
	m.CreationDate = rfc(aws.ToTime(out.CreationDate))
	m.Selection = selectionFromAPI(out.RecoveryPointSelection, m.Selection)
	m.Tags, m.TagsAll = tagsFromRemote(remote, r.c.DefaultTags, m.Tags)
	return true
}

// selectionFromAPI turns the API's selection into the model, keeping the prior model's way of
// writing a date when it names the same instant (so 2024-01-01T02:00:00+02:00 does not turn into
// 2024-01-01T00:00:00Z and plan a replacement).
func selectionFromAPI(sel *backuptypes.RecoveryPointSelection, prior *holdSelectionModel) *holdSelectionModel {
	if sel == nil {
		return nil
	}
	m := &holdSelectionModel{VaultNames: stringList(sel.VaultNames), ResourceIdentifiers: stringList(sel.ResourceIdentifiers)}
	if r := sel.DateRange; r != nil {
		var priorRange *holdDateRangeModel
		if prior != nil {
			priorRange = prior.DateRange
		}
		m.DateRange = &holdDateRangeModel{FromDate: sameInstant(aws.ToTime(r.FromDate), priorRange, true), ToDate: sameInstant(aws.ToTime(r.ToDate), priorRange, false)}
	}
	if m.DateRange == nil && m.VaultNames.IsNull() && m.ResourceIdentifiers.IsNull() && prior == nil {
		return nil
	}
	return m
}

func sameInstant(t time.Time, prior *holdDateRangeModel, from bool) types.String {
	if prior != nil {
		v := prior.ToDate
		if from {
			v = prior.FromDate
		}
		if p, err := time.Parse(time.RFC3339, v.ValueString()); err == nil && p.Equal(t) {
			return v
		}
	}
	return rfc(t)
}

// stringList is v as a list attribute; null when empty, as the API leaves empty lists out.
func stringList(v []string) types.List {
	if len(v) == 0 {
		return types.ListNull(types.StringType)
	}
	elems := make([]attr.Value, len(v))
	for i, s := range v {
		elems[i] = types.StringValue(s)
	}
	return types.ListValueMust(types.StringType, elems)
}

func (r *legalHoldResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state legalHoldModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	if !r.read(ctx, state.ID.ValueString(), &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			tflog.Warn(ctx, "legal hold not found or cancelled, removing from state", map[string]any{"id": state.ID.ValueString()})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	noteUnmodelled(ctx, answers, fmt.Sprintf("backup_legal_hold %s", state.ID.ValueString()), resp.Private, &resp.Diagnostics, "GetLegalHold")
}

// Update changes what can change without replacing the hold: its tags, and the arguments used only
// when it is cancelled (cancel_description, retain_record_in_days), which live in the state.
func (r *legalHoldResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state legalHoldModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !applyTagsAll(ctx, r.c, state.ARN.ValueString(), fmt.Sprintf("legal hold %s", state.ID.ValueString()), state.TagsAll, plan.TagsAll, &resp.Diagnostics) {
		return
	}
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, state.ID.ValueString(), &plan, &resp.Diagnostics), "Legal hold cancelled", fmt.Sprintf("Legal hold %s was cancelled outside Terraform during the update; apply again to create a new one.", state.ID.ValueString())) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// Delete cancels the hold with cancel_description and waits until it has released every point,
// so that resources destroyed after it (a vault's force_destroy) can delete them.
func (r *legalHoldResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state legalHoldModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, holdDeleteTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	reason := state.CancelDescription.ValueString()
	if strings.TrimSpace(reason) == "" {
		resp.Diagnostics.AddAttributeError(path.Root("cancel_description"), "Cannot cancel the legal hold without a reason",
			fmt.Sprintf("Destroying backup_legal_hold cancels legal hold %s, and AWS Backup requires a cancel_description for that. "+
				"This hold's state has none (it was probably imported): set it in the configuration, for example\n\n  %s\n\n"+
				"run terraform apply to record it, then destroy again.", id, cancelDescriptionExample))
		return
	}
	in := &backup.CancelLegalHoldInput{LegalHoldId: aws.String(id), CancelDescription: aws.String(reason)}
	if isKnown(state.RetainRecordInDays) {
		in.RetainRecordInDays = aws.Int64(state.RetainRecordInDays.ValueInt64())
	}
	if _, err := r.c.Backup.CancelLegalHold(ctx, in); err != nil {
		if awsbackup.ErrorCode(err) == "ResourceNotFoundException" {
			return
		}
		addStateAPIError(&resp.Diagnostics, fmt.Sprintf("cancelling legal hold %s", id), err)
		return
	}
	tflog.Info(ctx, "cancelled legal hold", map[string]any{"id": id, "cancel_description": reason})
	if err := awsbackup.WaitLegalHoldCanceled(ctx, r.c.Backup, id, timeout, func(_ *backup.GetLegalHoldOutput, status string) {
		tflog.Debug(ctx, "waiting for legal hold to release its recovery points", map[string]any{"id": id, "status": status})
	}); err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error waiting for legal hold %s to be cancelled", id),
			fmt.Sprintf("The hold was cancelled but has not released all its recovery points yet: %v. Raise timeouts.delete; "+
				"the engine finishes the release in the background either way.", err))
	}
}

func (r *legalHoldResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
