package provider

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/names"
)

// vaultNamePattern is AWS's rule for vault names.
var vaultNamePattern = names.VaultPattern

const vaultNameRule = "must be " + names.VaultLength + " characters: " + names.VaultChars

var (
	_ resource.ResourceWithConfigure   = (*vaultResource)(nil)
	_ resource.ResourceWithImportState = (*vaultResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*vaultResource)(nil)
)

// NewVaultResource returns the backup_vault resource.
func NewVaultResource() resource.Resource { return &vaultResource{} }

type vaultResource struct{ c *clients }

// vaultCodec reads and writes vaultModel without the framework's per-call reflection
// (model_codec.go): a plan reads every vault.
var vaultCodec modelCodec[vaultModel]

type vaultModel struct {
	ID             types.String `tfsdk:"id"`
	Name           types.String `tfsdk:"name"`
	ARN            types.String `tfsdk:"arn"`
	KMSKeyARN      types.String `tfsdk:"kms_key_arn"`
	ForceDestroy   types.Bool   `tfsdk:"force_destroy"`
	RecoveryPoints types.Int64  `tfsdk:"recovery_points"`
	Tags           types.Map    `tfsdk:"tags"`
	TagsAll        types.Map    `tfsdk:"tags_all"`
}

func (r *vaultResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vault"
}

func (r *vaultResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version:             0,
		MarkdownDescription: "A backup vault: the container recovery points are stored in. Counterpart of `aws_backup_vault`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The vault's name.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the vault: " + vaultNameRule + ". Changing it replaces the vault.",
				Validators:          []validator.String{stringvalidator.RegexMatches(vaultNamePattern, vaultNameRule)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"arn": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "ARN of the vault.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"kms_key_arn": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "ARN of the KMS key that encrypts the vault's recovery points. Defaults to the engine-managed " +
					"(aws/backup) key. Changing it replaces the vault.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
			},
			"force_destroy": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Delete every recovery point in the vault when the vault is destroyed, so the destroy does not fail. " +
					"Vault locks, legal holds, air gaps and the vault's access policy still apply: when any point is protected, the destroy " +
					"deletes nothing and fails with a diagnostic naming how many points are protected, by what, and what to do. Defaults to `false`.",
			},
			"recovery_points": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Number of recovery points in the vault.",
			},
			"tags":     tagsAttribute(),
			"tags_all": tagsAllAttribute(),
		},
	}
}

func (r *vaultResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (r *vaultResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	refuseDroppingUnmodelled(ctx, req, resp, "tags", "tags_all", "timeouts")
	planTagsAll(ctx, r.c, req, resp)
}

func (r *vaultResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan vaultModel
	resp.Diagnostics.Append(vaultCodec.get(ctx, req.Plan.Get, req.Plan.Schema, req.Plan.Raw, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	own, d := mapFromTF(ctx, plan.Tags)
	resp.Diagnostics.Append(d...)
	if d.HasError() {
		return
	}
	name := plan.Name.ValueString()
	in := &backup.CreateBackupVaultInput{
		BackupVaultName:  aws.String(name),
		CreatorRequestId: aws.String(uuid.NewString()),
		BackupVaultTags:  mergeTags(r.c.DefaultTags, own),
	}
	if v := plan.KMSKeyARN.ValueString(); v != "" {
		in.EncryptionKeyArn = aws.String(v)
	}
	if _, err := r.c.Backup.CreateBackupVault(ctx, in); err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("creating backup vault %q", name), err)
		return
	}
	tflog.Info(ctx, "created backup vault", map[string]any{"name": name})
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, name, &plan, &resp.Diagnostics), "Backup vault disappeared", fmt.Sprintf("Backup vault %q was deleted outside Terraform while it was being created.", name)) {
		return
	}
	resp.Diagnostics.Append(vaultCodec.set(ctx, resp.State.Set, resp.State.Schema, &resp.State.Raw, &plan)...)
}

// read refreshes m from the API. It returns false, with no diagnostic, if the vault is gone.
func (r *vaultResource) read(ctx context.Context, name string, m *vaultModel, diags *diag.Diagnostics) bool {
	out, err := awsbackup.FindVaultByName(ctx, r.c.Backup, name)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading backup vault %q", name), err)
		return false
	}
	arn := aws.ToString(out.BackupVaultArn)
	remote, err := awsbackup.ListTags(ctx, r.c.Backup, arn)
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("listing tags of backup vault %q", name), err)
		return false
	}
	m.ID = types.StringValue(aws.ToString(out.BackupVaultName))
	m.Name = types.StringValue(aws.ToString(out.BackupVaultName))
	m.ARN = types.StringValue(arn)
	m.KMSKeyARN = types.StringValue(aws.ToString(out.EncryptionKeyArn))
	m.RecoveryPoints = types.Int64Value(out.NumberOfRecoveryPoints)
	if m.ForceDestroy.IsNull() || m.ForceDestroy.IsUnknown() {
		m.ForceDestroy = types.BoolValue(false)
	}
	m.Tags, m.TagsAll = tagsFromRemote(remote, r.c.DefaultTags, m.Tags)
	return true
}

func (r *vaultResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state vaultModel
	resp.Diagnostics.Append(vaultCodec.get(ctx, req.State.Get, req.State.Schema, req.State.Raw, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	if !r.read(ctx, state.ID.ValueString(), &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			tflog.Warn(ctx, "backup vault not found, removing from state", map[string]any{"name": state.ID.ValueString()})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(vaultCodec.set(ctx, resp.State.Set, resp.State.Schema, &resp.State.Raw, &state)...)
	noteUnmodelled(ctx, answers, fmt.Sprintf("backup_vault %q", state.ID.ValueString()), resp.Private, &resp.Diagnostics, "DescribeBackupVault")
}

func (r *vaultResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state vaultModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !applyTagsAll(ctx, r.c, state.ARN.ValueString(), fmt.Sprintf("backup vault %q", state.Name.ValueString()), state.TagsAll, plan.TagsAll, &resp.Diagnostics) {
		return
	}
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, plan.Name.ValueString(), &plan, &resp.Diagnostics), "Backup vault disappeared", fmt.Sprintf("Backup vault %q was deleted outside Terraform during the update.", plan.Name.ValueString())) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *vaultResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state vaultModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	err := awsbackup.DeleteVault(ctx, r.c.Backup, name, awsbackup.DeleteVaultOptions{
		Force: state.ForceDestroy.ValueBool(),
		Now:   r.c.serviceNow,
		Log:   func(msg string, kv map[string]any) { tflog.Info(ctx, msg, kv) },
	})
	if awsbackup.IsNotFound(err) {
		return
	}
	if awsbackup.IsProtectedPoints(err) {
		resp.Diagnostics.AddError(fmt.Sprintf("Cannot force_destroy backup vault %q: some of its recovery points are protected", name), err.Error())
		return
	}
	if err != nil {
		addStateAPIError(&resp.Diagnostics, fmt.Sprintf("deleting backup vault %q", name), err)
		if !state.ForceDestroy.ValueBool() && awsbackup.ErrorCode(err) == "InvalidRequestException" {
			resp.Diagnostics.AddAttributeWarning(path.Root("force_destroy"), "The vault still holds recovery points",
				"Set force_destroy = true (and apply) to delete its recovery points along with the vault. Points protected by a vault lock or a legal hold are never deleted.")
		}
	}
}

func (r *vaultResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
