package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

var (
	_ datasource.DataSourceWithConfigure = (*legalHoldDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*legalHoldsDataSource)(nil)
)

// NewLegalHoldDataSource returns the backup_legal_hold data source.
func NewLegalHoldDataSource() datasource.DataSource { return &legalHoldDataSource{} }

type legalHoldDataSource struct{ c *clients }

type legalHoldDataModel struct {
	ID                types.String        `tfsdk:"id"`
	LegalHoldID       types.String        `tfsdk:"legal_hold_id"`
	ARN               types.String        `tfsdk:"arn"`
	Title             types.String        `tfsdk:"title"`
	Description       types.String        `tfsdk:"description"`
	Status            types.String        `tfsdk:"status"`
	CreationDate      types.String        `tfsdk:"creation_date"`
	CancellationDate  types.String        `tfsdk:"cancellation_date"`
	CancelDescription types.String        `tfsdk:"cancel_description"`
	RetainRecordUntil types.String        `tfsdk:"retain_record_until"`
	Selection         *holdSelectionModel `tfsdk:"recovery_point_selection"`
	RecoveryPointARNs types.List          `tfsdk:"recovery_point_arns"`
	Tags              types.Map           `tfsdk:"tags"`
}

func (d *legalHoldDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_legal_hold"
}

func (d *legalHoldDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a legal hold — active or cancelled, while AWS Backup keeps its record — and the recovery points it covers.",
		Attributes: map[string]schema.Attribute{
			"id":                  schema.StringAttribute{Computed: true, MarkdownDescription: "The legal hold's ID."},
			"legal_hold_id":       schema.StringAttribute{Required: true, MarkdownDescription: "ID of the legal hold to read.", Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"arn":                 schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the legal hold."},
			"title":               schema.StringAttribute{Computed: true, MarkdownDescription: "Title of the hold."},
			"description":         schema.StringAttribute{Computed: true, MarkdownDescription: "Why the points are held."},
			"status":              schema.StringAttribute{Computed: true, MarkdownDescription: "`CREATING`, `ACTIVE`, `CANCELING` or `CANCELED`."},
			"creation_date":       schema.StringAttribute{Computed: true, MarkdownDescription: "When the hold was created (RFC 3339)."},
			"cancellation_date":   schema.StringAttribute{Computed: true, MarkdownDescription: "When the hold was cancelled (RFC 3339); null while it holds."},
			"cancel_description":  schema.StringAttribute{Computed: true, MarkdownDescription: "Why the hold was cancelled; null while it holds."},
			"retain_record_until": schema.StringAttribute{Computed: true, MarkdownDescription: "Until when the cancelled hold's record is kept (RFC 3339)."},
			"recovery_point_selection": schema.SingleNestedAttribute{
				Computed: true, MarkdownDescription: "The selection the hold was created with; null when it holds every point of the region.",
				Attributes: map[string]schema.Attribute{
					"vault_names":          schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Vaults the hold is limited to."},
					"resource_identifiers": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Resources (ARNs) the hold is limited to."},
					"date_range": schema.SingleNestedAttribute{Computed: true, MarkdownDescription: "Creation dates the hold is limited to, both ends included.",
						Attributes: map[string]schema.Attribute{
							"from_date": schema.StringAttribute{Computed: true, MarkdownDescription: "Start (RFC 3339)."},
							"to_date":   schema.StringAttribute{Computed: true, MarkdownDescription: "End (RFC 3339)."},
						}},
				},
			},
			"recovery_point_arns": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "ARNs of the recovery points the hold covers that still exist, oldest first (for a cancelled hold: those it held)."},
			"tags": schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Tags of the hold."},
		},
	}
}

func (d *legalHoldDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *legalHoldDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m legalHoldDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := m.LegalHoldID.ValueString()
	out, err := awsbackup.FindLegalHoldByID(ctx, d.c.Backup, id)
	if awsbackup.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("legal_hold_id"), "Legal hold not found",
			fmt.Sprintf("There is no legal hold %q in %s: check the ID (a cancelled hold's record is kept only for its retain_record_in_days).", id, d.c.Region))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading legal hold %s", id), err)
		return
	}
	members, err := awsbackup.ListRecoveryPointsByLegalHold(ctx, d.c.Backup, id)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("listing the recovery points of legal hold %s", id), err)
		return
	}
	arn := aws.ToString(out.LegalHoldArn)
	tags, err := awsbackup.ListTags(ctx, d.c.Backup, arn)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("listing tags of legal hold %s", id), err)
		return
	}
	arns := make([]string, 0, len(members))
	for _, p := range members {
		arns = append(arns, aws.ToString(p.RecoveryPointArn))
	}
	m.ID = types.StringValue(aws.ToString(out.LegalHoldId))
	m.ARN = types.StringValue(arn)
	m.Title = types.StringValue(aws.ToString(out.Title))
	m.Description = types.StringValue(aws.ToString(out.Description))
	m.Status = types.StringValue(string(out.Status))
	m.CreationDate = rfc(aws.ToTime(out.CreationDate))
	m.CancellationDate = rfc(aws.ToTime(out.CancellationDate))
	m.CancelDescription = types.StringPointerValue(out.CancelDescription)
	m.RetainRecordUntil = rfc(aws.ToTime(out.RetainRecordUntil))
	m.Selection = selectionFromAPI(out.RecoveryPointSelection, nil)
	if m.Selection != nil {
		m.Selection.VaultNames = emptyIfNull(m.Selection.VaultNames)
		m.Selection.ResourceIdentifiers = emptyIfNull(m.Selection.ResourceIdentifiers)
	}
	m.RecoveryPointARNs = types.ListValueMust(types.StringType, stringValues(arns))
	m.Tags = mapToTF(tags)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func emptyIfNull(l types.List) types.List {
	if l.IsNull() {
		return types.ListValueMust(types.StringType, []attr.Value{})
	}
	return l
}

