package provider

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

var (
	_ resource.ResourceWithConfigure      = (*protectedResourceResource)(nil)
	_ resource.ResourceWithImportState    = (*protectedResourceResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*protectedResourceResource)(nil)
	_ resource.ResourceWithValidateConfig = (*protectedResourceResource)(nil)
)

// NewProtectedResourceResource returns the backup_protected_resource resource.
func NewProtectedResourceResource() resource.Resource { return &protectedResourceResource{} }

type protectedResourceResource struct{ c *clients }

type protectedResourceModel struct {
	ID         types.String `tfsdk:"id"`
	ARN        types.String `tfsdk:"arn"`
	Type       types.String `tfsdk:"type"`
	Path       types.String `tfsdk:"path"`
	URL        types.String `tfsdk:"url"`
	ResourceID types.String `tfsdk:"resource_id"`
	Name       types.String `tfsdk:"name"`
	Tags       types.Map    `tfsdk:"tags"`
	TagsAll    types.Map    `tfsdk:"tags_all"`
}

func (r *protectedResourceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_protected_resource"
}

// absolutePath accepts absolute, clean paths only: the engine may run elsewhere than Terraform,
// and a path the engine would clean differently would show a diff on every plan.
type absolutePath struct{}

func (absolutePath) Description(context.Context) string {
	return "must be an absolute, clean path such as /srv/data"
}
func (v absolutePath) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (absolutePath) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	p := req.ConfigValue.ValueString()
	switch {
	case !filepath.IsAbs(p):
		resp.Diagnostics.AddAttributeError(req.Path, "Path must be absolute",
			fmt.Sprintf("%q is relative. The engine may run in another directory than Terraform: use an absolute path, e.g. abspath(%q).", p, p))
	case filepath.Clean(p) != p:
		resp.Diagnostics.AddAttributeError(req.Path, "Path must be clean",
			fmt.Sprintf("%q is not in its clean form; write %q (no trailing slash, no . or .. parts).", p, filepath.Clean(p)))
	}
}

func (r *protectedResourceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "Registers a local resource with the engine so it can be backed up: a directory tree, " +
			"protected as an EFS file system (`arn:aws:elasticfilesystem:...:file-system/fs-...`), a PostgreSQL database, " +
			"protected as an RDS instance (`arn:aws:rds:...:db:NAME`, backed up with pg_dump, restored into a new database), " +
			"or a bucket on an S3-compatible endpoint, protected as an S3 bucket (`arn:aws:s3:::BUCKET`: objects with their " +
			"metadata and tags, and the bucket's tags). Registry tags, and a bucket's own tags, drive tag-based backup " +
			"selections. Destroying it takes the resource out of the registry; the data and its recovery points stay. " +
			"Engine only (embedded or daemon): AWS Backup discovers resources itself.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The resource's ARN.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ARN of the resource, e.g. `arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123456789abcdef0`. The same path always gets the same ARN.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"type": schema.StringAttribute{
				Required: true, MarkdownDescription: "Resource type: `EFS` (a directory tree, set `path`), `RDS` (a PostgreSQL database, set `url`) or `S3` (a bucket, set `url`). Changing it replaces the registration.",
				Validators:    []validator.String{stringvalidator.OneOf("EFS", "RDS", "S3")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"path": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "`EFS`: absolute path of the directory, on the engine's machine. It must exist when registered. " +
					"Changing it replaces the registration.",
				Validators:    []validator.String{absolutePath{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"url": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "`RDS`: connection URL of the database, `postgres://USER@HOST:PORT/DBNAME`; the engine must be able to " +
					"connect when it is registered, and its DB instance identifier is the database name. Prefer a URL without a " +
					"password (trust or peer authentication, or a `~/.pgpass` of the user the engine runs as). " +
					"`S3`: URL of the bucket, path-style, `http[s]://[ACCESS_KEY_ID:SECRET_ACCESS_KEY@]HOST[:PORT]/BUCKET`, optionally " +
					"with `?region=REGION` (default `us-east-1`) and `?profile=NAME`; the bucket must exist, and its name is the " +
					"resource ID. Credentials come from the URL; the engine's own (a `?profile=NAME` of its AWS config files, or " +
					"its AWS environment) only where its operator lends them (`s3` in the engine config), and `s3.allowed_endpoints` " +
					"may limit the endpoints. The engine keeps the URL as given, sealed in its store, and shows it with any password " +
					"or secret key masked; the attribute is " +
					"sensitive. Changing it replaces the registration (a change that only reveals a masked secret, as after an " +
					"import, updates in place).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(urlChangeReplaces,
					"Replaces the registration unless the new URL is the old one with its masked secret filled in.",
					"Replaces the registration unless the new URL is the old one with its masked secret filled in.")},
			},
			"resource_id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The resource's ID, e.g. `fs-0123456789abcdef0`, the DB instance identifier of a database, or the name of a bucket.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The resource name backups show: the `Name` tag, else the directory's base name, the database name or the bucket name.",
			},
			"tags":     tagsAttribute(),
			"tags_all": tagsAllAttribute(),
		},
	}
}

// ValidateConfig requires the locator attribute of the resource's type, and only that one.
func (r *protectedResourceResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m protectedResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Type.IsUnknown() {
		return
	}
	want, other := "path", "url"
	wantVal, otherVal := m.Path, m.URL
	if locatedByURL(m.Type.ValueString()) {
		want, other, wantVal, otherVal = "url", "path", m.URL, m.Path
	}
	if wantVal.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root(want), "Missing "+want,
			fmt.Sprintf("A resource of type %s is located by %s: set it.", m.Type.ValueString(), want))
	}
	if !otherVal.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root(other), "Unexpected "+other,
			fmt.Sprintf("A resource of type %s is located by %s; remove %s.", m.Type.ValueString(), want, other))
	}
}

