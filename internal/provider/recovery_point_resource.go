package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

// Default timeouts of the recovery point resource.
const (
	defaultBackupTimeout = 60 * time.Minute
	defaultDeleteTimeout = 10 * time.Minute
)

var (
	_ resource.ResourceWithConfigure      = (*recoveryPointResource)(nil)
	_ resource.ResourceWithImportState    = (*recoveryPointResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*recoveryPointResource)(nil)
	_ resource.ResourceWithValidateConfig = (*recoveryPointResource)(nil)
)

// NewRecoveryPointResource returns the backup_recovery_point resource.
func NewRecoveryPointResource() resource.Resource { return &recoveryPointResource{} }

type recoveryPointResource struct{ c *clients }

type recoveryPointResourceModel struct {
	ID                  types.String   `tfsdk:"id"`
	ARN                 types.String   `tfsdk:"arn"`
	VaultName           types.String   `tfsdk:"vault_name"`
	ResourceARN         types.String   `tfsdk:"resource_arn"`
	IAMRoleARN          types.String   `tfsdk:"iam_role_arn"`
	ColdStorageAfter    types.Int64    `tfsdk:"cold_storage_after"`
	DeleteAfter         types.Int64    `tfsdk:"delete_after"`
	Triggers            types.Map      `tfsdk:"triggers"`
	Tags                types.Map      `tfsdk:"tags"`
	TagsAll             types.Map      `tfsdk:"tags_all"`
	BackupJobID         types.String   `tfsdk:"backup_job_id"`
	ResourceType        types.String   `tfsdk:"resource_type"`
	ResourceName        types.String   `tfsdk:"resource_name"`
	Status              types.String   `tfsdk:"status"`
	StatusMessage       types.String   `tfsdk:"status_message"`
	StorageClass        types.String   `tfsdk:"storage_class"`
	CreationDate        types.String   `tfsdk:"creation_date"`
	CompletionDate      types.String   `tfsdk:"completion_date"`
	BackupSizeBytes     types.Int64    `tfsdk:"backup_size_bytes"`
	EncryptionKeyARN    types.String   `tfsdk:"encryption_key_arn"`
	CalculatedLifecycle types.Object   `tfsdk:"calculated_lifecycle"`
	Timeouts            timeouts.Value `tfsdk:"timeouts"`
}

func (r *recoveryPointResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_recovery_point"
}

func computedString(desc string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
}

func (r *recoveryPointResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "An on-demand backup: creating it runs a backup job of `resource_arn` into `vault_name` and waits for " +
			"it to complete (progress is logged; see `timeouts`). The resource is the recovery point the job made. Destroying it " +
			"deletes the point, subject to the vault's lock and legal holds. Change `triggers` to take a new backup. " +
			"The AWS CLI equivalent is `aws backup start-backup-job`.",
		Attributes: map[string]schema.Attribute{
			"id":  computedString("The recovery point's ARN."),
			"arn": computedString("ARN of the recovery point."),
			"vault_name": schema.StringAttribute{
				Required: true, MarkdownDescription: "Vault to store the backup in. Changing it takes a new backup.",
				Validators:    []validator.String{stringvalidator.RegexMatches(vaultNamePattern, vaultNameRule)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"resource_arn": schema.StringAttribute{
				Required: true, MarkdownDescription: "ARN of the resource to back up, e.g. a `backup_protected_resource`'s `arn`. Changing it takes a new backup.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"iam_role_arn": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "IAM role the backup runs as. Defaults to the account's `service-role/AWSBackupDefaultServiceRole`. Changing it takes a new backup.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
			},
			"cold_storage_after": schema.Int64Attribute{
				Optional: true, Validators: []validator.Int64{int64validator.AtLeast(1)},
				MarkdownDescription: "Days after creation when the point moves to cold storage (EFS; other types stay warm). " +
					"Changes apply in place, until the point is cold.",
			},
			"delete_after": schema.Int64Attribute{
				Optional: true, Validators: []validator.Int64{int64validator.AtLeast(1)},
				MarkdownDescription: "Days after creation when the point is deleted; at least `cold_storage_after` + 90 when both are set. " +
					"Changes apply in place. Without it the point is kept until destroyed.",
			},
			"triggers": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Arbitrary values; changing any of them takes a new backup (replaces this resource), like `terraform_data`'s `triggers_replace`.",
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"tags":     tagsAttribute(),
			"tags_all": tagsAllAttribute(),
			"backup_job_id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ID of the backup job that made the point (empty after import).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"resource_type":   computedString("Type of the backed-up resource, e.g. `EFS`."),
			"resource_name":   computedString("Name of the backed-up resource."),
			"status":          computedString("`COMPLETED`, or `PARTIAL` when some items could not be captured consistently (see `status_message`)."),
			"status_message":  computedString("Why the point is partial, if it is."),
			"storage_class":   computedString("`WARM` or `COLD`."),
			"creation_date":   computedString("When the backup started (RFC 3339)."),
			"completion_date": computedString("When the backup completed (RFC 3339)."),
			"backup_size_bytes": schema.Int64Attribute{Computed: true, MarkdownDescription: "Size of the data backed up.",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
			"encryption_key_arn": computedString("Key that encrypts the point (the vault's)."),
			"calculated_lifecycle": schema.SingleNestedAttribute{
				Computed: true, MarkdownDescription: "The dates the lifecycle works out to.",
				Attributes: map[string]schema.Attribute{
					"move_to_cold_storage_at": schema.StringAttribute{Computed: true, MarkdownDescription: "When the point moves to cold storage (RFC 3339)."},
					"delete_at":               schema.StringAttribute{Computed: true, MarkdownDescription: "When the point is deleted (RFC 3339)."},
				},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Delete: true,
				CreateDescription: "How long to wait for the backup job (default 60m). When it passes the job is stopped.",
				DeleteDescription: "How long to wait for the point to be gone (default 10m)."}),
		},
	}
}

func (r *recoveryPointResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (r *recoveryPointResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cold, del types.Int64
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("cold_storage_after"), &cold)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("delete_after"), &del)...)
	validateLifecycle(cold, del, &resp.Diagnostics)
}

