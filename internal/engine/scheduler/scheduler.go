// Package scheduler drives the engine through time. It does the engine's due work (Due) — plan
// rules firing, job start and completion windows closing, lifecycle transitions — when it comes
// due, and makes sure only one process on a data dir drives it at a time.
//
// # Two clocks, one algorithm
//
// A Scheduler runs a Work (Due in the engine; a fake in tests): NextDue says when something next
// becomes due, RunDue does what is due at a given instant, Idle says whether the jobs it started
// have finished.
//
//   - On the wall clock, a loop sleeps until the next due instant (woken early by Wake when a plan,
//     job or recovery point changes), runs what is due, and sleeps again. Jobs run in the
//     background; the loop does not wait for them.
//   - On a Fake clock, time moves only through AdvanceTo. It steps the clock to each instant at
//     which something is due, in time order, runs that instant's work and waits for the jobs it
//     started to finish before taking the next step, so that a job's completion (and what it
//     triggers: copy jobs, new recovery points with their own lifecycle) happens at the fake
//     time it would have happened at, and the outcome of advancing 400 days is the same on every
//     run. The call returns when the target time is reached and everything due is done.
//
// # One scheduler per data dir
//
// Every engine process on a data dir (the daemon, an embedded provider) runs a Scheduler; a
// lease document in the store says which one is active: a lease of package lease, as the job
// runner's are, renewed while held and taken over once it expired or its holder's process is gone
// from this host.
// On the wall clock the active scheduler holds the lease continuously; on a Fake clock AdvanceTo
// takes it for the duration of one advance, so an advance sent to the daemon and one sent to an
// embedded provider queue behind each other. The lease keeps two schedulers from doing the same
// work at once; that no job is created or run twice does not rest on it alone: rule firings are
// recorded under an idempotency key in the firing transaction, and jobs run under the job
// runner's per-job leases.
//
// The loop is hand-written: a few dozen lines over the engine's own transactional store, which a
// general-purpose scheduling library would duplicate.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	// Imported as leases: this package's name for the stored lease is lease.
	leases "github.com/strongroom/terraform-provider-backup/internal/engine/lease"
	"github.com/strongroom/terraform-provider-backup/internal/engine/metrics"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Work is the domain's time-driven work.
type Work interface {
	// NextDue returns the earliest instant strictly after `after` at which something becomes
	// due, or the zero time when nothing is scheduled.
	NextDue(ctx context.Context, after time.Time) (time.Time, error)
	// RunDue does what is due at or before now, including work that was due earlier and could
	// not be done then (a recovery point kept past its lifecycle by a legal hold, rule firings
	// missed while no engine ran). It returns once the work is started (jobs queued), not done,
	// with how many pieces of work it started that Idle waits for (jobs queued or stopped).
	RunDue(ctx context.Context, now time.Time) (started int, err error)
	// Idle reports whether every job RunDue started has finished.
	Idle(ctx context.Context) (bool, error)
}

// Errors of AdvanceTo.
var (
	// ErrRealClock: the engine runs on the wall clock, which nobody can move.
	ErrRealClock = errors.New("scheduler: the engine runs on the wall clock")
	// ErrBackwards: the target is before the clock's time.
	ErrBackwards = errors.New("scheduler: the clock cannot move backwards")
)

// Options configure a Scheduler.
type Options struct {
	Store store.Store
	// Clock is the engine clock. A clock.Settable (a Fake) is driven by AdvanceTo; anything
	// else is run on as wall time.
	Clock clock.Clock
	Work  Work
	Log   *slog.Logger
	// LeaseTTL is how long the scheduler lease lasts without renewal (default 30s); it is
	// renewed every third of that.
	LeaseTTL time.Duration
	// MaxSleep bounds how long the wall-clock loop sleeps without looking again (default one
	// minute), so that overdue work blocked by something the scheduler is not told about (a
	// legal hold cancelled by another process) is retried.
	MaxSleep time.Duration
	// IdlePoll is how often AdvanceTo checks whether the jobs of a step have finished (default
	// 10ms).
	IdlePoll time.Duration
	// Disabled makes Start do nothing: no loop, no lease (for engines that must not fire
	// schedules, such as one-shot CLI commands).
	Disabled bool
	// Metrics records the wall-clock loop's lag: how late a pass ran after the instant it woke
	// for. Nil records nothing.
	Metrics *metrics.Registry
}

