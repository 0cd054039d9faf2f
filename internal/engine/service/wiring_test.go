package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/scheduler"
)

// wired is a Service with a job runner and a scheduler wired to it the way engine.Open wires
// them: Start and Close start and stop both, so domain tests see the jobs they queue run.
type wired struct {
	*Service
	runner *queue.Runner
	sched  *scheduler.Scheduler
}

func newWired(cfg Config, opts queue.Options) *wired {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Connectors == nil {
		cfg.Connectors = resources.Default()
	}
	if cfg.Events == nil {
		cfg.Events = events.Nop{}
	}
	w := &wired{}
	w.runner = queue.NewRunner(cfg.Store, cfg.Log, opts, jobs.Handlers(jobs.Config{Store: cfg.Store, Clock: cfg.Clock, Log: cfg.Log,
		Connectors: cfg.Connectors, Repos: cfg.Repos, Events: cfg.Events, HoldBatch: cfg.HoldBatch, Regions: cfg.Regions,
		Wake: func() { w.sched.Wake() }}))
	w.sched = scheduler.New(scheduler.Options{Store: cfg.Store, Clock: cfg.Clock, Log: cfg.Log,
		Work: scheduler.Due{Store: cfg.Store, Log: cfg.Log, Connectors: cfg.Connectors, Events: cfg.Events, Jobs: w.runner}})
	cfg.Runner, cfg.Scheduler = w.runner, w.sched
	w.Service = New(cfg)
	return w
}

// Start builds the due index and starts the scheduler, then the runner, as engine.Open does.
func (w *wired) Start() {
	if err := w.store.Update(context.Background(), records.BuildDueIndex); err != nil {
		w.log.Error("indexing job windows and lifecycles failed; the scheduler may miss some", slog.Any("error", err))
	}
	w.sched.Start()
	w.runner.Start()
}

// Close stops the scheduler, then the runner, then closes the repositories, as Engine.Close does.
func (w *wired) Close() error {
	w.sched.Stop()
	w.runner.Stop(10 * time.Second)
	if w.repos != nil {
		return w.repos.Close()
	}
	return nil
}
