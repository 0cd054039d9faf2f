package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

var _ datasource.DataSourceWithConfigure = (*recoveryPointsDataSource)(nil)

// NewRecoveryPointsDataSource returns the backup_recovery_points data source.
func NewRecoveryPointsDataSource() datasource.DataSource { return &recoveryPointsDataSource{} }

type recoveryPointsDataSource struct{ c *clients }

type recoveryPointsModel struct {
	ID             types.String `tfsdk:"id"`
	VaultName      types.String `tfsdk:"vault_name"`
	ResourceARN    types.String `tfsdk:"resource_arn"`
	ResourceType   types.String `tfsdk:"resource_type"`
	Status         types.String `tfsdk:"status"`
	CreatedAfter   types.String `tfsdk:"created_after"`
	CreatedBefore  types.String `tfsdk:"created_before"`
	LegalHoldID    types.String `tfsdk:"legal_hold_id"`
	ARNs           types.List   `tfsdk:"arns"`
	RecoveryPoints types.List   `tfsdk:"recovery_points"`
}

var recoveryPointItemType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"arn":               types.StringType,
	"vault_name":        types.StringType,
	"resource_arn":      types.StringType,
	"resource_type":     types.StringType,
	"resource_name":     types.StringType,
	"status":            types.StringType,
	"creation_date":     types.StringType,
	"completion_date":   types.StringType,
	"backup_size_bytes": types.Int64Type,
}}

// rfc3339 validates timestamps given as strings.
type rfc3339 struct{}

func (rfc3339) Description(context.Context) string { return "must be an RFC 3339 timestamp" }
func (v rfc3339) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (rfc3339) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := time.Parse(time.RFC3339, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid timestamp",
			fmt.Sprintf("%q is not an RFC 3339 timestamp such as 2024-01-17T02:30:00Z (timestamp() and timeadd() produce them).", req.ConfigValue.ValueString()))
	}
}

func (d *recoveryPointsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_recovery_points"
}

func (d *recoveryPointsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists recovery points, oldest first, like `aws backup list-recovery-points-by-backup-vault`. " +
			"Every filter is optional; without `vault_name` every vault of the region is searched.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The filters, joined; stable for a given configuration."},
			"vault_name": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Only points in this vault.",
				Validators: []validator.String{stringvalidator.RegexMatches(vaultNamePattern, vaultNameRule)},
			},
			"resource_arn":  schema.StringAttribute{Optional: true, MarkdownDescription: "Only points of this resource."},
			"resource_type": schema.StringAttribute{Optional: true, MarkdownDescription: "Only points of this resource type, e.g. `EFS`."},
			"status": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Only points in this status: `COMPLETED`, `PARTIAL`, `DELETING` or `EXPIRED`.",
				Validators: []validator.String{stringvalidator.OneOf(enumStrings(backuptypes.RecoveryPointStatusCompleted, backuptypes.RecoveryPointStatusPartial,
					backuptypes.RecoveryPointStatusDeleting, backuptypes.RecoveryPointStatusExpired)...)},
			},
			"created_after":  schema.StringAttribute{Optional: true, Validators: []validator.String{rfc3339{}}, MarkdownDescription: "Only points created after this RFC 3339 time."},
			"created_before": schema.StringAttribute{Optional: true, Validators: []validator.String{rfc3339{}}, MarkdownDescription: "Only points created before this RFC 3339 time."},
			"legal_hold_id": schema.StringAttribute{
				Optional: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				MarkdownDescription: "Only points this legal hold covers (`backup_legal_hold.<name>.id`): the points it holds, or held, " +
					"if it was cancelled.",
			},
			"arns": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "ARNs of the points, oldest first: `arns[length(arns) - 1]` is the newest."},
			"recovery_points": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "The points, oldest first.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"arn":               schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the recovery point."},
					"vault_name":        schema.StringAttribute{Computed: true, MarkdownDescription: "Vault holding it."},
					"resource_arn":      schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the resource it was taken of."},
					"resource_type":     schema.StringAttribute{Computed: true, MarkdownDescription: "Type of that resource."},
					"resource_name":     schema.StringAttribute{Computed: true, MarkdownDescription: "Name of that resource."},
					"status":            schema.StringAttribute{Computed: true, MarkdownDescription: "Status of the point."},
					"creation_date":     schema.StringAttribute{Computed: true, MarkdownDescription: "When the backup started (RFC 3339)."},
					"completion_date":   schema.StringAttribute{Computed: true, MarkdownDescription: "When the backup completed (RFC 3339)."},
					"backup_size_bytes": schema.Int64Attribute{Computed: true, MarkdownDescription: "Size of the data backed up."},
				}},
			},
		},
	}
}

func (d *recoveryPointsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func rfc(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339Nano))
}

func (d *recoveryPointsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m recoveryPointsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	f := awsbackup.RecoveryPointFilter{VaultName: m.VaultName.ValueString(), ResourceARN: m.ResourceARN.ValueString(),
		ResourceType: m.ResourceType.ValueString(), Status: m.Status.ValueString(), LegalHoldID: m.LegalHoldID.ValueString()}
	if v := m.CreatedAfter.ValueString(); v != "" {
		f.CreatedAfter, _ = time.Parse(time.RFC3339, v)
	}
	if v := m.CreatedBefore.ValueString(); v != "" {
		f.CreatedBefore, _ = time.Parse(time.RFC3339, v)
	}
	points, err := awsbackup.ListRecoveryPoints(ctx, d.c.Backup, f)
	if err != nil {
		if awsbackup.IsNotFound(err) && f.LegalHoldID != "" && strings.Contains(err.Error(), "legal hold") {
			resp.Diagnostics.AddAttributeError(path.Root("legal_hold_id"), "Legal hold not found", awsbackup.ErrorMessage(err))
			return
		}
		if awsbackup.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("vault_name"), "Backup vault not found", awsbackup.ErrorMessage(err))
			return
		}
		addAPIError(&resp.Diagnostics, "listing recovery points", err)
		return
	}
	arns := make([]attr.Value, 0, len(points))
	items := make([]attr.Value, 0, len(points))
	for _, p := range points {
		arns = append(arns, types.StringValue(p.ARN))
		items = append(items, types.ObjectValueMust(recoveryPointItemType.AttrTypes, map[string]attr.Value{
			"arn": types.StringValue(p.ARN), "vault_name": types.StringValue(p.VaultName), "resource_arn": types.StringValue(p.ResourceARN),
			"resource_type": types.StringValue(p.ResourceType), "resource_name": types.StringValue(p.ResourceName), "status": types.StringValue(p.Status),
			"creation_date": rfc(p.CreationDate), "completion_date": rfc(p.CompletionDate), "backup_size_bytes": types.Int64Value(p.BackupSizeInBytes),
		}))
	}
	m.ARNs = types.ListValueMust(types.StringType, arns)
	m.RecoveryPoints = types.ListValueMust(recoveryPointItemType, items)
	m.ID = types.StringValue(strings.Join([]string{d.c.Region, f.VaultName, f.ResourceARN, f.ResourceType, f.Status, m.CreatedAfter.ValueString(), m.CreatedBefore.ValueString(), f.LegalHoldID}, "|"))
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
