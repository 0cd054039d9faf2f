package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	tftypes "github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
)

// airGappedMinDays is the smallest MinRetentionDays of a logically air-gapped vault
// (CreateLogicallyAirGappedBackupVault: "The minimum value accepted is 7 days").
const airGappedMinDays = rules.MinAirGappedRetentionDays

// airGappedCreateTimeout bounds the wait for a new vault to become AVAILABLE (AWS creates
// air-gapped vaults asynchronously; the engine at once).
const airGappedCreateTimeout = 30 * time.Minute

var (
	_ resource.ResourceWithConfigure      = (*airGappedVaultResource)(nil)
	_ resource.ResourceWithImportState    = (*airGappedVaultResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*airGappedVaultResource)(nil)
	_ resource.ResourceWithValidateConfig = (*airGappedVaultResource)(nil)
)

// NewAirGappedVaultResource returns the backup_logically_air_gapped_vault resource.
func NewAirGappedVaultResource() resource.Resource { return &airGappedVaultResource{} }

type airGappedVaultResource struct{ c *clients }

type airGappedVaultModel struct {
	ID               tftypes.String `tfsdk:"id"`
	Name             tftypes.String `tfsdk:"name"`
	ARN              tftypes.String `tfsdk:"arn"`
	MinRetentionDays tftypes.Int64  `tfsdk:"min_retention_days"`
	MaxRetentionDays tftypes.Int64  `tfsdk:"max_retention_days"`
	VaultState       tftypes.String `tfsdk:"vault_state"`
	Tags             tftypes.Map    `tfsdk:"tags"`
	TagsAll          tftypes.Map    `tfsdk:"tags_all"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

func (r *airGappedVaultResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_logically_air_gapped_vault"
}

func (r *airGappedVaultResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "A logically air-gapped backup vault: born locked in compliance mode with the given retention range, " +
			"its lock can never be changed or removed, and its recovery points can never be deleted by hand — they leave only " +
			"by their lifecycle. Counterpart of `aws_backup_logically_air_gapped_vault`.\n\n" +
			"The API cannot change a vault's retention range, so changing `min_retention_days` or `max_retention_days` replaces " +
			"the vault (which needs it to be empty).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The vault's name.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the vault: " + vaultNameRule + ". Vaults of both kinds share one name space. Changing it replaces the vault.",
				Validators:          []validator.String{stringvalidator.RegexMatches(vaultNamePattern, vaultNameRule)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"arn": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "ARN of the vault.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"min_retention_days": schema.Int64Attribute{
				Required:            true,
				MarkdownDescription: fmt.Sprintf("Shortest retention, in days (%d–%d), of recovery points in the vault. Changing it replaces the vault.", airGappedMinDays, lockMaxDays),
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"max_retention_days": schema.Int64Attribute{
				Required:            true,
				MarkdownDescription: fmt.Sprintf("Longest retention, in days (%d–%d), of recovery points in the vault. Changing it replaces the vault.", airGappedMinDays, lockMaxDays),
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"vault_state": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "State of the vault: `CREATING`, `AVAILABLE` or `FAILED`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"tags":     tagsAttribute(),
			"tags_all": tagsAllAttribute(),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true}),
		},
	}
}

func (r *airGappedVaultResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (r *airGappedVaultResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m airGappedVaultModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if known(m.MinRetentionDays, m.MaxRetentionDays) {
		if err := rules.LockRetention(int64Ptr(m.MinRetentionDays), int64Ptr(m.MaxRetentionDays), rules.MinAirGappedRetentionDays); err != nil {
			addRuleError(&resp.Diagnostics, path.Root("min_retention_days"), "Invalid retention range", err)
		}
	}
}

func (r *airGappedVaultResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	refuseDroppingUnmodelled(ctx, req, resp, "tags", "tags_all", "timeouts")
	planTagsAll(ctx, r.c, req, resp)
}

func (r *airGappedVaultResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan airGappedVaultModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, airGappedCreateTimeout)
	resp.Diagnostics.Append(d...)
	own, d := mapFromTF(ctx, plan.Tags)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	_, err := r.c.Backup.CreateLogicallyAirGappedBackupVault(ctx, &backup.CreateLogicallyAirGappedBackupVaultInput{
		BackupVaultName:  aws.String(name),
		MinRetentionDays: aws.Int64(plan.MinRetentionDays.ValueInt64()),
		MaxRetentionDays: aws.Int64(plan.MaxRetentionDays.ValueInt64()),
		BackupVaultTags:  mergeTags(r.c.DefaultTags, own),
		CreatorRequestId: aws.String(uuid.NewString()),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("creating logically air-gapped backup vault %q", name), err)
		return
	}
	_, err = awsbackup.Waiter[*backup.DescribeBackupVaultOutput]{
		Pending: []string{string(types.VaultStateCreating)},
		Target:  []string{string(types.VaultStateAvailable)},
		Refresh: awsbackup.StatusVault(r.c.Backup, name),
		Timeout: timeout,
		Progress: func(_ *backup.DescribeBackupVaultOutput, status string) {
			tflog.Debug(ctx, "waiting for logically air-gapped vault", map[string]any{"name": name, "state": status})
		},
	}.Wait(ctx)
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error waiting for logically air-gapped backup vault %q", name),
			fmt.Sprintf("The vault was created but did not become AVAILABLE: %v. Raise timeouts.create if its creation is slow, and run terraform apply again.", err))
		return
	}
	tflog.Info(ctx, "created logically air-gapped backup vault", map[string]any{"name": name})
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, name, &plan, &resp.Diagnostics), "Backup vault disappeared", fmt.Sprintf("Logically air-gapped backup vault %q was deleted outside Terraform while it was being created.", name)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// read refreshes m from the API. It returns false, with no diagnostic, if the vault is gone.
func (r *airGappedVaultResource) read(ctx context.Context, name string, m *airGappedVaultModel, diags *diag.Diagnostics) bool {
	out, err := awsbackup.FindVaultByName(ctx, r.c.Backup, name)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading logically air-gapped backup vault %q", name), err)
		return false
	}
	if out.VaultType != types.VaultTypeLogicallyAirGappedBackupVault {
		diags.AddError("Not a logically air-gapped vault",
			fmt.Sprintf("Backup vault %q is of type %s, not LOGICALLY_AIR_GAPPED_BACKUP_VAULT: manage it with backup_vault instead.", name, out.VaultType))
		return false
	}
	arn := aws.ToString(out.BackupVaultArn)
	remote, err := awsbackup.ListTags(ctx, r.c.Backup, arn)
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("listing tags of backup vault %q", name), err)
		return false
	}
	m.ID = tftypes.StringValue(aws.ToString(out.BackupVaultName))
	m.Name = tftypes.StringValue(aws.ToString(out.BackupVaultName))
	m.ARN = tftypes.StringValue(arn)
	m.MinRetentionDays = tftypes.Int64PointerValue(out.MinRetentionDays)
	m.MaxRetentionDays = tftypes.Int64PointerValue(out.MaxRetentionDays)
	m.VaultState = tftypes.StringValue(string(out.VaultState))
	m.Tags, m.TagsAll = tagsFromRemote(remote, r.c.DefaultTags, m.Tags)
	return true
}

func (r *airGappedVaultResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state airGappedVaultModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	if !r.read(ctx, state.ID.ValueString(), &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			tflog.Warn(ctx, "logically air-gapped backup vault not found, removing from state", map[string]any{"name": state.ID.ValueString()})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	noteUnmodelled(ctx, answers, fmt.Sprintf("backup_logically_air_gapped_vault %q", state.ID.ValueString()), resp.Private, &resp.Diagnostics, "DescribeBackupVault")
}

// Update changes tags, the only thing the API lets change in place.
func (r *airGappedVaultResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state airGappedVaultModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !applyTagsAll(ctx, r.c, state.ARN.ValueString(), fmt.Sprintf("backup vault %q", state.Name.ValueString()), state.TagsAll, plan.TagsAll, &resp.Diagnostics) {
		return
	}
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, plan.Name.ValueString(), &plan, &resp.Diagnostics), "Backup vault disappeared", fmt.Sprintf("Logically air-gapped backup vault %q was deleted outside Terraform during the update.", plan.Name.ValueString())) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *airGappedVaultResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state airGappedVaultModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	_, err := r.c.Backup.DeleteBackupVault(ctx, &backup.DeleteBackupVaultInput{BackupVaultName: aws.String(name)})
	if err == nil || awsbackup.ErrorCode(err) == "ResourceNotFoundException" {
		return
	}
	addStateAPIError(&resp.Diagnostics, fmt.Sprintf("deleting logically air-gapped backup vault %q", name), err)
	if awsbackup.ErrorCode(err) == "InvalidRequestException" {
		resp.Diagnostics.AddWarning("The air-gapped vault still holds recovery points",
			"Recovery points in a logically air-gapped vault cannot be deleted by hand; they leave when their lifecycle expires them "+
				"(at most max_retention_days after they were made). Destroy the vault after that, or remove it from the state "+
				"(`terraform state rm`) to stop managing it.")
	}
}

func (r *airGappedVaultResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !vaultNamePattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("The import ID of a logically air-gapped vault is its name, which %s; got %q.", vaultNameRule, req.ID))
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
