package provider

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

// Data-source forms of the plan schema: the same names as the backup_plan resource, so a
// `dynamic "rule"` block can copy a data source's rules attribute for attribute.

func lifecycleDataAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Computed:            true,
		MarkdownDescription: "When recovery points move to cold storage and are deleted; empty when they are kept indefinitely.",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"cold_storage_after": schema.Int64Attribute{Computed: true, MarkdownDescription: "Days until cold storage; null when they stay warm."},
			"delete_after":       schema.Int64Attribute{Computed: true, MarkdownDescription: "Days until deletion; null when they are kept."},
			"opt_in_to_archive_for_supported_resources": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether archive storage is used where supported."},
		}},
	}
}

func rulesDataAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Computed:            true,
		MarkdownDescription: "The plan's rules, in order, with the attributes of the `backup_plan` resource's `rule` block.",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"rule_name":                    schema.StringAttribute{Computed: true, MarkdownDescription: "Name of the rule."},
			"target_vault_name":            schema.StringAttribute{Computed: true, MarkdownDescription: "Vault the rule's recovery points go to."},
			"schedule":                     schema.StringAttribute{Computed: true, MarkdownDescription: "cron() or rate() expression."},
			"schedule_expression_timezone": schema.StringAttribute{Computed: true, MarkdownDescription: "IANA time zone of the schedule."},
			"enable_continuous_backup":     schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether backups are continuous."},
			"start_window":                 schema.Int64Attribute{Computed: true, MarkdownDescription: "Start window in minutes."},
			"completion_window":            schema.Int64Attribute{Computed: true, MarkdownDescription: "Completion window in minutes."},
			"lifecycle":                    lifecycleDataAttribute(),
			"copy_action": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Copies made of each new recovery point.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"destination_vault_arn": schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the vault the copy goes to."},
					"lifecycle":             lifecycleDataAttribute(),
				}},
			},
			"recovery_point_tags": schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Tags put on the rule's recovery points."},
			"target_logically_air_gapped_backup_vault_arn": schema.StringAttribute{Computed: true,
				MarkdownDescription: "ARN of the logically air-gapped vault the rule's recovery points also go to; null when none."},
			"scan_action": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Malware scans of the rule's recovery points.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"malware_scanner": schema.StringAttribute{Computed: true, MarkdownDescription: "The scanner, `GUARDDUTY`."},
					"scan_mode":       schema.StringAttribute{Computed: true, MarkdownDescription: "`FULL_SCAN` or `INCREMENTAL_SCAN`."},
				}},
			},
			"index_action": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Indexing of the rule's recovery points: at most one.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"resource_types": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Resource types indexed."},
				}},
			},
		}},
	}
}

func scanSettingsDataAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Computed:            true,
		MarkdownDescription: "The plan's malware scanning settings, with the attributes of the `backup_plan` resource's `scan_setting` block.",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"malware_scanner":  schema.StringAttribute{Computed: true, MarkdownDescription: "The scanner, `GUARDDUTY`."},
			"resource_types":   schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Resource types scanned."},
			"scanner_role_arn": schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the IAM role the scanner runs as."},
		}},
	}
}

func advancedSettingsDataAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Computed:            true,
		MarkdownDescription: "Resource-type specific options.",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"backup_options": schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Options, such as `WindowsVSS`, `BackupACLs` or `BackupObjectTags`."},
			"resource_type":  schema.StringAttribute{Computed: true, MarkdownDescription: "Resource type the options apply to."},
		}},
	}
}

var _ datasource.DataSourceWithConfigure = (*planDataSource)(nil)

// NewPlanDataSource returns the backup_plan data source.
func NewPlanDataSource() datasource.DataSource { return &planDataSource{} }

type planDataSource struct{ c *clients }

type planDataModel struct {
	ID                     types.String           `tfsdk:"id"`
	PlanID                 types.String           `tfsdk:"plan_id"`
	ARN                    types.String           `tfsdk:"arn"`
	Name                   types.String           `tfsdk:"name"`
	Version                types.String           `tfsdk:"version"`
	Rules                  []planRuleModel        `tfsdk:"rule"`
	AdvancedBackupSettings []advancedSettingModel `tfsdk:"advanced_backup_setting"`
	ScanSettings           []scanSettingModel     `tfsdk:"scan_setting"`
	Tags                   types.Map              `tfsdk:"tags"`
}

func (d *planDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_plan"
}

