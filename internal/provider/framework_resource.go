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
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	tftypes "github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

// backup_framework is a Backup Audit Manager framework: controls, each with its input parameters
// and scope, that the service evaluates continuously. Its controls are an ordered list read back
// as written (the AWS provider's set of blocks, made a list here as the provider's rules and
// conditions are); parameters a control was written without keep their defaults and show no
// diff.

// frameworkTimeout bounds the wait for a framework's deployment (AWS deploys them through AWS
// Config, asynchronously; the engine at once).
const frameworkTimeout = 3 * time.Minute

// frameworkNamePattern is the rule of a framework's name: "must be between 1 and 256 characters,
// starting with a letter, and consisting of letters (a-z, A-Z), numbers (0-9), and underscores
// (_)" (CreateFramework). Its bounded repetition makes a large program (about 0.7 ms and 200 KB
// to compile), so it is compiled on first use, not at every start of the plugin.
var frameworkNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z][_a-zA-Z0-9]{0,255}$`) })

const frameworkNameRule = "is 1 to 256 letters, digits and underscores, starting with a letter"

var (
	_ resource.ResourceWithConfigure      = (*frameworkResource)(nil)
	_ resource.ResourceWithImportState    = (*frameworkResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*frameworkResource)(nil)
	_ resource.ResourceWithValidateConfig = (*frameworkResource)(nil)
)

// NewFrameworkResource returns the backup_framework resource.
func NewFrameworkResource() resource.Resource { return &frameworkResource{} }

type frameworkResource struct{ c *clients }

type frameworkModel struct {
	ID               tftypes.String          `tfsdk:"id"`
	ARN              tftypes.String          `tfsdk:"arn"`
	Name             tftypes.String          `tfsdk:"name"`
	Description      tftypes.String          `tfsdk:"description"`
	Controls         []frameworkControlModel `tfsdk:"control"`
	CreationTime     tftypes.String          `tfsdk:"creation_time"`
	DeploymentStatus tftypes.String          `tfsdk:"deployment_status"`
	Status           tftypes.String          `tfsdk:"status"`
	Tags             tftypes.Map             `tfsdk:"tags"`
	TagsAll          tftypes.Map             `tfsdk:"tags_all"`
	Timeouts         timeouts.Value          `tfsdk:"timeouts"`
}

type frameworkControlModel struct {
	Name            tftypes.String          `tfsdk:"name"`
	InputParameters []controlParameterModel `tfsdk:"input_parameter"`
	Scope           []controlScopeModel     `tfsdk:"scope"`
}

type controlParameterModel struct {
	Name  tftypes.String `tfsdk:"name"`
	Value tftypes.String `tfsdk:"value"`
}

type controlScopeModel struct {
	ComplianceResourceIDs   tftypes.Set `tfsdk:"compliance_resource_ids"`
	ComplianceResourceTypes tftypes.Set `tfsdk:"compliance_resource_types"`
	Tags                    tftypes.Map `tfsdk:"tags"`
}

func (r *frameworkResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_framework"
}

// controlBlock is the schema of a framework's control blocks.
func controlBlock() schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: "A control of the framework, in the order written. At least one.",
		Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
		NestedObject: schema.NestedBlockObject{
			Attributes: map[string]schema.Attribute{
				"name": schema.StringAttribute{
					Required: true,
					MarkdownDescription: "Name of the control, such as `BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN` or " +
						"`BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK` (AWS Backup's \"Choosing your controls\").",
					Validators: []validator.String{stringvalidator.LengthBetween(1, 256)},
				},
			},
			Blocks: map[string]schema.Block{
				"input_parameter": schema.ListNestedBlock{
					MarkdownDescription: "An input parameter of the control, such as `requiredRetentionDays`. A parameter left out takes its default.",
					NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
						"name":  schema.StringAttribute{Required: true, MarkdownDescription: "Name of the parameter."},
						"value": schema.StringAttribute{Required: true, MarkdownDescription: "Value of the parameter."},
					}},
				},
				"scope": schema.ListNestedBlock{
					MarkdownDescription: "The resources the control evaluates: resource types, one tag, or one resource type and " +
						"one resource ID. Unset: every resource the control evaluates.",
					Validators: []validator.List{listvalidator.SizeAtMost(1)},
					NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
						"compliance_resource_ids": schema.SetAttribute{
							Optional: true, ElementType: tftypes.StringType,
							MarkdownDescription: "IDs of the resources to evaluate (1 to 100), with exactly one resource type.",
							Validators:          []validator.Set{setvalidator.SizeBetween(1, 100)},
						},
						"compliance_resource_types": schema.SetAttribute{
							Optional: true, ElementType: tftypes.StringType,
							MarkdownDescription: "Resource types to evaluate, such as `EFS` or `RDS`.",
							Validators:          []validator.Set{setvalidator.SizeAtLeast(1)},
						},
						"tags": schema.MapAttribute{
							Optional: true, ElementType: tftypes.StringType,
							MarkdownDescription: "One tag the evaluated resources carry.",
						},
					}},
				},
			},
		},
	}
}

func (r *frameworkResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	}
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "A Backup Audit Manager framework: a set of controls the service evaluates continuously against the " +
			"account's plans, vaults, recovery points and resources. Counterpart of `aws_backup_framework`; unlike it, `control` " +
			"is an ordered list read back as written. Control names and their input parameters are checked at plan time. " +
			"Read the results with the `backup_framework_compliance` data source, and deliver them with a `backup_report_plan`.",
		Attributes: map[string]schema.Attribute{
			"id":  computed("The framework's name."),
			"arn": computed("ARN of the framework."),
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the framework: " + frameworkNameRule + ". Changing it replaces the framework.",
				Validators:          []validator.String{stringvalidator.RegexMatches(frameworkNamePattern(), "must be a framework name that "+frameworkNameRule)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Description of the framework, up to 1024 characters.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 1024)},
			},
			"creation_time":     computed("When the framework was created (RFC 3339)."),
			"deployment_status": schema.StringAttribute{Computed: true, MarkdownDescription: "`CREATE_IN_PROGRESS`, `UPDATE_IN_PROGRESS`, `DELETE_IN_PROGRESS`, `COMPLETED` or `FAILED`."},
			"status": schema.StringAttribute{Computed: true, MarkdownDescription: "Whether the framework's controls are being evaluated: `ACTIVE`, " +
				"`PARTIALLY_ACTIVE`, `INACTIVE` or `UNAVAILABLE`."},
			"tags":     tagsAttribute(),
			"tags_all": tagsAllAttribute(),
		},
		Blocks: map[string]schema.Block{
			"control":  controlBlock(),
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *frameworkResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (r *frameworkResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m frameworkModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateControls(ctx, m.Controls, &resp.Diagnostics)
}

func (r *frameworkResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planTagsAll(ctx, r.c, req, resp)
	// Every update sends UpdateFramework, whole, even for a change of tags only: none is ignored.
	refuseDroppingUnmodelled(ctx, req, resp)
}

// expandControls turns the control blocks into the API's controls.
func expandControls(ctx context.Context, controls []frameworkControlModel, diags *diag.Diagnostics) []types.FrameworkControl {
	out := make([]types.FrameworkControl, 0, len(controls))
	for _, c := range controls {
		fc := types.FrameworkControl{ControlName: aws.String(c.Name.ValueString())}
		for _, p := range c.InputParameters {
			fc.ControlInputParameters = append(fc.ControlInputParameters, types.ControlInputParameter{
				ParameterName: aws.String(p.Name.ValueString()), ParameterValue: aws.String(p.Value.ValueString())})
		}
		if len(c.Scope) == 1 {
			s := c.Scope[0]
			scope := &types.ControlScope{}
			diags.Append(s.ComplianceResourceIDs.ElementsAs(ctx, &scope.ComplianceResourceIds, false)...)
			diags.Append(s.ComplianceResourceTypes.ElementsAs(ctx, &scope.ComplianceResourceTypes, false)...)
			tags, d := mapFromTF(ctx, s.Tags)
			diags.Append(d...)
			if len(tags) > 0 {
				scope.Tags = tags
			}
			fc.ControlScope = scope
		}
		out = append(out, fc)
	}
	return out
}

// flattenControls turns the API's controls into control blocks. The parameters the prior block of
// the same control wrote come back in its order; another is left out when it holds the
// control's default, so a control written without it shows no diff (isDefault says which; nil
// keeps every parameter).
func flattenControls(ctx context.Context, remote []types.FrameworkControl, prior []frameworkControlModel, isDefault func(control, param, value string) bool, diags *diag.Diagnostics) []frameworkControlModel {
	out := make([]frameworkControlModel, 0, len(remote))
	for i, fc := range remote {
		name := aws.ToString(fc.ControlName)
		written := map[string]bool{}
		if i < len(prior) && prior[i].Name.ValueString() == name {
			for _, p := range prior[i].InputParameters {
				written[p.Name.ValueString()] = true
			}
		}
		c := frameworkControlModel{Name: tftypes.StringValue(name)}
		remoteParams := map[string]string{}
		for _, p := range fc.ControlInputParameters {
			remoteParams[aws.ToString(p.ParameterName)] = aws.ToString(p.ParameterValue)
		}
		// The parameters written come back in the order written, then any other the service
		// holds that is not the control's default.
		if i < len(prior) && prior[i].Name.ValueString() == name {
			for _, p := range prior[i].InputParameters {
				if v, ok := remoteParams[p.Name.ValueString()]; ok {
					c.InputParameters = append(c.InputParameters, controlParameterModel{Name: p.Name, Value: tftypes.StringValue(v)})
				}
			}
		}
		for _, p := range fc.ControlInputParameters {
			pn, pv := aws.ToString(p.ParameterName), aws.ToString(p.ParameterValue)
			if written[pn] || isDefault != nil && isDefault(name, pn, pv) {
				continue
			}
			c.InputParameters = append(c.InputParameters, controlParameterModel{Name: tftypes.StringValue(pn), Value: tftypes.StringValue(pv)})
		}
		if s := fc.ControlScope; s != nil && len(s.ComplianceResourceIds)+len(s.ComplianceResourceTypes)+len(s.Tags) > 0 {
			c.Scope = []controlScopeModel{{
				ComplianceResourceIDs:   stringSetOrNull(ctx, s.ComplianceResourceIds, diags),
				ComplianceResourceTypes: stringSetOrNull(ctx, s.ComplianceResourceTypes, diags),
				Tags:                    tftypes.MapNull(tftypes.StringType),
			}}
			if len(s.Tags) > 0 {
				c.Scope[0].Tags = stringMapValue(ctx, s.Tags, diags)
			}
		}
		out = append(out, c)
	}
	return out
}

// stringSetOrNull is a set of strings, null when there are none.
func stringSetOrNull(ctx context.Context, v []string, diags *diag.Diagnostics) tftypes.Set {
	if len(v) == 0 {
		return tftypes.SetNull(tftypes.StringType)
	}
	s, d := tftypes.SetValueFrom(ctx, tftypes.StringType, v)
	diags.Append(d...)
	return s
}

// optionalStringBack is an optional string attribute read back: null when the API answers nothing
// and the prior value was null.
func optionalStringBack(v *string, prior tftypes.String) tftypes.String {
	if aws.ToString(v) == "" && (prior.IsNull() || prior.IsUnknown()) {
		return tftypes.StringNull()
	}
	return tftypes.StringValue(aws.ToString(v))
}

func (r *frameworkResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan frameworkModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, frameworkTimeout)
	resp.Diagnostics.Append(d...)
	own, d := mapFromTF(ctx, plan.Tags)
	resp.Diagnostics.Append(d...)
	controls := expandControls(ctx, plan.Controls, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	in := &backup.CreateFrameworkInput{FrameworkName: aws.String(name), FrameworkControls: controls,
		FrameworkTags: mergeTags(r.c.DefaultTags, own), IdempotencyToken: aws.String(uuid.NewString())}
	if !plan.Description.IsNull() {
		in.FrameworkDescription = aws.String(plan.Description.ValueString())
	}
	if _, err := r.c.Backup.CreateFramework(ctx, in); err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("creating framework %q", name), err)
		return
	}
	if _, err := awsbackup.WaitFrameworkDeployed(ctx, r.c.Backup, name, awsbackup.DeploymentCreateInProgress, timeout); err != nil {
		addDeploymentError(&resp.Diagnostics, "framework", name, "create", err)
		return
	}
	tflog.Info(ctx, "created framework", map[string]any{"name": name, "controls": len(controls)})
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, name, &plan, &resp.Diagnostics), "Framework disappeared", fmt.Sprintf("Framework %q was deleted outside Terraform while it was being created.", name)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// read refreshes m from the API. It returns false, with no diagnostic, if the framework is gone.
func (r *frameworkResource) read(ctx context.Context, name string, m *frameworkModel, diags *diag.Diagnostics) bool {
	out, err := awsbackup.FindFrameworkByName(ctx, r.c.Backup, name)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading framework %q", name), err)
		return false
	}
	arn := aws.ToString(out.FrameworkArn)
	remote, err := awsbackup.ListTags(ctx, r.c.Backup, arn)
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("listing tags of framework %q", name), err)
		return false
	}
	m.ID = tftypes.StringValue(aws.ToString(out.FrameworkName))
	m.Name = tftypes.StringValue(aws.ToString(out.FrameworkName))
	m.ARN = tftypes.StringValue(arn)
	m.Description = optionalStringBack(out.FrameworkDescription, m.Description)
	m.Controls = flattenControls(ctx, out.FrameworkControls, m.Controls, controlParameterIsDefault, diags)
	m.CreationTime = tftypes.StringValue(aws.ToTime(out.CreationTime).UTC().Format(time.RFC3339))
	m.DeploymentStatus = tftypes.StringValue(aws.ToString(out.DeploymentStatus))
	m.Status = tftypes.StringValue(aws.ToString(out.FrameworkStatus))
	m.Tags, m.TagsAll = tagsFromRemote(remote, r.c.DefaultTags, m.Tags)
	return true
}

func (r *frameworkResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state frameworkModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	if !r.read(ctx, state.ID.ValueString(), &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			tflog.Warn(ctx, "framework not found, removing from state", map[string]any{"name": state.ID.ValueString()})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	noteUnmodelled(ctx, answers, fmt.Sprintf("backup_framework %s", state.ID.ValueString()), resp.Private, &resp.Diagnostics, "DescribeFramework")
}

func (r *frameworkResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state frameworkModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, frameworkTimeout)
	resp.Diagnostics.Append(d...)
	controls := expandControls(ctx, plan.Controls, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	_, err := r.c.Backup.UpdateFramework(ctx, &backup.UpdateFrameworkInput{FrameworkName: aws.String(name), FrameworkControls: controls,
		FrameworkDescription: aws.String(plan.Description.ValueString()), IdempotencyToken: aws.String(uuid.NewString())})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("updating framework %q", name), err)
		return
	}
	if _, err := awsbackup.WaitFrameworkDeployed(ctx, r.c.Backup, name, awsbackup.DeploymentUpdateInProgress, timeout); err != nil {
		addDeploymentError(&resp.Diagnostics, "framework", name, "update", err)
		return
	}
	if !applyTagsAll(ctx, r.c, state.ARN.ValueString(), fmt.Sprintf("framework %q", name), state.TagsAll, plan.TagsAll, &resp.Diagnostics) {
		return
	}
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, name, &plan, &resp.Diagnostics), "Framework disappeared", fmt.Sprintf("Framework %q was deleted outside Terraform during the update.", name)) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *frameworkResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state frameworkModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, frameworkTimeout)
	resp.Diagnostics.Append(d...)
	name := state.Name.ValueString()
	_, err := r.c.Backup.DeleteFramework(ctx, &backup.DeleteFrameworkInput{FrameworkName: aws.String(name)})
	if awsbackup.ErrorCode(err) == "ResourceNotFoundException" {
		return
	}
	if err != nil {
		addStateAPIError(&resp.Diagnostics, fmt.Sprintf("deleting framework %q", name), err)
		return
	}
	if err := awsbackup.WaitFrameworkDeleted(ctx, r.c.Backup, name, timeout); err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error waiting for framework %q to be deleted", name), err.Error())
	}
}

func (r *frameworkResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !frameworkNamePattern().MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("The import ID of a framework is its name, which %s; got %q.", frameworkNameRule, req.ID))
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
