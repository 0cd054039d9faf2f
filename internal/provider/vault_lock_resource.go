package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
)

// AWS Backup Vault Lock's ranges (PutBackupVaultLockConfiguration), as the engine checks them.
const (
	lockMinDays           = rules.MinLockRetentionDays
	lockMaxDays           = rules.MaxLockRetentionDays
	lockMinChangeableDays = rules.MinChangeableForDays
)

var (
	_ resource.ResourceWithConfigure      = (*vaultLockResource)(nil)
	_ resource.ResourceWithImportState    = (*vaultLockResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*vaultLockResource)(nil)
	_ resource.ResourceWithValidateConfig = (*vaultLockResource)(nil)
)

// NewVaultLockResource returns the backup_vault_lock resource.
func NewVaultLockResource() resource.Resource {
	r := &vaultLockResource{}
	r.vaultSubresource = vaultSubresource[vaultLockModel]{
		typeName: "backup_vault_lock", reads: "DescribeBackupVault",
		write: r.lockOrChange, refresh: r.read, remove: r.remove, explainRemoveError: r.explainRemoveError,
		removing:     "removing the vault lock of backup vault %q",
		goneSummary:  "Vault lock disappeared",
		goneOnCreate: "The lock on backup vault %q was removed outside Terraform while it was being created.",
		goneOnUpdate: "The lock on backup vault %q was removed outside Terraform during the update.",
		goneOnRead:   "vault lock not found, removing from state",
		importWhat:   "a vault lock",
	}
	return r
}

// vaultLockResource gets Create, Read, Update, Delete and ImportState from vaultSubresource.
type vaultLockResource struct {
	c *clients
	vaultSubresource[vaultLockModel]
}

type vaultLockModel struct {
	ID                types.String `tfsdk:"id"`
	BackupVaultName   types.String `tfsdk:"backup_vault_name"`
	BackupVaultARN    types.String `tfsdk:"backup_vault_arn"`
	ChangeableForDays types.Int64  `tfsdk:"changeable_for_days"`
	MinRetentionDays  types.Int64  `tfsdk:"min_retention_days"`
	MaxRetentionDays  types.Int64  `tfsdk:"max_retention_days"`
	Locked            types.Bool   `tfsdk:"locked"`
	LockDate          types.String `tfsdk:"lock_date"`
	Mode              types.String `tfsdk:"mode"`
}

func (m vaultLockModel) vaultName() string { return m.BackupVaultName.ValueString() }

func (r *vaultLockResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vault_lock"
}

func (r *vaultLockResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "Backup Vault Lock on a vault: recovery points in a locked vault cannot be deleted before their retention ends, " +
			"and backup and copy jobs into it must keep points between `min_retention_days` and `max_retention_days`. " +
			"Counterpart of `aws_backup_vault_lock_configuration`, with the same arguments.\n\n" +
			"Without `changeable_for_days` the lock is in **governance** mode and can be changed or removed at any time. " +
			"With it, the lock is in **compliance** mode: it can be changed or removed until its `lock_date` " +
			"(`changeable_for_days` after the last change), and from then on by nobody — destroying it fails, and only " +
			"deleting the (empty) vault ends it.\n\n" +
			"Unlike `aws_backup_vault_lock_configuration`, changes are made in place while the engine allows them, and an " +
			"imported compliance lock keeps its `changeable_for_days` (read from the engine), so it plans no changes. " +
			"(AWS Backup itself does not report `changeable_for_days`; with `endpoint = \"aws\"` an imported compliance lock reads " +
			"it as unset, and the value in the state is kept from then on.)",
		Attributes: withVaultSubresourceAttributes("Name of the vault to lock. Changing it moves the lock to another vault (replacement).",
			"ARN of the locked vault.",
			map[string]schema.Attribute{
				"changeable_for_days": schema.Int64Attribute{
					Optional: true,
					MarkdownDescription: fmt.Sprintf("Days (at least %d, at most %d) the lock stays changeable before it becomes immutable: setting it "+
						"puts the lock in compliance mode with `lock_date` = now + this many days. Every change before the lock date restarts "+
						"that count. Omit it for a governance-mode lock.", lockMinChangeableDays, lockMaxDays),
				},
				"min_retention_days": schema.Int64Attribute{
					Optional:            true,
					MarkdownDescription: fmt.Sprintf("Shortest retention, in days (%d–%d), a backup or copy job into the vault may set.", lockMinDays, lockMaxDays),
				},
				"max_retention_days": schema.Int64Attribute{
					Optional:            true,
					MarkdownDescription: fmt.Sprintf("Longest retention, in days (%d–%d), a backup or copy job into the vault may set.", lockMinDays, lockMaxDays),
				},
				"locked": schema.BoolAttribute{
					Computed:            true,
					MarkdownDescription: "Whether Vault Lock protects the vault (always `true` while this resource exists).",
				},
				"lock_date": schema.StringAttribute{
					Computed:            true,
					MarkdownDescription: "When a compliance-mode lock becomes immutable (RFC 3339); null in governance mode.",
				},
				"mode": schema.StringAttribute{
					Computed:            true,
					MarkdownDescription: "`GOVERNANCE` (no `changeable_for_days`) or `COMPLIANCE`.",
				},
			}),
	}
}

