package provider

import (
	"context"
	"strings"
	"time"

	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

// The backup_backup_jobs and backup_restore_jobs data sources: ListBackupJobs and ListRestoreJobs
// with their filters. With a fake engine clock (backup_engine_clock) they are how a test asserts
// what a schedule did.

var (
	_ datasource.DataSourceWithConfigure = (*backupJobsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*restoreJobsDataSource)(nil)
)

// NewBackupJobsDataSource returns the backup_backup_jobs data source.
func NewBackupJobsDataSource() datasource.DataSource { return &backupJobsDataSource{} }

// NewRestoreJobsDataSource returns the backup_restore_jobs data source.
func NewRestoreJobsDataSource() datasource.DataSource { return &restoreJobsDataSource{} }

// parseTime reads an attribute validated by rfc3339; null is the zero time.
func parseTime(v types.String) time.Time {
	t, _ := time.Parse(time.RFC3339, v.ValueString())
	return t
}

func timeFilters(what string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"created_after":   schema.StringAttribute{Optional: true, Validators: []validator.String{rfc3339{}}, MarkdownDescription: "Only " + what + " created after this RFC 3339 time."},
		"created_before":  schema.StringAttribute{Optional: true, Validators: []validator.String{rfc3339{}}, MarkdownDescription: "Only " + what + " created before this RFC 3339 time."},
		"complete_after":  schema.StringAttribute{Optional: true, Validators: []validator.String{rfc3339{}}, MarkdownDescription: "Only " + what + " completed after this RFC 3339 time."},
		"complete_before": schema.StringAttribute{Optional: true, Validators: []validator.String{rfc3339{}}, MarkdownDescription: "Only " + what + " completed before this RFC 3339 time."},
	}
}

type backupJobsDataSource struct{ c *clients }

type backupJobsModel struct {
	ID              types.String `tfsdk:"id"`
	AccountID       types.String `tfsdk:"account_id"`
	VaultName       types.String `tfsdk:"vault_name"`
	ResourceARN     types.String `tfsdk:"resource_arn"`
	ResourceType    types.String `tfsdk:"resource_type"`
	State           types.String `tfsdk:"state"`
	MessageCategory types.String `tfsdk:"message_category"`
	ParentJobID     types.String `tfsdk:"parent_job_id"`
	CreatedAfter    types.String `tfsdk:"created_after"`
	CreatedBefore   types.String `tfsdk:"created_before"`
	CompleteAfter   types.String `tfsdk:"complete_after"`
	CompleteBefore  types.String `tfsdk:"complete_before"`
	IDs             types.List   `tfsdk:"ids"`
	BackupJobs      types.List   `tfsdk:"backup_jobs"`
}

var backupJobItemType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"backup_job_id": types.StringType, "account_id": types.StringType, "state": types.StringType, "status_message": types.StringType,
	"message_category": types.StringType, "percent_done": types.StringType, "resource_arn": types.StringType, "resource_type": types.StringType,
	"resource_name": types.StringType, "vault_name": types.StringType, "vault_arn": types.StringType, "recovery_point_arn": types.StringType,
	"iam_role_arn": types.StringType, "backup_plan_id": types.StringType, "backup_rule_id": types.StringType, "creation_date": types.StringType,
	"completion_date": types.StringType, "start_by": types.StringType, "expected_completion_date": types.StringType,
	"backup_size_bytes": types.Int64Type, "bytes_transferred": types.Int64Type,
}}

func (d *backupJobsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backup_jobs"
}

