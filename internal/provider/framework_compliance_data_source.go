package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// backup_framework_compliance reads a framework's verdicts per control and resource, evaluated
// by the engine against its state when read, so a `terraform test` can assert "every resource
// compliant". AWS keeps these results in AWS Config, which this provider does not call: the data
// source needs an engine (embedded or `engine serve`).

var _ datasource.DataSourceWithConfigure = (*frameworkComplianceDataSource)(nil)

// NewFrameworkComplianceDataSource returns the backup_framework_compliance data source.
func NewFrameworkComplianceDataSource() datasource.DataSource {
	return &frameworkComplianceDataSource{}
}

type frameworkComplianceDataSource struct{ c *clients }

type frameworkComplianceModel struct {
	ID                       types.String            `tfsdk:"id"`
	FrameworkName            types.String            `tfsdk:"framework_name"`
	FrameworkARN             types.String            `tfsdk:"framework_arn"`
	ComplianceStatus         types.String            `tfsdk:"compliance_status"`
	NonCompliantResourceARNs types.List              `tfsdk:"non_compliant_resource_arns"`
	Results                  []complianceResultModel `tfsdk:"results"`
}

type complianceResultModel struct {
	ControlName      types.String `tfsdk:"control_name"`
	ResourceARN      types.String `tfsdk:"resource_arn"`
	ResourceType     types.String `tfsdk:"resource_type"`
	ComplianceStatus types.String `tfsdk:"compliance_status"`
	Reason           types.String `tfsdk:"reason"`
}

func (d *frameworkComplianceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_framework_compliance"
}

func (d *frameworkComplianceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A framework's compliance: each control's verdict on each resource it evaluates, evaluated by the engine " +
			"against its state when read (on its clock, so after a `backup_engine_clock` move the results are as of the new time). " +
			"For a `terraform test` that asserts every resource is compliant:\n\n" +
			"```hcl\nassert {\n  condition     = data.backup_framework_compliance.audit.compliance_status == \"COMPLIANT\"\n" +
			"  error_message = \"not compliant: ${join(\", \", data.backup_framework_compliance.audit.non_compliant_resource_arns)}\"\n}\n```\n\n" +
			"Needs the engine (embedded or `engine serve`): AWS Backup keeps these results in AWS Config.",
		Attributes: map[string]schema.Attribute{
			"id": str("The framework's name."),
			"framework_name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the framework.",
				Validators:          []validator.String{stringvalidator.RegexMatches(frameworkNamePattern(), "must be a framework name that "+frameworkNameRule)},
			},
			"framework_arn":     str("ARN of the framework."),
			"compliance_status": str("`COMPLIANT` when every result is, else `NON_COMPLIANT`."),
			"non_compliant_resource_arns": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The resources some control finds non-compliant, each once, in the order of the results."},
			"results": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "One verdict per control and evaluated resource.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"control_name":      str("Name of the control."),
					"resource_arn":      str("ARN of the evaluated resource (a protected resource, plan, vault or recovery point, by control)."),
					"resource_type":     str("Type of the evaluated resource."),
					"compliance_status": str("`COMPLIANT` or `NON_COMPLIANT`."),
					"reason":            str("Why, for a non-compliant resource."),
				}},
			},
		},
	}
}

func (d *frameworkComplianceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *frameworkComplianceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m frameworkComplianceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if d.c.Registry == nil {
		resp.Diagnostics.AddError("Compliance results need the engine",
			"AWS Backup keeps Backup Audit Manager's results in AWS Config, which this provider does not call: read them there, "+
				"or run against the engine (embedded, or endpoint = an `engine serve` address).")
		return
	}
	name := m.FrameworkName.ValueString()
	out, err := d.c.Registry.GetFrameworkCompliance(ctx, name)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading the compliance of framework %q", name), err)
		return
	}
	failing := []string{}
	seen := map[string]bool{}
	m.Results = make([]complianceResultModel, 0, len(out.Results))
	for _, r := range out.Results {
		m.Results = append(m.Results, complianceResultModel{ControlName: types.StringValue(r.ControlName), ResourceARN: types.StringValue(r.ResourceArn),
			ResourceType: types.StringValue(r.ResourceType), ComplianceStatus: types.StringValue(r.ComplianceStatus), Reason: types.StringValue(r.Reason)})
		if r.ComplianceStatus != "COMPLIANT" && !seen[r.ResourceArn] {
			seen[r.ResourceArn] = true
			failing = append(failing, r.ResourceArn)
		}
	}
	list, diags := types.ListValueFrom(ctx, types.StringType, failing)
	resp.Diagnostics.Append(diags...)
	m.ID = types.StringValue(out.FrameworkName)
	m.FrameworkARN = types.StringValue(out.FrameworkArn)
	m.ComplianceStatus = types.StringValue(out.ComplianceStatus)
	m.NonCompliantResourceARNs = list
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
