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

var _ datasource.DataSourceWithConfigure = (*restoreTestingPlanDataSource)(nil)

// NewRestoreTestingPlanDataSource returns the backup_restore_testing_plan data source.
func NewRestoreTestingPlanDataSource() datasource.DataSource { return &restoreTestingPlanDataSource{} }

type restoreTestingPlanDataSource struct{ c *clients }

type restoreTestingPlanDataModel struct {
	ARN                        types.String                  `tfsdk:"arn"`
	Name                       types.String                  `tfsdk:"name"`
	ScheduleExpression         types.String                  `tfsdk:"schedule_expression"`
	ScheduleExpressionTimezone types.String                  `tfsdk:"schedule_expression_timezone"`
	StartWindowHours           types.Int64                   `tfsdk:"start_window_hours"`
	RecoveryPointSelection     []recoveryPointSelectionModel `tfsdk:"recovery_point_selection"`
	CreationTime               types.String                  `tfsdk:"creation_time"`
	LastExecutionTime          types.String                  `tfsdk:"last_execution_time"`
	LastUpdateTime             types.String                  `tfsdk:"last_update_time"`
	Tags                       types.Map                     `tfsdk:"tags"`
}

func (d *restoreTestingPlanDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_restore_testing_plan"
}

func (d *restoreTestingPlanDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	stringSetAttr := func(desc string) schema.SetAttribute {
		return schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a restore testing plan by name: its schedule, which recovery points it tests, and when it last ran.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "Name of the restore testing plan.",
				Validators: restoreTestingNameValidators(),
			},
			"arn":                          str("ARN of the plan; `backup_restore_jobs` filters by it."),
			"schedule_expression":          str("When restore tests run (`cron()` or `rate()`)."),
			"schedule_expression_timezone": str("Time zone of the schedule."),
			"start_window_hours":           schema.Int64Attribute{Computed: true, MarkdownDescription: "Hours within which a test must start."},
			"recovery_point_selection": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "Which recovery point each test restores (one entry).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"algorithm":             str("`LATEST_WITHIN_WINDOW` or `RANDOM_WITHIN_WINDOW`."),
					"include_vaults":        stringSetAttr("Vaults whose points may be picked (`*` or ARN patterns)."),
					"exclude_vaults":        stringSetAttr("Vaults left out."),
					"recovery_point_types":  stringSetAttr("`SNAPSHOT` and/or `CONTINUOUS`."),
					"selection_window_days": schema.Int64Attribute{Computed: true, MarkdownDescription: "How many days back a point may be."},
				}},
			},
			"creation_time":       str("When the plan was created (RFC 3339)."),
			"last_execution_time": str("When the plan last started restore tests (RFC 3339); null if it never has."),
			"last_update_time":    str("When the plan was last updated (RFC 3339); null if it never was."),
			"tags":                schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Tags of the plan."},
		},
	}
}

func (d *restoreTestingPlanDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *restoreTestingPlanDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m restoreTestingPlanDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := m.Name.ValueString()
	p, err := awsbackup.FindRestoreTestingPlan(ctx, d.c.Backup, name)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading restore testing plan %s", name), err)
		return
	}
	tags, err := awsbackup.ListTags(ctx, d.c.Backup, aws.ToString(p.RestoreTestingPlanArn))
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("listing tags of restore testing plan %s", name), err)
		return
	}
	var r restoreTestingPlanModel
	flattenRestoreTestingPlan(p, &r)
	m.ARN, m.ScheduleExpression, m.ScheduleExpressionTimezone, m.StartWindowHours = r.ARN, r.ScheduleExpression, r.ScheduleExpressionTimezone, r.StartWindowHours
	m.RecoveryPointSelection = r.RecoveryPointSelection
	m.CreationTime, m.LastExecutionTime, m.LastUpdateTime = rfc(aws.ToTime(p.CreationTime)), rfc(aws.ToTime(p.LastExecutionTime)), rfc(aws.ToTime(p.LastUpdateTime))
	m.Tags = mapToTF(tags)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
