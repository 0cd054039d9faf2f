package provider

import (
	"context"
	"fmt"
	"regexp"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/names"
)

var (
	_ action.ActionWithConfigure      = (*startCopyJobAction)(nil)
	_ action.ActionWithValidateConfig = (*startCopyJobAction)(nil)
)

// vaultARNPattern is a backup vault ARN, in any region and account. Compiled on first use, as
// frameworkNamePattern.
var vaultARNPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^arn:aws[a-z-]*:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:` + names.VaultNameExpr + `$`)
})

// NewStartCopyJobAction returns the backup_start_copy_job action.
func NewStartCopyJobAction() action.Action { return &startCopyJobAction{} }

type startCopyJobAction struct{ c *clients }

type startCopyJobModel struct {
	SourceVaultName     types.String `tfsdk:"source_vault_name"`
	RecoveryPointARN    types.String `tfsdk:"recovery_point_arn"`
	DestinationVaultARN types.String `tfsdk:"destination_vault_arn"`
	IAMRoleARN          types.String `tfsdk:"iam_role_arn"`
	ColdStorageAfter    types.Int64  `tfsdk:"cold_storage_after"`
	DeleteAfter         types.Int64  `tfsdk:"delete_after"`
	WaitForCompletion   types.Bool   `tfsdk:"wait_for_completion"`
	Timeout             types.String `tfsdk:"timeout"`
}

func (a *startCopyJobAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_start_copy_job"
}

func (a *startCopyJobAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"source_vault_name": schema.StringAttribute{
			Required: true, MarkdownDescription: "Vault holding the recovery point to copy.",
			Validators: []validator.String{stringvalidator.RegexMatches(vaultNamePattern, vaultNameRule)},
		},
		"recovery_point_arn": schema.StringAttribute{Required: true, MarkdownDescription: "ARN of the recovery point to copy."},
		"destination_vault_arn": schema.StringAttribute{
			Required: true,
			MarkdownDescription: "ARN of the vault to copy into: another vault, another region's, or another account's " +
				"(whose access policy must allow `backup:CopyIntoBackupVault` to this account).",
			Validators: []validator.String{stringvalidator.RegexMatches(vaultARNPattern(),
				"must be a backup vault ARN such as arn:aws:backup:eu-west-1:123456789012:backup-vault:dr-vault (a backup_vault's arn)")},
		},
		"iam_role_arn": schema.StringAttribute{Optional: true, MarkdownDescription: "IAM role the copy runs as; defaults to the account's `service-role/AWSBackupDefaultServiceRole`."},
		"cold_storage_after": schema.Int64Attribute{
			Optional: true, Validators: []validator.Int64{int64validator.AtLeast(1)},
			MarkdownDescription: "Days after the source point's creation when the copy moves to cold storage.",
		},
		"delete_after": schema.Int64Attribute{
			Optional: true, Validators: []validator.Int64{int64validator.AtLeast(1)},
			MarkdownDescription: "Days after the source point's creation when the copy is deleted (at least `cold_storage_after` + 90). " +
				"Without a lifecycle the copy keeps the source point's.",
		},
	}
	for k, v := range waitAttributes() {
		attrs[k] = v
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Starts a copy job (`aws backup start-copy-job`) that copies a recovery point into another vault, region " +
			"or account, and by default waits for it, reporting progress and, at the end, the copy's ARN. Needs Terraform 1.14 or later.",
		Attributes: attrs,
	}
}

func (a *startCopyJobAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (a *startCopyJobAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var m startCopyJobModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateLifecycle(m.ColdStorageAfter, m.DeleteAfter, &resp.Diagnostics)
}

func (a *startCopyJobAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m startCopyJobModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.RecoveryPointARN.ValueString() == "" {
		// Checked here, not at plan time: a configuration that picks the newest point of a vault
		// that is still empty must plan cleanly, and fails only if the action runs.
		resp.Diagnostics.AddAttributeError(path.Root("recovery_point_arn"), "No recovery point to copy",
			"recovery_point_arn is null: the source vault holds no recovery point yet (an expression such as "+
				"try(arns[length(arns) - 1], null) is null while it is empty). Back something up into it first.")
		return
	}
	wait, timeout := waitSettings(a.c, m.WaitForCompletion, m.Timeout, &resp.Diagnostics)
	source, point, dest := m.SourceVaultName.ValueString(), m.RecoveryPointARN.ValueString(), m.DestinationVaultARN.ValueString()
	role := m.IAMRoleARN.ValueString()
	if role == "" {
		role = awsbackup.DefaultIAMRoleARN(accountOfARN(point))
	}
	in := &backup.StartCopyJobInput{SourceBackupVaultName: aws.String(source), RecoveryPointArn: aws.String(point),
		DestinationBackupVaultArn: aws.String(dest), IamRoleArn: aws.String(role), IdempotencyToken: aws.String(uuid.NewString()),
		Lifecycle: lifecycleToAPI(m.ColdStorageAfter, m.DeleteAfter)}
	id, out, completed := startAndWait(ctx, a.c.Backup, copyJobs, jobRun[*backuptypes.CopyJob]{
		starting: fmt.Sprintf("starting a copy of %s into %s", point, dest),
		start: func(ctx context.Context) (string, error) {
			started, err := a.c.Backup.StartCopyJob(ctx, in)
			if err != nil {
				return "", err
			}
			id := aws.ToString(started.CopyJobId)
			resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Started copy job %s of %s into %s", id, point, dest)})
			return id, nil
		},
		wait: wait, timeout: timeout, report: invokeProgress(resp), follow: "Raise timeout, or follow it with",
		progress: func(id string, j *backuptypes.CopyJob) string { return fmt.Sprintf("Copy job %s: %s", id, j.State) },
	}, &resp.Diagnostics)
	if !completed {
		return
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Copy job %s %s: recovery point %s in %s (%d bytes)",
		id, out.State, aws.ToString(out.DestinationRecoveryPointArn), dest, aws.ToInt64(out.BackupSizeInBytes))})
}