func (d *planDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a backup plan's current version by ID. Counterpart of the `aws_backup_plan` data source.",
		Attributes: map[string]schema.Attribute{
			"id":                      schema.StringAttribute{Computed: true, MarkdownDescription: "ID of the plan."},
			"plan_id":                 schema.StringAttribute{Required: true, MarkdownDescription: "ID of the plan to read."},
			"arn":                     schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the plan."},
			"name":                    schema.StringAttribute{Computed: true, MarkdownDescription: "Name of the plan."},
			"version":                 schema.StringAttribute{Computed: true, MarkdownDescription: "ID of the current version."},
			"rule":                    rulesDataAttribute(),
			"advanced_backup_setting": advancedSettingsDataAttribute(),
			"scan_setting":            scanSettingsDataAttribute(),
			"tags":                    schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Every tag on the plan."},
		},
	}
}

func (d *planDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *planDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m planDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := m.PlanID.ValueString()
	out, err := awsbackup.FindPlanByID(ctx, d.c.Backup, id)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading backup plan %s", id), err)
		return
	}
	tags, err := awsbackup.ListTags(ctx, d.c.Backup, aws.ToString(out.BackupPlanArn))
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("listing tags of backup plan %s", id), err)
		return
	}
	m.ID = types.StringValue(aws.ToString(out.BackupPlanId))
	m.ARN = types.StringValue(aws.ToString(out.BackupPlanArn))
	m.Name = types.StringValue(aws.ToString(out.BackupPlan.BackupPlanName))
	m.Version = types.StringValue(aws.ToString(out.VersionId))
	m.Rules = flattenRules(out.BackupPlan.Rules, nil)
	m.AdvancedBackupSettings = flattenAdvancedSettings(out.AdvancedBackupSettings)
	m.ScanSettings = flattenScanSettings(out.BackupPlan.ScanSettings)
	m.Tags = mapToTF(tags)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

var _ datasource.DataSourceWithConfigure = (*planJSONDataSource)(nil)

// NewPlanJSONDataSource returns the backup_plan_json data source.
func NewPlanJSONDataSource() datasource.DataSource { return &planJSONDataSource{} }

type planJSONDataSource struct{ c *clients }

type planJSONDataModel struct {
	JSON                   types.String           `tfsdk:"json"`
	Name                   types.String           `tfsdk:"name"`
	Rules                  []planRuleModel        `tfsdk:"rule"`
	AdvancedBackupSettings []advancedSettingModel `tfsdk:"advanced_backup_setting"`
	ScanSettings           []scanSettingModel     `tfsdk:"scan_setting"`
}

func (d *planJSONDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_plan_json"
}

func (d *planJSONDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Turns a backup plan JSON document — one exported with `aws backup export-backup-plan-template`, or written for " +
			"`aws backup create-backup-plan` — into the fields of a `backup_plan`, checked by the API's `GetBackupPlanFromJSON` " +
			"under the same rules as a plan. Feed `rule` to a `dynamic \"rule\"` block to manage the plan with Terraform.\n\n" +
			"The document is strict JSON, as `GetBackupPlanFromJSON` takes it: `BackupPlanName`, `Rules` (with `ScanActions`, " +
			"`IndexActions` and `TargetLogicallyAirGappedBackupVaultArn`), `AdvancedBackupSettings` and `ScanSettings`, every one of " +
			"which reaches the attributes below, optionally wrapped in `{\"BackupPlan\": ...}`. Comments (`// ...`) are refused, so strip them from " +
			"documentation examples; unknown members such as `Selections` are refused too (a selection is a `backup_selection`).",
		Attributes: map[string]schema.Attribute{
			"json":                    schema.StringAttribute{Required: true, MarkdownDescription: "The plan document, for example `file(\"plan.json\")`."},
			"name":                    schema.StringAttribute{Computed: true, MarkdownDescription: "The plan's `BackupPlanName`."},
			"rule":                    rulesDataAttribute(),
			"advanced_backup_setting": advancedSettingsDataAttribute(),
			"scan_setting":            scanSettingsDataAttribute(),
		},
	}
}

func (d *planJSONDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *planJSONDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m planJSONDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := d.c.Backup.GetBackupPlanFromJSON(ctx, &backup.GetBackupPlanFromJSONInput{BackupPlanTemplateJson: aws.String(m.JSON.ValueString())})
	if err != nil {
		addAPIError(&resp.Diagnostics, "reading the backup plan JSON document", err)
		return
	}
	m.Name = types.StringValue(aws.ToString(out.BackupPlan.BackupPlanName))
	m.Rules = flattenRules(out.BackupPlan.Rules, nil)
	m.AdvancedBackupSettings = flattenAdvancedSettings(out.BackupPlan.AdvancedBackupSettings)
	m.ScanSettings = flattenScanSettings(out.BackupPlan.ScanSettings)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
