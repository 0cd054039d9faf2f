package provider

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

var _ datasource.DataSourceWithConfigure = (*copyJobsDataSource)(nil)

// NewCopyJobsDataSource returns the backup_copy_jobs data source.
func NewCopyJobsDataSource() datasource.DataSource { return &copyJobsDataSource{} }

type copyJobsDataSource struct{ c *clients }

type copyJobsModel struct {
	ID                     types.String `tfsdk:"id"`
	State                  types.String `tfsdk:"state"`
	DestinationVaultARN    types.String `tfsdk:"destination_vault_arn"`
	SourceRecoveryPointARN types.String `tfsdk:"source_recovery_point_arn"`
	ResourceARN            types.String `tfsdk:"resource_arn"`
	ResourceType           types.String `tfsdk:"resource_type"`
	MessageCategory        types.String `tfsdk:"message_category"`
	CreatedAfter           types.String `tfsdk:"created_after"`
	CreatedBefore          types.String `tfsdk:"created_before"`
	CompletedAfter         types.String `tfsdk:"completed_after"`
	CompletedBefore        types.String `tfsdk:"completed_before"`
	IDs                    types.List   `tfsdk:"ids"`
	CopyJobs               types.List   `tfsdk:"copy_jobs"`
}

var copyJobItemType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"copy_job_id":                    types.StringType,
	"state":                          types.StringType,
	"status_message":                 types.StringType,
	"message_category":               types.StringType,
	"source_vault_arn":               types.StringType,
	"source_recovery_point_arn":      types.StringType,
	"destination_vault_arn":          types.StringType,
	"destination_recovery_point_arn": types.StringType,
	"resource_arn":                   types.StringType,
	"resource_type":                  types.StringType,
	"backup_size_bytes":              types.Int64Type,
	"creation_date":                  types.StringType,
	"completion_date":                types.StringType,
	"created_by_backup_job_id":       types.StringType,
}}

func (d *copyJobsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_copy_jobs"
}

func (d *copyJobsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	optional := func(desc string, v ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, MarkdownDescription: desc, Validators: v}
	}
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the copy jobs started in the provider's account and region, oldest first, like `aws backup list-copy-jobs`: " +
			"those started by `backup_start_copy_job` and by the copy actions of plan rules. Every filter is optional.",
		Attributes: map[string]schema.Attribute{
			"id": computed("The filters, joined; stable for a given configuration."),
			"state": optional("Only jobs in this state: `CREATED`, `RUNNING`, `COMPLETED` or `FAILED`.",
				stringvalidator.OneOf(enumStrings(backuptypes.CopyJobStateCreated, backuptypes.CopyJobStateRunning, backuptypes.CopyJobStateCompleted,
					backuptypes.CopyJobStateFailed, backuptypes.CopyJobStatePartial)...)),
			"destination_vault_arn":     optional("Only jobs copying into this vault (ARN)."),
			"source_recovery_point_arn": optional("Only jobs copying this recovery point."),
			"resource_arn":              optional("Only jobs copying points of this resource."),
			"resource_type":             optional("Only jobs copying points of this resource type, e.g. `EFS`."),
			"message_category":          optional("Only jobs whose message category is this, e.g. `SUCCESS` or `ACCESS_DENIED` (`ANY` for all)."),
			"created_after":             optional("Only jobs created after this RFC 3339 time.", rfc3339{}),
			"created_before":            optional("Only jobs created before this RFC 3339 time.", rfc3339{}),
			"completed_after":           optional("Only jobs completed after this RFC 3339 time.", rfc3339{}),
			"completed_before":          optional("Only jobs completed before this RFC 3339 time.", rfc3339{}),
			"ids":                       schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "IDs of the jobs, oldest first."},
			"copy_jobs": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "The jobs, oldest first.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"copy_job_id":                    computed("ID of the copy job."),
					"state":                          computed("State of the job."),
					"status_message":                 computed("Why the job failed, when it did."),
					"message_category":               computed("Category of the job's outcome, e.g. `SUCCESS` or `ACCESS_DENIED`."),
					"source_vault_arn":               computed("ARN of the vault copied from."),
					"source_recovery_point_arn":      computed("ARN of the recovery point copied."),
					"destination_vault_arn":          computed("ARN of the vault copied into."),
					"destination_recovery_point_arn": computed("ARN of the copy, once the job completed."),
					"resource_arn":                   computed("ARN of the resource the point was taken of."),
					"resource_type":                  computed("Type of that resource."),
					"backup_size_bytes":              schema.Int64Attribute{Computed: true, MarkdownDescription: "Size of the recovery point copied."},
					"creation_date":                  computed("When the job was created (RFC 3339)."),
					"completion_date":                computed("When the job ended (RFC 3339)."),
					"created_by_backup_job_id":       computed("The backup job whose rule's copy action started the job, if one did."),
				}},
			},
		},
	}
}