// Scheduler runs Work on time.
type Scheduler struct {
	o        Options
	leaseDoc leases.Document
	wake     chan struct{}

	advanceMu sync.Mutex // one AdvanceTo at a time in this process

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// New returns a scheduler; it does nothing until Start.
func New(o Options) *Scheduler {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 30 * time.Second
	}
	if o.MaxSleep <= 0 {
		o.MaxSleep = time.Minute
	}
	if o.IdlePoll <= 0 {
		o.IdlePoll = 10 * time.Millisecond
	}
	return &Scheduler{
		o:        o,
		leaseDoc: leases.Document{Store: o.Store, Collection: collScheduler, Key: leaseKey, Owner: leases.NewOwner(), TTL: o.LeaseTTL},
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
}

// Owner is the identity this scheduler writes into the lease.
func (s *Scheduler) Owner() leases.Owner { return s.leaseDoc.Owner }

// Settable returns the clock AdvanceTo moves, if the engine runs on one.
func (s *Scheduler) Settable() (clock.Settable, bool) {
	c, ok := s.o.Clock.(clock.Settable)
	return c, ok
}

// Start starts the scheduler in the background: on the wall clock, the loop; on a Fake clock,
// one pass over what is already due (an engine restarted with a later --fake-clock catches up on
// what it missed, as after downtime).
func (s *Scheduler) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.o.Disabled {
		return
	}
	s.started = true
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() {
		defer close(s.done)
		if _, fake := s.Settable(); fake {
			if _, err := s.AdvanceTo(ctx, s.o.Clock.Now(), 0); err != nil && ctx.Err() == nil {
				s.o.Log.Error("scheduler: catching up at start failed", slog.Any("error", err))
			}
			return
		}
		s.loop(ctx)
	}()
}

// Stop stops the scheduler and gives up its lease.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	if !s.started {
		s.mu.Unlock()
		return
	}
	s.cancel()
	s.mu.Unlock()
	<-s.done
	s.release(context.Background())
}