func (d *backupJobsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	attrs := map[string]schema.Attribute{
		"id":         schema.StringAttribute{Computed: true, MarkdownDescription: "The filters, joined; stable for a given configuration."},
		"account_id": schema.StringAttribute{Optional: true, MarkdownDescription: "Only jobs of this account."},
		"vault_name": schema.StringAttribute{
			Optional: true, MarkdownDescription: "Only jobs into this vault.",
			Validators: []validator.String{stringvalidator.RegexMatches(vaultNamePattern, vaultNameRule)},
		},
		"resource_arn":  schema.StringAttribute{Optional: true, MarkdownDescription: "Only jobs of this resource."},
		"resource_type": schema.StringAttribute{Optional: true, MarkdownDescription: "Only jobs of this resource type, e.g. `EFS`."},
		"state": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Only jobs in this state: `CREATED`, `PENDING`, `RUNNING`, `ABORTING`, `ABORTED`, `COMPLETED`, `FAILED`, `EXPIRED` or `PARTIAL`.",
			Validators: []validator.String{stringvalidator.OneOf(enumStrings(backuptypes.BackupJobStateCreated, backuptypes.BackupJobStatePending,
				backuptypes.BackupJobStateRunning, backuptypes.BackupJobStateAborting, backuptypes.BackupJobStateAborted, backuptypes.BackupJobStateCompleted,
				backuptypes.BackupJobStateFailed, backuptypes.BackupJobStateExpired, backuptypes.BackupJobStatePartial)...)},
		},
		"message_category": schema.StringAttribute{Optional: true, MarkdownDescription: "Only jobs with this message category, e.g. `SUCCESS`; `AGGREGATE_ALL` for every job."},
		"parent_job_id":    schema.StringAttribute{Optional: true, MarkdownDescription: "Only child jobs of this composite job."},
		"ids":              schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "IDs of the jobs, oldest first."},
		"backup_jobs": schema.ListNestedAttribute{
			Computed: true, MarkdownDescription: "The jobs, oldest first.",
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"backup_job_id":            str("ID of the job."),
				"account_id":               str("Account the job ran in."),
				"state":                    str("State of the job."),
				"status_message":           str("Why the job ended as it did, when it did not simply succeed."),
				"message_category":         str("Category of the job's outcome, e.g. `SUCCESS`."),
				"percent_done":             str("Progress, in percent."),
				"resource_arn":             str("ARN of the resource backed up."),
				"resource_type":            str("Type of that resource."),
				"resource_name":            str("Name of that resource."),
				"vault_name":               str("Vault the job writes to."),
				"vault_arn":                str("ARN of that vault."),
				"recovery_point_arn":       str("ARN of the recovery point the job made, once it exists."),
				"iam_role_arn":             str("Role the job ran with."),
				"backup_plan_id":           str("Plan whose rule created the job; empty for an on-demand job."),
				"backup_rule_id":           str("Rule that created the job; empty for an on-demand job."),
				"creation_date":            str("When the job was created (RFC 3339): for a scheduled job, the rule's time."),
				"completion_date":          str("When the job ended (RFC 3339)."),
				"start_by":                 str("When the job's start window ends (RFC 3339)."),
				"expected_completion_date": str("When an unfinished job's completion window ends (RFC 3339)."),
				"backup_size_bytes":        schema.Int64Attribute{Computed: true, MarkdownDescription: "Size of the data backed up."},
				"bytes_transferred":        schema.Int64Attribute{Computed: true, MarkdownDescription: "Bytes the job wrote to the vault."},
			}},
		},
	}
	for k, v := range timeFilters("jobs") {
		attrs[k] = v
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists backup jobs, like `aws backup list-backup-jobs`, with its filters. Every filter is optional. " +
			"With a fake engine clock (`backup_engine_clock`) this is how a test checks what a backup plan did.",
		Attributes: attrs,
	}
}

