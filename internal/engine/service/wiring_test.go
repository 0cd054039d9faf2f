package service

import (
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
)

// wired is a Service with a job runner wired to it the way engine.Open wires one: Start and Close
// start and stop both, so domain tests see the jobs they queue run.
type wired struct {
	*Service
	runner *queue.Runner
}

func newWired(cfg Config, opts queue.Options) *wired {
	w := &wired{}
	w.runner = queue.NewRunner(cfg.Store, cfg.Log, opts, jobs.Handlers(jobs.Config{Store: cfg.Store, Clock: cfg.Clock, Log: cfg.Log,
		Connectors: cfg.Connectors, Repos: cfg.Repos, Events: cfg.Events, HoldBatch: cfg.HoldBatch, Regions: cfg.Regions,
		Wake: func() { w.Scheduler().Wake() }}))
	cfg.Runner = w.runner
	w.Service = New(cfg)
	return w
}

// Start starts the scheduler, then the runner, as engine.Open does.
func (w *wired) Start() {
	w.Service.Start()
	w.runner.Start()
}

// Close stops the scheduler, then the runner, then closes the repositories, as Engine.Close does.
func (w *wired) Close() error {
	err := w.Service.Close()
	w.runner.Stop(10 * time.Second)
	if w.repos != nil {
		if cerr := w.repos.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
