package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

var _ datasource.DataSourceWithConfigure = (*frameworkDataSource)(nil)

// NewFrameworkDataSource returns the backup_framework data source.
func NewFrameworkDataSource() datasource.DataSource { return &frameworkDataSource{} }

type frameworkDataSource struct{ c *clients }

type frameworkDataModel struct {
	ID               types.String            `tfsdk:"id"`
	Name             types.String            `tfsdk:"name"`
	ARN              types.String            `tfsdk:"arn"`
	Description      types.String            `tfsdk:"description"`
	Controls         []frameworkControlModel `tfsdk:"control"`
	CreationTime     types.String            `tfsdk:"creation_time"`
	DeploymentStatus types.String            `tfsdk:"deployment_status"`
	Status           types.String            `tfsdk:"status"`
	Tags             types.Map               `tfsdk:"tags"`
}

func (d *frameworkDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_framework"
}

func (d *frameworkDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a Backup Audit Manager framework by name. Counterpart of the `aws_backup_framework` data source.",
		Attributes: map[string]schema.Attribute{
			"id": str("The framework's name."),
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the framework.",
				Validators:          []validator.String{stringvalidator.RegexMatches(frameworkNamePattern(), "must be a framework name that "+frameworkNameRule)},
			},
			"arn":         str("ARN of the framework."),
			"description": str("Description of the framework."),
			"control": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The framework's controls, every input parameter with its value (defaults included).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": str("Name of the control."),
					"input_parameter": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The control's input parameters.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"name": str("Name of the parameter."), "value": str("Value of the parameter."),
						}}},
					"scope": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The control's scope, if it has one.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"compliance_resource_ids":   schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "IDs of the evaluated resources."},
							"compliance_resource_types": schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Evaluated resource types."},
							"tags":                      schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "The tag evaluated resources carry."},
						}}},
				}},
			},
			"creation_time":     str("When the framework was created (RFC 3339)."),
			"deployment_status": str("Deployment status of the framework."),
			"status":            str("Whether the framework's controls are evaluated: `ACTIVE`, `PARTIALLY_ACTIVE`, `INACTIVE` or `UNAVAILABLE`."),
			"tags":              schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Every tag on the framework."},
		},
	}
}

func (d *frameworkDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *frameworkDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m frameworkDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := m.Name.ValueString()
	out, err := awsbackup.FindFrameworkByName(ctx, d.c.Backup, name)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading framework %q", name), err)
		return
	}
	tags, err := awsbackup.ListTags(ctx, d.c.Backup, aws.ToString(out.FrameworkArn))
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("listing tags of framework %q", name), err)
		return
	}
	m.ID = types.StringValue(name)
	m.ARN = types.StringValue(aws.ToString(out.FrameworkArn))
	m.Description = types.StringValue(aws.ToString(out.FrameworkDescription))
	m.Controls = flattenControls(ctx, out.FrameworkControls, nil, nil, &resp.Diagnostics)
	m.CreationTime = types.StringValue(aws.ToTime(out.CreationTime).UTC().Format(time.RFC3339))
	m.DeploymentStatus = types.StringValue(aws.ToString(out.DeploymentStatus))
	m.Status = types.StringValue(aws.ToString(out.FrameworkStatus))
	m.Tags = mapToTF(tags)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