// Wake tells the wall-clock loop that something it schedules changed (a plan, a job, a recovery
// point's lifecycle), so it recomputes when to wake up.
func (s *Scheduler) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Scheduler) loop(ctx context.Context) {
	renew := leases.RenewalInterval(s.o.LeaseTTL)
	var awaited time.Time // the due instant the last pass found next, which this one should run at
	for ctx.Err() == nil {
		held, err := s.acquire(ctx)
		if err != nil && ctx.Err() == nil {
			s.o.Log.Warn("scheduler: taking the lease failed", slog.Any("error", err))
		}
		sleep := renew
		if held {
			now := s.o.Clock.Now()
			if !awaited.IsZero() && !now.Before(awaited) {
				s.o.Metrics.SchedulerLag(now.Sub(awaited))
			}
			if _, err := s.o.Work.RunDue(ctx, now); err != nil && ctx.Err() == nil {
				s.o.Log.Error("scheduler: running due work failed", slog.Any("error", err))
			}
			next, err := s.o.Work.NextDue(ctx, now)
			if err != nil && ctx.Err() == nil {
				s.o.Log.Error("scheduler: finding the next due instant failed", slog.Any("error", err))
			}
			sleep, awaited = min(renew, s.o.MaxSleep), next
			if !next.IsZero() {
				sleep = max(0, min(sleep, next.Sub(s.o.Clock.Now())))
			}
		}
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// AdvanceResult is what one AdvanceTo did.
type AdvanceResult struct {
	From, To time.Time
	// Steps counts the due instants the clock stopped at on the way.
	Steps int
	// Unfinished is set when some step's jobs were still running after maxWait and the advance
	// moved on without them.
	Unfinished bool
}

// AdvanceTo moves a Fake clock to target, doing everything that comes due on the way in time
// order: at each due instant it sets the clock there, runs that instant's work and waits until
// the jobs it started have finished — up to maxWait of wall time per step (0: no limit) — before
// the next step. It first waits for the jobs already queued (an on-demand backup started just
// before), and runs what is overdue, at the current time; a step that starts nothing does not
// wait for jobs an earlier step left running. It takes the scheduler lease for the duration, waiting for another process's
// advance to finish. ErrRealClock on the wall clock, ErrBackwards if target is before the
// clock's time. Advancing to the current time runs what is overdue.
func (s *Scheduler) AdvanceTo(ctx context.Context, target time.Time, maxWait time.Duration) (AdvanceResult, error) {
	return s.advance(ctx, func(time.Time) time.Time { return target }, maxWait)
}

// AdvanceBy is AdvanceTo the clock's time plus d, the time read once the lease is held: two
// advances by a day, sent at once to two processes, move the clock two days.
func (s *Scheduler) AdvanceBy(ctx context.Context, d time.Duration, maxWait time.Duration) (AdvanceResult, error) {
	return s.advance(ctx, func(now time.Time) time.Time { return now.Add(d) }, maxWait)
}

func (s *Scheduler) advance(ctx context.Context, targetOf func(now time.Time) time.Time, maxWait time.Duration) (AdvanceResult, error) {
	clk, ok := s.Settable()
	if !ok {
		return AdvanceResult{}, ErrRealClock
	}
	s.advanceMu.Lock()
	defer s.advanceMu.Unlock()
	if err := s.waitForLease(ctx); err != nil {
		return AdvanceResult{}, err
	}
	defer s.release(context.WithoutCancel(ctx))
	renewCtx, stopRenew := context.WithCancel(ctx)
	defer stopRenew()
	go s.keepLease(renewCtx)

	res := AdvanceResult{From: clk.Now()}
	res.To = targetOf(res.From).UTC()
	if res.To.Before(res.From) {
		return res, fmt.Errorf("%w: it reads %s, and %s is earlier", ErrBackwards, res.From.Format(time.RFC3339), res.To.Format(time.RFC3339))
	}
	first := true
	step := func(at time.Time) error {
		started, err := s.o.Work.RunDue(ctx, at)
		if err != nil {
			return fmt.Errorf("run the work due at %s: %w", at.Format(time.RFC3339), err)
		}
		if started == 0 && !first {
			return nil
		}
		first = false
		finished, err := s.waitIdle(ctx, maxWait)
		if err != nil {
			return err
		}
		if !finished {
			res.Unfinished = true
			s.o.Log.Warn("scheduler: jobs still running after the advance's wait limit; moving on", slog.Time("at", at), slog.Duration("max_wait", maxWait))
		}
		return nil
	}
	now := res.From
	if err := step(now); err != nil {
		return res, err
	}
	for {
		next, err := s.o.Work.NextDue(ctx, now)
		if err != nil {
			return res, fmt.Errorf("find the next due instant: %w", err)
		}
		if next.IsZero() || next.After(res.To) {
			break
		}
		if err := clk.SetTime(next); err != nil {
			return res, fmt.Errorf("move the clock to %s: %w", next.Format(time.RFC3339), err)
		}
		now = next
		res.Steps++
		if err := step(now); err != nil {
			return res, err
		}
	}
	if res.To.After(now) {
		if err := clk.SetTime(res.To); err != nil {
			return res, fmt.Errorf("move the clock to %s: %w", res.To.Format(time.RFC3339), err)
		}
		if err := step(res.To); err != nil {
			return res, err
		}
	}
	return res, nil
}

// waitIdle waits until the work is idle, or maxWait (if positive) has passed; it reports which.
func (s *Scheduler) waitIdle(ctx context.Context, maxWait time.Duration) (bool, error) {
	var deadline <-chan time.Time
	if maxWait > 0 {
		t := time.NewTimer(maxWait)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(s.o.IdlePoll)
	defer tick.Stop()
	for {
		idle, err := s.o.Work.Idle(ctx)
		if err != nil {
			return false, fmt.Errorf("check for running jobs: %w", err)
		}
		if idle {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-deadline:
			return false, nil
		case <-tick.C:
		}
	}
}

// The lease document.
const (
	collScheduler = "scheduler"
	leaseKey      = "lease"
)

// lease is the stored shape of the scheduler lease.
type lease = leases.Lease

// Holder returns who holds the scheduler lease of st and until when; ok is false when nobody
// holds a live one.
func Holder(ctx context.Context, st store.Store) (owner leases.Owner, expires time.Time, ok bool, err error) {
	l, ok, err := leases.Holder(ctx, st, collScheduler, leaseKey)
	return l.Owner, l.Expires, ok, err
}

// acquire takes or renews the lease; it reports whether this scheduler holds it.
func (s *Scheduler) acquire(ctx context.Context) (bool, error) {
	got, err := s.leaseDoc.Acquire(ctx)
	if err == nil && got.TookOver != nil {
		s.o.Log.Info("scheduler: taking over the lease", slog.String("from", got.TookOver.Owner.String()), slog.Time("expired", got.TookOver.Expires))
	}
	return got.Held, err
}

// waitForLease takes the lease, waiting while another live scheduler holds it.
func (s *Scheduler) waitForLease(ctx context.Context) error {
	backoff := 20 * time.Millisecond
	for {
		held, err := s.acquire(ctx)
		if err != nil {
			return fmt.Errorf("take the scheduler lease: %w", err)
		}
		if held {
			return nil
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

// keepLease renews the lease at the lease's renewal interval until ctx ends.
func (s *Scheduler) keepLease(ctx context.Context) {
	t := time.NewTicker(leases.RenewalInterval(s.o.LeaseTTL))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if held, err := s.acquire(ctx); err != nil && ctx.Err() == nil {
				s.o.Log.Warn("scheduler: renewing the lease failed", slog.Any("error", err))
			} else if !held && ctx.Err() == nil {
				s.o.Log.Error("scheduler: lost the lease during an advance; another process may be running due work")
			}
		}
	}
}

// release gives the lease up if this scheduler holds it.
func (s *Scheduler) release(ctx context.Context) {
	if err := s.leaseDoc.Release(ctx); err != nil && !errors.Is(err, store.ErrClosed) {
		s.o.Log.Warn("scheduler: giving up the lease failed; it expires by itself", slog.Any("error", err))
	}
}