func (d *backupJobsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *backupJobsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m backupJobsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	f := awsbackup.BackupJobFilter{AccountID: m.AccountID.ValueString(), VaultName: m.VaultName.ValueString(), ResourceARN: m.ResourceARN.ValueString(),
		ResourceType: m.ResourceType.ValueString(), State: m.State.ValueString(), MessageCategory: m.MessageCategory.ValueString(), ParentJobID: m.ParentJobID.ValueString(),
		CreatedAfter: parseTime(m.CreatedAfter), CreatedBefore: parseTime(m.CreatedBefore), CompleteAfter: parseTime(m.CompleteAfter), CompleteBefore: parseTime(m.CompleteBefore)}
	jobs, err := awsbackup.ListBackupJobs(ctx, d.c.Backup, f)
	if err != nil {
		addAPIError(&resp.Diagnostics, "listing backup jobs", err)
		return
	}
	ids := make([]attr.Value, 0, len(jobs))
	items := make([]attr.Value, 0, len(jobs))
	for _, j := range jobs {
		ids = append(ids, types.StringValue(j.ID))
		items = append(items, types.ObjectValueMust(backupJobItemType.AttrTypes, map[string]attr.Value{
			"backup_job_id": types.StringValue(j.ID), "account_id": types.StringValue(j.AccountID), "state": types.StringValue(j.State),
			"status_message": types.StringValue(j.StatusMessage), "message_category": types.StringValue(j.MessageCategory), "percent_done": types.StringValue(j.PercentDone),
			"resource_arn": types.StringValue(j.ResourceARN), "resource_type": types.StringValue(j.ResourceType), "resource_name": types.StringValue(j.ResourceName),
			"vault_name": types.StringValue(j.VaultName), "vault_arn": types.StringValue(j.VaultARN), "recovery_point_arn": types.StringValue(j.RecoveryPointARN),
			"iam_role_arn": types.StringValue(j.IAMRoleARN), "backup_plan_id": types.StringValue(j.BackupPlanID), "backup_rule_id": types.StringValue(j.BackupRuleID),
			"creation_date": rfc(j.CreationDate), "completion_date": rfc(j.CompletionDate), "start_by": rfc(j.StartBy),
			"expected_completion_date": rfc(j.ExpectedCompletionDate), "backup_size_bytes": types.Int64Value(j.BackupSizeInBytes),
			"bytes_transferred": types.Int64Value(j.BytesTransferred),
		}))
	}
	m.IDs = types.ListValueMust(types.StringType, ids)
	m.BackupJobs = types.ListValueMust(backupJobItemType, items)
	m.ID = types.StringValue(strings.Join([]string{d.c.Region, f.AccountID, f.VaultName, f.ResourceARN, f.ResourceType, f.State, f.MessageCategory, f.ParentJobID,
		m.CreatedAfter.ValueString(), m.CreatedBefore.ValueString(), m.CompleteAfter.ValueString(), m.CompleteBefore.ValueString()}, "|"))
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

type restoreJobsDataSource struct{ c *clients }

type restoreJobsModel struct {
	ID                    types.String `tfsdk:"id"`
	AccountID             types.String `tfsdk:"account_id"`
	ResourceType          types.String `tfsdk:"resource_type"`
	Status                types.String `tfsdk:"status"`
	RestoreTestingPlanARN types.String `tfsdk:"restore_testing_plan_arn"`
	CreatedAfter          types.String `tfsdk:"created_after"`
	CreatedBefore         types.String `tfsdk:"created_before"`
	CompleteAfter         types.String `tfsdk:"complete_after"`
	CompleteBefore        types.String `tfsdk:"complete_before"`
	IDs                   types.List   `tfsdk:"ids"`
	RestoreJobs           types.List   `tfsdk:"restore_jobs"`
}

var restoreJobItemType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"restore_job_id": types.StringType, "account_id": types.StringType, "status": types.StringType, "status_message": types.StringType,
	"percent_done": types.StringType, "recovery_point_arn": types.StringType, "vault_arn": types.StringType, "resource_type": types.StringType,
	"source_resource_arn": types.StringType, "created_resource_arn": types.StringType, "iam_role_arn": types.StringType,
	"creation_date": types.StringType, "completion_date": types.StringType, "recovery_point_creation_date": types.StringType,
	"backup_size_bytes": types.Int64Type, "restore_testing_plan_arn": types.StringType, "validation_status": types.StringType,
	"validation_status_message": types.StringType, "deletion_status": types.StringType, "deletion_status_message": types.StringType,
}}

func (d *restoreJobsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_restore_jobs"
}

func (d *restoreJobsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	attrs := map[string]schema.Attribute{
		"id":            schema.StringAttribute{Computed: true, MarkdownDescription: "The filters, joined; stable for a given configuration."},
		"account_id":    schema.StringAttribute{Optional: true, MarkdownDescription: "Only jobs of this account."},
		"resource_type": schema.StringAttribute{Optional: true, MarkdownDescription: "Only restores of this resource type, e.g. `EFS`."},
		"status": schema.StringAttribute{
			Optional: true, MarkdownDescription: "Only jobs in this status: `PENDING`, `RUNNING`, `COMPLETED`, `ABORTED` or `FAILED`.",
			Validators: []validator.String{stringvalidator.OneOf(enumStrings(backuptypes.RestoreJobStatusPending, backuptypes.RestoreJobStatusRunning,
				backuptypes.RestoreJobStatusCompleted, backuptypes.RestoreJobStatusAborted, backuptypes.RestoreJobStatusFailed)...)},
		},
		"restore_testing_plan_arn": schema.StringAttribute{
			Optional: true, MarkdownDescription: "Only the restore tests this restore testing plan started (its `arn`).",
			Validators: []validator.String{stringvalidator.RegexMatches(arnPattern, "must be the ARN of a restore testing plan, such as backup_restore_testing_plan.x.arn")},
		},
		"ids": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "IDs of the jobs, oldest first."},
		"restore_jobs": schema.ListNestedAttribute{
			Computed: true, MarkdownDescription: "The jobs, oldest first.",
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"restore_job_id":               str("ID of the job."),
				"account_id":                   str("Account the job ran in."),
				"status":                       str("Status of the job."),
				"status_message":               str("Why the job ended as it did, when it did not simply succeed."),
				"percent_done":                 str("Progress, in percent."),
				"recovery_point_arn":           str("Recovery point restored."),
				"vault_arn":                    str("Vault holding that point."),
				"resource_type":                str("Type of the resource restored."),
				"source_resource_arn":          str("Resource the point was taken of."),
				"created_resource_arn":         str("Resource the restore created (or restored into)."),
				"iam_role_arn":                 str("Role the job ran with."),
				"creation_date":                str("When the job was created (RFC 3339)."),
				"completion_date":              str("When the job ended (RFC 3339)."),
				"recovery_point_creation_date": str("When the restored point was created (RFC 3339)."),
				"backup_size_bytes":            schema.Int64Attribute{Computed: true, MarkdownDescription: "Size of the data restored."},
				"restore_testing_plan_arn":     str("Restore testing plan that started the job; empty for a restore started otherwise."),
				"validation_status": str("Outcome of a restore test's validation: `VALIDATING`, `SUCCESSFUL`, `FAILED` or `TIMED_OUT`; " +
					"empty when nothing validates the job."),
				"validation_status_message": str("What the validation found."),
				"deletion_status":           str("Cleanup of what a restore test restored: `DELETING`, `SUCCESSFUL` or `FAILED`; empty when nothing is to be deleted."),
				"deletion_status_message":   str("Why the cleanup failed, or what it did."),
			}},
		},
	}
	for k, v := range timeFilters("jobs") {
		attrs[k] = v
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists restore jobs, like `aws backup list-restore-jobs`, with its filters. Every filter is optional.",
		Attributes:          attrs,
	}
}

