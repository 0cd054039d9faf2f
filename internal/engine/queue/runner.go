// Package queue runs the engine's background work — backup and restore jobs, and the deletion of
// a recovery point's data — so that it survives API calls returning, runs at most once even when
// several engine processes share a data dir, and leaves a clear record when a process dies.
//
// Work is a queue entry in the store (collection "job-queue"), written in the same transaction as
// the domain record it belongs to (a backup job, say). A Runner claims an entry by writing a lease
// (package lease: an owner and an expiry on the wall clock) into it, renewed while the work runs.
// SQLite serialises the claiming transactions, so two processes never hold one entry. A lease
// whose holder is gone — its process no longer exists on this host, or its expiry has passed
// without renewal — is abandoned: the entry's Handler records why (a backup job becomes FAILED)
// or asks for a retry. Everything a user sees (job dates, deadlines) uses the engine clock, in
// the Handlers.
//
// The queue, leases and renewal are hand-written: they are a few hundred lines over the engine's
// own transactional store, and a general job library would bring a second store to keep
// consistent with the first.
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/lease"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// collQueue holds the queue entries.
const collQueue = "job-queue"

// ErrLeaseLost is returned by Task.Update and Task.Finish when this runner no longer holds the
// task's lease (another process declared it abandoned); nothing was written.
var ErrLeaseLost = errors.New("queue: the lease on this task was lost")

// Cancellation causes a running task's context can carry (context.Cause).
var (
	// ErrStopRequested: someone asked for the task to stop (StopBackupJob).
	ErrStopRequested = errors.New("queue: stop requested")
	// ErrShutdown: the runner is shutting down.
	ErrShutdown = errors.New("queue: the engine is shutting down")
)

// entry is one queued task.
type entry struct {
	Kind string `json:"kind"`
	Key  string `json:"key"`
	// Owner and Expires are the lease; Owner is nil while nobody holds it.
	Owner   *Owner    `json:"owner,omitempty"`
	Expires time.Time `json:"expires,omitzero"`
	// Stop is set when a stop was requested; the holder's renewal sees it.
	Stop bool `json:"stop,omitempty"`
	// Attempts counts claims; Handlers may give up on a task that keeps being abandoned.
	Attempts int `json:"attempts"`
}

// lease returns the lease on e; held is false while no runner holds it.
func (e entry) lease() (l lease.Lease, held bool) {
	if e.Owner == nil {
		return lease.Lease{}, false
	}
	return lease.Lease{Owner: *e.Owner, Expires: e.Expires}, true
}

// heldBy reports whether o holds the lease on e.
func (e entry) heldBy(o Owner) bool {
	l, held := e.lease()
	return held && l.HeldBy(o)
}

// setLease writes l into e: a claim or a renewal.
func (e *entry) setLease(l lease.Lease) { e.Owner, e.Expires = &l.Owner, l.Expires }

// releaseLease clears e's lease, so that any runner may claim it again.
func (e *entry) releaseLease() { e.Owner, e.Expires = nil, time.Time{} }

func queueKey(kind, key string) string { return kind + "/" + key }

// Enqueue queues a task of kind for the domain record key, inside the caller's transaction, so the
// task exists exactly when the record does. Call Runner.Notify after the transaction commits.
func Enqueue(tx store.Tx, kind, key string) error {
	b, err := json.Marshal(entry{Kind: kind, Key: key})
	if err != nil {
		return err
	}
	return tx.Insert(collQueue, queueKey(kind, key), b)
}

// Claimed reports whether a queued task is held by a runner right now (it may be running). It
// returns queued=false if there is no such task.
func Claimed(tx store.Tx, kind, key string) (queued, claimed bool, err error) {
	e, found, err := getEntry(tx, kind, key)
	if err != nil || !found {
		return false, false, err
	}
	return true, e.Owner != nil, nil
}

// Dequeue removes a task that no runner holds, inside the caller's transaction; it reports whether
// it did. A task that is held is left alone: use RequestStop for it.
func Dequeue(tx store.Tx, kind, key string) (bool, error) {
	e, found, err := getEntry(tx, kind, key)
	if err != nil || !found || e.Owner != nil {
		return false, err
	}
	return true, tx.Delete(collQueue, queueKey(kind, key))
}

// RequestStop marks a queued task as asked to stop, inside the caller's transaction. The runner
// holding it cancels the task's context (cause ErrStopRequested) at its next lease renewal, or at
// once when it is in this process and Runner.Notify is called.
func RequestStop(tx store.Tx, kind, key string) (bool, error) {
	e, found, err := getEntry(tx, kind, key)
	if err != nil || !found {
		return false, err
	}
	e.Stop = true
	return true, putEntry(tx, e)
}

