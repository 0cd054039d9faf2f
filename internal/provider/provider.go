// Package provider is the Terraform layer of strongroom/backup: the provider configuration and one
// file per resource, data source and action. Resources are thin: they map Terraform models to API
// calls and leave the finding, waiting and tag arithmetic to package awsbackup.
package provider

import (
	"context"
	"net/url"
	"os"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/s3blob"
)

// EndpointAWS is the endpoint value that selects AWS Backup itself.
const EndpointAWS = "aws"

// EnvEndpoint is the environment variable the provider reads when endpoint is not set. (data_dir's,
// engine.DataDirEnv, is the engine's own default.)
const EnvEndpoint = "BACKUP_ENGINE_ENDPOINT"

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

var (
	_ provider.Provider                   = (*backupProvider)(nil)
	_ provider.ProviderWithValidateConfig = (*backupProvider)(nil)
	_ provider.ProviderWithActions        = (*backupProvider)(nil)
	_ provider.ProviderWithListResources  = (*backupProvider)(nil)
)

type backupProvider struct {
	version string
}

// New returns a constructor for the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &backupProvider{version: version} }
}

type providerModel struct {
	Endpoint     types.String       `tfsdk:"endpoint"`
	DataDir      types.String       `tfsdk:"data_dir"`
	Region       types.String       `tfsdk:"region"`
	AccessKey    types.String       `tfsdk:"access_key"`
	SecretKey    types.String       `tfsdk:"secret_key"`
	Profile      types.String       `tfsdk:"profile"`
	FakeClock    types.String       `tfsdk:"fake_clock"`
	AllowedPaths types.List         `tfsdk:"allowed_paths"`
	Storage      types.String       `tfsdk:"storage"`
	DefaultTags  []defaultTagsModel `tfsdk:"default_tags"`
}

type defaultTagsModel struct {
	Tags types.Map `tfsdk:"tags"`
}

func (p *backupProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "backup"
	resp.Version = p.version
}

func (p *backupProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages AWS Backup-style data protection — vaults, locks, plans, selections, legal holds, " +
			"backups and restores — on an engine that really runs them: embedded in the provider (the default), " +
			"an engine daemon, or AWS Backup itself.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Where the AWS Backup API is. Unset (the default): an engine embedded in the provider, " +
					"keeping its state in `data_dir`. A URL such as `http://127.0.0.1:9191`: an engine daemon " +
					"(`terraform-provider-backup engine serve`). `\"aws\"`: AWS Backup itself, through the AWS SDK's " +
					"default credential chain. Can also be set with `" + EnvEndpoint + "`.",
			},
			"data_dir": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Directory of the embedded engine's state. Defaults to `$" + engine.DataDirEnv + "`, else " +
					"`$XDG_DATA_HOME/terraform-provider-backup`, else `~/.local/share/terraform-provider-backup` — the same " +
					"directory `engine serve` uses by default, so the daemon and Terraform see the same vaults. " +
					"Only valid without `endpoint`.",
			},
			"region": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Region the API calls are made in; ARNs carry it. Defaults to `$AWS_REGION`, " +
					"`$AWS_DEFAULT_REGION`, the profile's region with `endpoint = \"aws\"`, else `us-east-1`.",
				Validators: []validator.String{stringvalidator.RegexMatches(regionPattern, "must be a region name such as us-east-1 or eu-west-1")},
			},
			"access_key": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Access key ID for an engine daemon or AWS. Requires `secret_key`. Not used by the embedded engine.",
			},
			"secret_key": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Secret access key that goes with `access_key`.",
			},
			"profile": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Named profile of the AWS shared config and credentials files, for an engine daemon or AWS.",
			},
			"fake_clock": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Embedded engine only: run it on a **fake clock** starting at this RFC 3339 time (e.g. " +
					"`2025-01-01T00:00:00Z`), for tests of backup policy. The clock then moves only through `backup_engine_clock`, " +
					"and its time is kept in `data_dir`, so later runs continue from where it was (a later `fake_clock` moves it " +
					"forward, catching up as after downtime). Use a `data_dir` of its own: every user of a data dir shares its clock.",
				Validators: []validator.String{rfc3339{}},
			},
			"allowed_paths": schema.ListAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Embedded engine only: the directories (absolute paths) that may be registered as EFS resources " +
					"(`backup_protected_resource`) and restored into, with what is below them. Unset: every directory you can " +
					"reach yourself, since the embedded engine's only caller is your own Terraform. The engine's data directory " +
					"and region storage directories are refused either way. A daemon's are set with `engine serve --allow-path`.",
				Validators: []validator.List{listvalidator.ValueStringsAre(absolutePath{})},
			},
			"storage": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Embedded engine only: keep vault data in an S3-compatible bucket instead of `data_dir`, so a lost " +
					"or compromised machine does not take its backups with it: `" + s3blob.LocationShape + "`, e.g. " +
					"`s3://backups/engine?endpoint=https://minio.example:9000&region=us-east-1&profile=backup`. Credentials come from " +
					"`profile` (a profile of your AWS config and credentials files), else from the environment (`AWS_ACCESS_KEY_ID`, ...); " +
					"keys in the URL are refused. A region or vault the data dir's `config.json` gives its own storage keeps it. " +
					"A daemon's is set in its `config.json` (`storage`).",
				Validators: []validator.String{storageURL{}},
			},
		},
		Blocks: map[string]schema.Block{
			"default_tags": schema.ListNestedBlock{
				MarkdownDescription: "Tags applied to every taggable resource this provider manages, as in the AWS provider. " +
					"A resource's own `tags` win on a key conflict; `tags_all` shows the merged set.",
				Validators: []validator.List{listvalidator.SizeAtMost(1)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"tags": schema.MapAttribute{ElementType: types.StringType, Optional: true, MarkdownDescription: "Tags to apply."},
					},
				},
			},
		},
	}
}

