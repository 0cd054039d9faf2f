package provider

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

var _ datasource.DataSourceWithConfigure = (*restoreTestingSelectionDataSource)(nil)

// NewRestoreTestingSelectionDataSource returns the backup_restore_testing_selection data source.
func NewRestoreTestingSelectionDataSource() datasource.DataSource {
	return &restoreTestingSelectionDataSource{}
}

type restoreTestingSelectionDataSource struct{ c *clients }

type restoreTestingSelectionDataModel struct {
	Name                        types.String                       `tfsdk:"name"`
	RestoreTestingPlanName      types.String                       `tfsdk:"restore_testing_plan_name"`
	IAMRoleARN                  types.String                       `tfsdk:"iam_role_arn"`
	ProtectedResourceType       types.String                       `tfsdk:"protected_resource_type"`
	ProtectedResourceARNs       types.Set                          `tfsdk:"protected_resource_arns"`
	ProtectedResourceConditions []protectedResourceConditionsModel `tfsdk:"protected_resource_conditions"`
	RestoreMetadataOverrides    types.Map                          `tfsdk:"restore_metadata_overrides"`
	ValidationWindowHours       types.Int64                        `tfsdk:"validation_window_hours"`
	CreationTime                types.String                       `tfsdk:"creation_time"`
}

func (d *restoreTestingSelectionDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_restore_testing_selection"
}

func tagConditionsDataAttribute(what string) schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Computed: true, MarkdownDescription: what,
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"key":   schema.StringAttribute{Computed: true, MarkdownDescription: "Tag key."},
			"value": schema.StringAttribute{Computed: true, MarkdownDescription: "Tag value."},
		}},
	}
}

func (d *restoreTestingSelectionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	name := restoreTestingNameValidators()
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a restore testing selection: which resources a restore testing plan tests, and how.",
		Attributes: map[string]schema.Attribute{
			"name":                      schema.StringAttribute{Required: true, Validators: name, MarkdownDescription: "Name of the selection."},
			"restore_testing_plan_name": schema.StringAttribute{Required: true, Validators: name, MarkdownDescription: "Name of its restore testing plan."},
			"iam_role_arn":              schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the IAM role restore tests run as."},
			"protected_resource_type":   schema.StringAttribute{Computed: true, MarkdownDescription: "Type of the resources tested, such as `EFS`."},
			"protected_resource_arns": schema.SetAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "ARNs of the resources tested, or `*`."},
			"protected_resource_conditions": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "Tag conditions every tested resource meets (one entry, or none).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"string_equals":     tagConditionsDataAttribute("Tags that must have exactly these values."),
					"string_not_equals": tagConditionsDataAttribute("Tags that must not have these values."),
				}},
			},
			"restore_metadata_overrides": schema.MapAttribute{Computed: true, Sensitive: true, ElementType: types.StringType,
				MarkdownDescription: "Restore metadata used instead of the inferred one."},
			"validation_window_hours": schema.Int64Attribute{Computed: true, MarkdownDescription: "Hours a restored copy is kept for validation."},
			"creation_time":           schema.StringAttribute{Computed: true, MarkdownDescription: "When the selection was created (RFC 3339)."},
		},
	}
}

func (d *restoreTestingSelectionDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *restoreTestingSelectionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m restoreTestingSelectionDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	planName, name := m.RestoreTestingPlanName.ValueString(), m.Name.ValueString()
	s, err := awsbackup.FindRestoreTestingSelection(ctx, d.c.Backup, planName, name)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading restore testing selection %s of plan %s", name, planName), err)
		return
	}
	// Empty rather than null, so that a data source's lists and maps can be iterated without a check.
	r := restoreTestingSelectionModel{ProtectedResourceARNs: types.SetValueMust(types.StringType, nil), RestoreMetadataOverrides: mapToTF(nil)}
	flattenRestoreTestingSelection(s, &r)
	m.IAMRoleARN, m.ProtectedResourceType, m.ProtectedResourceARNs = r.IAMRoleARN, r.ProtectedResourceType, r.ProtectedResourceARNs
	m.ProtectedResourceConditions, m.RestoreMetadataOverrides, m.ValidationWindowHours = r.ProtectedResourceConditions, r.RestoreMetadataOverrides, r.ValidationWindowHours
	m.CreationTime = rfc(aws.ToTime(s.CreationTime))
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
