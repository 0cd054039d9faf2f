package provider

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// Provider modes.
const (
	modeEmbedded = "embedded"
	modeEngine   = "engine"
	modeAWS      = "aws"
)

// clients is what resources, data sources and actions get from the configured provider.
type clients struct {
	Backup      *backup.Client
	Region      string
	Mode        string
	DefaultTags map[string]string
	// Registry calls the engine's protected-resource registry; nil with AWS Backup itself, which
	// has none.
	Registry *engineclient.Client
}

// serviceNow is the time the service judges retention by: the engine's clock when the provider
// talks to an engine (which may run on a fake clock), the wall clock with AWS Backup.
func (c *clients) serviceNow(ctx context.Context) (time.Time, error) {
	if c.Registry == nil {
		return time.Now(), nil
	}
	clk, err := c.Registry.GetClock(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the engine's clock: %w", err)
	}
	return clk.Now, nil
}

func newClients(ctx context.Context, m providerModel) (*clients, diag.Diagnostics) {
	var diags diag.Diagnostics
	c := &clients{Region: resolveRegion(m.Region), DefaultTags: map[string]string{}}
	if len(m.DefaultTags) == 1 && !m.DefaultTags[0].Tags.IsNull() {
		diags.Append(m.DefaultTags[0].Tags.ElementsAs(ctx, &c.DefaultTags, false)...)
	}
	endpoint := m.Endpoint.ValueString()
	switch endpoint {
	case "":
		c.Mode = modeEmbedded
		dir := m.DataDir.ValueString()
		if dir == "" {
			// The engine's default: $BACKUP_ENGINE_DATA_DIR (engine.DataDirEnv), else a per-user directory.
			d, err := engine.DefaultDataDir()
			if err != nil {
				diags.AddError("Cannot choose the embedded engine's data directory", err.Error()+" Set data_dir in the provider block.")
				return nil, diags
			}
			dir = d
		}
		var fakeStart *time.Time
		if v := m.FakeClock.ValueString(); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				diags.AddAttributeError(pathRoot("fake_clock"), "Invalid fake_clock", fmt.Sprintf("%q is not an RFC 3339 time such as 2025-01-01T00:00:00Z.", v))
				return nil, diags
			}
			fakeStart = &t
		}
		var allowed []string
		if !m.AllowedPaths.IsNull() {
			diags.Append(m.AllowedPaths.ElementsAs(ctx, &allowed, false)...)
			if diags.HasError() {
				return nil, diags
			}
			if _, err := engine.CheckAllowedPaths(allowed); err != nil {
				diags.AddAttributeError(pathRoot("allowed_paths"), "Invalid allowed_paths", err.Error()+".")
				return nil, diags
			}
		}
		// Without allowed_paths the embedded engine reaches what the user's own Terraform can
		// (minus its data dir): it has no other caller.
		fsa := engine.FilesystemAccess{AllowedPaths: allowed, Unconfined: len(allowed) == 0}
		// A conflict with an engine this process already runs is reported now, at configure
		// time; the engine itself opens on the first call that needs it (lazyEngine).
		if err := checkEmbedded(dir, fakeStart, fsa, m.Storage.ValueString()); err != nil {
			diags.AddAttributeError(pathRoot("data_dir"), "Cannot start the embedded engine", err.Error()+".")
			return nil, diags
		}
		lazy := newLazyEngine(dir, fakeStart, fsa, m.Storage.ValueString())
		cfg := aws.Config{
			Region:      c.Region,
			Credentials: lazy,
			HTTPClient:  &http.Client{Transport: lazy},
		}
		c.Backup = backup.NewFromConfig(cfg, watchedClient, func(o *backup.Options) { o.BaseEndpoint = aws.String(engine.InProcessEndpoint) })
		c.Registry = engineclient.New(engineclient.Options{Endpoint: engine.InProcessEndpoint, Region: c.Region, Credentials: cfg.Credentials, HTTPClient: cfg.HTTPClient.(*http.Client),
			Answered: recordEngineAnswer})
	case EndpointAWS:
		c.Mode = modeAWS
		cfg, err := loadAWSConfig(ctx, m, false)
		if err != nil {
			diags.AddError("Cannot load AWS configuration", err.Error())
			return nil, diags
		}
		if cfg.Region == "" {
			diags.AddAttributeError(pathRoot("region"), "No region for AWS Backup", "Set region in the provider block, or AWS_REGION in the environment.")
			return nil, diags
		}
		c.Region = cfg.Region
		c.Backup = backup.NewFromConfig(cfg, watchedClient)
	default:
		c.Mode = modeEngine
		cfg, err := loadAWSConfig(ctx, m, true)
		if err != nil {
			diags.AddError("Cannot load credentials for the engine", err.Error())
			return nil, diags
		}
		c.Backup = backup.NewFromConfig(cfg, watchedClient, func(o *backup.Options) { o.BaseEndpoint = aws.String(endpoint) })
		c.Registry = engineclient.New(engineclient.Options{Endpoint: endpoint, Region: cfg.Region, Credentials: cfg.Credentials, Answered: recordEngineAnswer})
	}
	return c, diags
}