// ValidateConfig catches wrong and conflicting settings at plan time.
func (p *backupProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateProviderModel(m, func(attr, summary, detail string) {
		resp.Diagnostics.AddAttributeError(path.Root(attr), summary, detail)
	})
}

// validateProviderModel reports every conflict in m; unknown values are not judged.
func validateProviderModel(m providerModel, report func(attr, summary, detail string)) {
	endpoint := m.Endpoint.ValueString()
	if !m.Endpoint.IsUnknown() && endpoint != "" && endpoint != EndpointAWS {
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			report("endpoint", "Invalid endpoint",
				"endpoint must be an http(s) URL of an engine daemon such as \"http://127.0.0.1:9191\", or \"aws\" for AWS Backup; got "+endpoint+".")
		}
	}
	embedded := m.Endpoint.IsNull()
	if embedded {
		for attr, v := range map[string]types.String{"access_key": m.AccessKey, "secret_key": m.SecretKey, "profile": m.Profile} {
			if !v.IsNull() {
				report(attr, "Conflicting provider settings",
					attr+" applies only with endpoint (an engine daemon or \"aws\"). Without endpoint the provider runs the engine "+
						"embedded and signs with the engine's own key: remove "+attr+", or set endpoint.")
			}
		}
	}
	if !m.Endpoint.IsNull() && !m.FakeClock.IsNull() {
		report("fake_clock", "Conflicting provider settings",
			"fake_clock applies only to the embedded engine, which runs when endpoint is unset. Remove fake_clock (a daemon's fake "+
				"clock is set with `engine serve --fake-clock`), or remove endpoint.")
	}
	if !m.Endpoint.IsNull() && !m.DataDir.IsNull() {
		report("data_dir", "Conflicting provider settings",
			"data_dir applies only to the embedded engine, which runs when endpoint is unset. Remove data_dir, or remove endpoint "+
				"(a daemon's data dir is set with `engine serve --data-dir`).")
	}
	if !m.Endpoint.IsNull() && !m.AllowedPaths.IsNull() {
		report("allowed_paths", "Conflicting provider settings",
			"allowed_paths applies only to the embedded engine, which runs when endpoint is unset. Remove allowed_paths, or remove "+
				"endpoint (a daemon's allowed directories are set with `engine serve --allow-path DIR` or filesystem.allowed_paths in its config.json).")
	}
	if !m.Endpoint.IsNull() && !m.Storage.IsNull() {
		report("storage", "Conflicting provider settings",
			"storage applies only to the embedded engine, which runs when endpoint is unset. Remove storage, or remove endpoint "+
				"(a daemon's storage is set with storage in its config.json).")
	}
	if !m.AccessKey.IsUnknown() && !m.SecretKey.IsUnknown() && m.AccessKey.IsNull() != m.SecretKey.IsNull() {
		report("secret_key", "Incomplete credentials", "access_key and secret_key must be set together.")
	}
}

