package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

const defaultRestoreTimeout = 60 * time.Minute

var (
	_ resource.ResourceWithModifyPlan  = (*restoreJobResource)(nil)
	_ resource.ResourceWithConfigure   = (*restoreJobResource)(nil)
	_ resource.ResourceWithImportState = (*restoreJobResource)(nil)
)

// NewRestoreJobResource returns the backup_restore_job resource.
func NewRestoreJobResource() resource.Resource { return &restoreJobResource{} }

type restoreJobResource struct{ c *clients }

type restoreJobModel struct {
	ID                 types.String   `tfsdk:"id"`
	RecoveryPointARN   types.String   `tfsdk:"recovery_point_arn"`
	Metadata           types.Map      `tfsdk:"metadata"`
	IAMRoleARN         types.String   `tfsdk:"iam_role_arn"`
	ResourceType       types.String   `tfsdk:"resource_type"`
	CopySourceTags     types.Bool     `tfsdk:"copy_source_tags_to_restored_resource"`
	Status             types.String   `tfsdk:"status"`
	StatusMessage      types.String   `tfsdk:"status_message"`
	CreatedResourceARN types.String   `tfsdk:"created_resource_arn"`
	DestinationPath    types.String   `tfsdk:"destination_path"`
	EffectiveMetadata  types.Map      `tfsdk:"effective_metadata"`
	SourceResourceARN  types.String   `tfsdk:"source_resource_arn"`
	CreationDate       types.String   `tfsdk:"creation_date"`
	CompletionDate     types.String   `tfsdk:"completion_date"`
	BackupSizeBytes    types.Int64    `tfsdk:"backup_size_bytes"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
}

func (r *restoreJobResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_restore_job"
}

func (r *restoreJobResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "An on-demand restore: creating it runs a restore job of `recovery_point_arn` and waits for it to " +
			"complete (see `timeouts`). For EFS, `metadata` takes the keys of the point's `restore_metadata` (the " +
			"`backup_recovery_point` data source) plus `destination-path`: with `newFileSystem = \"true\"` the tree goes to that " +
			"directory, which must not exist or be empty, and becomes a new protected resource (`created_resource_arn`); with " +
			"`newFileSystem = \"false\"` and `ItemsToRestore` (a JSON list of paths) the items go into an existing directory " +
			"of the original file system, and a file already there fails the restore instead of being overwritten. For S3, " +
			"`DestinationBucketName` with `NewBucket = \"true\"` creates a new bucket (a new protected resource), without it the " +
			"restore goes into an existing bucket and skips the objects it has, never replacing one; `ItemsToRestore` takes up " +
			"to five `s3://BUCKET/KEY` URIs or prefixes ending in `/`. " +
			"Every argument change runs a new restore. Destroying the resource forgets the job; the restored data stays.",
		Attributes: map[string]schema.Attribute{
			"id": computedString("The restore job's ID."),
			"recovery_point_arn": schema.StringAttribute{
				Required: true, MarkdownDescription: "ARN of the recovery point to restore.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"metadata": schema.MapAttribute{
				Required: true, ElementType: types.StringType,
				MarkdownDescription: "Restore metadata, e.g. `{ newFileSystem = \"true\", \"destination-path\" = \"/srv/restored\" }`.",
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"iam_role_arn": schema.StringAttribute{
				Optional: true, MarkdownDescription: "IAM role the restore runs as.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"resource_type": schema.StringAttribute{
				Optional: true, Computed: true, MarkdownDescription: "Type of the resource restored, e.g. `EFS`; must match the point's.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
			},
			"copy_source_tags_to_restored_resource": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Give the restored resource the source resource's tags. Defaults to `false`.",
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			},
			"status":               computedString("`COMPLETED` once applied."),
			"status_message":       computedString("The job's status message."),
			"created_resource_arn": computedString("ARN of the resource the data was restored to: the new one, or the existing file system restored into."),
			"destination_path":     computedString("Where the data went: the directory the restore wrote."),
			"effective_metadata": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The metadata the job ran with, defaults filled in (`GetRestoreJobMetadata`).",
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.UseStateForUnknown()},
			},
			"source_resource_arn": computedString("ARN of the resource the recovery point was taken of."),
			"creation_date":       computedString("When the job was created (RFC 3339)."),
			"completion_date":     computedString("When the job completed (RFC 3339)."),
			"backup_size_bytes": schema.Int64Attribute{Computed: true, MarkdownDescription: "Size of the recovery point restored.",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, CreateDescription: "How long to wait for the restore job (default 60m)."}),
		},
	}
}

