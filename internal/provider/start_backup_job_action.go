package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ action.ActionWithConfigure      = (*startBackupJobAction)(nil)
	_ action.ActionWithValidateConfig = (*startBackupJobAction)(nil)
)

// NewStartBackupJobAction returns the backup_start_backup_job action.
func NewStartBackupJobAction() action.Action { return &startBackupJobAction{} }

type startBackupJobAction struct{ c *clients }

type startBackupJobModel struct {
	VaultName         types.String `tfsdk:"vault_name"`
	ResourceARN       types.String `tfsdk:"resource_arn"`
	IAMRoleARN        types.String `tfsdk:"iam_role_arn"`
	ColdStorageAfter  types.Int64  `tfsdk:"cold_storage_after"`
	DeleteAfter       types.Int64  `tfsdk:"delete_after"`
	RecoveryPointTags types.Map    `tfsdk:"recovery_point_tags"`
	WaitForCompletion types.Bool   `tfsdk:"wait_for_completion"`
	Timeout           types.String `tfsdk:"timeout"`
}

func (a *startBackupJobAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_start_backup_job"
}

// duration validates Go duration strings such as "30m".
type duration struct{}

func (duration) Description(context.Context) string { return "must be a duration such as 30m or 2h" }
func (v duration) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (duration) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d, err := time.ParseDuration(req.ConfigValue.ValueString()); err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q is not a positive duration such as 30m or 2h.", req.ConfigValue.ValueString()))
	}
}

func waitAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"wait_for_completion": schema.BoolAttribute{
			Optional: true,
			MarkdownDescription: "Wait for the job to finish and fail the action if it does not complete (default `true`). " +
				"The embedded engine runs jobs inside the provider process, so with it the action always waits.",
		},
		"timeout": schema.StringAttribute{
			Optional: true, Validators: []validator.String{duration{}},
			MarkdownDescription: "How long to wait, e.g. `30m` (default `60m`).",
		},
	}
}

func (a *startBackupJobAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"vault_name": schema.StringAttribute{
			Required: true, MarkdownDescription: "Vault to store the backup in.",
			Validators: []validator.String{stringvalidator.RegexMatches(vaultNamePattern, vaultNameRule)},
		},
		"resource_arn": schema.StringAttribute{Required: true, MarkdownDescription: "ARN of the resource to back up."},
		"iam_role_arn": schema.StringAttribute{Optional: true, MarkdownDescription: "IAM role the backup runs as; defaults to the account's `service-role/AWSBackupDefaultServiceRole`."},
		"cold_storage_after": schema.Int64Attribute{
			Optional: true, Validators: []validator.Int64{int64validator.AtLeast(1)},
			MarkdownDescription: "Days after creation when the recovery point moves to cold storage.",
		},
		"delete_after": schema.Int64Attribute{
			Optional: true, Validators: []validator.Int64{int64validator.AtLeast(1)},
			MarkdownDescription: "Days after creation when the recovery point is deleted (at least `cold_storage_after` + 90).",
		},
		"recovery_point_tags": schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Tags for the recovery point."},
	}
	for k, v := range waitAttributes() {
		attrs[k] = v
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Starts an on-demand backup job (`aws backup start-backup-job`), and by default waits for it, " +
			"reporting progress. Unlike `backup_recovery_point`, the recovery point it makes is not managed by Terraform. " +
			"Needs Terraform 1.14 or later.",
		Attributes: attrs,
	}
}

func (a *startBackupJobAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (a *startBackupJobAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var m startBackupJobModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateLifecycle(m.ColdStorageAfter, m.DeleteAfter, &resp.Diagnostics)
}

// invokeProgress reports an action's progress lines to Terraform.
func invokeProgress(resp *action.InvokeResponse) func(id, line string) {
	return func(_, line string) { resp.SendProgress(action.InvokeProgressEvent{Message: line}) }
}

// waitSettings reads wait_for_completion and timeout; the embedded engine always waits.
func waitSettings(c *clients, wait types.Bool, timeout types.String, diags *diag.Diagnostics) (bool, time.Duration) {
	d := defaultBackupTimeout
	if v := timeout.ValueString(); v != "" {
		d, _ = time.ParseDuration(v) // validated
	}
	w := wait.IsNull() || wait.ValueBool()
	if !w && c.Mode == modeEmbedded {
		diags.AddWarning("Waiting for the job anyway",
			"The embedded engine runs jobs inside the provider process, which exits when Terraform is done, so the action waits for the job even though wait_for_completion is false. "+
				"Use an engine daemon (endpoint) to start jobs without waiting.")
		w = true
	}
	return w, d
}

func (a *startBackupJobAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m startBackupJobModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	wait, timeout := waitSettings(a.c, m.WaitForCompletion, m.Timeout, &resp.Diagnostics)
	tags, d := mapFromTF(ctx, m.RecoveryPointTags)
	resp.Diagnostics.Append(d...)
	if d.HasError() {
		return
	}
	vault := m.VaultName.ValueString()
	role, ok := backupRole(ctx, a.c.Backup, vault, m.IAMRoleARN.ValueString(), &resp.Diagnostics)
	if !ok {
		return
	}
	in := &backup.StartBackupJobInput{BackupVaultName: aws.String(vault), ResourceArn: aws.String(m.ResourceARN.ValueString()),
		IamRoleArn: aws.String(role), RecoveryPointTags: tags, IdempotencyToken: aws.String(uuid.NewString())}
	in.Lifecycle = lifecycleToAPI(m.ColdStorageAfter, m.DeleteAfter)
	id, out, completed := startAndWait(ctx, a.c.Backup, backupJobs, jobRun[*backup.DescribeBackupJobOutput]{
		starting: fmt.Sprintf("starting a backup of %s into vault %q", m.ResourceARN.ValueString(), vault),
		start: func(ctx context.Context) (string, error) {
			started, err := a.c.Backup.StartBackupJob(ctx, in)
			if err != nil {
				return "", err
			}
			id := aws.ToString(started.BackupJobId)
			resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Started backup job %s of %s into vault %s; its recovery point will be %s",
				id, m.ResourceARN.ValueString(), vault, aws.ToString(started.RecoveryPointArn))})
			return id, nil
		},
		wait: wait, timeout: timeout, report: invokeProgress(resp),
		progress: func(id string, j *backup.DescribeBackupJobOutput) string {
			return fmt.Sprintf("Backup job %s: %s, %s%% done, %d bytes transferred", id, j.State, aws.ToString(j.PercentDone), aws.ToInt64(j.BytesTransferred))
		},
		follow: "Raise timeout, or follow it with",
	}, &resp.Diagnostics)
	if !completed {
		return
	}
	if out.State == backuptypes.BackupJobStatePartial {
		resp.Diagnostics.AddWarning("The backup is partial", aws.ToString(out.StatusMessage))
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Backup job %s %s: recovery point %s (%d bytes)",
		id, out.State, aws.ToString(out.RecoveryPointArn), aws.ToInt64(out.BackupSizeInBytes))})
}
