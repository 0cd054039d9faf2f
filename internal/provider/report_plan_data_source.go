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

var _ datasource.DataSourceWithConfigure = (*reportPlanDataSource)(nil)

// NewReportPlanDataSource returns the backup_report_plan data source.
func NewReportPlanDataSource() datasource.DataSource { return &reportPlanDataSource{} }

type reportPlanDataSource struct{ c *clients }

type reportPlanDataModel struct {
	ID                    types.String          `tfsdk:"id"`
	Name                  types.String          `tfsdk:"name"`
	ARN                   types.String          `tfsdk:"arn"`
	Description           types.String          `tfsdk:"description"`
	CreationTime          types.String          `tfsdk:"creation_time"`
	DeploymentStatus      types.String          `tfsdk:"deployment_status"`
	ReportDeliveryChannel []reportDeliveryModel `tfsdk:"report_delivery_channel"`
	ReportSetting         []reportSettingModel  `tfsdk:"report_setting"`
	Tags                  types.Map             `tfsdk:"tags"`
}

func (d *reportPlanDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_report_plan"
}

func (d *reportPlanDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	set := func(desc string) schema.SetAttribute {
		return schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a Backup Audit Manager report plan by name. Counterpart of the `aws_backup_report_plan` data source.",
		Attributes: map[string]schema.Attribute{
			"id": str("The report plan's name."),
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the report plan.",
				Validators:          []validator.String{stringvalidator.RegexMatches(reportPlanNamePattern(), "must be a report plan name that "+reportPlanNameRule)},
			},
			"arn":               str("ARN of the report plan."),
			"description":       str("Description of the report plan."),
			"creation_time":     str("When the report plan was created (RFC 3339)."),
			"deployment_status": str("Deployment status of the report plan."),
			"report_delivery_channel": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "Where the reports go.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"formats": set("Formats of the reports."), "s3_bucket_name": str("Bucket the reports are written to."),
					"s3_key_prefix": str("Prefix of the reports' keys."),
				}}},
			"report_setting": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "What the reports cover.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"accounts": set("Accounts the report covers."), "framework_arns": set("Frameworks the report covers."),
					"number_of_frameworks": schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of frameworks the report covers."},
					"organization_units":   set("Organizational units the report covers."), "regions": set("Regions the report covers."),
					"report_template": str("The report template."),
				}}},
			"tags": schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Every tag on the report plan."},
		},
	}
}

func (d *reportPlanDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *reportPlanDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m reportPlanDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := m.Name.ValueString()
	p, err := awsbackup.FindReportPlanByName(ctx, d.c.Backup, name)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading report plan %q", name), err)
		return
	}
	tags, err := awsbackup.ListTags(ctx, d.c.Backup, aws.ToString(p.ReportPlanArn))
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("listing tags of report plan %q", name), err)
		return
	}
	full := reportPlanModel{Description: types.StringValue("")}
	flattenReportPlan(ctx, p, &full, &resp.Diagnostics)
	m.ID = types.StringValue(name)
	m.ARN = types.StringValue(aws.ToString(p.ReportPlanArn))
	m.Description = types.StringValue(aws.ToString(p.ReportPlanDescription))
	m.CreationTime = types.StringValue(aws.ToTime(p.CreationTime).UTC().Format(time.RFC3339))
	m.DeploymentStatus = types.StringValue(aws.ToString(p.DeploymentStatus))
	m.ReportDeliveryChannel, m.ReportSetting = full.ReportDeliveryChannel, full.ReportSetting
	m.Tags = mapToTF(tags)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
