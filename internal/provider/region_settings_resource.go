package provider

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	tftypes "github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// backup_region_settings manages the account's settings in the provider's region
// (UpdateRegionSettings): which resource types AWS Backup protects there, and which it fully
// manages. Like backup_global_settings, the settings always exist: destroying the resource leaves
// them as they are, and the resource types it does not name are not Terraform's.

var (
	_ resource.ResourceWithConfigure   = (*regionSettingsResource)(nil)
	_ resource.ResourceWithImportState = (*regionSettingsResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*regionSettingsResource)(nil)
)

// NewRegionSettingsResource returns the backup_region_settings resource.
func NewRegionSettingsResource() resource.Resource { return &regionSettingsResource{} }

type regionSettingsResource struct{ c *clients }

type regionSettingsModel struct {
	ID         tftypes.String `tfsdk:"id"`
	OptIn      tftypes.Map    `tfsdk:"resource_type_opt_in_preference"`
	Management tftypes.Map    `tfsdk:"resource_type_management_preference"`
}

func (r *regionSettingsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_region_settings"
}

func (r *regionSettingsResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "The account's AWS Backup settings in the provider's region. Counterpart of `aws_backup_region_settings`.\n\n" +
			"A resource type opted out (`false` in `resource_type_opt_in_preference`) is not backed up there: an on-demand backup " +
			"of it is refused with `InvalidRequestException`, and a backup plan skips it where a selection reaches it by tags alone " +
			"(a selection that names it in `resources` still backs it up, as AWS documents). The engine's types are `EFS`, `RDS` " +
			"and `S3`; `DescribeRegionSettings` lists them, and a type it does not list is refused.\n\n" +
			"Only the types named here are managed: the others keep their values, and reading them back shows no diff, also right after an import. " +
			"Destroying the resource leaves the settings as they are.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The region the settings are for (the provider's region).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"resource_type_opt_in_preference": schema.MapAttribute{
				Required:            true,
				ElementType:         tftypes.BoolType,
				MarkdownDescription: "Whether AWS Backup protects each resource type in the region, such as `{ EFS = true, S3 = false }`.",
			},
			"resource_type_management_preference": schema.MapAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: tftypes.BoolType,
				MarkdownDescription: "Whether AWS Backup fully manages the backups of each resource type. Unset: read back, every type " +
					"the region lists.",
				PlanModifiers: []planmodifier.Map{mapplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *regionSettingsResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan keeps the imported resource types the configuration does not name, as
// backup_global_settings keeps its flags, when nothing else changes: then the plan is empty. A
// plan that changes a configured type plans the configured maps, and the update narrows the
// state to them.
func (r *regionSettingsResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var state, plan regionSettingsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	optIn := priorCoversPlanned(state.OptIn, plan.OptIn)
	management := priorCoversPlanned(state.Management, plan.Management)
	if (!optIn && !state.OptIn.Equal(plan.OptIn)) || (!management && !state.Management.Equal(plan.Management)) {
		return
	}
	if optIn {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("resource_type_opt_in_preference"), state.OptIn)...)
	}
	if management {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("resource_type_management_preference"), state.Management)...)
	}
}

func (r *regionSettingsResource) write(ctx context.Context, m *regionSettingsModel, diags *diag.Diagnostics) {
	in := &backup.UpdateRegionSettingsInput{ResourceTypeOptInPreference: boolMapFromTF(ctx, m.OptIn, diags)}
	if !m.Management.IsNull() && !m.Management.IsUnknown() {
		in.ResourceTypeManagementPreference = boolMapFromTF(ctx, m.Management, diags)
	}
	if diags.HasError() {
		return
	}
	if _, err := r.c.Backup.UpdateRegionSettings(ctx, in); err != nil {
		addAPIError(diags, fmt.Sprintf("updating the region settings of %s", r.c.Region), err)
		return
	}
	tflog.Info(ctx, "updated region settings", map[string]any{"region": r.c.Region, "opt_in": in.ResourceTypeOptInPreference})
	r.read(ctx, m, diags)
}

// read refreshes m, keeping only the resource types m manages (all of them after an import, and
// for the management preference when it is not configured).
func (r *regionSettingsResource) read(ctx context.Context, m *regionSettingsModel, diags *diag.Diagnostics) {
	out, err := r.c.Backup.DescribeRegionSettings(ctx, &backup.DescribeRegionSettingsInput{})
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading the region settings of %s", r.c.Region), err)
		return
	}
	m.ID = tftypes.StringValue(r.c.Region)
	m.OptIn = boolMapValue(ctx, keepManagedKeys(m.OptIn, out.ResourceTypeOptInPreference), diags)
	m.Management = boolMapValue(ctx, keepManagedKeys(m.Management, out.ResourceTypeManagementPreference), diags)
}

func (r *regionSettingsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan regionSettingsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.write(ctx, &plan, &resp.Diagnostics)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	}
}

func (r *regionSettingsResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state regionSettingsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	r.read(ctx, &state, &resp.Diagnostics)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
		// Warned about only: UpdateRegionSettings sets the named resource types and leaves the
		// rest, so an update drops nothing the provider does not model, and no plan is refused.
		noteUnmodelled(ctx, answers, fmt.Sprintf("backup_region_settings %s", state.ID.ValueString()), resp.Private, &resp.Diagnostics, "DescribeRegionSettings")
	}
}

func (r *regionSettingsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan regionSettingsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.write(ctx, &plan, &resp.Diagnostics)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	}
}

// Delete leaves the settings as they are: an account always has them in every region.
func (r *regionSettingsResource) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Info(ctx, "backup_region_settings removed from the state; the region's settings are left as they are")
}

func (r *regionSettingsResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if r.c != nil && req.ID != r.c.Region {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Import the region settings with the provider's region, %q, as the ID; got %q. "+
			"Another region's settings need a provider configured for that region.", r.c.Region, req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("resource_type_opt_in_preference"), tftypes.MapNull(tftypes.BoolType))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("resource_type_management_preference"), tftypes.MapNull(tftypes.BoolType))...)
}