func (p *backupProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.Endpoint.IsNull() {
		if v := os.Getenv(EnvEndpoint); v != "" {
			m.Endpoint = types.StringValue(v)
		}
	}
	validateProviderModel(m, func(attr, summary, detail string) {
		resp.Diagnostics.AddAttributeError(path.Root(attr), summary, detail)
	})
	if resp.Diagnostics.HasError() {
		return
	}
	c, diags := newClients(ctx, m)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.ResourceData = c
	resp.DataSourceData = c
	resp.ActionData = c
	resp.ListResourceData = c
}

func (p *backupProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		// Each with its identity (identity.go): the attributes its import ID is made of.
		withIdentity(NewVaultResource, identityByName),
		withIdentity(NewVaultLockResource, identityByVaultName),
		withIdentity(NewVaultPolicyResource, identityByVaultName),
		withIdentity(NewVaultNotificationsResource, identityByVaultName),
		withIdentity(NewAirGappedVaultResource, identityByName),
		withIdentity(NewPlanResource, identityByID("ID of the backup plan.")),
		withIdentity(NewSelectionResource, identityOfSelection),
		withIdentity(NewProtectedResourceResource, identityOfProtectedResource),
		withIdentity(NewRecoveryPointResource, identityOfRecoveryPoint),
		withIdentity(NewRestoreJobResource, identityByID("ID of the restore job.")),
		withIdentity(NewLegalHoldResource, identityByID("ID of the legal hold.")),
		withIdentity(NewRestoreTestingPlanResource, identityOfRestoreTestingPlan),
		withIdentity(NewRestoreTestingSelectionResource, identityOfRestoreTestingSelection),
		withIdentity(NewEngineClockResource, identityByID("Always `"+engineClockID+"`: there is one engine clock.")),
		withIdentity(NewGlobalSettingsResource, identityByID("Always `"+globalSettingsID+"`: an account has one set of global settings.")),
		withIdentity(NewRegionSettingsResource, identityByID("The region the settings are for.")),
		withIdentity(NewFrameworkResource, identityByID("Name of the framework.")),
		withIdentity(NewReportPlanResource, identityByID("Name of the report plan.")),
	}
}

func (p *backupProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewVaultDataSource,
		NewPlanDataSource,
		NewSelectionDataSource,
		NewPlanJSONDataSource,
		NewRecoveryPointDataSource,
		NewRecoveryPointsDataSource,
		NewLegalHoldDataSource,
		NewLegalHoldsDataSource,
		NewCopyJobsDataSource,
		NewBackupJobsDataSource,
		NewRestoreJobsDataSource,
		NewRestoreTestingPlanDataSource,
		NewRestoreTestingSelectionDataSource,
		NewFrameworkDataSource,
		NewReportPlanDataSource,
		NewFrameworkComplianceDataSource,
	}
}

// ListResources are the list resources of `terraform query` (list_resources.go).
func (p *backupProvider) ListResources(context.Context) []func() list.ListResource {
	return listResources()
}

func (p *backupProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{
		NewStartBackupJobAction,
		NewStartRestoreJobAction,
		NewStartCopyJobAction,
	}
}

// storageURL checks storage at plan time with the engine's own parser.
type storageURL struct{}

func (storageURL) Description(context.Context) string {
	return "must be an S3 storage URL: " + s3blob.LocationShape
}
func (v storageURL) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (storageURL) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := s3blob.ParseLocation(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid storage", err.Error())
	}
}