func (d *restoreJobsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *restoreJobsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m restoreJobsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	f := awsbackup.RestoreJobFilter{AccountID: m.AccountID.ValueString(), ResourceType: m.ResourceType.ValueString(), Status: m.Status.ValueString(),
		RestoreTestingPlanARN: m.RestoreTestingPlanARN.ValueString(),
		CreatedAfter:          parseTime(m.CreatedAfter), CreatedBefore: parseTime(m.CreatedBefore), CompleteAfter: parseTime(m.CompleteAfter), CompleteBefore: parseTime(m.CompleteBefore)}
	jobs, err := awsbackup.ListRestoreJobs(ctx, d.c.Backup, f)
	if err != nil {
		addAPIError(&resp.Diagnostics, "listing restore jobs", err)
		return
	}
	ids := make([]attr.Value, 0, len(jobs))
	items := make([]attr.Value, 0, len(jobs))
	for _, j := range jobs {
		ids = append(ids, types.StringValue(j.ID))
		items = append(items, types.ObjectValueMust(restoreJobItemType.AttrTypes, map[string]attr.Value{
			"restore_job_id": types.StringValue(j.ID), "account_id": types.StringValue(j.AccountID), "status": types.StringValue(j.Status),
			"status_message": types.StringValue(j.StatusMessage), "percent_done": types.StringValue(j.PercentDone), "recovery_point_arn": types.StringValue(j.RecoveryPointARN),
			"vault_arn": types.StringValue(j.VaultARN), "resource_type": types.StringValue(j.ResourceType), "source_resource_arn": types.StringValue(j.SourceResourceARN),
			"created_resource_arn": types.StringValue(j.CreatedResourceARN), "iam_role_arn": types.StringValue(j.IAMRoleARN),
			"creation_date": rfc(j.CreationDate), "completion_date": rfc(j.CompletionDate), "recovery_point_creation_date": rfc(j.RecoveryPointCreationDate),
			"backup_size_bytes": types.Int64Value(j.BackupSizeInBytes), "restore_testing_plan_arn": types.StringValue(j.RestoreTestingPlanARN),
			"validation_status": types.StringValue(j.ValidationStatus), "validation_status_message": types.StringValue(j.ValidationStatusMessage),
			"deletion_status": types.StringValue(j.DeletionStatus), "deletion_status_message": types.StringValue(j.DeletionStatusMessage),
		}))
	}
	m.IDs = types.ListValueMust(types.StringType, ids)
	m.RestoreJobs = types.ListValueMust(restoreJobItemType, items)
	m.ID = types.StringValue(strings.Join([]string{d.c.Region, f.AccountID, f.ResourceType, f.Status, f.RestoreTestingPlanARN,
		m.CreatedAfter.ValueString(), m.CreatedBefore.ValueString(), m.CompleteAfter.ValueString(), m.CompleteBefore.ValueString()}, "|"))
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
