// Package restoretesting is AWS Backup's restore testing: plans that restore recovery points on a
// schedule, selections that say which resources they test, the runs that start real restore jobs
// into scratch targets, the validation of what was restored, and the cleanup that deletes it.
// AWS documents the feature in "Restore testing" of the AWS Backup Developer Guide
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html).
//
// It sits beside the scheduler, above the jobs it creates: the domain (package service) answers
// the ten API operations through it, the scheduler fires its plans and closes its validation
// windows through the due index (records.DueRestoreTestRun, records.DueRestoreValidationEnd), and
// the job runner runs its validation and cleanup tasks (Handlers), all wired by engine.Open.
package restoretesting

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Config wires a Service.
type Config struct {
	Store store.Store
	Clock clock.Clock
	Log   *slog.Logger
	// Connectors restore, validate and delete each resource type's scratch targets.
	Connectors resources.Set
	// Repos opens vault repositories, for the manifests built-in validation compares with.
	Repos *jobs.Repos
	// Events records the events of the restore jobs runs start.
	Events events.Recorder
	// Notify wakes the job runner after a transaction queued a task. Nil: tasks wait for it.
	Notify func()
	// Wake tells the scheduler that what it waits for changed: a plan's next run, a validation
	// window's end. Nil: there is no scheduler to tell.
	Wake func()
}

// Service is restore testing over one store.
type Service struct {
	store      store.Store
	clock      clock.Clock
	log        *slog.Logger
	connectors resources.Set
	repos      *jobs.Repos
	events     events.Recorder
	notify     func()
	wake       func()
}

// New returns restore testing over cfg.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Connectors == nil {
		cfg.Connectors = resources.Default()
	}
	if cfg.Events == nil {
		cfg.Events = events.Nop{}
	}
	if cfg.Notify == nil {
		cfg.Notify = func() {}
	}
	if cfg.Wake == nil {
		cfg.Wake = func() {}
	}
	return &Service{store: cfg.Store, clock: cfg.Clock, log: cfg.Log, connectors: cfg.Connectors, repos: cfg.Repos,
		events: cfg.Events, notify: cfg.Notify, wake: cfg.Wake}
}

// Scope is whose restore testing an operation reads and writes: the caller's account and region.
type Scope struct {
	AccountID string
	Region    string
}

func (s Scope) prefix() string { return s.AccountID + "/" + s.Region + "/" }

// internal adds the operation to an unexpected failure; the caller's mistakes (*apierr.Error)
// pass through unchanged, so the API layer answers them with their code.
func internal(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apierr.As(err); ok {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// update runs fn in a write transaction, then wakes the runner for what fn queued and the
// scheduler for the due entries fn changed.
func (s *Service) update(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := s.store.Update(ctx, fn); err != nil {
		return err
	}
	s.notify()
	s.events.Recorded()
	s.wake()
	return nil
}