func (d *copyJobsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func optionalString(s *string) types.String {
	if s == nil || *s == "" {
		return types.StringNull()
	}
	return types.StringValue(*s)
}

func (d *copyJobsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m copyJobsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	f := awsbackup.CopyJobFilter{State: m.State.ValueString(), DestinationVaultARN: m.DestinationVaultARN.ValueString(),
		SourceRecoveryPointARN: m.SourceRecoveryPointARN.ValueString(), ResourceARN: m.ResourceARN.ValueString(),
		ResourceType: m.ResourceType.ValueString(), MessageCategory: m.MessageCategory.ValueString()}
	for _, t := range []struct {
		dst *time.Time
		v   types.String
	}{{&f.CreatedAfter, m.CreatedAfter}, {&f.CreatedBefore, m.CreatedBefore}, {&f.CompletedAfter, m.CompletedAfter}, {&f.CompletedBefore, m.CompletedBefore}} {
		if v := t.v.ValueString(); v != "" {
			*t.dst, _ = time.Parse(time.RFC3339, v) // validated
		}
	}
	list, err := awsbackup.ListCopyJobs(ctx, d.c.Backup, f)
	if err != nil {
		addAPIError(&resp.Diagnostics, "listing copy jobs", err)
		return
	}
	ids := make([]attr.Value, 0, len(list))
	items := make([]attr.Value, 0, len(list))
	for _, j := range list {
		ids = append(ids, types.StringValue(aws.ToString(j.CopyJobId)))
		items = append(items, types.ObjectValueMust(copyJobItemType.AttrTypes, map[string]attr.Value{
			"copy_job_id": types.StringValue(aws.ToString(j.CopyJobId)), "state": types.StringValue(string(j.State)),
			"status_message": optionalString(j.StatusMessage), "message_category": optionalString(j.MessageCategory),
			"source_vault_arn": optionalString(j.SourceBackupVaultArn), "source_recovery_point_arn": optionalString(j.SourceRecoveryPointArn),
			"destination_vault_arn": optionalString(j.DestinationBackupVaultArn), "destination_recovery_point_arn": optionalString(j.DestinationRecoveryPointArn),
			"resource_arn": optionalString(j.ResourceArn), "resource_type": optionalString(j.ResourceType),
			"backup_size_bytes": types.Int64Value(aws.ToInt64(j.BackupSizeInBytes)),
			"creation_date":     rfc(aws.ToTime(j.CreationDate)), "completion_date": rfc(aws.ToTime(j.CompletionDate)),
			"created_by_backup_job_id": optionalString(j.CreatedByBackupJobId),
		}))
	}
	m.IDs = types.ListValueMust(types.StringType, ids)
	m.CopyJobs = types.ListValueMust(copyJobItemType, items)
	m.ID = types.StringValue(strings.Join([]string{d.c.Region, f.State, f.DestinationVaultARN, f.SourceRecoveryPointARN, f.ResourceARN, f.ResourceType,
		f.MessageCategory, m.CreatedAfter.ValueString(), m.CreatedBefore.ValueString(), m.CompletedAfter.ValueString(), m.CompletedBefore.ValueString()}, "|"))
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
