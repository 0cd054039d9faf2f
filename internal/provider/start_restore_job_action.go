package provider

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ action.ActionWithConfigure = (*startRestoreJobAction)(nil)

// NewStartRestoreJobAction returns the backup_start_restore_job action.
func NewStartRestoreJobAction() action.Action { return &startRestoreJobAction{} }

type startRestoreJobAction struct{ c *clients }

type startRestoreJobModel struct {
	RecoveryPointARN  types.String `tfsdk:"recovery_point_arn"`
	Metadata          types.Map    `tfsdk:"metadata"`
	IAMRoleARN        types.String `tfsdk:"iam_role_arn"`
	ResourceType      types.String `tfsdk:"resource_type"`
	CopySourceTags    types.Bool   `tfsdk:"copy_source_tags_to_restored_resource"`
	WaitForCompletion types.Bool   `tfsdk:"wait_for_completion"`
	Timeout           types.String `tfsdk:"timeout"`
}

func (a *startRestoreJobAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_start_restore_job"
}

func (a *startRestoreJobAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"recovery_point_arn": schema.StringAttribute{Required: true, MarkdownDescription: "ARN of the recovery point to restore."},
		"metadata": schema.MapAttribute{
			Required: true, ElementType: types.StringType,
			MarkdownDescription: "Restore metadata, as for `backup_restore_job`; for EFS e.g. `{ newFileSystem = \"true\", \"destination-path\" = \"/srv/restored\" }`.",
		},
		"iam_role_arn":  schema.StringAttribute{Optional: true, MarkdownDescription: "IAM role the restore runs as."},
		"resource_type": schema.StringAttribute{Optional: true, MarkdownDescription: "Type of the resource restored; must match the point's."},
		"copy_source_tags_to_restored_resource": schema.BoolAttribute{
			Optional: true, MarkdownDescription: "Give the restored resource the source resource's tags.",
		},
	}
	for k, v := range waitAttributes() {
		attrs[k] = v
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Starts a restore job (`aws backup start-restore-job`), and by default waits for it, reporting " +
			"progress and, at the end, where the data went. Needs Terraform 1.14 or later.",
		Attributes: attrs,
	}
}

func (a *startRestoreJobAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (a *startRestoreJobAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m startRestoreJobModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	wait, timeout := waitSettings(a.c, m.WaitForCompletion, m.Timeout, &resp.Diagnostics)
	meta, d := mapFromTF(ctx, m.Metadata)
	resp.Diagnostics.Append(d...)
	if d.HasError() {
		return
	}
	arn := m.RecoveryPointARN.ValueString()
	in := &backup.StartRestoreJobInput{RecoveryPointArn: aws.String(arn), Metadata: meta, IdempotencyToken: aws.String(uuid.NewString()),
		CopySourceTagsToRestoredResource: m.CopySourceTags.ValueBool()}
	if v := m.IAMRoleARN.ValueString(); v != "" {
		in.IamRoleArn = aws.String(v)
	}
	if v := m.ResourceType.ValueString(); v != "" {
		in.ResourceType = aws.String(v)
	}
	id, out, completed := startAndWait(ctx, a.c.Backup, restoreJobs, jobRun[*backup.DescribeRestoreJobOutput]{
		starting: fmt.Sprintf("starting a restore of %s", arn),
		start: func(ctx context.Context) (string, error) {
			started, err := a.c.Backup.StartRestoreJob(ctx, in)
			if err != nil {
				return "", err
			}
			id := aws.ToString(started.RestoreJobId)
			resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Started restore job %s of %s", id, arn)})
			return id, nil
		},
		wait: wait, timeout: timeout, report: invokeProgress(resp), follow: "Follow it with",
		progress: func(id string, j *backup.DescribeRestoreJobOutput) string {
			return fmt.Sprintf("Restore job %s: %s, %s%% done", id, j.Status, aws.ToString(j.PercentDone))
		},
	}, &resp.Diagnostics)
	if !completed {
		return
	}
	where := ""
	if md, err := a.c.Backup.GetRestoreJobMetadata(ctx, &backup.GetRestoreJobMetadataInput{RestoreJobId: aws.String(id)}); err == nil {
		if p := md.Metadata["destination-path"]; p != "" {
			where = " into " + p
		}
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Restore job %s %s%s: %s", id, out.Status, where, aws.ToString(out.CreatedResourceArn))})
}