func (r *restoreJobResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (r *restoreJobResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan restoreJobModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultRestoreTimeout)
	resp.Diagnostics.Append(d...)
	meta, d := mapFromTF(ctx, plan.Metadata)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := &backup.StartRestoreJobInput{
		RecoveryPointArn: aws.String(plan.RecoveryPointARN.ValueString()), Metadata: meta, IdempotencyToken: aws.String(uuid.NewString()),
		CopySourceTagsToRestoredResource: plan.CopySourceTags.ValueBool(),
	}
	if v := plan.IAMRoleARN.ValueString(); v != "" {
		in.IamRoleArn = aws.String(v)
	}
	if v := plan.ResourceType.ValueString(); v != "" {
		in.ResourceType = aws.String(v)
	}
	out := startAndWaitRestore(ctx, r.c.Backup, in, timeout, &resp.Diagnostics)
	if out == nil {
		return
	}
	plan.ID = types.StringValue(aws.ToString(out.RestoreJobId))
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, &plan, &resp.Diagnostics), "Restore job missing", fmt.Sprintf("Restore job %s completed but cannot be described any more.", plan.ID.ValueString())) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// startAndWaitRestore starts a restore job and waits for it, logging progress; nil, with
// diagnostics, if it did not complete.
func startAndWaitRestore(ctx context.Context, c *backup.Client, in *backup.StartRestoreJobInput, timeout time.Duration, diags *diag.Diagnostics) *backup.DescribeRestoreJobOutput {
	point := aws.ToString(in.RecoveryPointArn)
	id, out, completed := startAndWait(ctx, c, restoreJobs, jobRun[*backup.DescribeRestoreJobOutput]{
		starting: fmt.Sprintf("starting a restore of %s", point),
		start: func(ctx context.Context) (string, error) {
			started, err := c.StartRestoreJob(ctx, in)
			if err != nil {
				return "", err
			}
			id := aws.ToString(started.RestoreJobId)
			tflog.Info(ctx, fmt.Sprintf("restore job %s started: %s", id, point), map[string]any{"restore_job_id": id, "recovery_point_arn": point})
			return id, nil
		},
		wait: true, timeout: timeout, follow: "Raise timeouts.create, or follow it with",
		progress: func(id string, j *backup.DescribeRestoreJobOutput) string {
			return fmt.Sprintf("restore job %s: %s, %s%% done", id, j.Status, aws.ToString(j.PercentDone))
		},
		report: func(id, line string) { tflog.Info(ctx, line, map[string]any{"restore_job_id": id}) },
		failedDetail: func(statusMessage string) string {
			return fmt.Sprintf("The restore of %s did not complete: %s", point, statusMessage)
		},
	}, diags)
	if !completed {
		return nil
	}
	tflog.Info(ctx, fmt.Sprintf("restore job %s completed: restored to %s", id, aws.ToString(out.CreatedResourceArn)),
		map[string]any{"restore_job_id": id, "created_resource_arn": aws.ToString(out.CreatedResourceArn)})
	return out
}

// read refreshes m; false, without a diagnostic, when the job is unknown to the API.
func (r *restoreJobResource) read(ctx context.Context, m *restoreJobModel, diags *diag.Diagnostics) bool {
	id := m.ID.ValueString()
	out, err := awsbackup.FindRestoreJob(ctx, r.c.Backup, id)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading restore job %s", id), err)
		return false
	}
	meta, err := r.c.Backup.GetRestoreJobMetadata(ctx, &backup.GetRestoreJobMetadataInput{RestoreJobId: aws.String(id)})
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading the metadata of restore job %s", id), err)
		return false
	}
	m.RecoveryPointARN = types.StringValue(aws.ToString(out.RecoveryPointArn))
	m.ResourceType = types.StringValue(aws.ToString(out.ResourceType))
	m.Status = types.StringValue(string(out.Status))
	m.StatusMessage = types.StringValue(aws.ToString(out.StatusMessage))
	m.CreatedResourceARN = types.StringValue(aws.ToString(out.CreatedResourceArn))
	m.SourceResourceARN = types.StringValue(aws.ToString(out.SourceResourceArn))
	m.CreationDate = rfc(aws.ToTime(out.CreationDate))
	m.CompletionDate = rfc(aws.ToTime(out.CompletionDate))
	m.BackupSizeBytes = types.Int64Value(aws.ToInt64(out.BackupSizeInBytes))
	m.EffectiveMetadata = mapToTF(meta.Metadata)
	m.DestinationPath = types.StringValue(meta.Metadata["destination-path"])
	// metadata is what was configured; only an import, which has none, takes the job's.
	if m.Metadata.IsNull() || m.Metadata.IsUnknown() {
		m.Metadata = mapToTF(meta.Metadata)
	}
	if m.IAMRoleARN.IsUnknown() || (m.IAMRoleARN.IsNull() && aws.ToString(out.IamRoleArn) != "") {
		m.IAMRoleARN = types.StringPointerValue(out.IamRoleArn)
	}
	if m.CopySourceTags.IsNull() || m.CopySourceTags.IsUnknown() {
		m.CopySourceTags = types.BoolValue(false)
	}
	return true
}

func (r *restoreJobResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state restoreJobModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	if !r.read(ctx, &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			tflog.Warn(ctx, "restore job not found, removing from state", map[string]any{"id": state.ID.ValueString()})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	noteUnmodelled(ctx, answers, fmt.Sprintf("backup_restore_job %s", state.ID.ValueString()), resp.Private, &resp.Diagnostics, "DescribeRestoreJob", "GetRestoreJobMetadata")
}

// Update only changes timeouts: every argument of a restore replaces it.
func (r *restoreJobResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state restoreJobModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	state.Timeouts = plan.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// Delete forgets the job: restore jobs cannot be deleted, and the restored data is the user's.
func (r *restoreJobResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state restoreJobModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	tflog.Info(ctx, "restore job removed from state; the restored data stays", map[string]any{
		"id": state.ID.ValueString(), "destination_path": state.DestinationPath.ValueString()})
}

func (r *restoreJobResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

// ModifyPlan refuses a change that would drop members of the object the provider does not model.
func (r *restoreJobResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	refuseDroppingUnmodelled(ctx, req, resp, "tags", "tags_all", "timeouts")
}
