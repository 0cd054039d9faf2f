package provider

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	tftypes "github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/reports"
)

// backup_report_plan is a Backup Audit Manager report plan: which report, of which frameworks,
// accounts and regions, delivered daily (and by StartReportJob) in which formats to which bucket.

// reportPlanTimeout bounds the wait for a report plan's deployment.
const reportPlanTimeout = 3 * time.Minute

// reportPlanNamePattern is the model's ReportPlanName rule ("must be between 1 and 256
// characters, starting with a letter, and consisting of letters (a-z, A-Z), numbers (0-9), and
// underscores (_)"). Compiled on first use, as frameworkNamePattern.
var reportPlanNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z][_a-zA-Z0-9]{0,255}$`) })

const reportPlanNameRule = "is 1 to 256 letters, digits and underscores, starting with a letter"

// reportFormats are the formats a report is written in.
var reportFormats = []string{reports.CSV, reports.JSON}

var (
	_ resource.ResourceWithConfigure      = (*reportPlanResource)(nil)
	_ resource.ResourceWithImportState    = (*reportPlanResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*reportPlanResource)(nil)
	_ resource.ResourceWithValidateConfig = (*reportPlanResource)(nil)
)

// NewReportPlanResource returns the backup_report_plan resource.
func NewReportPlanResource() resource.Resource { return &reportPlanResource{} }

type reportPlanResource struct{ c *clients }

type reportPlanModel struct {
	ID                    tftypes.String        `tfsdk:"id"`
	ARN                   tftypes.String        `tfsdk:"arn"`
	Name                  tftypes.String        `tfsdk:"name"`
	Description           tftypes.String        `tfsdk:"description"`
	CreationTime          tftypes.String        `tfsdk:"creation_time"`
	DeploymentStatus      tftypes.String        `tfsdk:"deployment_status"`
	ReportDeliveryChannel []reportDeliveryModel `tfsdk:"report_delivery_channel"`
	ReportSetting         []reportSettingModel  `tfsdk:"report_setting"`
	Tags                  tftypes.Map           `tfsdk:"tags"`
	TagsAll               tftypes.Map           `tfsdk:"tags_all"`
	Timeouts              timeouts.Value        `tfsdk:"timeouts"`
}

type reportDeliveryModel struct {
	Formats      tftypes.Set    `tfsdk:"formats"`
	S3BucketName tftypes.String `tfsdk:"s3_bucket_name"`
	S3KeyPrefix  tftypes.String `tfsdk:"s3_key_prefix"`
}

type reportSettingModel struct {
	Accounts           tftypes.Set    `tfsdk:"accounts"`
	FrameworkARNs      tftypes.Set    `tfsdk:"framework_arns"`
	NumberOfFrameworks tftypes.Int64  `tfsdk:"number_of_frameworks"`
	OrganizationUnits  tftypes.Set    `tfsdk:"organization_units"`
	Regions            tftypes.Set    `tfsdk:"regions"`
	ReportTemplate     tftypes.String `tfsdk:"report_template"`
}

func (r *reportPlanResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_report_plan"
}

func (r *reportPlanResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	}
	stringSet := func(desc string) schema.SetAttribute {
		return schema.SetAttribute{Optional: true, ElementType: tftypes.StringType, MarkdownDescription: desc, Validators: []validator.Set{setvalidator.SizeAtLeast(1)}}
	}
	one := []validator.List{listvalidator.IsRequired(), listvalidator.SizeBetween(1, 1)}
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "A Backup Audit Manager report plan: a report of jobs or of frameworks' compliance, delivered every day " +
			"(on the engine's clock) and on demand to an S3 bucket. Counterpart of `aws_backup_report_plan`. With the engine, the " +
			"bucket is on the S3-compatible server the operator names in config.json (`reports.s3`).",
		Attributes: map[string]schema.Attribute{
			"id":  computed("The report plan's name."),
			"arn": computed("ARN of the report plan."),
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the report plan: " + reportPlanNameRule + ". Changing it replaces the report plan.",
				Validators:          []validator.String{stringvalidator.RegexMatches(reportPlanNamePattern(), "must be a report plan name that "+reportPlanNameRule)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Description of the report plan, up to 1024 characters.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 1024)},
			},
			"creation_time":     computed("When the report plan was created (RFC 3339)."),
			"deployment_status": schema.StringAttribute{Computed: true, MarkdownDescription: "`CREATE_IN_PROGRESS`, `UPDATE_IN_PROGRESS`, `DELETE_IN_PROGRESS` or `COMPLETED`."},
			"tags":              tagsAttribute(),
			"tags_all":          tagsAllAttribute(),
		},
		Blocks: map[string]schema.Block{
			"report_delivery_channel": schema.ListNestedBlock{
				MarkdownDescription: "Where the reports go. Exactly one.",
				Validators:          one,
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"formats": schema.SetAttribute{
						Optional: true, Computed: true, ElementType: tftypes.StringType,
						MarkdownDescription: "Formats of the reports: `CSV`, `JSON` or both. Unset: `CSV`.",
						Validators:          []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(stringvalidator.OneOf(reportFormats...))},
						PlanModifiers:       []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
					},
					"s3_bucket_name": schema.StringAttribute{Required: true, MarkdownDescription: "Name of the bucket the reports are written to."},
					"s3_key_prefix":  schema.StringAttribute{Optional: true, MarkdownDescription: "Prefix of the reports' keys in the bucket."},
				}},
			},
			"report_setting": schema.ListNestedBlock{
				MarkdownDescription: "What the reports cover. Exactly one.",
				Validators:          one,
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"accounts":       stringSet("Accounts the report covers (`ROOT` for every account of the organization). Unset: the caller's."),
					"framework_arns": stringSet("ARNs of the frameworks a compliance report covers; required for `RESOURCE_COMPLIANCE_REPORT` and `CONTROL_COMPLIANCE_REPORT`."),
					"number_of_frameworks": schema.Int64Attribute{
						Optional: true, Computed: true,
						MarkdownDescription: "Number of frameworks the report covers. Unset: read back from the service.",
						PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
					},
					"organization_units": stringSet("Organizational units the report covers."),
					"regions":            stringSet("Regions the report covers (`*` for every region). Unset: the provider's."),
					"report_template": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "The report: `RESOURCE_COMPLIANCE_REPORT`, `CONTROL_COMPLIANCE_REPORT`, `BACKUP_JOB_REPORT`, `COPY_JOB_REPORT` or `RESTORE_JOB_REPORT`. Changing it replaces the report plan.",
						Validators:          []validator.String{stringvalidator.OneOf(reports.Templates...)},
						PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
					},
				}},
			},
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *reportPlanResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig refuses a compliance report without frameworks, and frameworks on a job report,
// which cover none.
func (r *reportPlanResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m reportPlanModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || len(m.ReportSetting) != 1 {
		return
	}
	s := m.ReportSetting[0]
	if s.ReportTemplate.IsUnknown() || s.FrameworkARNs.IsUnknown() {
		return
	}
	at := path.Root("report_setting").AtListIndex(0).AtName("framework_arns")
	template := s.ReportTemplate.ValueString()
	switch compliance := reports.IsCompliance(template); {
	case compliance && s.FrameworkARNs.IsNull():
		resp.Diagnostics.AddAttributeError(at, "Missing frameworks",
			fmt.Sprintf("A %s reports on frameworks: set framework_arns to the ARNs of the frameworks it covers (backup_framework.NAME.arn).", template))
	case !compliance && !s.FrameworkARNs.IsNull():
		resp.Diagnostics.AddAttributeError(at, "Frameworks on a job report",
			fmt.Sprintf("A %s reports on jobs, not frameworks: remove framework_arns, or use RESOURCE_COMPLIANCE_REPORT or CONTROL_COMPLIANCE_REPORT.", template))
	}
}

func (r *reportPlanResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planTagsAll(ctx, r.c, req, resp)
	// Every update sends UpdateReportPlan, whole, even for a change of tags only: none is ignored.
	refuseDroppingUnmodelled(ctx, req, resp)
}

// setStrings reads a set of strings (nil for null or unknown).
func setStrings(ctx context.Context, s tftypes.Set, diags *diag.Diagnostics) []string {
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(s.ElementsAs(ctx, &out, false)...)
	return out
}

func expandReportPlan(ctx context.Context, m reportPlanModel, diags *diag.Diagnostics) (*types.ReportDeliveryChannel, *types.ReportSetting) {
	d, s := m.ReportDeliveryChannel[0], m.ReportSetting[0]
	channel := &types.ReportDeliveryChannel{S3BucketName: aws.String(d.S3BucketName.ValueString()), Formats: setStrings(ctx, d.Formats, diags)}
	if !d.S3KeyPrefix.IsNull() {
		channel.S3KeyPrefix = aws.String(d.S3KeyPrefix.ValueString())
	}
	setting := &types.ReportSetting{ReportTemplate: aws.String(s.ReportTemplate.ValueString()),
		Accounts: setStrings(ctx, s.Accounts, diags), FrameworkArns: setStrings(ctx, s.FrameworkARNs, diags),
		OrganizationUnits: setStrings(ctx, s.OrganizationUnits, diags), Regions: setStrings(ctx, s.Regions, diags)}
	if !s.NumberOfFrameworks.IsNull() && !s.NumberOfFrameworks.IsUnknown() {
		setting.NumberOfFrameworks = int32(s.NumberOfFrameworks.ValueInt64())
	}
	return channel, setting
}

// flattenReportPlan sets m's blocks from the API, keeping null what the prior value left unset
// and the API answers empty.
func flattenReportPlan(ctx context.Context, p *types.ReportPlan, m *reportPlanModel, diags *diag.Diagnostics) {
	var prior reportDeliveryModel
	if len(m.ReportDeliveryChannel) == 1 {
		prior = m.ReportDeliveryChannel[0]
	}
	var d reportDeliveryModel
	if c := p.ReportDeliveryChannel; c != nil {
		d = reportDeliveryModel{S3BucketName: tftypes.StringValue(aws.ToString(c.S3BucketName)),
			S3KeyPrefix: optionalStringBack(c.S3KeyPrefix, prior.S3KeyPrefix), Formats: stringSetOrNull(ctx, c.Formats, diags)}
	}
	m.ReportDeliveryChannel = []reportDeliveryModel{d}
	var s reportSettingModel
	if rs := p.ReportSetting; rs != nil {
		s = reportSettingModel{ReportTemplate: tftypes.StringValue(aws.ToString(rs.ReportTemplate)),
			Accounts: stringSetOrNull(ctx, rs.Accounts, diags), FrameworkARNs: stringSetOrNull(ctx, rs.FrameworkArns, diags),
			OrganizationUnits: stringSetOrNull(ctx, rs.OrganizationUnits, diags), Regions: stringSetOrNull(ctx, rs.Regions, diags),
			NumberOfFrameworks: tftypes.Int64Value(int64(rs.NumberOfFrameworks))}
	}
	m.ReportSetting = []reportSettingModel{s}
}

func (r *reportPlanResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan reportPlanModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, reportPlanTimeout)
	resp.Diagnostics.Append(d...)
	own, d := mapFromTF(ctx, plan.Tags)
	resp.Diagnostics.Append(d...)
	channel, setting := expandReportPlan(ctx, plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	in := &backup.CreateReportPlanInput{ReportPlanName: aws.String(name), ReportDeliveryChannel: channel, ReportSetting: setting,
		ReportPlanTags: mergeTags(r.c.DefaultTags, own), IdempotencyToken: aws.String(uuid.NewString())}
	if !plan.Description.IsNull() {
		in.ReportPlanDescription = aws.String(plan.Description.ValueString())
	}
	if _, err := r.c.Backup.CreateReportPlan(ctx, in); err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("creating report plan %q", name), err)
		return
	}
	if _, err := awsbackup.WaitReportPlanDeployed(ctx, r.c.Backup, name, awsbackup.DeploymentCreateInProgress, timeout); err != nil {
		addDeploymentError(&resp.Diagnostics, "report plan", name, "create", err)
		return
	}
	tflog.Info(ctx, "created report plan", map[string]any{"name": name, "template": aws.ToString(setting.ReportTemplate)})
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, name, &plan, &resp.Diagnostics), "Report plan disappeared", fmt.Sprintf("Report plan %q was deleted outside Terraform while it was being created.", name)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// read refreshes m from the API. It returns false, with no diagnostic, if the plan is gone.
func (r *reportPlanResource) read(ctx context.Context, name string, m *reportPlanModel, diags *diag.Diagnostics) bool {
	p, err := awsbackup.FindReportPlanByName(ctx, r.c.Backup, name)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading report plan %q", name), err)
		return false
	}
	arn := aws.ToString(p.ReportPlanArn)
	remote, err := awsbackup.ListTags(ctx, r.c.Backup, arn)
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("listing tags of report plan %q", name), err)
		return false
	}
	m.ID = tftypes.StringValue(aws.ToString(p.ReportPlanName))
	m.Name = tftypes.StringValue(aws.ToString(p.ReportPlanName))
	m.ARN = tftypes.StringValue(arn)
	m.Description = optionalStringBack(p.ReportPlanDescription, m.Description)
	m.CreationTime = tftypes.StringValue(aws.ToTime(p.CreationTime).UTC().Format(time.RFC3339))
	m.DeploymentStatus = tftypes.StringValue(aws.ToString(p.DeploymentStatus))
	flattenReportPlan(ctx, p, m, diags)
	m.Tags, m.TagsAll = tagsFromRemote(remote, r.c.DefaultTags, m.Tags)
	return true
}

func (r *reportPlanResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state reportPlanModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	if !r.read(ctx, state.ID.ValueString(), &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			tflog.Warn(ctx, "report plan not found, removing from state", map[string]any{"name": state.ID.ValueString()})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	noteUnmodelled(ctx, answers, fmt.Sprintf("backup_report_plan %s", state.ID.ValueString()), resp.Private, &resp.Diagnostics, "DescribeReportPlan")
}

func (r *reportPlanResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state reportPlanModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, reportPlanTimeout)
	resp.Diagnostics.Append(d...)
	channel, setting := expandReportPlan(ctx, plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	_, err := r.c.Backup.UpdateReportPlan(ctx, &backup.UpdateReportPlanInput{ReportPlanName: aws.String(name), ReportDeliveryChannel: channel,
		ReportSetting: setting, ReportPlanDescription: aws.String(plan.Description.ValueString()), IdempotencyToken: aws.String(uuid.NewString())})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("updating report plan %q", name), err)
		return
	}
	if _, err := awsbackup.WaitReportPlanDeployed(ctx, r.c.Backup, name, awsbackup.DeploymentUpdateInProgress, timeout); err != nil {
		addDeploymentError(&resp.Diagnostics, "report plan", name, "update", err)
		return
	}
	if !applyTagsAll(ctx, r.c, state.ARN.ValueString(), fmt.Sprintf("report plan %q", name), state.TagsAll, plan.TagsAll, &resp.Diagnostics) {
		return
	}
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, name, &plan, &resp.Diagnostics), "Report plan disappeared", fmt.Sprintf("Report plan %q was deleted outside Terraform during the update.", name)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *reportPlanResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state reportPlanModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, reportPlanTimeout)
	resp.Diagnostics.Append(d...)
	name := state.Name.ValueString()
	_, err := r.c.Backup.DeleteReportPlan(ctx, &backup.DeleteReportPlanInput{ReportPlanName: aws.String(name)})
	if awsbackup.ErrorCode(err) == "ResourceNotFoundException" {
		return
	}
	if err != nil {
		addStateAPIError(&resp.Diagnostics, fmt.Sprintf("deleting report plan %q", name), err)
		return
	}
	if err := awsbackup.WaitReportPlanDeleted(ctx, r.c.Backup, name, timeout); err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error waiting for report plan %q to be deleted", name), err.Error())
	}
}

func (r *reportPlanResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !reportPlanNamePattern().MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("The import ID of a report plan is its name, which %s; got %q.", reportPlanNameRule, req.ID))
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
