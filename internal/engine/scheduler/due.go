package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Due is the engine's time-driven work, the Work the engine's Scheduler runs: plan rules firing
// (rules.go), backup jobs' start and completion windows closing (windows.go), and recovery
// points' lifecycles (sweep.go). Rule firings are found from the plans; the rest from the due
// index (records.DueUntil), which the job and point state writes keep.
type Due struct {
	Store store.Store
	Log   *slog.Logger
	// Connectors say which resource types have a cold tier and which have tags of their own.
	Connectors resources.Set
	// Events records the events of the jobs and points the work changes.
	Events events.Recorder
	// Jobs is the job runner that runs the jobs the work queues.
	Jobs JobRunner
	// RestoreTests does restore testing's due entries (plan runs, validation windows ending):
	// package restoretesting, which sits beside the scheduler. Nil: they are dropped.
	RestoreTests DueWork
	// Storage says whether the storage below the engine still retains a point's data (S3 Object
	// Lock, on the storage server's clock): the lifecycle keeps such a point until it does not.
	// Nil: nothing is retained below the engine.
	Storage StorageRetention
}

// StorageRetention is what Due needs of the vaults' storage (jobs.Repos).
type StorageRetention interface {
	// StorageRetention returns when the retention of rp's data ends on the storage's clock
	// (zero: it has ended, or there is none) and whether a legal hold is on it.
	StorageRetention(ctx context.Context, rp records.RecoveryPoint) (until time.Time, held bool, err error)
}

// DueWork does due entries of kinds another package owns.
type DueWork interface {
	// RunDue does e at now; it reports whether that created or changed a job.
	RunDue(ctx context.Context, e records.DueEntry, now time.Time) (bool, error)
}

// JobRunner is what Due needs of the job runner (queue.Runner).
type JobRunner interface {
	// Notify says tasks were queued.
	Notify()
	// StopTask stops a running task whose stop was requested (queue.RequestStop).
	StopTask(kind, key string) bool
}

// selections resolves plans' selections with Due's store and connectors.
func (d Due) selections() Selections {
	return Selections{Store: d.Store, Connectors: d.Connectors, Log: d.Log}
}

// NextDue returns the earliest rule firing or due entry strictly after after.
func (d Due) NextDue(ctx context.Context, after time.Time) (time.Time, error) {
	var next time.Time
	err := d.Store.View(ctx, func(tx store.Tx) error {
		rules, err := activeRules(tx)
		if err != nil {
			return err
		}
		for _, r := range rules {
			if t := r.nextFiring(after); !t.IsZero() && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
		t, found, err := records.NextDueAfter(tx, after)
		if err != nil {
			return err
		}
		if found && (next.IsZero() || t.Before(next)) {
			next = t
		}
		return nil
	})
	return next, err
}

// Idle reports whether every queued job has finished and every event is in the event log.
// Deliveries to webhooks are not waited for: a dead webhook retries for minutes.
func (d Due) Idle(ctx context.Context) (bool, error) {
	var busy, logged bool
	err := d.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if busy, err = queue.Busy(tx, events.DeliveryKind, events.RuleDeliveryKind); err != nil {
			return err
		}
		logged, err = d.Events.Logged(tx)
		return err
	})
	return err == nil && !busy && logged, err
}

// RunDue fires the rules due at or before now (catching up after downtime as rules.go says) and
// handles the due entries up to now, in time order.
func (d Due) RunDue(ctx context.Context, now time.Time) (int, error) {
	var firings []firing
	var dues []records.DueEntry
	err := d.Store.View(ctx, func(tx store.Tx) error {
		rules, err := activeRules(tx)
		if err != nil {
			return err
		}
		for _, r := range rules {
			firings = append(firings, catchUp(r, now, d.Log)...)
		}
		dues, err = records.DueUntil(tx, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	// Merge in time order; at one instant, rules fire before deadlines are enforced.
	type item struct {
		at   time.Time
		fire *firing
		due  *records.DueEntry
	}
	items := make([]item, 0, len(firings)+len(dues))
	for i := range firings {
		items = append(items, item{at: firings[i].at, fire: &firings[i]})
	}
	for i := range dues {
		items = append(items, item{at: dues[i].At, due: &dues[i]})
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		switch {
		case a.fire != nil && b.fire == nil:
			return -1
		case a.fire == nil && b.fire != nil:
			return 1
		}
		return 0
	})
	var errs []error
	started := 0
	tags := NewOwnTags() // resources' own tags, fetched once in this run
	for _, it := range items {
		if ctx.Err() != nil {
			return started, ctx.Err()
		}
		var n int
		var err error
		if it.fire != nil {
			n, err = d.fire(ctx, *it.fire, now, tags)
		} else {
			n, err = d.runDueEntry(ctx, *it.due, now)
		}
		started += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	d.Jobs.Notify()
	d.Events.Recorded()
	return started, errors.Join(errs...)
}

// runDueEntry does one due entry's work; it returns 1 if that queued or stopped a job.
func (d Due) runDueEntry(ctx context.Context, e records.DueEntry, now time.Time) (int, error) {
	var started bool
	var err error
	switch e.Kind {
	case records.DueStartBy, records.DueCompleteBy:
		started, err = d.enforceWindow(ctx, e, now)
	case records.DueCold:
		started, err = d.startColdTransition(ctx, e, now)
	case records.DueDelete:
		started, err = d.expirePoint(ctx, e, now)
	case records.DueForget:
		started, err = d.retryForget(ctx, e)
	case records.DueRestoreTestRun, records.DueRestoreValidationEnd:
		if d.RestoreTests == nil {
			err = d.Store.Update(ctx, func(tx store.Tx) error { return records.ClearDue(tx, e.Kind, e.Ref) })
			break
		}
		started, err = d.RestoreTests.RunDue(ctx, e, now)
	case records.DueReport:
		started, err = d.runReportPlan(ctx, e, now)
	case records.DueEvaluate:
		err = d.evaluateFramework(ctx, e, now)
	default:
		err = d.Store.Update(ctx, func(tx store.Tx) error { return records.ClearDue(tx, e.Kind, e.Ref) })
	}
	if err != nil {
		return 0, fmt.Errorf("%s of %s at %s: %w", e.Kind, e.Ref, e.At.Format(time.RFC3339), err)
	}
	if started {
		return 1, nil
	}
	return 0, nil
}

// deref returns *p, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
