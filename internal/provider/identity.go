package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Resource identity (Terraform 1.12 and later) for every resource, so that
// `import { to = ..., identity = {...} }` and `terraform query` work.
//
// Every resource here is already identified by its import ID, made of one or more state
// attributes (a vault's name; a selection's plan ID and selection ID). Its identity is the same
// attributes, named, so identity is added around each resource rather than written into each
// one: withIdentity wraps a resource, declares the identity schema, sets the identity from the
// state after every Create, Read and Update, and turns an import by identity into an import by
// ID, which the resource already knows how to do.

// identityAttribute is one attribute of a resource's identity and the state attribute it mirrors.
type identityAttribute struct {
	name        string // the identity attribute, as written in an import block's identity
	stateAttr   string // the state attribute holding the same value
	description string
}

// identitySpec is a resource's identity: its attributes, in import ID order, and the separator
// that joins them into the import ID.
type identitySpec struct {
	attrs []identityAttribute
	sep   string
}

// identityValue is the identity, of type identityType, that the state value holds: each
// identity attribute is the string state attribute it mirrors, as is. It is what
// GetAttribute and SetAttribute per attribute make, without their path walks and rebuilding of
// the whole identity for each attribute (a cost every resource pays on every read); ok is false
// when the types are not the plain strings it expects, and the caller then takes that path.
func (s identitySpec) identityValue(state tftypes.Value, identityType tftypes.Type) (v tftypes.Value, ok bool) {
	obj, isObj := identityType.(tftypes.Object)
	if !isObj || len(obj.AttributeTypes) != len(s.attrs) || !state.Type().Is(tftypes.Object{}) || !state.IsKnown() {
		return tftypes.Value{}, false
	}
	vals := make(map[string]tftypes.Value, len(s.attrs))
	for _, a := range s.attrs {
		at, declared := obj.AttributeTypes[a.name]
		if !declared || !at.Equal(tftypes.String) {
			return tftypes.Value{}, false
		}
		got, _, err := tftypes.WalkAttributePath(state, tftypes.NewAttributePath().WithAttributeName(a.stateAttr))
		sv, isValue := got.(tftypes.Value)
		if err != nil || !isValue || !sv.Type().Equal(tftypes.String) {
			return tftypes.Value{}, false
		}
		vals[a.name] = sv
	}
	return tftypes.NewValue(obj, vals), true
}

// importID joins identity values, in the order of s.attrs, into the resource's import ID.
func (s identitySpec) importID(values []string) string { return strings.Join(values, s.sep) }

// The resource identities. Each names the state attributes that the resource's ImportState
// takes as its ID.
var (
	identityByName = identitySpec{attrs: []identityAttribute{
		{"name", "name", "Name of the vault."},
	}}
	identityByVaultName = identitySpec{attrs: []identityAttribute{
		{"backup_vault_name", "backup_vault_name", "Name of the vault."},
	}}
	identityByID = func(description string) identitySpec {
		return identitySpec{attrs: []identityAttribute{{"id", "id", description}}}
	}
	identityOfSelection = identitySpec{sep: "|", attrs: []identityAttribute{
		{"plan_id", "plan_id", "ID of the backup plan the selection belongs to."},
		{"id", "id", "ID of the selection."},
	}}
	identityOfRecoveryPoint = identitySpec{sep: "|", attrs: []identityAttribute{
		{"vault_name", "vault_name", "Name of the vault holding the recovery point."},
		{"arn", "id", "ARN of the recovery point."},
	}}
	identityOfRestoreTestingPlan = identitySpec{attrs: []identityAttribute{
		{"name", "name", "Name of the restore testing plan."},
	}}
	// The restore testing selection's import ID is SELECTION_NAME:PLAN_NAME, as the AWS
	// provider's is.
	identityOfRestoreTestingSelection = identitySpec{sep: ":", attrs: []identityAttribute{
		{"name", "name", "Name of the restore testing selection."},
		{"restore_testing_plan_name", "restore_testing_plan_name", "Name of the restore testing plan the selection belongs to."},
	}}
	identityOfProtectedResource = identitySpec{attrs: []identityAttribute{
		{"arn", "id", "ARN of the protected resource."},
	}}
)

// withIdentity returns a constructor of newResource's resource with the identity spec.
func withIdentity(newResource func() resource.Resource, spec identitySpec) func() resource.Resource {
	return func() resource.Resource { return &identifiedResource{Resource: newResource(), spec: spec} }
}

// identifiedResource is a resource with an identity. It implements every optional interface a
// wrapped resource may have and forwards each to it, doing nothing where the resource does not.
type identifiedResource struct {
	resource.Resource
	spec identitySpec
}

