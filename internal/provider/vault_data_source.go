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

var _ datasource.DataSourceWithConfigure = (*vaultDataSource)(nil)

// NewVaultDataSource returns the backup_vault data source.
func NewVaultDataSource() datasource.DataSource { return &vaultDataSource{} }

type vaultDataSource struct{ c *clients }

type vaultDataModel struct {
	ID             types.String `tfsdk:"id"`
	Name           types.String `tfsdk:"name"`
	ARN            types.String `tfsdk:"arn"`
	KMSKeyARN      types.String `tfsdk:"kms_key_arn"`
	RecoveryPoints types.Int64  `tfsdk:"recovery_points"`
	Tags           types.Map    `tfsdk:"tags"`
}

func (d *vaultDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vault"
}

func (d *vaultDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a backup vault by name. Counterpart of the `aws_backup_vault` data source.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The vault's name."},
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the vault.",
				Validators:          []validator.String{stringvalidator.RegexMatches(vaultNamePattern, vaultNameRule)},
			},
			"arn":             schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the vault."},
			"kms_key_arn":     schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the key that encrypts the vault's recovery points."},
			"recovery_points": schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of recovery points in the vault."},
			"tags":            schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Every tag on the vault."},
		},
	}
}

func (d *vaultDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *vaultDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m vaultDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := m.Name.ValueString()
	out, err := awsbackup.FindVaultByName(ctx, d.c.Backup, name)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading backup vault %q", name), err)
		return
	}
	tags, err := awsbackup.ListTags(ctx, d.c.Backup, aws.ToString(out.BackupVaultArn))
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("listing tags of backup vault %q", name), err)
		return
	}
	m.ID = types.StringValue(name)
	m.ARN = types.StringValue(aws.ToString(out.BackupVaultArn))
	m.KMSKeyARN = types.StringValue(aws.ToString(out.EncryptionKeyArn))
	m.RecoveryPoints = types.Int64Value(out.NumberOfRecoveryPoints)
	m.Tags = mapToTF(tags)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
