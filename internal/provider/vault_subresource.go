package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

// vaultSubresourceModel is the model of a resource that configures one aspect of an existing vault.
type vaultSubresourceModel interface {
	// vaultName is the model's backup_vault_name, which is also its ID.
	vaultName() string
}

// vaultSubresource is the CRUD shape shared by the resources that configure one aspect of an
// existing vault (its access policy, notifications, lock): the vault's name is the ID, one put
// creates and updates, a read right after a write must find what was written, and deleting what
// is already gone succeeds. A resource embeds it, filled with the calls and words that differ,
// and so gets Create, Read, Update, Delete and ImportState.
type vaultSubresource[M vaultSubresourceModel] struct {
	// write puts plan; prior is the state on update, nil on create. It reports its own failures in
	// diags and returns false.
	write func(ctx context.Context, plan M, prior *M, diags *diag.Diagnostics) bool
	// refresh reads m from the API; false, with no diagnostic, when the vault or the configuration
	// is gone.
	refresh func(ctx context.Context, m *M, diags *diag.Diagnostics) bool
	// remove deletes the configuration of the vault.
	remove func(ctx context.Context, vault string) error
	// explainRemoveError, if set, reports a failed remove that needs more than the API error; it
	// returns false, having reported nothing, for an error it does not explain.
	explainRemoveError func(state M, err error, diags *diag.Diagnostics) bool

	removing     string // the failed remove's action, with %q for the vault
	goneSummary  string // the error summary when a read right after a write finds nothing
	goneOnCreate string // its detail on create, with %q for the vault
	goneOnUpdate string // its detail on update, with %q for the vault
	goneOnRead   string // what Read logs before it removes a vanished configuration from the state
	importWhat   string // what an import ID names, for its error message
	typeName     string // the resource type, such as backup_vault_policy
	reads        string // the operation whose answer is the object, such as GetBackupVaultAccessPolicy
}

func (s vaultSubresource[M]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !s.write(ctx, plan, nil, &resp.Diagnostics) {
		return
	}
	s.saveAfterWrite(ctx, &plan, &resp.State, &resp.Diagnostics, s.goneOnCreate)
}

func (s vaultSubresource[M]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state M
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	if !s.refresh(ctx, &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			tflog.Warn(ctx, s.goneOnRead, map[string]any{"backup_vault_name": state.vaultName()})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	noteUnmodelled(ctx, answers, fmt.Sprintf("%s %q", s.typeName, state.vaultName()), resp.Private, &resp.Diagnostics, s.reads)
}

// ModifyPlan refuses a change that would drop members of the object the provider does not model.
func (s vaultSubresource[M]) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	refuseDroppingUnmodelled(ctx, req, resp)
}

func (s vaultSubresource[M]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !s.write(ctx, plan, &state, &resp.Diagnostics) {
		return
	}
	s.saveAfterWrite(ctx, &plan, &resp.State, &resp.Diagnostics, s.goneOnUpdate)
}

// saveAfterWrite reads back what was just written into plan and stores it as the state.
func (s vaultSubresource[M]) saveAfterWrite(ctx context.Context, plan *M, state *tfsdk.State, diags *diag.Diagnostics, goneDetail string) {
	if !foundAfterWrite(diags, s.refresh(ctx, plan, diags), s.goneSummary, fmt.Sprintf(goneDetail, (*plan).vaultName())) {
		return
	}
	diags.Append(state.Set(ctx, *plan)...)
}

func (s vaultSubresource[M]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state M
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.vaultName()
	err := s.remove(ctx, name)
	if err == nil || awsbackup.ErrorCode(err) == "ResourceNotFoundException" {
		return
	}
	if s.explainRemoveError != nil && s.explainRemoveError(state, err, &resp.Diagnostics) {
		return
	}
	addAPIError(&resp.Diagnostics, fmt.Sprintf(s.removing, name), err)
}

func (s vaultSubresource[M]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !vaultNamePattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("The import ID of %s is the vault's name, which %s; got %q.", s.importWhat, vaultNameRule, req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("backup_vault_name"), req.ID)...)
}

// withVaultSubresourceAttributes adds to own the attributes every vault subresource has: id and
// backup_vault_name (both the vault's name) and backup_vault_arn.
func withVaultSubresourceAttributes(nameDescription, arnDescription string, own map[string]schema.Attribute) map[string]schema.Attribute {
	own["id"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "The vault's name.",
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	own["backup_vault_name"] = schema.StringAttribute{
		Required:            true,
		MarkdownDescription: nameDescription,
		Validators:          []validator.String{stringvalidator.RegexMatches(vaultNamePattern, vaultNameRule)},
		PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
	own["backup_vault_arn"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: arnDescription,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	return own
}
