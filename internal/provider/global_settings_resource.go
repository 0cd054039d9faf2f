package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	tftypes "github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
)

// backup_global_settings manages the account's global settings (UpdateGlobalSettings). There is
// one set per account, always there: creating the resource sets the flags it names, destroying it
// leaves them as they are (as aws_backup_global_settings does), and the flags it does not name
// are not Terraform's.

var (
	_ resource.ResourceWithConfigure      = (*globalSettingsResource)(nil)
	_ resource.ResourceWithImportState    = (*globalSettingsResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*globalSettingsResource)(nil)
	_ resource.ResourceWithValidateConfig = (*globalSettingsResource)(nil)
)

// globalSettingsID is the resource's ID. The AWS provider uses the account ID, which this
// provider cannot learn from every backend (no STS); an import by account ID is accepted.
const globalSettingsID = "global"

// accountIDPattern is a 12-digit AWS account ID.
var accountIDPattern = regexp.MustCompile(`^\d{12}$`)

// NewGlobalSettingsResource returns the backup_global_settings resource.
func NewGlobalSettingsResource() resource.Resource { return &globalSettingsResource{} }

type globalSettingsResource struct{ c *clients }

type globalSettingsModel struct {
	ID             tftypes.String `tfsdk:"id"`
	GlobalSettings tftypes.Map    `tfsdk:"global_settings"`
}

func (r *globalSettingsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_global_settings"
}

func (r *globalSettingsResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "The account's global AWS Backup settings. Counterpart of `aws_backup_global_settings`. " +
			"With `isCrossAccountBackupEnabled = \"false\"` the engine refuses copies into another account's vaults " +
			"(`StartCopyJob` answers `InvalidRequestException`; a plan's copy action makes a `FAILED` copy job saying why).\n\n" +
			"Only the flags named here are managed: the others keep their values, and reading them back shows no diff, also right after an import. " +
			"Destroying the resource leaves the settings as they are.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Always `" + globalSettingsID + "`: an account has one set of global settings.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"global_settings": schema.MapAttribute{
				Required:    true,
				ElementType: tftypes.StringType,
				MarkdownDescription: "The flags to set, each `\"true\"` or `\"false\"`: `isCrossAccountBackupEnabled` (copies into other " +
					"accounts' vaults), `isMpaEnabled` (multi-party approval) and `isDelegatedAdministratorEnabled`.",
			},
		},
	}
}

func (r *globalSettingsResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (r *globalSettingsResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m globalSettingsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.GlobalSettings.IsUnknown() || m.GlobalSettings.IsNull() {
		return
	}
	for _, v := range m.GlobalSettings.Elements() {
		if v.IsUnknown() {
			return
		}
	}
	settings, d := mapFromTF(ctx, m.GlobalSettings)
	resp.Diagnostics.Append(d...)
	if err := rules.GlobalSettings(settings); err != nil && !d.HasError() {
		addRuleError(&resp.Diagnostics, path.Root("global_settings"), "Invalid global settings", err)
	}
}

// ModifyPlan keeps the imported flags the configuration does not name: an import reads every
// flag (ImportState and Read have no configuration to narrow by), and planning the configured
// subset would show the others being removed, an update that changes nothing remotely.
func (r *globalSettingsResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var state, plan globalSettingsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !priorCoversPlanned(state.GlobalSettings, plan.GlobalSettings) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("global_settings"), state.GlobalSettings)...)
}

func (r *globalSettingsResource) write(ctx context.Context, m *globalSettingsModel, diags *diag.Diagnostics) {
	settings, d := mapFromTF(ctx, m.GlobalSettings)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	if _, err := r.c.Backup.UpdateGlobalSettings(ctx, &backup.UpdateGlobalSettingsInput{GlobalSettings: settings}); err != nil {
		addAPIError(diags, "updating the global settings", err)
		return
	}
	tflog.Info(ctx, "updated global settings", map[string]any{"settings": settings})
	r.read(ctx, m, diags)
}

// read refreshes m, keeping only the flags m manages (all of them after an import).
func (r *globalSettingsResource) read(ctx context.Context, m *globalSettingsModel, diags *diag.Diagnostics) {
	out, err := r.c.Backup.DescribeGlobalSettings(ctx, &backup.DescribeGlobalSettingsInput{})
	if err != nil {
		addStateAPIError(diags, "reading the global settings", err)
		return
	}
	m.ID = tftypes.StringValue(globalSettingsID)
	m.GlobalSettings = stringMapValue(ctx, keepManagedKeys(m.GlobalSettings, out.GlobalSettings), diags)
}

func (r *globalSettingsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan globalSettingsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.write(ctx, &plan, &resp.Diagnostics)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	}
}

func (r *globalSettingsResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state globalSettingsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	r.read(ctx, &state, &resp.Diagnostics)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
		// Warned about only: UpdateGlobalSettings sets the named flags and leaves the rest, so an
		// update drops nothing the provider does not model, and no plan is refused.
		noteUnmodelled(ctx, answers, "backup_global_settings", resp.Private, &resp.Diagnostics, "DescribeGlobalSettings")
	}
}

func (r *globalSettingsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan globalSettingsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.write(ctx, &plan, &resp.Diagnostics)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	}
}

// Delete leaves the settings as they are: an account always has them.
func (r *globalSettingsResource) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Info(ctx, "backup_global_settings removed from the state; the account's global settings are left as they are")
}

func (r *globalSettingsResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != globalSettingsID && !accountIDPattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Import the global settings with the ID %q (or the 12-digit account ID); got %q.", globalSettingsID, req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), globalSettingsID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("global_settings"), tftypes.MapNull(tftypes.StringType))...)
}
