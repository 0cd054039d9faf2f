package provider

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

var _ datasource.DataSourceWithConfigure = (*recoveryPointDataSource)(nil)

// NewRecoveryPointDataSource returns the backup_recovery_point data source.
func NewRecoveryPointDataSource() datasource.DataSource { return &recoveryPointDataSource{} }

type recoveryPointDataSource struct{ c *clients }

type recoveryPointDataModel struct {
	ID                  types.String `tfsdk:"id"`
	VaultName           types.String `tfsdk:"vault_name"`
	RecoveryPointARN    types.String `tfsdk:"recovery_point_arn"`
	ResourceARN         types.String `tfsdk:"resource_arn"`
	ResourceType        types.String `tfsdk:"resource_type"`
	ResourceName        types.String `tfsdk:"resource_name"`
	Status              types.String `tfsdk:"status"`
	StatusMessage       types.String `tfsdk:"status_message"`
	StorageClass        types.String `tfsdk:"storage_class"`
	CreationDate        types.String `tfsdk:"creation_date"`
	CompletionDate      types.String `tfsdk:"completion_date"`
	BackupSizeBytes     types.Int64  `tfsdk:"backup_size_bytes"`
	EncryptionKeyARN    types.String `tfsdk:"encryption_key_arn"`
	IAMRoleARN          types.String `tfsdk:"iam_role_arn"`
	ColdStorageAfter    types.Int64  `tfsdk:"cold_storage_after"`
	DeleteAfter         types.Int64  `tfsdk:"delete_after"`
	CalculatedLifecycle types.Object `tfsdk:"calculated_lifecycle"`
	RestoreMetadata     types.Map    `tfsdk:"restore_metadata"`
	Tags                types.Map    `tfsdk:"tags"`
}

func (d *recoveryPointDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_recovery_point"
}

func (d *recoveryPointDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one recovery point, with the metadata a restore of it starts from " +
			"(`aws backup describe-recovery-point` and `get-recovery-point-restore-metadata`).",
		Attributes: map[string]schema.Attribute{
			"id": computed("The recovery point's ARN."),
			"vault_name": schema.StringAttribute{
				Required: true, MarkdownDescription: "Vault holding the point.",
				Validators: []validator.String{stringvalidator.RegexMatches(vaultNamePattern, vaultNameRule)},
			},
			"recovery_point_arn": schema.StringAttribute{Required: true, MarkdownDescription: "ARN of the recovery point."},
			"resource_arn":       computed("ARN of the resource the point was taken of."),
			"resource_type":      computed("Type of that resource, e.g. `EFS`."),
			"resource_name":      computed("Name of that resource."),
			"status":             computed("`COMPLETED`, `PARTIAL`, `DELETING` or `EXPIRED`."),
			"status_message":     computed("Why the point is partial, if it is."),
			"storage_class":      computed("`WARM` or `COLD`."),
			"creation_date":      computed("When the backup started (RFC 3339)."),
			"completion_date":    computed("When the backup completed (RFC 3339)."),
			"backup_size_bytes":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Size of the data backed up."},
			"encryption_key_arn": computed("Key that encrypts the point."),
			"iam_role_arn":       computed("Role the backup ran as."),
			"cold_storage_after": schema.Int64Attribute{Computed: true, MarkdownDescription: "Days after creation when the point moves to cold storage, if set."},
			"delete_after":       schema.Int64Attribute{Computed: true, MarkdownDescription: "Days after creation when the point is deleted, if set."},
			"calculated_lifecycle": schema.SingleNestedAttribute{Computed: true, MarkdownDescription: "The dates the lifecycle works out to.",
				Attributes: map[string]schema.Attribute{
					"move_to_cold_storage_at": schema.StringAttribute{Computed: true, MarkdownDescription: "When the point moves to cold storage."},
					"delete_at":               schema.StringAttribute{Computed: true, MarkdownDescription: "When the point is deleted."},
				}},
			"restore_metadata": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The original resource's configuration, in the keys `backup_restore_job`'s `metadata` takes. " +
					"For EFS: `file-system-id`, `newFileSystem`, `Encrypted`, `KmsKeyId`, `PerformanceMode`, `CreationToken` and " +
					"`source-path`; add a `destination-path` to restore to a new directory. For S3: `DestinationBucketName` (the " +
					"original bucket), `NewBucket = \"false\"` and `EncryptionType = \"Original\"`, which restore into the original " +
					"bucket, skipping objects it has; set a new `DestinationBucketName` and `NewBucket = \"true\"` for a new bucket.",
			},
			"tags": schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Tags of the recovery point."},
		},
	}
}

func (d *recoveryPointDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *recoveryPointDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m recoveryPointDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	vault, arn := m.VaultName.ValueString(), m.RecoveryPointARN.ValueString()
	out, err := awsbackup.FindRecoveryPoint(ctx, d.c.Backup, vault, arn)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading recovery point %s in vault %q", arn, vault), err)
		return
	}
	meta, err := awsbackup.RestoreMetadata(ctx, d.c.Backup, vault, arn)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading the restore metadata of recovery point %s", arn), err)
		return
	}
	tags, err := awsbackup.ListTags(ctx, d.c.Backup, arn)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("listing tags of recovery point %s", arn), err)
		return
	}
	v := pointValuesFrom(out)
	m.ID = types.StringValue(aws.ToString(out.RecoveryPointArn))
	m.ResourceARN, m.ResourceType, m.ResourceName = v.ResourceARN, v.ResourceType, v.ResourceName
	m.Status, m.StatusMessage, m.StorageClass = v.Status, v.StatusMessage, v.StorageClass
	m.CreationDate, m.CompletionDate, m.BackupSizeBytes = v.CreationDate, v.CompletionDate, v.BackupSizeBytes
	m.EncryptionKeyARN, m.IAMRoleARN, m.CalculatedLifecycle = v.EncryptionKeyARN, v.IAMRoleARN, v.CalculatedLifecycle
	m.ColdStorageAfter, m.DeleteAfter = v.ColdStorageAfter, v.DeleteAfter
	m.RestoreMetadata = mapToTF(meta)
	m.Tags = mapToTF(tags)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