func getEntry(tx store.Tx, kind, key string) (entry, bool, error) {
	var e entry
	b, err := tx.Get(collQueue, queueKey(kind, key))
	if errors.Is(err, store.ErrNotFound) {
		return e, false, nil
	}
	if err != nil {
		return e, false, err
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return e, false, fmt.Errorf("decode queue entry %s: %w", queueKey(kind, key), err)
	}
	return e, true, nil
}

func putEntry(tx store.Tx, e entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return tx.Put(collQueue, queueKey(e.Kind, e.Key), b)
}

// Handler runs the tasks of one kind.
type Handler interface {
	// Start is called in the transaction that claims the task, with stop set if a stop was
	// requested before the task ran. It moves the domain record to its running state and returns
	// true, or finalises the record (stopped, expired, gone) and returns false: the task is then
	// removed without running.
	Start(tx store.Tx, t *Task, stop bool) (run bool, err error)
	// Run does the work. It ends by calling t.Finish with the transaction that records the
	// outcome. If it returns without finishing, the runner treats the task as abandoned with
	// Run's error as the reason.
	Run(ctx context.Context, t *Task) error
	// Abandoned is called in a transaction when the task's holder died (or Run returned without
	// finishing). It records why on the domain record and returns retry=false, and the task is
	// removed; or it returns retry=true and the task is queued again. cleanup, if not nil, runs
	// after the transaction commits (to remove files the dead holder left).
	Abandoned(tx store.Tx, t *Task, reason string) (retry bool, cleanup func(), err error)
}

// Options tune a Runner.
type Options struct {
	// Concurrency bounds how many tasks this runner runs at once (default 2).
	Concurrency int
	// LeaseTTL is how long a lease lasts without renewal (default 30s); it is renewed every
	// third of that.
	LeaseTTL time.Duration
	// Poll is how often the queue is scanned for work other processes queued or abandoned
	// (default 2s). Work queued in this process starts at once (Notify).
	Poll time.Duration
}

// Runner claims and runs queued tasks.
type Runner struct {
	st       store.Store
	log      *slog.Logger
	opts     Options
	handlers map[string]Handler
	owner    Owner
	slots    chan struct{}
	wake     chan struct{}

	mu      sync.Mutex
	running map[string]context.CancelCauseFunc
	started bool
	stop    context.CancelCauseFunc
	wg      sync.WaitGroup
	done    chan struct{}
}

// NewRunner returns a runner over st dispatching tasks to handlers by kind. It does nothing until
// Start.
func NewRunner(st store.Store, log *slog.Logger, opts Options, handlers map[string]Handler) *Runner {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 2
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 30 * time.Second
	}
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{
		st: st, log: log, opts: opts, handlers: handlers,
		owner:   lease.NewOwner(),
		slots:   make(chan struct{}, opts.Concurrency),
		wake:    make(chan struct{}, 1),
		running: map[string]context.CancelCauseFunc{},
		done:    make(chan struct{}),
	}
}

// Owner is the identity this runner writes into its leases.
func (r *Runner) Owner() Owner { return r.owner }

// Start starts claiming tasks in the background until Stop.
func (r *Runner) Start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return
	}
	r.started = true
	ctx, cancel := context.WithCancelCause(context.Background())
	r.stop = cancel
	go r.loop(ctx)
}

// Notify wakes the runner: call it after committing a transaction that queued a task or requested
// a stop.
func (r *Runner) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// StopTask cancels a task running in this process with ErrStopRequested; it reports whether the
// task was running here. Use RequestStop first so other processes learn of it too.
func (r *Runner) StopTask(kind, key string) bool {
	r.mu.Lock()
	cancel, ok := r.running[queueKey(kind, key)]
	r.mu.Unlock()
	if ok {
		cancel(ErrStopRequested)
	}
	return ok
}

// Stop stops claiming, cancels running tasks with ErrShutdown and waits up to grace for them to
// record their outcome. Tasks still running after that keep their leases, which expire, and are
// recovered as abandoned by the next runner on the data dir.
func (r *Runner) Stop(grace time.Duration) {
	r.mu.Lock()
	if !r.started {
		r.mu.Unlock()
		return
	}
	r.stop(ErrShutdown)
	for _, cancel := range r.running {
		cancel(ErrShutdown)
	}
	r.mu.Unlock()
	<-r.done
	waited := make(chan struct{})
	go func() { r.wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(grace):
		r.log.Warn("jobs still running at shutdown; their leases will expire", slog.Duration("grace", grace))
	}
}