func (r *vaultLockResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig applies the engine's lock rules at plan time: the ranges, min ≤ max, and
// changeable_for_days.
func (r *vaultLockResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m vaultLockModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if known(m.MinRetentionDays, m.MaxRetentionDays) {
		if err := rules.LockRetention(int64Ptr(m.MinRetentionDays), int64Ptr(m.MaxRetentionDays), rules.MinLockRetentionDays); err != nil {
			addRuleError(&resp.Diagnostics, path.Root("min_retention_days"), "Invalid retention range", err)
		}
	}
	if known(m.ChangeableForDays) {
		if err := rules.ChangeableForDays(int64Ptr(m.ChangeableForDays)); err != nil {
			addRuleError(&resp.Diagnostics, path.Root("changeable_for_days"), "Invalid changeable_for_days", err)
		}
	}
}

func isKnown(v types.Int64) bool { return !v.IsNull() && !v.IsUnknown() }

// ModifyPlan plans the computed attributes from the arguments: the mode follows
// changeable_for_days, and the lock date is recomputed by the API on every put.
func (r *vaultLockResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	refuseDroppingUnmodelled(ctx, req, resp)
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan vaultLockModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *vaultLockModel
	if !req.State.Raw.IsNull() {
		state = &vaultLockModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	unchanged := state != nil && plan.ChangeableForDays.Equal(state.ChangeableForDays) &&
		plan.MinRetentionDays.Equal(state.MinRetentionDays) && plan.MaxRetentionDays.Equal(state.MaxRetentionDays) &&
		plan.BackupVaultName.Equal(state.BackupVaultName)
	if unchanged {
		return // no put: the computed values stay what they are
	}
	plan.Locked = types.BoolValue(true)
	switch {
	case plan.ChangeableForDays.IsUnknown():
		plan.Mode, plan.LockDate = types.StringUnknown(), types.StringUnknown()
	case plan.ChangeableForDays.IsNull():
		plan.Mode, plan.LockDate = types.StringValue(awsbackup.LockModeGovernance), types.StringNull()
	default:
		plan.Mode, plan.LockDate = types.StringValue(awsbackup.LockModeCompliance), types.StringUnknown()
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
}

func (r *vaultLockResource) put(ctx context.Context, m vaultLockModel) error {
	in := &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String(m.BackupVaultName.ValueString())}
	if isKnown(m.ChangeableForDays) {
		in.ChangeableForDays = aws.Int64(m.ChangeableForDays.ValueInt64())
	}
	if isKnown(m.MinRetentionDays) {
		in.MinRetentionDays = aws.Int64(m.MinRetentionDays.ValueInt64())
	}
	if isKnown(m.MaxRetentionDays) {
		in.MaxRetentionDays = aws.Int64(m.MaxRetentionDays.ValueInt64())
	}
	_, err := r.c.Backup.PutBackupVaultLockConfiguration(ctx, in)
	return err
}

// lockOrChange locks the vault (prior nil: create) or changes its lock.
func (r *vaultLockResource) lockOrChange(ctx context.Context, plan vaultLockModel, prior *vaultLockModel, diags *diag.Diagnostics) bool {
	if prior == nil {
		return r.create(ctx, plan, diags)
	}
	return r.change(ctx, plan, *prior, diags)
}

func (r *vaultLockResource) create(ctx context.Context, plan vaultLockModel, diags *diag.Diagnostics) bool {
	name := plan.BackupVaultName.ValueString()
	// A put would silently replace an existing lock (and restart a compliance lock's grace time),
	// so an existing lock must be imported, not overwritten.
	existing, err := awsbackup.FindVaultLock(ctx, r.c.Backup, name)
	switch {
	case err == nil && existing.VaultType == backuptypes.VaultTypeLogicallyAirGappedBackupVault:
		diags.AddAttributeError(path.Root("backup_vault_name"), "Vault is logically air-gapped",
			fmt.Sprintf("Backup vault %q is a logically air-gapped vault: its lock is fixed when the vault is created (min_retention_days and "+
				"max_retention_days of backup_logically_air_gapped_vault) and cannot be set with backup_vault_lock. Remove this resource.", name))
		return false
	case err == nil:
		diags.AddAttributeError(path.Root("backup_vault_name"), "Vault is already locked",
			fmt.Sprintf("Backup vault %q already has a %s-mode vault lock. Bring it under Terraform with `terraform import` "+
				"(ID: the vault name) instead of creating a new one, which would overwrite it.", name, existing.Mode()))
		return false
	case !awsbackup.IsNotFound(err):
		addStateAPIError(diags, fmt.Sprintf("reading backup vault %q", name), err)
		return false
	}
	if err := r.put(ctx, plan); err != nil {
		addAPIError(diags, fmt.Sprintf("locking backup vault %q", name), err)
		return false
	}
	tflog.Info(ctx, "locked backup vault", map[string]any{"name": name, "changeable_for_days": plan.ChangeableForDays.String()})
	return true
}

// read refreshes m from the API. It returns false, with no diagnostic, when the vault or its lock
// is gone.
func (r *vaultLockResource) read(ctx context.Context, m *vaultLockModel, diags *diag.Diagnostics) bool {
	name := m.BackupVaultName.ValueString()
	l, err := awsbackup.FindVaultLock(ctx, r.c.Backup, name)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading the vault lock of backup vault %q", name), err)
		return false
	}
	m.ID = types.StringValue(l.VaultName)
	m.BackupVaultName = types.StringValue(l.VaultName)
	m.BackupVaultARN = types.StringValue(l.VaultARN)
	m.MinRetentionDays = types.Int64PointerValue(l.MinRetentionDays)
	m.MaxRetentionDays = types.Int64PointerValue(l.MaxRetentionDays)
	m.Locked = types.BoolValue(true)
	m.Mode = types.StringValue(l.Mode())
	switch {
	case l.LockDate == nil:
		m.LockDate = types.StringNull()
		m.ChangeableForDays = types.Int64Null()
	case l.ChangeableForDays != nil:
		m.LockDate = types.StringValue(l.LockDate.UTC().Format(time.RFC3339))
		m.ChangeableForDays = types.Int64Value(*l.ChangeableForDays)
	default:
		// AWS Backup does not say what ChangeableForDays was; keep what the state knew.
		m.LockDate = types.StringValue(l.LockDate.UTC().Format(time.RFC3339))
	}
	return true
}

// change puts plan over the lock state describes.
func (r *vaultLockResource) change(ctx context.Context, plan, state vaultLockModel, diags *diag.Diagnostics) bool {
	name := plan.BackupVaultName.ValueString()
	if err := r.put(ctx, plan); err != nil {
		if awsbackup.ErrorCode(err) == "InvalidRequestException" && state.Mode.ValueString() == awsbackup.LockModeCompliance {
			diags.AddError("Cannot change an immutable vault lock", fmt.Sprintf(
				"The vault lock on backup vault %q is in compliance mode and its lock date (%s) has passed, so it is immutable: "+
					"nobody can change it.\n\nThe API said: %s\n\nRevert the configuration to the lock as it is "+
					"(min_retention_days = %s, max_retention_days = %s, changeable_for_days = %s).",
				name, state.LockDate.ValueString(), awsbackup.ErrorMessage(err),
				state.MinRetentionDays.String(), state.MaxRetentionDays.String(), state.ChangeableForDays.String()))
			return false
		}
		addAPIError(diags, fmt.Sprintf("changing the vault lock of backup vault %q", name), err)
		return false
	}
	tflog.Info(ctx, "changed vault lock", map[string]any{"name": name})
	return true
}

func (r *vaultLockResource) remove(ctx context.Context, vault string) error {
	_, err := r.c.Backup.DeleteBackupVaultLockConfiguration(ctx, &backup.DeleteBackupVaultLockConfigurationInput{BackupVaultName: aws.String(vault)})
	return err
}

// explainRemoveError reports the refusal to remove a compliance lock past its lock date.
func (r *vaultLockResource) explainRemoveError(state vaultLockModel, err error, diags *diag.Diagnostics) bool {
	if awsbackup.ErrorCode(err) != "InvalidRequestException" {
		return false
	}
	diags.AddError("Cannot remove an immutable vault lock", immutableLockDetail(state.vaultName(), state.LockDate.ValueString(), awsbackup.ErrorMessage(err)))
	return true
}

// immutableLockDetail explains a refused removal of a compliance lock and what to do instead.
func immutableLockDetail(vault, lockDate, apiMessage string) string {
	return fmt.Sprintf("The vault lock on backup vault %q is in compliance mode and its lock date (%s) has passed, so it is immutable: "+
		"AWS Backup lets nobody remove it — not Terraform, not an administrator, not the account's root user — and neither does the engine.\n\n"+
		"The API said: %s\n\n"+
		"The lock ends only when the vault itself is deleted, which requires the vault to be empty (its recovery points leave as their "+
		"retention ends). To stop managing the lock with Terraform without destroying it, remove it from the state:\n\n"+
		"  terraform state rm backup_vault_lock.<NAME>\n\n"+
		"or, on Terraform 1.7 and later, replace its resource block with:\n\n"+
		"  removed {\n    from = backup_vault_lock.<NAME>\n    lifecycle {\n      destroy = false\n    }\n  }",
		vault, lockDate, apiMessage)
}
