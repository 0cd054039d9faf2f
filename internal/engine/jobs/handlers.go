// Package jobs executes the engine's jobs: the queue.Handler of every kind of background work
// (backup, copy and restore jobs, moves to cold storage, the removal of deleted points' data,
// legal hold steps), the job state writes that go with them (state.go), and the vault
// repositories they read and write (Repos). The domain creates jobs and queues them; the
// assembly (engine.Open) gives Handlers to the queue's runner, which calls them. Nothing here
// calls back into the domain.
package jobs

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/layout"
	"github.com/strongroom/terraform-provider-backup/internal/engine/metrics"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/region"
	"github.com/strongroom/terraform-provider-backup/internal/engine/reports/delivery"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Config wires the job handlers.
type Config struct {
	Store store.Store
	Clock clock.Clock
	Log   *slog.Logger
	// Connectors back up and restore each resource type; default resources.Default().
	Connectors resources.Set
	// Repos opens the vault repositories jobs write to. Without it, jobs fail with a message
	// saying the engine has no data dir.
	Repos *Repos
	// Events records the events of jobs and recovery points. Nil records none.
	Events events.Recorder
	// Regions are the regions the engine serves, which copy actions' destinations must be in
	// (nil: AWS's standard regions).
	Regions *region.Set
	// HoldBatch is how many documents one legal hold resolution or release step examines
	// (default DefaultHoldBatch; tests lower it to see the steps).
	HoldBatch int
	// Wake tells the scheduler that a job finished, which may change what it waits for. Nil:
	// there is no scheduler to tell.
	Wake func()
	// Metrics observes finished jobs' durations and bytes. Nil observes nothing.
	Metrics *metrics.Registry
	// Reports receives the report jobs' reports (the operator's "reports" configuration). Nil:
	// report jobs fail, saying what to configure.
	Reports delivery.Target
}

// executor is what every handler runs with.
type executor struct {
	store      store.Store
	clock      clock.Clock
	log        *slog.Logger
	connectors resources.Set
	repos      *Repos
	events     events.Recorder
	wake       func()
	holdBatch  int
	regions    *region.Set
	metrics    *metrics.Registry
	reports    delivery.Target
}

// Handlers returns the handler of every job kind this package runs, keyed by kind, for
// queue.NewRunner.
func Handlers(cfg Config) map[string]queue.Handler {
	x := newExecutor(cfg)
	return map[string]queue.Handler{
		KindForget:    forgetHandler{x},
		KindCold:      coldHandler{x},
		KindRestore:   measured{restoreHandler{x}, x, jobTypeRestore},
		KindLegalHold: legalHoldHandler{x},
		KindCopy:      measured{copyHandler{x}, x, jobTypeCopy},
		KindBackup:    measured{backupHandler{x}, x, jobTypeBackup},
		KindReport:    reportHandler{x},
	}
}

func newExecutor(cfg Config) *executor {
	x := &executor{store: cfg.Store, clock: cfg.Clock, log: cfg.Log, connectors: cfg.Connectors, repos: cfg.Repos, events: cfg.Events, wake: cfg.Wake, holdBatch: cfg.HoldBatch, regions: cfg.Regions, metrics: cfg.Metrics, reports: cfg.Reports}
	if x.clock == nil {
		x.clock = clock.Real{}
	}
	if x.log == nil {
		x.log = slog.New(slog.DiscardHandler)
	}
	if x.connectors == nil {
		x.connectors = resources.Default()
	}
	if x.events == nil {
		x.events = events.Nop{}
	}
	if x.wake == nil {
		x.wake = func() {}
	}
	if x.reports == nil {
		x.reports = delivery.None{}
	}
	return x
}

// errNoDataDir fails the jobs of an engine that has no place for vault repositories.
var errNoDataDir = errors.New("this engine was started without a data dir for vault repositories")

// openRepo opens the repository of vault v; create makes it if the vault has none yet.
func (x *executor) openRepo(ctx context.Context, v records.Vault, create bool) (*content.Repository, error) {
	if x.repos == nil {
		return nil, errNoDataDir
	}
	return refusedRepo(x.repos.Open(ctx, v.AccountID, v.Region, v.Name, v.EncryptionKeyARN, create))
}

// openColdRepo opens vault v's cold-storage repository.
func (x *executor) openColdRepo(ctx context.Context, v records.Vault, create bool) (*content.Repository, error) {
	if x.repos == nil {
		return nil, errNoDataDir
	}
	return refusedRepo(x.repos.OpenCold(ctx, v.AccountID, v.Region, v.Name, v.EncryptionKeyARN, create))
}

// openPointRepo opens the repository holding a point's data: the vault's cold repository for a
// COLD point, its warm one otherwise.
func (x *executor) openPointRepo(ctx context.Context, v records.Vault, storageClass string) (*content.Repository, error) {
	if storageClass == records.StorageClassCold {
		return x.openColdRepo(ctx, v, false)
	}
	return x.openRepo(ctx, v, false)
}

// refusedRepo answers a repository path the layout refuses with InvalidParameterValueException
// (naming what is wrong), so that a job that reaches one gets an AWS error code rather than an
// internal error.
func refusedRepo(repo *content.Repository, err error) (*content.Repository, error) {
	if errors.Is(err, layout.ErrUnsafe) {
		return nil, apierr.InvalidParameter("%v", err)
	}
	return repo, err
}

// progressInterval is how often a running job writes its progress to the store.
const progressInterval = time.Second

// progressThrottle lets a running job record its progress at most once per progressInterval,
// one goroutine at a time: connectors may report progress from several goroutines at once.
type progressThrottle struct {
	mu   sync.Mutex
	last time.Time
}

// record runs write unless another goroutine is recording right now or the last record is
// younger than progressInterval.
func (p *progressThrottle) record(write func()) {
	if !p.mu.TryLock() {
		return // another goroutine is recording progress right now
	}
	defer p.mu.Unlock()
	if clock.Since(p.last) < progressInterval {
		return
	}
	p.last = clock.Wall()
	write()
}