func (r *Runner) loop(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.opts.Poll)
	defer t.Stop()
	for {
		if err := r.sweep(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("job queue sweep failed", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-t.C:
		}
	}
}

// sweep claims what it can and recovers what is abandoned.
func (r *Runner) sweep(ctx context.Context) error {
	var entries []entry
	err := r.st.View(ctx, func(tx store.Tx) error {
		docs, err := tx.Scan(collQueue, "", "", 0)
		if err != nil {
			return err
		}
		for _, d := range docs {
			var e entry
			if err := json.Unmarshal(d.Value, &e); err != nil {
				return fmt.Errorf("decode queue entry %s: %w", d.Key, err)
			}
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	now := clock.Wall()
	for _, e := range entries {
		if ctx.Err() != nil {
			return nil
		}
		if _, ok := r.handlers[e.Kind]; !ok {
			continue // a kind this version of the engine does not run
		}
		l, held := e.lease()
		switch {
		case !held:
			select {
			case r.slots <- struct{}{}:
			default:
				continue // all slots busy; the next sweep tries again
			}
			if !r.claim(ctx, e) {
				<-r.slots
			}
		case l.HeldBy(r.owner):
			// Ours: running, or finishing.
		default:
			if reason, dead := abandoned(l, now); dead {
				r.recover(ctx, e, reason)
			}
		}
	}
	return nil
}

// abandoned reports whether the holder of a task's lease is gone, and why, in the words the
// task's record keeps.
func abandoned(held lease.Lease, now time.Time) (string, bool) {
	switch held.StandingAt(now) {
	case lease.HolderGone:
		return fmt.Sprintf("the engine process running it (pid %d) stopped before it finished", held.Owner.PID), true
	case lease.Expired:
		return fmt.Sprintf("the engine process running it (%s) stopped renewing its lease at %s", held.Owner, held.Expires.Format(time.RFC3339)), true
	default:
		return "", false
	}
}

// claim takes the lease of an unowned entry and starts it; it reports whether the task runs here.
func (r *Runner) claim(ctx context.Context, seen entry) bool {
	h := r.handlers[seen.Kind]
	task := &Task{Kind: seen.Kind, Key: seen.Key, r: r}
	var run bool
	err := r.st.Update(ctx, func(tx store.Tx) error {
		e, found, err := getEntry(tx, seen.Kind, seen.Key)
		if err != nil || !found || e.Owner != nil {
			run = false
			return err
		}
		e.setLease(lease.Grant(r.owner, r.opts.LeaseTTL))
		e.Attempts++
		task.Attempt = e.Attempts
		run, err = h.Start(tx, task, e.Stop)
		if err != nil {
			return err
		}
		if !run {
			return tx.Delete(collQueue, queueKey(e.Kind, e.Key))
		}
		return putEntry(tx, e)
	})
	if err != nil {
		if ctx.Err() == nil {
			r.log.Error("claiming a job failed", slog.String("kind", seen.Kind), slog.String("key", seen.Key), slog.Any("error", err))
		}
		return false
	}
	if !run {
		return false
	}
	taskCtx, cancel := context.WithCancelCause(context.Background())
	qk := queueKey(seen.Kind, seen.Key)
	r.mu.Lock()
	r.running[qk] = cancel
	r.mu.Unlock()
	r.wg.Add(1)
	go r.run(taskCtx, cancel, h, task)
	return true
}

// run executes a claimed task, renewing its lease until it ends.
func (r *Runner) run(ctx context.Context, cancel context.CancelCauseFunc, h Handler, t *Task) {
	qk := queueKey(t.Kind, t.Key)
	defer func() {
		r.mu.Lock()
		delete(r.running, qk)
		r.mu.Unlock()
		cancel(nil)
		<-r.slots
		r.wg.Done()
		r.Notify()
	}()
	renewDone := make(chan struct{})
	go func() {
		defer close(renewDone)
		r.renew(ctx, cancel, t)
	}()
	runErr := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("the job crashed: %v", p)
			}
		}()
		return h.Run(ctx, t)
	}()
	cancel(nil)
	<-renewDone
	if t.isFinished() {
		return
	}
	reason := "the job ended without recording a result"
	if runErr != nil {
		reason = runErr.Error()
	}
	r.log.Error("job ended without finishing", slog.String("kind", t.Kind), slog.String("key", t.Key), slog.String("reason", reason))
	var cleanup func()
	err := r.st.Update(context.Background(), func(tx store.Tx) error {
		e, found, err := getEntry(tx, t.Kind, t.Key)
		if err != nil || !found || !e.heldBy(r.owner) {
			return err
		}
		var retry bool
		retry, cleanup, err = h.Abandoned(tx, t, reason)
		if err != nil {
			return err
		}
		if retry {
			e.releaseLease()
			return putEntry(tx, e)
		}
		return tx.Delete(collQueue, qk)
	})
	if err != nil {
		r.log.Error("recording an unfinished job failed", slog.String("kind", t.Kind), slog.String("key", t.Key), slog.Any("error", err))
	}
	if cleanup != nil {
		cleanup()
	}
}