func stringValues(v []string) []attr.Value {
	out := make([]attr.Value, len(v))
	for i, s := range v {
		out[i] = types.StringValue(s)
	}
	return out
}

// NewLegalHoldsDataSource returns the backup_legal_holds data source.
func NewLegalHoldsDataSource() datasource.DataSource { return &legalHoldsDataSource{} }

type legalHoldsDataSource struct{ c *clients }

type legalHoldsModel struct {
	ID         types.String `tfsdk:"id"`
	Status     types.String `tfsdk:"status"`
	IDs        types.List   `tfsdk:"ids"`
	LegalHolds types.List   `tfsdk:"legal_holds"`
}

var legalHoldItemType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id":                types.StringType,
	"arn":               types.StringType,
	"title":             types.StringType,
	"description":       types.StringType,
	"status":            types.StringType,
	"creation_date":     types.StringType,
	"cancellation_date": types.StringType,
}}

func (d *legalHoldsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_legal_holds"
}

func (d *legalHoldsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the region's legal holds, oldest first: active ones and cancelled ones whose record AWS Backup still keeps.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The region and the filter, joined."},
			"status": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Only holds in this status: `CREATING`, `ACTIVE`, `CANCELING` or `CANCELED`.",
				Validators: []validator.String{stringvalidator.OneOf(awsbackup.LegalHoldCreating, awsbackup.LegalHoldActive, awsbackup.LegalHoldCanceling, awsbackup.LegalHoldCanceled)},
			},
			"ids": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "IDs of the holds, oldest first."},
			"legal_holds": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "The holds, oldest first.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":                schema.StringAttribute{Computed: true, MarkdownDescription: "ID of the hold."},
					"arn":               schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the hold."},
					"title":             schema.StringAttribute{Computed: true, MarkdownDescription: "Title of the hold."},
					"description":       schema.StringAttribute{Computed: true, MarkdownDescription: "Why the points are held."},
					"status":            schema.StringAttribute{Computed: true, MarkdownDescription: "Status of the hold."},
					"creation_date":     schema.StringAttribute{Computed: true, MarkdownDescription: "When it was created (RFC 3339)."},
					"cancellation_date": schema.StringAttribute{Computed: true, MarkdownDescription: "When it was cancelled (RFC 3339); null while it holds."},
				}},
			},
		},
	}
}

func (d *legalHoldsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (d *legalHoldsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m legalHoldsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	holds, err := awsbackup.ListLegalHolds(ctx, d.c.Backup)
	if err != nil {
		addAPIError(&resp.Diagnostics, "listing legal holds", err)
		return
	}
	want := m.Status.ValueString()
	ids := []attr.Value{}
	items := []attr.Value{}
	for _, h := range holds {
		if want != "" && string(h.Status) != want {
			continue
		}
		ids = append(ids, types.StringValue(aws.ToString(h.LegalHoldId)))
		items = append(items, types.ObjectValueMust(legalHoldItemType.AttrTypes, map[string]attr.Value{
			"id": types.StringValue(aws.ToString(h.LegalHoldId)), "arn": types.StringValue(aws.ToString(h.LegalHoldArn)),
			"title": types.StringValue(aws.ToString(h.Title)), "description": types.StringValue(aws.ToString(h.Description)),
			"status": types.StringValue(string(h.Status)), "creation_date": rfc(aws.ToTime(h.CreationDate)),
			"cancellation_date": rfc(aws.ToTime(h.CancellationDate)),
		}))
	}
	m.IDs = types.ListValueMust(types.StringType, ids)
	m.LegalHolds = types.ListValueMust(legalHoldItemType, items)
	m.ID = types.StringValue(strings.Join([]string{d.c.Region, want}, "|"))
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