var (
	_ resource.ResourceWithIdentity         = (*identifiedResource)(nil)
	_ resource.ResourceWithConfigure        = (*identifiedResource)(nil)
	_ resource.ResourceWithImportState      = (*identifiedResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*identifiedResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*identifiedResource)(nil)
	_ resource.ResourceWithConfigValidators = (*identifiedResource)(nil)
	_ resource.ResourceWithUpgradeState     = (*identifiedResource)(nil)
	_ resource.ResourceWithMoveState        = (*identifiedResource)(nil)
)

func (r *identifiedResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	attrs := map[string]identityschema.Attribute{}
	for _, a := range r.spec.attrs {
		attrs[a.name] = identityschema.StringAttribute{RequiredForImport: true, Description: a.description}
	}
	resp.IdentitySchema = identityschema.Schema{Attributes: attrs}
}

func (r *identifiedResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.Resource.Create(ctx, req, resp)
	r.setIdentity(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *identifiedResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.Resource.Read(ctx, req, resp)
	if resp.State.Raw.IsNull() && resp.Identity != nil && resp.Identity.Raw.IsFullyNull() {
		// Gone: the framework still wants the identity, which Terraform before 1.12 does not
		// keep, so it comes from the state the read started from.
		r.setIdentity(ctx, &req.State, resp.Identity, &resp.Diagnostics)
		return
	}
	r.setIdentity(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *identifiedResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.Resource.Update(ctx, req, resp)
	r.setIdentity(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
}

// setIdentity copies the identity attributes from state into identity, unless the operation
// failed or removed the resource.
func (r *identifiedResource) setIdentity(ctx context.Context, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	if identity == nil || diags.HasError() || state.Raw.IsNull() {
		return
	}
	if v, ok := r.spec.identityValue(state.Raw, identity.Raw.Type()); ok {
		identity.Raw = v
		return
	}
	for _, a := range r.spec.attrs {
		var v types.String
		diags.Append(state.GetAttribute(ctx, path.Root(a.stateAttr), &v)...)
		diags.Append(identity.SetAttribute(ctx, path.Root(a.name), v)...)
	}
}

// ImportState imports by ID as the resource does. An import by identity (no ID) becomes the
// import by the ID the identity's values make.
func (r *identifiedResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	inner, ok := r.Resource.(resource.ResourceWithImportState)
	if !ok {
		resp.Diagnostics.AddError("Resource Import Not Implemented", "This resource cannot be imported.")
		return
	}
	if req.ID == "" && req.Identity != nil {
		values := make([]string, 0, len(r.spec.attrs))
		for _, a := range r.spec.attrs {
			var v types.String
			resp.Diagnostics.Append(req.Identity.GetAttribute(ctx, path.Root(a.name), &v)...)
			if v.ValueString() == "" {
				resp.Diagnostics.AddAttributeError(path.Root(a.name), "Missing identity attribute",
					fmt.Sprintf("The import block's identity needs %s (%s).", a.name, a.description))
			}
			values = append(values, v.ValueString())
		}
		if resp.Diagnostics.HasError() {
			return
		}
		req.ID = r.spec.importID(values)
	}
	inner.ImportState(ctx, req, resp)
}

func (r *identifiedResource) Configure(ctx context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if inner, ok := r.Resource.(resource.ResourceWithConfigure); ok {
		inner.Configure(ctx, req, resp)
	}
}

func (r *identifiedResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if inner, ok := r.Resource.(resource.ResourceWithModifyPlan); ok {
		inner.ModifyPlan(ctx, req, resp)
	}
}

func (r *identifiedResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if inner, ok := r.Resource.(resource.ResourceWithValidateConfig); ok {
		inner.ValidateConfig(ctx, req, resp)
	}
}

func (r *identifiedResource) ConfigValidators(ctx context.Context) []resource.ConfigValidator {
	if inner, ok := r.Resource.(resource.ResourceWithConfigValidators); ok {
		return inner.ConfigValidators(ctx)
	}
	return nil
}

func (r *identifiedResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	if inner, ok := r.Resource.(resource.ResourceWithUpgradeState); ok {
		return inner.UpgradeState(ctx)
	}
	return nil
}

// MoveState forwards the resource's state movers, each made to set the identity from the state
// it moved, so the moved resource has its identity before its first read.
func (r *identifiedResource) MoveState(ctx context.Context) []resource.StateMover {
	inner, ok := r.Resource.(resource.ResourceWithMoveState)
	if !ok {
		return nil
	}
	movers := inner.MoveState(ctx)
	for i, m := range movers {
		move := m.StateMover
		movers[i].StateMover = func(ctx context.Context, req resource.MoveStateRequest, resp *resource.MoveStateResponse) {
			move(ctx, req, resp)
			r.setIdentity(ctx, &resp.TargetState, resp.TargetIdentity, &resp.Diagnostics)
		}
	}
	return movers
}