func (r *recoveryPointResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	refuseDroppingUnmodelled(ctx, req, resp, "tags", "tags_all", "timeouts")
	planTagsAll(ctx, r.c, req, resp)
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	// A lifecycle change updates CalculatedLifecycle; otherwise it stays as it is.
	var plan, state recoveryPointResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.ColdStorageAfter.Equal(state.ColdStorageAfter) && plan.DeleteAfter.Equal(state.DeleteAfter) {
		calc := state.CalculatedLifecycle
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("calculated_lifecycle"), calc)...)
	}
}

func (r *recoveryPointResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan recoveryPointResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultBackupTimeout)
	resp.Diagnostics.Append(d...)
	lc := lifecycleToAPI(plan.ColdStorageAfter, plan.DeleteAfter)
	tags, d := mapFromTF(ctx, plan.TagsAll)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	vault := plan.VaultName.ValueString()
	role, ok := backupRole(ctx, r.c.Backup, vault, plan.IAMRoleARN.ValueString(), &resp.Diagnostics)
	if !ok {
		return
	}
	out := startAndWaitBackup(ctx, r.c.Backup, &backup.StartBackupJobInput{
		BackupVaultName: aws.String(vault), ResourceArn: aws.String(plan.ResourceARN.ValueString()), IamRoleArn: aws.String(role),
		Lifecycle: lc, RecoveryPointTags: tags, IdempotencyToken: aws.String(uuid.NewString()),
	}, timeout, &resp.Diagnostics)
	if out == nil {
		return
	}
	plan.ID = types.StringValue(aws.ToString(out.RecoveryPointArn))
	plan.BackupJobID = types.StringValue(aws.ToString(out.BackupJobId))
	plan.IAMRoleARN = types.StringValue(role)
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, &plan, &resp.Diagnostics), "Recovery point missing after the backup",
		fmt.Sprintf("Backup job %s completed, but its recovery point %s cannot be found in vault %s: it was deleted meanwhile.", aws.ToString(out.BackupJobId), plan.ID.ValueString(), vault)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// startAndWaitBackup starts a backup job and waits for it, logging progress. It returns nil, with