func (r *protectedResourceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (r *protectedResourceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	refuseDroppingUnmodelled(ctx, req, resp, "tags", "tags_all")
	planTagsAll(ctx, r.c, req, resp)
	if req.Plan.Raw.IsNull() || r.c == nil {
		return
	}
	// The name follows the Name tag; keep it known when neither changes.
	var plan, state protectedResourceModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	if req.State.Raw.IsNull() || resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.TagsAll.Equal(state.TagsAll) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("name"), state.Name)...)
	}
}

// registry returns the registry client, or a diagnostic saying why there is none.
func (c *clients) registry(diags *diag.Diagnostics) *engineclient.Client {
	if c.Registry == nil {
		diags.AddError("No protected-resource registry",
			"backup_protected_resource registers local resources with the engine; AWS Backup (endpoint = \"aws\") has no registry. "+
				"Use the embedded engine or an engine daemon.")
	}
	return c.Registry
}

func (r *protectedResourceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan protectedResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	reg := r.c.registry(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	tags, d := mapFromTF(ctx, plan.TagsAll)
	resp.Diagnostics.Append(d...)
	if d.HasError() {
		return
	}
	locator := plan.Path.ValueString()
	if locatedByURL(plan.Type.ValueString()) {
		locator = plan.URL.ValueString()
	}
	out, err := reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: plan.Type.ValueString(), Locator: locator, Tags: tags})
	if err != nil {
		what := plan.Path.ValueString()
		switch plan.Type.ValueString() {
		case "RDS":
			what = "database"
		case "S3":
			what = "bucket"
		}
		addAPIError(&resp.Diagnostics, fmt.Sprintf("registering %s %s", plan.Type.ValueString(), what), err)
		return
	}
	tflog.Info(ctx, "registered protected resource", map[string]any{"arn": out.ResourceArn, "type": out.ResourceType})
	r.fill(out, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *protectedResourceResource) fill(out *engineclient.Resource, m *protectedResourceModel) {
	m.ID = types.StringValue(out.ResourceArn)
	m.ARN = types.StringValue(out.ResourceArn)
	m.Type = types.StringValue(out.ResourceType)
	if locatedByURL(out.ResourceType) {
		// The engine masks secrets in the URLs it shows: keep the URL as written when the
		// engine's is that URL masked.
		if m.URL.IsNull() || m.URL.IsUnknown() || redactedURL(m.URL.ValueString()) != out.Locator {
			m.URL = types.StringValue(out.Locator)
		}
		m.Path = types.StringNull()
	} else {
		m.Path, m.URL = types.StringValue(out.Locator), types.StringNull()
	}
	m.ResourceID = types.StringValue(out.ResourceId)
	m.Name = types.StringValue(out.ResourceName)
	m.Tags, m.TagsAll = tagsFromRemote(out.Tags, r.c.DefaultTags, m.Tags)
}

func (r *protectedResourceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state protectedResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	reg := r.c.registry(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, answers := watchAnswers(ctx)
	out, err := reg.GetResource(ctx, state.ID.ValueString())
	if isNotFound(err) {
		tflog.Warn(ctx, "protected resource not registered any more, removing from state", map[string]any{"arn": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addStateAPIError(&resp.Diagnostics, fmt.Sprintf("reading protected resource %s", state.ID.ValueString()), err)
		return
	}
	r.fill(out, &state)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	noteUnmodelled(ctx, answers, fmt.Sprintf("backup_protected_resource %s", state.ID.ValueString()), resp.Private, &resp.Diagnostics, opGetResource)
}

func (r *protectedResourceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state protectedResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	reg := r.c.registry(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	tags, d := mapFromTF(ctx, plan.TagsAll)
	resp.Diagnostics.Append(d...)
	if d.HasError() {
		return
	}
	out, err := reg.UpdateResourceTags(ctx, state.ID.ValueString(), tags)
	if err != nil {
		addStateAPIError(&resp.Diagnostics, fmt.Sprintf("updating tags of protected resource %s", state.ID.ValueString()), err)
		return
	}
	r.fill(out, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *protectedResourceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state protectedResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	reg := r.c.registry(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := reg.RemoveResource(ctx, state.ID.ValueString()); err != nil && !isNotFound(err) {
		addStateAPIError(&resp.Diagnostics, fmt.Sprintf("removing protected resource %s", state.ID.ValueString()), err)
	}
}

func (r *protectedResourceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

// locatedByURL reports whether a resource type is located by `url` rather than `path`.
func locatedByURL(resourceType string) bool { return resourceType == "RDS" || resourceType == "S3" }

// redactedURL is a URL as the engine shows it: with its password (an S3 secret key, a
// PostgreSQL password) masked, as url.URL.Redacted does.
func redactedURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	if _, has := u.User.Password(); !has {
		return s
	}
	return u.Redacted()
}

// urlChangeReplaces replaces the registration when url changes, except when the state holds the
// masked form of the configured URL (after an import): then the secret is only filled in.
func urlChangeReplaces(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	if req.StateValue.IsNull() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		resp.RequiresReplace = true
		return
	}
	resp.RequiresReplace = redactedURL(req.PlanValue.ValueString()) != req.StateValue.ValueString()
}

// isNotFound reports whether err says the thing does not exist, from the SDK or the registry.
func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var apiErr *engineclient.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code == "ResourceNotFoundException"
	}
	return awsbackup.IsNotFound(err) || awsbackup.ErrorCode(err) == "ResourceNotFoundException"
}