func resolveRegion(r types.String) string {
	if v := r.ValueString(); v != "" {
		return v
	}
	for _, env := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if v := os.Getenv(env); v != "" {
			return v
		}
	}
	return engine.DefaultRegion
}

// loadAWSConfig builds an SDK configuration from the provider's credentials settings. For an engine
// daemon it never asks the EC2 metadata service, and when nothing else supplies credentials it
// uses the key the daemon keeps in the default data dir, so a local daemon needs no setup.
func loadAWSConfig(ctx context.Context, m providerModel, forEngine bool) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if v := m.Region.ValueString(); v != "" || forEngine {
		opts = append(opts, config.WithRegion(resolveRegion(m.Region)))
	}
	if v := m.Profile.ValueString(); v != "" {
		opts = append(opts, config.WithSharedConfigProfile(v))
	}
	if m.AccessKey.ValueString() != "" {
		opts = append(opts, config.WithCredentialsProvider(awscreds.NewStaticCredentialsProvider(m.AccessKey.ValueString(), m.SecretKey.ValueString(), "")))
	}
	if forEngine {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
		if m.AccessKey.IsNull() && m.Profile.IsNull() && os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
			if dir, err := engine.DefaultDataDir(); err == nil {
				if keys, err := credentials.Load(dir); err == nil {
					opts = append(opts, config.WithCredentialsProvider(awscreds.NewStaticCredentialsProvider(keys[0].AccessKeyID, keys[0].SecretAccessKey, "")))
				}
			}
		}
	}
	return config.LoadDefaultConfig(ctx, opts...)
}

// embedded engines are shared by every provider instance in the process that names the same
// data dir, so aliases and the acceptance-test harness see one engine per directory.
var embedded struct {
	sync.Mutex
	engines map[string]*engine.Engine
	// paths is the FilesystemAccess each engine was opened with.
	paths map[string]engine.FilesystemAccess
	// storage is the storage URL each engine was opened with.
	storage map[string]string
}

// unconfined is the embedded engine's filesystem access without allowed_paths.
var unconfined = engine.FilesystemAccess{Unconfined: true}

// openEmbeddedEngine opens (or returns the open) unconfined embedded engine of dir, with the
// engine's clock (nil: the data dir's persisted fake clock if it has one, else the wall clock). The clock applies only if this call opens the
// engine; one already open for dir is returned as it is. Tests use it to run the provider's
// engine on a fake clock they can move.
func openEmbeddedEngine(ctx context.Context, dir string, clk clock.Clock) (*engine.Engine, error) {
	return openEmbedded(ctx, dir, clk, nil, unconfined, "")
}

