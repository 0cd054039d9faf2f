// Package engine assembles the backup engine: its store, clock, keys, domain service and HTTP API,
// over one data directory. The daemon (`engine serve`) and the provider's embedded mode both open
// an engine through Open; they differ only in whether the API is served on a socket or called
// in-process.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/api"
	"github.com/strongroom/terraform-provider-backup/internal/engine/audit"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/s3blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/extension"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/layout"
	"github.com/strongroom/terraform-provider-backup/internal/engine/metrics"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/region"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/restoretesting"
	"github.com/strongroom/terraform-provider-backup/internal/engine/scheduler"
	"github.com/strongroom/terraform-provider-backup/internal/engine/service"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// DefaultRegion is the region clients use when none is configured.
const DefaultRegion = "us-east-1"

// DataDirEnv overrides the default data directory.
const DataDirEnv = "BACKUP_ENGINE_DATA_DIR"

// storeFile is the metadata database inside a data dir.
const storeFile = "engine.db"

// VaultRepoDir is where one vault's repository (packs, index, snapshots) lives in a data dir (or a
// region's storage dir): repos/ACCOUNT/REGION/VAULT. Vault names are unique per account and
// region, so the three name the vault. Names that are not an account ID, a region name and a
// vault name, or that would lead outside dataDir, are refused (layout.ErrUnsafe).
func VaultRepoDir(dataDir, account, region, vault string) (string, error) {
	return layout.VaultRepo(dataDir, account, region, vault)
}

// ColdRepoDir is where one vault's cold-storage repository lives in a data dir: recovery points
// that their lifecycle moved to cold storage (StorageClass COLD). Refusals as VaultRepoDir.
func ColdRepoDir(dataDir, account, region, vault string) (string, error) {
	return layout.ColdRepo(dataDir, account, region, vault)
}

// EventLogPath is the data dir's append-only event log: one JSON object per line for every job
// and recovery point event (events.Event).
func EventLogPath(dataDir string) string { return layout.MustJoin(dataDir, events.LogFile) }

// MasterKeyPath is the file holding the key that wraps every vault's data key.
func MasterKeyPath(dataDir string) string { return layout.MustJoin(dataDir, masterKeyFile) }

// masterKeyFile is the master key's file in a data dir.
const masterKeyFile = "master.key"

// StorePath is the data dir's metadata database (operator commands open it beside the daemon).
func StorePath(dataDir string) string { return layout.MustJoin(dataDir, storeFile) }

// DefaultDataDir is where the engine keeps its state unless told otherwise:
// $BACKUP_ENGINE_DATA_DIR, else $XDG_DATA_HOME/terraform-provider-backup, else
// ~/.local/share/terraform-provider-backup. It is per user, not per Terraform working directory,
// because the engine plays the part of an AWS account: the daemon and every configuration on the
// machine see the same vaults, as they would on AWS.
func DefaultDataDir() (string, error) {
	if d := os.Getenv(DataDirEnv); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "terraform-provider-backup"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the default data dir: %w (set %s)", err, DataDirEnv)
	}
	return filepath.Join(home, ".local", "share", "terraform-provider-backup"), nil
}

// Options configure an engine.
type Options struct {
	// DataDir holds the engine's state. Required.
	DataDir string
	// AccountID is the account of a key pair made for a new data dir.
	AccountID string
	// Keys, when set, are the only keys the API accepts. Otherwise the data dir's key pair is used,
	// made on first open.
	Keys []credentials.Key
	// Clock is the engine clock. Nil means: the data dir's persisted fake clock if it has one
	// (an engine once started with FakeClock), else the wall clock.
	Clock clock.Clock
	// FakeClock, with Clock nil, runs the engine on a fake clock persisted in the data dir: one
	// reading *FakeClock for a data dir that has none, the data dir's own otherwise — moved
	// forward to *FakeClock if that is later, the scheduler then catching up on what the jump
	// skipped as after downtime. The clock moves only through the extension API
	// (/_engine/v1/clock), and every process on the data dir reads the same time.
	FakeClock *time.Time
	// Scheduler tunes the scheduler (Disabled for engines that must not fire schedules).
	Scheduler scheduler.Options
	// NotifyBackoff is the wait before retrying a failed notification, doubled each time
	// (default 1s).
	NotifyBackoff time.Duration
	// Log defaults to discarding.
	Log *slog.Logger
	// BlobStore opens the blob store of a vault repository directory; it defaults to the local
	// directory store. Tests wrap it to inject faults.
	BlobStore func(dir string) (blob.Store, error)
	// Storage, when set, is the engine-wide storage (config.Config.Storage: s3://...) in place of
	// config.json's: the embedded engine's provider block sets it.
	Storage string
	// S3Storage are options of every S3 store config.json's storage settings open (tests give
	// the test server's credentials).
	S3Storage []s3blob.Option
	// Jobs tunes the background job runner.
	Jobs queue.Options
	// ConfigPath is the engine's configuration file (config.Config: extra accounts, per-region
	// storage, notification webhooks); default config.json in the data dir. A missing file is
	// an empty configuration. Config, when set, is used instead of reading a file.
	ConfigPath string
	Config     *config.Config
	// Filesystem confines the directories callers may register as EFS resources and restore
	// into (filesystem.go). The zero value allows only what config.json allows.
	Filesystem FilesystemAccess
}

