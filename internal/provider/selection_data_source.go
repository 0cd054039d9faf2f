package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

var _ datasource.DataSourceWithConfigure = (*selectionDataSource)(nil)

// NewSelectionDataSource returns the backup_selection data source.
func NewSelectionDataSource() datasource.DataSource { return &selectionDataSource{} }

type selectionDataSource struct{ c *clients }

type selectionDataModel struct {
	ID            types.String        `tfsdk:"id"`
	PlanID        types.String        `tfsdk:"plan_id"`
	SelectionID   types.String        `tfsdk:"selection_id"`
	Name          types.String        `tfsdk:"name"`
	IAMRoleARN    types.String        `tfsdk:"iam_role_arn"`
	Resources     types.Set           `tfsdk:"resources"`
	NotResources  types.Set           `tfsdk:"not_resources"`
	SelectionTags []selectionTagModel `tfsdk:"selection_tag"`
	Conditions    []conditionModel    `tfsdk:"condition"`
}

func (d *selectionDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_selection"
}

func keyValuesDataAttribute(what string) schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Computed: true, MarkdownDescription: what,
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"key":   schema.StringAttribute{Computed: true, MarkdownDescription: "`aws:ResourceTag/KEY`."},
			"value": schema.StringAttribute{Computed: true, MarkdownDescription: "Value compared with the tag's."},
		}},
	}
}

func (d *selectionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a backup selection. Counterpart of the `aws_backup_selection` data source.",
		Attributes: map[string]schema.Attribute{
			"id":            schema.StringAttribute{Computed: true, MarkdownDescription: "ID of the selection."},
			"plan_id":       schema.StringAttribute{Required: true, MarkdownDescription: "ID of the plan the selection belongs to."},
			"selection_id":  schema.StringAttribute{Required: true, MarkdownDescription: "ID of the selection."},
			"name":          schema.StringAttribute{Computed: true, MarkdownDescription: "Name of the selection."},
			"iam_role_arn":  schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the IAM role backups run as."},
			"resources":     schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "ARNs and ARN patterns selected."},
			"not_resources": schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "ARNs and ARN patterns left out."},
			"selection_tag": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "Tags that select resources (ORed).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"type":  schema.StringAttribute{Computed: true, MarkdownDescription: "`STRINGEQUALS`."},
					"key":   schema.StringAttribute{Computed: true, MarkdownDescription: "Tag key."},
					"value": schema.StringAttribute{Computed: true, MarkdownDescription: "Tag value."},
				}},
			},
			"condition": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "Conditions every selected resource meets (ANDed), as one entry.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"string_equals":     keyValuesDataAttribute("Tags that must have exactly these values."),
					"string_like":       keyValuesDataAttribute("Tags whose values must match these patterns."),
					"string_not_equals": keyValuesDataAttribute("Tags that must be absent or have other values."),
					"string_not_like":   keyValuesDataAttribute("Tags that must be absent or not match these patterns."),
				}},
			},
		},
	}
}

func (d *selectionDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *selectionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m selectionDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	planID, id := m.PlanID.ValueString(), m.SelectionID.ValueString()
	out, err := awsbackup.FindSelection(ctx, d.c.Backup, planID, id)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading backup selection %s of plan %s", id, planID), err)
		return
	}
	var s selectionModel
	s.Resources, s.NotResources = types.SetValueMust(types.StringType, nil), types.SetValueMust(types.StringType, nil)
	flattenSelection(out, &s)
	m.ID, m.Name, m.IAMRoleARN = s.ID, s.Name, s.IAMRoleARN
	m.Resources, m.NotResources, m.SelectionTags, m.Conditions = s.Resources, s.NotResources, s.SelectionTags, s.Conditions
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