// openEmbedded opens (or returns the open) embedded engine of dir; fakeStart is the provider's
// fake_clock (engine.Options.FakeClock), fsa its allowed_paths.
func openEmbedded(ctx context.Context, dir string, clk clock.Clock, fakeStart *time.Time, fsa engine.FilesystemAccess, storage string) (*engine.Engine, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	embedded.Lock()
	defer embedded.Unlock()
	if e, ok := embedded.engines[abs]; ok {
		if err := agrees(abs, e, fakeStart, fsa, storage); err != nil {
			return nil, err
		}
		return e, nil
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e, err := engine.Open(ctx, engine.Options{DataDir: abs, Log: log, Clock: clk, FakeClock: fakeStart, Filesystem: fsa, Storage: storage})
	if err != nil {
		return nil, err
	}
	if embedded.engines == nil {
		embedded.engines = map[string]*engine.Engine{}
		embedded.paths = map[string]engine.FilesystemAccess{}
		embedded.storage = map[string]string{}
	}
	embedded.engines[abs] = e
	embedded.paths[abs] = fsa
	embedded.storage[abs] = storage
	return e, nil
}

// checkEmbedded reports whether a provider configuration of dir with fakeStart and fsa conflicts
// with the engine this process already runs for dir, if any, without opening one.
func checkEmbedded(dir string, fakeStart *time.Time, fsa engine.FilesystemAccess, storage string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	embedded.Lock()
	defer embedded.Unlock()
	if e, ok := embedded.engines[abs]; ok {
		return agrees(abs, e, fakeStart, fsa, storage)
	}
	return nil
}

// agrees reports whether e, the open engine of abs, can serve a provider configuration with
// fakeStart and fsa. The caller holds embedded's lock.
func agrees(abs string, e *engine.Engine, fakeStart *time.Time, fsa engine.FilesystemAccess, storage string) error {
	if _, fake := e.Clock().(clock.Settable); fakeStart != nil && !fake {
		return fmt.Errorf("fake_clock is set, but this process already runs the engine of %s on the wall clock (another provider "+
			"configuration opened it without fake_clock): give every provider block of this data_dir the same fake_clock, or use another data_dir", abs)
	}
	if prev := embedded.paths[abs]; !slices.Equal(prev.AllowedPaths, fsa.AllowedPaths) || prev.Unconfined != fsa.Unconfined {
		return fmt.Errorf("allowed_paths differ between provider configurations of the data_dir %s (%q and %q): this process runs one engine per "+
			"data_dir, so give every provider block of it the same allowed_paths, or use another data_dir", abs, prev.AllowedPaths, fsa.AllowedPaths)
	}
	if prev := embedded.storage[abs]; prev != storage {
		return fmt.Errorf("storage differs between provider configurations of the data_dir %s (%q and %q): this process runs one engine per "+
			"data_dir, so give every provider block of it the same storage, or use another data_dir", abs, prev, storage)
	}
	return nil
}

// closeEmbeddedEngine closes the engine this process runs for dir, if any, and forgets it, so
// the next use of dir opens it afresh. Its background work (jobs, scheduler, event log) stops
// before it returns; tests call it before their data dir is removed.
func closeEmbeddedEngine(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	embedded.Lock()
	e, ok := embedded.engines[abs]
	delete(embedded.engines, abs)
	delete(embedded.paths, abs)
	delete(embedded.storage, abs)
	embedded.Unlock()
	if !ok {
		return nil
	}
	return e.Close()
}

var errNotConfigured = errors.New("the provider is not configured yet")

// watchedClient makes an SDK client record its answers for the unmodelled-member check.
func watchedClient(o *backup.Options) { o.APIOptions = append(o.APIOptions, recordAnswers) }

// embeddedTransport is how the provider reaches its embedded engine. Tests replace it to feed
// resources answers the engine does not give.
var embeddedTransport = func(e *engine.Engine) http.RoundTripper { return e.InProcessTransport() }