// Engine is an open engine.
type Engine struct {
	dataDir    string
	store      store.Store
	clockStore store.Store // the fake clock's own handle on the store, if the engine runs on one
	service    *service.Service
	// jobs runs the jobs the domain queues, with the handlers of package jobs; repos are the
	// vault repositories they read and write.
	jobs *queue.Runner
	// sched runs the engine's due work (scheduler.Due): rule firings, job windows, lifecycles.
	sched *scheduler.Scheduler
	repos *jobs.Repos
	// outbox writes the event log; notifier delivers events to webhooks, a runner of its own so
	// that retrying a dead webhook never holds a slot a backup job could use.
	outbox     *events.Outbox
	notifier   *queue.Runner
	handler    *api.Handler
	auditLog   *audit.Log
	keys       *credentials.Ring
	clock      clock.Clock
	log        *slog.Logger
	connectors resources.Set
	config     *config.Config
	// metrics is the engine's Prometheus registry, which engine serve exposes at /metrics.
	metrics *metrics.Registry
}

// Open opens (creating if needed) the engine state in o.DataDir.
func Open(ctx context.Context, o Options) (*Engine, error) {
	if o.DataDir == "" {
		return nil, errors.New("engine: a data dir is required")
	}
	if o.Clock != nil && o.FakeClock != nil {
		return nil, errors.New("engine: give Clock or FakeClock, not both")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if strings.ContainsRune(o.DataDir, 0) {
		return nil, errors.New("engine: the data dir path contains a NUL byte")
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", o.DataDir, err)
	}
	keys := o.Keys
	if len(keys) == 0 {
		var err error
		keys, err = credentials.LoadOrCreate(o.DataDir, o.AccountID)
		if err != nil {
			return nil, err
		}
		if o.AccountID != "" && keys[0].AccountID != o.AccountID {
			return nil, fmt.Errorf("the data dir %s belongs to account %s, not %s: use another data dir or drop --account-id", o.DataDir, keys[0].AccountID, o.AccountID)
		}
	}
	cfg, cfgPath := o.Config, ""
	if cfg != nil {
		if err := cfg.CompileEventRules(); err != nil {
			return nil, fmt.Errorf("engine config: %w", err)
		}
	} else {
		cfgPath = o.ConfigPath
		if cfgPath == "" {
			cfgPath = layout.MustJoin(o.DataDir, config.FileName)
		}
		var err error
		if cfg, err = config.Load(cfgPath); err != nil {
			return nil, err
		}
	}
	if o.Storage != "" {
		if _, err := s3blob.ParseLocation(o.Storage); err != nil {
			return nil, err
		}
		withStorage := *cfg
		withStorage.Storage = o.Storage
		cfg = &withStorage
	}
	// Requests may be signed for AWS's regions and those the config declares, and for no other
	// name: the region names directories of the data dir.
	regions, err := region.NewSet(slices.Collect(maps.Keys(cfg.Regions))...)
	if err != nil {
		return nil, fmt.Errorf("engine config: regions: %w", err)
	}
	connectors, err := Connectors(o.Filesystem, o.DataDir, cfgPath, cfg, keys)
	if err != nil {
		return nil, err
	}
	reportTarget, err := ReportTarget(o.Filesystem, o.DataDir, cfg)
	if err != nil {
		return nil, fmt.Errorf("engine config: %w", err)
	}
	// The config's accounts sign requests next to the data dir's own key (cross-account copies
	// need a second account).
	ring, err := credentials.NewRing(append(keys[:len(keys):len(keys)], cfg.Keys()...)...)
	if err != nil {
		return nil, err
	}
	actions, err := api.OperationNames()
	if err != nil {
		return nil, err
	}
	dbPath := StorePath(o.DataDir)
	st, err := openSealedStore(ctx, o.DataDir, dbPath, o.Log)
	if err != nil {
		return nil, err
	}
	warnLoosePermissions(o.DataDir, cfgPath, cfg, o.Log)
	e := &Engine{dataDir: o.DataDir, store: st, keys: ring, log: o.Log, connectors: connectors, config: cfg, metrics: metrics.New()}
	if err := e.metrics.Register(metrics.NewStateCollector(e.countStates)); err != nil {
		_ = st.Close()
		return nil, err
	}
	if o.Clock == nil {
		if err := e.openClock(ctx, dbPath, o.FakeClock); err != nil {
			_ = st.Close()
			return nil, err
		}
		o.Clock = e.clock
	}
	e.clock = o.Clock
	if o.BlobStore == nil {
		o.BlobStore = DefaultBlobStore
	}
	repos := &jobs.Repos{
		// A region may keep its vault data elsewhere (config: regions.NAME.storage_dir); its
		// vaults' cold-storage repositories are there too.
		Dir: func(account, region, vault string) (string, error) {
			return VaultRepoDir(cfg.StorageDir(region, o.DataDir), account, region, vault)
		},
		ColdDir: func(account, region, vault string) (string, error) {
			return ColdRepoDir(cfg.StorageDir(region, o.DataDir), account, region, vault)
		},
		// ... or in S3 (config: regions.NAME.storage, regions.NAME.vaults.VAULT.storage).
		Remote:        remoteStores(cfg, e.metrics, o.S3Storage),
		MasterKeyPath: MasterKeyPath(o.DataDir),
		NewStore:      o.BlobStore,
		Options:       []content.Option{content.WithClock(o.Clock)},
	}
	webhooks := events.NewWebhooks(events.WebhookOptions{Store: st, Log: o.Log, Topics: cfg.Notifications.Topics, Backoff: o.NotifyBackoff, Metrics: e.metrics})
	e.notifier = queue.NewRunner(st, o.Log, queue.Options{Concurrency: 4, LeaseTTL: o.Jobs.LeaseTTL, Poll: o.Jobs.Poll},
		map[string]queue.Handler{events.DeliveryKind: webhooks,
			events.RuleDeliveryKind: events.NewRuleTargets(events.RuleTargetOptions{Store: st, Log: o.Log, Rules: cfg.EventRules, Backoff: o.NotifyBackoff, Metrics: e.metrics})})
	e.outbox = events.New(events.Options{Store: st, Clock: o.Clock, Log: o.Log, LogPath: EventLogPath(o.DataDir), Rules: cfg.EventRules, Delivery: e.notifier})
	e.repos = repos
	restoreTests := restoretesting.New(restoretesting.Config{Store: st, Clock: o.Clock, Log: o.Log, Connectors: e.connectors,
		Repos: repos, Events: e.outbox, Notify: func() { e.jobs.Notify() }, Wake: func() { e.sched.Wake() }})
	handlers := jobs.Handlers(jobs.Config{Store: st, Clock: o.Clock, Log: o.Log,
		Connectors: e.connectors, Repos: repos, Events: e.outbox, Regions: regions,
		// A finished job may change what the scheduler waits for.
		Wake: func() { e.sched.Wake() }, Metrics: e.metrics, Reports: reportTarget})
	maps.Copy(handlers, restoreTests.Handlers())
	e.jobs = queue.NewRunner(st, o.Log, o.Jobs, handlers)
	so := o.Scheduler
	so.Store, so.Clock, so.Log, so.Metrics = st, o.Clock, o.Log, e.metrics
	so.Work = scheduler.Due{Store: st, Log: o.Log, Connectors: e.connectors, Events: e.outbox, Jobs: e.jobs, RestoreTests: restoreTests,
		Storage: repos}
	e.sched = scheduler.New(so)
	e.service = service.New(service.Config{Store: st, Clock: o.Clock, Log: o.Log, ResourceTypes: e.resourceTypes,
		PolicyActions: actions, Connectors: e.connectors, Repos: repos, Runner: e.jobs,
		Events: e.outbox, Regions: regions, Scheduler: e.sched, RestoreTests: restoreTests})
	e.auditLog, err = audit.Open(audit.Path(o.DataDir), 0)
	if err != nil {
		_ = e.closeStores()
		return nil, fmt.Errorf("engine: open the audit trail: %w", err)
	}
	versions, _ := st.(store.Versioner)
	e.handler, err = api.NewHandler(api.Options{Service: e.service, Keys: ring, Log: o.Log, Extension: extension.Handler(e.service), Regions: regions, Auditor: e.auditLog,
		Metrics: e.metrics, Versions: versions})
	if err != nil {
		_ = e.auditLog.Close()
		_ = e.closeStores()
		return nil, err
	}
	// Jobs queued earlier, and jobs a killed process left behind, are picked up from here on;
	// so are events recorded earlier and not yet logged or delivered.
	e.outbox.Start()
	e.notifier.Start()
	// A store written by an engine that predates the due index gets it built before the
	// scheduler reads it.
	if err := st.Update(ctx, records.BuildDueIndex); err != nil {
		o.Log.Error("indexing job windows and lifecycles failed; the scheduler may miss some", slog.Any("error", err))
	}
	e.sched.Start()
	e.jobs.Start()
	return e, nil
}

// openClock sets e.clock: the data dir's persisted fake clock when it has one (or fakeStart asks
// for one), else the wall clock. The fake clock reads its time through a store handle of its own
// (see scheduler.StoreClock).
func (e *Engine) openClock(ctx context.Context, dbPath string, fakeStart *time.Time) error {
	cs, err := store.OpenSQLite(ctx, dbPath)
	if err != nil {
		return err
	}
	fake, jumpedFrom, found, err := scheduler.OpenFakeClock(ctx, cs, fakeStart)
	if err != nil {
		_ = cs.Close()
		return fmt.Errorf("open the fake clock: %w", err)
	}
	if !found {
		_ = cs.Close()
		e.clock = clock.Real{}
		return nil
	}
	e.clockStore, e.clock = cs, fake
	now := fake.Now()
	switch {
	case !jumpedFrom.IsZero():
		e.log.Warn("the fake clock jumped forward; what came due in between is caught up as after downtime (missed start windows expire)",
			slog.Time("from", jumpedFrom), slog.Time("to", now))
	case fakeStart != nil && !fakeStart.Equal(now):
		e.log.Info("the data dir's fake clock continues from where it was", slog.Time("now", now), slog.Time("requested", *fakeStart))
	case fakeStart == nil:
		e.log.Info("the data dir runs on a fake clock", slog.Time("now", now))
	}
	return nil
}

// Clock is the engine clock.
func (e *Engine) Clock() clock.Clock { return e.clock }

func (e *Engine) closeStores() error {
	var errs []error
	if e.clockStore != nil {
		errs = append(errs, e.clockStore.Close())
	}
	return errors.Join(append(errs, e.store.Close())...)
}

// resourceTypes lists the resource types the engine's connectors back up.
func (e *Engine) resourceTypes() []string { return e.connectors.Types() }

// Handler serves the engine's API.
func (e *Engine) Handler() http.Handler { return e.handler }

// Metrics serves the engine's metrics in the Prometheus exposition format. It is not part of the
// API: engine serve mounts it at /metrics without authentication, as CloudWatch is apart from
// the AWS Backup API.
func (e *Engine) Metrics() http.Handler { return e.metrics.Handler() }

// countStates reads the AWS/Backup counts from the records, at each scrape.
func (e *Engine) countStates(ctx context.Context) (metrics.States, error) {
	var s metrics.States
	err := e.store.View(ctx, func(tx store.Tx) error {
		var err error
		s, err = records.CountStates(tx)
		return err
	})
	return s, err
}

// Service is the engine's domain service.
func (e *Engine) Service() *service.Service { return e.service }

// Scheduler returns the engine's scheduler.
func (e *Engine) Scheduler() *scheduler.Scheduler { return e.sched }

// PrimaryKey is the key pair clients of this engine sign with by default.
func (e *Engine) PrimaryKey() credentials.Key { return e.keys.Primary() }

// Config is the engine's configuration (empty when it has no config file).
func (e *Engine) Config() *config.Config { return e.config }

// DataDir is where the engine keeps its state.
func (e *Engine) DataDir() string { return e.dataDir }

// Close stops the engine's jobs (a running job ends FAILED, saying the engine stopped), writes
// the events still in the outbox to the event log, and releases its resources.
func (e *Engine) Close() error {
	// In this order: the scheduler stops; the jobs stopping record events, which the outbox then
	// writes before the store closes; the repositories close once no job uses them.
	e.sched.Stop()
	e.jobs.Stop(jobsGrace)
	reposErr := e.repos.Close()
	e.notifier.Stop(notifierGrace)
	eventsErr := e.outbox.Close()
	return errors.Join(reposErr, eventsErr, e.auditLog.Close(), e.closeStores())
}

// jobsGrace is how long Close waits for running jobs to record that they were stopped.
const jobsGrace = 10 * time.Second

// notifierGrace is how long Close waits for a webhook delivery in flight; one cut short is
// delivered by the next engine on the data dir.
const notifierGrace = time.Second
