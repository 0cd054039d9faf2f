// Package service is the engine's domain: AWS Backup's entities, their validation rules and state
// machines, and the operations the API layer exposes. It knows nothing of HTTP; every operation
// takes a context carrying the Caller (account and region) and returns *apierr.Error values for
// anything the caller did wrong.
//
// Input and output types mirror the AWS Backup wire shapes (json tags are the model's member
// names), so the API layer can decode and encode them directly.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/region"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/restoretesting"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Config wires a Service.
type Config struct {
	Store store.Store
	Clock clock.Clock
	Log   *slog.Logger
	// ResourceTypes lists the resource types the engine's connectors can back up; it is what
	// GetSupportedResourceTypes answers.
	ResourceTypes func() []string
	// PolicyActions are the AWS Backup API's operation names, which the actions of a vault access
	// policy must name (backup:NAME, wildcards allowed). Nil accepts any backup: action name.
	PolicyActions []string
	// Connectors back up and restore each resource type; default resources.Default().
	Connectors resources.Set
	// Repos are the vault repositories, which DeleteBackupVault removes with the vault.
	Repos *jobs.Repos
	// Runner runs the jobs the domain queues (the assembly's queue.Runner over jobs.Handlers).
	// Nil: queued jobs wait for a runner.
	Runner Runner
	// Events records the events of jobs and recovery points (package events' Outbox, which
	// writes the event log and delivers notifications). Nil records none.
	Events events.Recorder
	// Scheduler is the scheduler that runs the engine's due work (the assembly's
	// scheduler.Scheduler over scheduler.Due). Nil: nothing is scheduled, and the clock cannot
	// be moved.
	Scheduler Scheduler
	// HoldBatch is how many documents the first legal hold resolution or release step, taken
	// by CreateLegalHold and CancelLegalHold, examines (default jobs.DefaultHoldBatch; tests
	// lower it to see the steps).
	HoldBatch int
	// Regions are the regions ARNs in requests may name (nil: AWS's standard regions).
	Regions *region.Set
	// RestoreTests is restore testing, whose operations the service holds to the caller (the
	// assembly's, which the scheduler and the job runner share). Nil: one over this config.
	RestoreTests *restoretesting.Service
}

// Runner is the job runner as the domain sees it: told of work it queued, or asked to stop.
type Runner interface {
	// Notify wakes the runner after a transaction that queued a task or requested a stop.
	Notify()
	// StopTask cancels a task running in this process; it reports whether it was running here.
	StopTask(kind, key string) bool
}

// noRunner is the Runner of a service built without one.
type noRunner struct{}

func (noRunner) Notify()                   {}
func (noRunner) StopTask(_, _ string) bool { return false }

// Service implements the AWS Backup operations.
type Service struct {
	store         store.Store
	clock         clock.Clock
	log           *slog.Logger
	resourceTypes func() []string
	policyActions []string
	connectors    resources.Set
	repos         *jobs.Repos
	regions       *region.Set
	runner        Runner
	// holdBatch is Config.HoldBatch: for the steps CreateLegalHold and CancelLegalHold take.
	holdBatch int
	sched     Scheduler
	events    events.Recorder
	// restoreTests is restore testing's domain (package restoretesting).
	restoreTests *restoretesting.Service

	// taggable resolves an ARN's resource kind ("backup-vault", "backup-plan", ...) to a check
	// that the resource exists; TagResource, UntagResource and ListTags accept only these.
	taggable map[string]func(tx store.Tx, a arns.ARN) error
}

// New returns a Service over cfg.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.ResourceTypes == nil {
		cfg.ResourceTypes = func() []string { return nil }
	}
	if cfg.Connectors == nil {
		cfg.Connectors = resources.Default()
	}
	if cfg.Events == nil {
		cfg.Events = events.Nop{}
	}
	if cfg.Runner == nil {
		cfg.Runner = noRunner{}
	}
	if cfg.Scheduler == nil {
		cfg.Scheduler = noScheduler{}
	}
	s := &Service{store: cfg.Store, clock: cfg.Clock, log: cfg.Log, resourceTypes: cfg.ResourceTypes, policyActions: cfg.PolicyActions,
		connectors: cfg.Connectors, repos: cfg.Repos, regions: cfg.Regions, events: cfg.Events, runner: cfg.Runner, sched: cfg.Scheduler,
		holdBatch: cfg.HoldBatch, restoreTests: cfg.RestoreTests}
	if s.restoreTests == nil {
		s.restoreTests = restoretesting.New(restoretesting.Config{Store: cfg.Store, Clock: cfg.Clock, Log: cfg.Log, Connectors: cfg.Connectors,
			Repos: cfg.Repos, Events: cfg.Events, Notify: cfg.Runner.Notify, Wake: cfg.Scheduler.Wake})
	}
	s.taggable = map[string]func(store.Tx, arns.ARN) error{
		"backup-vault":   s.vaultExistsByARN,
		"backup-plan":    s.planExistsByARN,
		"recovery-point": s.recoveryPointExistsByARN,
		"legal-hold":     s.legalHoldExistsByARN,
		// Restore testing plans are tagged at creation (Tags); the tags API reads and changes them.
		"restore-testing-plan": s.restoreTestingPlanExistsByARN,
	}
	return s
}

// Clock returns the clock the service reads time from.
func (s *Service) Clock() clock.Clock { return s.clock }

// Caller is who is calling, and where: the account of the signing key and the region of the
// signature's scope. ARNs the engine makes carry both.
type Caller struct {
	AccountID   string
	Region      string
	AccessKeyID string
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller ctx carries.
func CallerFrom(ctx context.Context) (Caller, error) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	if !ok || c.AccountID == "" || c.Region == "" {
		return Caller{}, errors.New("service: no caller in context")
	}
	return c, nil
}

// scope is the key prefix of one account's entities in one region.
func (c Caller) scope() string { return c.AccountID + "/" + c.Region + "/" }

// internal adds the operation to an unexpected failure (store I/O, a corrupt document). The API
// layer answers such errors with ServiceUnavailableException, which the SDKs retry, and logs the
// cause; errors the caller made are already *apierr.Error and pass through unchanged.
func internal(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apierr.As(err); ok {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
