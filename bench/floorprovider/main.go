// Command floorprovider is the floor of bench/provider.sh: the least a Terraform provider built on
// terraform-plugin-framework can cost. It serves floor_item (a required name and a computed id),
// with the same framework version and providerserver as terraform-provider-backup, and does
// nothing else: no network, no disk, no engine. What terraform_data costs beside it is what any
// framework provider pays; what ours costs beside it is ours to cut.
//
// floor_vault has backup_vault's schema (its attributes, types, defaults, plan modifiers and name
// validator) and no I/O: its Read gets and sets the model as a provider's Read does. Between it
// and floor_item is what the schema itself costs, in the framework and in Terraform; between
// backup_vault and it is what the provider's own work (the engine's API calls) costs.
//
// It is a benchmark fixture, never released: bench/provider.sh builds it and installs it as
// strongroom/floor through the same dev_overrides and filesystem mirror as the real provider.
package main

import (
	"context"
	"log"
	"os"
	"regexp"
	"runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func main() {
	// The two process-wide settings main.go of terraform-provider-backup makes, so the floor is
	// the cheapest framework provider and not one that pays for TRACE lines nobody reads.
	if os.Getenv("TF_LOG") == "" && os.Getenv("TF_LOG_PROVIDER") == "" {
		for _, env := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
			if os.Getenv(env) == "" {
				os.Setenv(env, "OFF")
			}
		}
	}
	debug.SetGCPercent(400)
	err := providerserver.Serve(context.Background(), func() provider.Provider { return floorProvider{} }, providerserver.ServeOpts{
		Address: "registry.terraform.io/strongroom/floor",
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

type floorProvider struct{}

func (floorProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "floor"
}

func (floorProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (floorProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (floorProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return item{} }, func() resource.Resource { return vault{} }}
}

func (floorProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// item is floor_item: Create sets id from name; Read and Update keep the state as it is.
type item struct{}

type itemModel struct {
	ID   types.String `tfsdk:"id"`
	Name types.String `tfsdk:"name"`
}

func (item) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_item"
}

func (item) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{Required: true},
		},
	}
}

func (item) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m itemModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue("floor-" + m.Name.ValueString())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (item) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (item) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m itemModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (item) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// vault is floor_vault: backup_vault's schema, with Create filling the computed attributes from
// the plan and Read getting and setting the model unchanged.
type vault struct{}

type vaultModel struct {
	ID             types.String `tfsdk:"id"`
	Name           types.String `tfsdk:"name"`
	ARN            types.String `tfsdk:"arn"`
	KMSKeyARN      types.String `tfsdk:"kms_key_arn"`
	ForceDestroy   types.Bool   `tfsdk:"force_destroy"`
	RecoveryPoints types.Int64  `tfsdk:"recovery_points"`
	Tags           types.Map    `tfsdk:"tags"`
	TagsAll        types.Map    `tfsdk:"tags_all"`
}

var vaultName = regexp.MustCompile(`^[a-zA-Z0-9\-\_]{2,50}$`)

func (vault) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vault"
}

func (vault) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, PlanModifiers: keep},
			"name": schema.StringAttribute{
				Required:      true,
				Validators:    []validator.String{stringvalidator.RegexMatches(vaultName, "must be 2 to 50 letters, digits, - and _")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"arn": schema.StringAttribute{Computed: true, PlanModifiers: keep},
			"kms_key_arn": schema.StringAttribute{
				Optional: true, Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
			},
			"force_destroy":   schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false)},
			"recovery_points": schema.Int64Attribute{Computed: true},
			// backup_vault's tags rule also checks each key and value; a size check stands in for it.
			"tags":     schema.MapAttribute{ElementType: types.StringType, Optional: true, Validators: []validator.Map{mapvalidator.SizeAtMost(50)}},
			"tags_all": schema.MapAttribute{ElementType: types.StringType, Computed: true},
		},
	}
}

func (vault) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m vaultModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = m.Name
	m.ARN = types.StringValue("arn:aws:backup:us-east-1:123456789012:backup-vault:" + m.Name.ValueString())
	if m.KMSKeyARN.IsUnknown() {
		m.KMSKeyARN = types.StringValue("arn:aws:kms:us-east-1:123456789012:key/floor")
	}
	m.RecoveryPoints = types.Int64Value(0)
	m.TagsAll = m.Tags
	if m.Tags.IsNull() {
		m.TagsAll = types.MapValueMust(types.StringType, nil)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (vault) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m vaultModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (vault) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m vaultModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (vault) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