// diagnostics, if the job did not complete; a job still running at the timeout is stopped.
func startAndWaitBackup(ctx context.Context, c *backup.Client, in *backup.StartBackupJobInput, timeout time.Duration, diags *diag.Diagnostics) *backup.DescribeBackupJobOutput {
	source, vault := aws.ToString(in.ResourceArn), aws.ToString(in.BackupVaultName)
	id, out, completed := startAndWait(ctx, c, backupJobs, jobRun[*backup.DescribeBackupJobOutput]{
		starting: fmt.Sprintf("starting a backup of %s into vault %q", source, vault),
		start: func(ctx context.Context) (string, error) {
			started, err := c.StartBackupJob(ctx, in)
			if err != nil {
				return "", err
			}
			id := aws.ToString(started.BackupJobId)
			tflog.Info(ctx, fmt.Sprintf("backup job %s started: %s into vault %s", id, source, vault),
				map[string]any{"backup_job_id": id, "resource_arn": source, "vault": vault})
			return id, nil
		},
		wait: true, timeout: timeout,
		progress: func(id string, j *backup.DescribeBackupJobOutput) string {
			return fmt.Sprintf("backup job %s: %s, %s%% done, %d bytes stored so far", id, j.State, aws.ToString(j.PercentDone), aws.ToInt64(j.BytesTransferred))
		},
		report: func(id, line string) { tflog.Info(ctx, line, map[string]any{"backup_job_id": id}) },
		failedDetail: func(statusMessage string) string {
			return fmt.Sprintf("The backup of %s into vault %q did not produce a recovery point: %s", source, vault, statusMessage)
		},
		timedOut: func(ctx context.Context, id string) string {
			_, stopErr := c.StopBackupJob(context.WithoutCancel(ctx), &backup.StopBackupJobInput{BackupJobId: aws.String(id)})
			if stopErr != nil {
				return fmt.Sprintf("Backup job %s did not complete within %s, and stopping it failed (%v): it may still create a recovery point. Raise timeouts.create.", id, timeout, stopErr)
			}
			return fmt.Sprintf("Backup job %s did not complete within %s, so it was stopped. Raise timeouts.create and apply again.", id, timeout)
		},
	}, diags)
	if !completed {
		return nil
	}
	if out.State == backuptypes.BackupJobStatePartial {
		diags.AddWarning("The backup is partial",
			fmt.Sprintf("Backup job %s completed, but some items were not captured consistently: %s", id, aws.ToString(out.StatusMessage)))
	}
	tflog.Info(ctx, fmt.Sprintf("backup job %s completed: recovery point %s (%d bytes of data; %d bytes newly stored in the vault)", id, aws.ToString(out.RecoveryPointArn),
		aws.ToInt64(out.BackupSizeInBytes), aws.ToInt64(out.BytesTransferred)), map[string]any{"backup_job_id": id, "recovery_point_arn": aws.ToString(out.RecoveryPointArn)})
	return out
}

// backupRole is the IAM role a backup into vault runs as: role, else the default service role
// of the vault's account. It returns false, with diagnostics, when the vault cannot be read.
func backupRole(ctx context.Context, c *backup.Client, vault, role string, diags *diag.Diagnostics) (string, bool) {
	if role != "" {
		return role, true
	}
	v, err := awsbackup.FindVaultByName(ctx, c, vault)
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading backup vault %q", vault), err)
		return "", false
	}
	return awsbackup.DefaultIAMRoleARN(accountOfARN(aws.ToString(v.BackupVaultArn))), true
}

// accountOfARN returns the account field of an ARN.
func accountOfARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

// read refreshes m from the API; false, without a diagnostic, when the point is gone.
func (r *recoveryPointResource) read(ctx context.Context, m *recoveryPointResourceModel, diags *diag.Diagnostics) bool {
	arn := m.ID.ValueString()
	out, err := awsbackup.FindRecoveryPoint(ctx, r.c.Backup, m.VaultName.ValueString(), arn)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading recovery point %s", arn), err)
		return false
	}
	remote, err := awsbackup.ListTags(ctx, r.c.Backup, arn)
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("listing tags of recovery point %s", arn), err)
		return false
	}
	v := pointValuesFrom(out)
	m.ARN = types.StringValue(aws.ToString(out.RecoveryPointArn))
	m.VaultName = types.StringValue(aws.ToString(out.BackupVaultName))
	m.ResourceARN, m.ResourceType, m.ResourceName = v.ResourceARN, v.ResourceType, v.ResourceName
	m.Status, m.StatusMessage, m.StorageClass = v.Status, v.StatusMessage, v.StorageClass
	m.CreationDate, m.CompletionDate, m.EncryptionKeyARN = v.CreationDate, v.CompletionDate, v.EncryptionKeyARN
	m.BackupSizeBytes, m.CalculatedLifecycle = v.BackupSizeBytes, v.CalculatedLifecycle
	m.ColdStorageAfter, m.DeleteAfter = v.ColdStorageAfter, v.DeleteAfter
	if !v.IAMRoleARN.IsNull() && v.IAMRoleARN.ValueString() != "" {
		m.IAMRoleARN = v.IAMRoleARN
	}
	if m.BackupJobID.IsNull() || m.BackupJobID.IsUnknown() {
		m.BackupJobID = types.StringValue("")
	}
	m.Tags, m.TagsAll = tagsFromRemote(remote, r.c.DefaultTags, m.Tags)
	return true
}