// renew extends the lease at the lease's renewal interval until ctx ends. It cancels the task when a stop
// is requested or the lease turns out to be lost.
func (r *Runner) renew(ctx context.Context, cancel context.CancelCauseFunc, t *Task) {
	tick := time.NewTicker(lease.RenewalInterval(r.opts.LeaseTTL))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var stop, lost bool
		err := r.st.Update(ctx, func(tx store.Tx) error {
			e, found, err := getEntry(tx, t.Kind, t.Key)
			if err != nil {
				return err
			}
			if !found || !e.heldBy(r.owner) {
				lost = true
				return nil
			}
			stop = e.Stop
			e.setLease(lease.Grant(r.owner, r.opts.LeaseTTL))
			return putEntry(tx, e)
		})
		switch {
		case err != nil && ctx.Err() == nil:
			r.log.Warn("renewing a job lease failed", slog.String("kind", t.Kind), slog.String("key", t.Key), slog.Any("error", err))
		case lost:
			r.log.Error("lost the lease on a running job; stopping it", slog.String("kind", t.Kind), slog.String("key", t.Key))
			cancel(ErrLeaseLost)
			return
		case stop:
			cancel(ErrStopRequested)
		}
	}
}

// recover hands an abandoned entry to its handler.
func (r *Runner) recover(ctx context.Context, seen entry, reason string) {
	h := r.handlers[seen.Kind]
	task := &Task{Kind: seen.Kind, Key: seen.Key, Attempt: seen.Attempts, r: r}
	var cleanup func()
	err := r.st.Update(ctx, func(tx store.Tx) error {
		e, found, err := getEntry(tx, seen.Kind, seen.Key)
		if err != nil || !found || !e.heldBy(*seen.Owner) || !e.Expires.Equal(seen.Expires) {
			return err // claimed, renewed or recovered meanwhile
		}
		var retry bool
		retry, cleanup, err = h.Abandoned(tx, task, reason)
		if err != nil {
			return err
		}
		if retry {
			e.releaseLease()
			return putEntry(tx, e)
		}
		return tx.Delete(collQueue, queueKey(e.Kind, e.Key))
	})
	if err != nil {
		if ctx.Err() == nil {
			r.log.Error("recovering an abandoned job failed", slog.String("kind", seen.Kind), slog.String("key", seen.Key), slog.Any("error", err))
		}
		return
	}
	r.log.Warn("recovered an abandoned job", slog.String("kind", seen.Kind), slog.String("key", seen.Key), slog.String("reason", reason))
	if cleanup != nil {
		cleanup()
	}
	r.Notify()
}

// Task is one claimed queue entry, as its Handler sees it.
type Task struct {
	Kind, Key string
	// Attempt is 1 the first time the task is claimed.
	Attempt int

	r        *Runner
	mu       sync.Mutex
	finished bool
}

// Notify wakes the runner holding t: for a task that queued more work.
func (t *Task) Notify() { t.r.Notify() }

func (t *Task) isFinished() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.finished
}

// Update runs fn in a transaction if this runner still holds the task's lease (ErrLeaseLost
// otherwise): for progress.
func (t *Task) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return t.r.st.Update(ctx, func(tx store.Tx) error {
		if err := t.checkLease(tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

// Finish runs fn — which records the task's outcome — and removes the task from the queue, in one
// transaction, if this runner still holds the lease. It runs even when the task's context is
// cancelled, so a stopped task can record that it stopped.
func (t *Task) Finish(ctx context.Context, fn func(tx store.Tx) error) error {
	err := t.r.st.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		if err := t.checkLease(tx); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Delete(collQueue, queueKey(t.Kind, t.Key))
	})
	if err == nil {
		t.mu.Lock()
		t.finished = true
		t.mu.Unlock()
	}
	return err
}

func (t *Task) checkLease(tx store.Tx) error {
	e, found, err := getEntry(tx, t.Kind, t.Key)
	if err != nil {
		return err
	}
	if !found || !e.heldBy(t.r.owner) {
		return ErrLeaseLost
	}
	return nil
}