func (r *recoveryPointResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state recoveryPointResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	if !r.read(ctx, &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			tflog.Warn(ctx, "recovery point not found, removing from state", map[string]any{"arn": state.ID.ValueString()})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	noteUnmodelled(ctx, answers, fmt.Sprintf("backup_recovery_point %s", state.ID.ValueString()), resp.Private, &resp.Diagnostics, "DescribeRecoveryPoint")
}

func (r *recoveryPointResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state recoveryPointResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	arn := state.ID.ValueString()
	if !plan.ColdStorageAfter.Equal(state.ColdStorageAfter) || !plan.DeleteAfter.Equal(state.DeleteAfter) {
		lc := lifecycleToAPI(plan.ColdStorageAfter, plan.DeleteAfter)
		_, err := r.c.Backup.UpdateRecoveryPointLifecycle(ctx, &backup.UpdateRecoveryPointLifecycleInput{
			BackupVaultName: aws.String(state.VaultName.ValueString()), RecoveryPointArn: aws.String(arn), Lifecycle: lc})
		if err != nil {
			addStateAPIError(&resp.Diagnostics, fmt.Sprintf("updating the lifecycle of recovery point %s", arn), err)
			return
		}
	}
	if !applyTagsAll(ctx, r.c, arn, fmt.Sprintf("recovery point %s", arn), state.TagsAll, plan.TagsAll, &resp.Diagnostics) {
		return
	}
	plan.ID, plan.BackupJobID = state.ID, state.BackupJobID
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, &plan, &resp.Diagnostics), "Recovery point disappeared", fmt.Sprintf("Recovery point %s was deleted outside Terraform during the update.", arn)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *recoveryPointResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state recoveryPointResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(d...)
	if d.HasError() {
		return
	}
	arn, vault := state.ID.ValueString(), state.VaultName.ValueString()
	_, err := r.c.Backup.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String(vault), RecoveryPointArn: aws.String(arn)})
	if isNotFound(err) {
		return
	}
	if err != nil {
		addStateAPIError(&resp.Diagnostics, fmt.Sprintf("deleting recovery point %s", arn), err)
		if awsbackup.ErrorCode(err) == "InvalidRequestException" {
			resp.Diagnostics.AddWarning("The vault protects this recovery point",
				"A vault lock or legal hold keeps the point until its retention ends. To stop managing it without deleting it, run `terraform state rm` on this resource.")
		}
		return
	}
	// AWS deletes some points asynchronously (status DELETING): wait until it is gone.
	w := awsbackup.Waiter[*backup.DescribeRecoveryPointOutput]{
		Pending: enumStrings(backuptypes.RecoveryPointStatusDeleting, backuptypes.RecoveryPointStatusCompleted,
			backuptypes.RecoveryPointStatusPartial, backuptypes.RecoveryPointStatusExpired), Target: []string{"gone"}, Timeout: timeout,
		Refresh: func(ctx context.Context) (*backup.DescribeRecoveryPointOutput, string, error) {
			out, err := awsbackup.FindRecoveryPoint(ctx, r.c.Backup, vault, arn)
			if awsbackup.IsNotFound(err) {
				return nil, "gone", nil
			}
			if err != nil {
				return nil, "", err
			}
			return out, string(out.Status), nil
		},
	}
	if _, err := w.Wait(ctx); err != nil {
		addStateAPIError(&resp.Diagnostics, fmt.Sprintf("waiting for recovery point %s to be deleted", arn), err)
	}
}

// ImportState accepts VAULT_NAME|RECOVERY_POINT_ARN, or the ARN alone (every vault is searched).
func (r *recoveryPointResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	vault, arn, found := strings.Cut(req.ID, "|")
	if !found {
		arn = req.ID
		out, err := awsbackup.FindRecoveryPointByARN(ctx, r.c.Backup, arn)
		if err != nil {
			resp.Diagnostics.AddError("Cannot import recovery point",
				fmt.Sprintf("%s: import with the recovery point's ARN, or VAULT_NAME|RECOVERY_POINT_ARN.", errorDetail(err, hints)))
			return
		}
		vault = aws.ToString(out.BackupVaultName)
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), arn)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("vault_name"), vault)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("triggers"), types.MapNull(types.StringType))...)
}
