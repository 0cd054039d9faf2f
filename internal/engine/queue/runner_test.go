package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// recorder is a Handler that records what the runner asked of it. Its domain record is a
// document in collection "records" whose value is the task's state.
type recorder struct {
	mu        sync.Mutex
	runs      map[string]int
	abandoned map[string]string
	// run, if set, is the body of Run before it finishes the task; returning an error leaves
	// the task unfinished.
	run     func(ctx context.Context, t *Task) error
	running atomic.Int32
	maxSeen atomic.Int32
	retry   bool
}

func newRecorder() *recorder {
	return &recorder{runs: map[string]int{}, abandoned: map[string]string{}}
}

func (h *recorder) Start(tx store.Tx, t *Task, stop bool) (bool, error) {
	if stop {
		return false, tx.Put("records", t.Key, []byte(`"stopped-before-start"`))
	}
	return true, tx.Put("records", t.Key, []byte(`"running"`))
}

func (h *recorder) Run(ctx context.Context, t *Task) error {
	n := h.running.Add(1)
	defer h.running.Add(-1)
	for {
		m := h.maxSeen.Load()
		if n <= m || h.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	h.mu.Lock()
	h.runs[t.Key]++
	h.mu.Unlock()
	if h.run != nil {
		if err := h.run(ctx, t); err != nil {
			return err
		}
	}
	outcome := `"done"`
	if errors.Is(context.Cause(ctx), ErrStopRequested) {
		outcome = `"stopped"`
	} else if errors.Is(context.Cause(ctx), ErrShutdown) {
		outcome = `"shutdown"`
	}
	return t.Finish(ctx, func(tx store.Tx) error { return tx.Put("records", t.Key, []byte(outcome)) })
}

func (h *recorder) Abandoned(tx store.Tx, t *Task, reason string) (bool, func(), error) {
	h.mu.Lock()
	h.abandoned[t.Key] = reason
	h.mu.Unlock()
	if h.retry {
		return true, nil, nil
	}
	return false, nil, tx.Put("records", t.Key, []byte(`"abandoned"`))
}

func (h *recorder) runCount(key string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.runs[key]
}

func openStore(t *testing.T, path string) store.Store {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func enqueue(t *testing.T, st store.Store, keys ...string) {
	t.Helper()
	err := st.Update(context.Background(), func(tx store.Tx) error {
		for _, k := range keys {
			if err := Enqueue(tx, "test", k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func record(t *testing.T, st store.Store, key string) string {
	t.Helper()
	var v string
	err := st.View(context.Background(), func(tx store.Tx) error {
		b, err := tx.Get("records", key)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return json.Unmarshal(b, &v)
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func queueLen(t *testing.T, st store.Store) int {
	t.Helper()
	var n int
	_ = st.View(context.Background(), func(tx store.Tx) error {
		docs, err := tx.Scan(collQueue, "", "", 0)
		n = len(docs)
		return err
	})
	return n
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fast() Options {
	return Options{Concurrency: 4, LeaseTTL: 300 * time.Millisecond, Poll: 20 * time.Millisecond}
}

// Two runners on one SQLite data dir (as two engine processes would be) never run a task twice,
// and between them run every task.
func TestRunner_twoRunnersOnOneStoreRunEachTaskExactlyOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "engine.db")
	stA, stB := openStore(t, path), openStore(t, path)
	hA, hB := newRecorder(), newRecorder()
	slow := func(ctx context.Context, t *Task) error { time.Sleep(5 * time.Millisecond); return nil }
	hA.run, hB.run = slow, slow
	// A lease long enough that a loaded machine never lets one lapse while its task runs: this
	// test is about claims, not about taking over from a dead runner (see the abandon tests).
	opts := fast()
	opts.LeaseTTL = 5 * time.Second
	a := NewRunner(stA, nil, opts, map[string]Handler{"test": hA})
	b := NewRunner(stB, nil, opts, map[string]Handler{"test": hB})
	var keys []string
	for i := range 60 {
		keys = append(keys, fmt.Sprintf("job-%02d", i))
	}
	enqueue(t, stA, keys...)
	a.Start()
	b.Start()
	defer a.Stop(time.Second)
	defer b.Stop(time.Second)
	eventually(t, "every task finished", func() bool { return queueLen(t, stA) == 0 })
	ranA, ranB := 0, 0
	for _, k := range keys {
		ra, rb := hA.runCount(k), hB.runCount(k)
		if ra+rb != 1 {
			t.Errorf("task %s ran %d times in A and %d in B, want once in all", k, ra, rb)
		}
		ranA += ra
		ranB += rb
		if got := record(t, stA, k); got != "done" {
			t.Errorf("task %s record = %q, want done", k, got)
		}
	}
	if ranA == 0 || ranB == 0 {
		t.Logf("all tasks ran in one runner (A %d, B %d): the other never won a claim", ranA, ranB)
	}
}

func TestRunner_concurrencyIsBounded(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "engine.db"))
	h := newRecorder()
	h.run = func(ctx context.Context, t *Task) error { time.Sleep(30 * time.Millisecond); return nil }
	opts := fast()
	opts.Concurrency = 2
	r := NewRunner(st, nil, opts, map[string]Handler{"test": h})
	enqueue(t, st, "a", "b", "c", "d", "e", "f")
	r.Start()
	defer r.Stop(time.Second)
	eventually(t, "every task finished", func() bool { return queueLen(t, st) == 0 })
	if m := h.maxSeen.Load(); m > 2 {
		t.Errorf("%d tasks ran at once, want at most 2", m)
	}
}

// A lease held by a process that no longer exists on this host is recovered at once, without
// waiting for the lease to expire: this is what a restarted engine does after a SIGKILL.
func TestRunner_leaseOfADeadProcessIsRecoveredAtOnce(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "engine.db"))
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no `true` to make a dead process ID:", err)
	}
	host, _ := os.Hostname()
	writeEntry(t, st, entry{Kind: "test", Key: "orphan", Owner: &Owner{Host: host, PID: dead.Process.Pid, Nonce: "x"},
		Expires: clock.Wall().Add(time.Hour), Attempts: 1})
	h := newRecorder()
	r := NewRunner(st, nil, fast(), map[string]Handler{"test": h})
	r.Start()
	defer r.Stop(time.Second)
	eventually(t, "the orphan was recovered", func() bool { return record(t, st, "orphan") == "abandoned" })
	h.mu.Lock()
	reason := h.abandoned["orphan"]
	h.mu.Unlock()
	want := fmt.Sprintf("the engine process running it (pid %d) stopped before it finished", dead.Process.Pid)
	if reason != want {
		t.Errorf("reason = %q, want %q", reason, want)
	}
	if h.runCount("orphan") != 0 {
		t.Errorf("an abandoned task was run again; it must be recorded as abandoned instead")
	}
	if n := queueLen(t, st); n != 0 {
		t.Errorf("%d queue entries left, want 0", n)
	}
}

// A lease of a process elsewhere (another host, so liveness cannot be checked) is recovered only
// once it has expired.
func TestRunner_leaseOfAnotherHostIsRecoveredOnlyAfterItExpires(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "engine.db"))
	expires := clock.Wall().Add(700 * time.Millisecond)
	writeEntry(t, st, entry{Kind: "test", Key: "remote", Owner: &Owner{Host: "elsewhere.invalid", PID: 1, Nonce: "y"}, Expires: expires, Attempts: 1})
	h := newRecorder()
	r := NewRunner(st, nil, fast(), map[string]Handler{"test": h})
	r.Start()
	defer r.Stop(time.Second)
	time.Sleep(300 * time.Millisecond)
	if got := record(t, st, "remote"); got != "" {
		t.Fatalf("a live lease was recovered early: record %q", got)
	}
	eventually(t, "the expired lease was recovered", func() bool { return record(t, st, "remote") == "abandoned" })
	if clock.Wall().Before(expires) {
		t.Errorf("recovered before the lease expired")
	}
}

// A task that runs for many lease lifetimes keeps its lease: a second runner never takes it over.
func TestRunner_leaseIsRenewedWhileATaskRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "engine.db")
	stA, stB := openStore(t, path), openStore(t, path)
	release := make(chan struct{})
	hA := newRecorder()
	hA.run = func(ctx context.Context, t *Task) error { <-release; return nil }
	hB := newRecorder()
	a := NewRunner(stA, nil, fast(), map[string]Handler{"test": hA})
	b := NewRunner(stB, nil, fast(), map[string]Handler{"test": hB})
	enqueue(t, stA, "long")
	a.Start()
	defer a.Stop(time.Second)
	eventually(t, "A runs the task", func() bool { return hA.runCount("long") == 1 })
	b.Start()
	defer b.Stop(time.Second)
	time.Sleep(5 * fast().LeaseTTL)
	close(release)
	eventually(t, "the task finished", func() bool { return record(t, stA, "long") == "done" })
	if hB.runCount("long") != 0 || len(hB.abandoned) != 0 {
		t.Errorf("runner B took over a task whose lease A kept renewing (runs %d, abandoned %v)", hB.runCount("long"), hB.abandoned)
	}
}

// A stop requested through the store reaches the runner holding the task, even in another
// "process", through its lease renewal.
func TestRunner_stopRequestReachesTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "engine.db")
	stA, stB := openStore(t, path), openStore(t, path)
	h := newRecorder()
	h.run = func(ctx context.Context, t *Task) error { <-ctx.Done(); return nil }
	a := NewRunner(stA, nil, fast(), map[string]Handler{"test": h})
	enqueue(t, stA, "stoppable")
	a.Start()
	defer a.Stop(time.Second)
	eventually(t, "the task runs", func() bool { return h.runCount("stoppable") == 1 })
	err := stB.Update(context.Background(), func(tx store.Tx) error {
		found, err := RequestStop(tx, "test", "stoppable")
		if !found {
			return errors.New("task not queued")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the task recorded that it stopped", func() bool { return record(t, stA, "stoppable") == "stopped" })
}

// A stop requested before any runner claimed the task is seen by Start, and the task never runs.
func TestRunner_stopBeforeStartIsHandedToStart(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "engine.db"))
	enqueue(t, st, "early")
	if err := st.Update(context.Background(), func(tx store.Tx) error { _, err := RequestStop(tx, "test", "early"); return err }); err != nil {
		t.Fatal(err)
	}
	h := newRecorder()
	r := NewRunner(st, nil, fast(), map[string]Handler{"test": h})
	r.Start()
	defer r.Stop(time.Second)
	eventually(t, "the task was dropped", func() bool { return queueLen(t, st) == 0 })
	if got := record(t, st, "early"); got != "stopped-before-start" || h.runCount("early") != 0 {
		t.Errorf("record %q, runs %d; want stopped-before-start and no run", got, h.runCount("early"))
	}
}

// Shutting down cancels running tasks with ErrShutdown and lets them record it.
func TestRunner_stopCancelsRunningTasksWithShutdown(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "engine.db"))
	h := newRecorder()
	h.run = func(ctx context.Context, t *Task) error { <-ctx.Done(); return nil }
	r := NewRunner(st, nil, fast(), map[string]Handler{"test": h})
	enqueue(t, st, "busy")
	r.Start()
	eventually(t, "the task runs", func() bool { return h.runCount("busy") == 1 })
	r.Stop(5 * time.Second)
	if got := record(t, st, "busy"); got != "shutdown" {
		t.Errorf("record = %q, want shutdown", got)
	}
}

// A Run that returns without finishing is handed to Abandoned with its error, and a handler that
// asks for a retry gets the task again.
func TestRunner_unfinishedRunIsAbandonedOrRetried(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "engine.db"))
	h := newRecorder()
	h.retry = true
	var calls atomic.Int32
	h.run = func(ctx context.Context, t *Task) error {
		if calls.Add(1) == 1 {
			return errors.New("transient trouble")
		}
		return nil
	}
	r := NewRunner(st, nil, fast(), map[string]Handler{"test": h})
	enqueue(t, st, "flaky")
	r.Start()
	defer r.Stop(time.Second)
	eventually(t, "the retry finished", func() bool { return record(t, st, "flaky") == "done" })
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.runs["flaky"] != 2 || h.abandoned["flaky"] != "transient trouble" {
		t.Errorf("runs %d, abandoned reason %q; want 2 runs and the first run's error", h.runs["flaky"], h.abandoned["flaky"])
	}
}

// Finish refuses to write once the lease is gone, so a runner that was presumed dead cannot
// overwrite the outcome another runner recorded.
func TestTask_finishAfterLosingTheLeaseWritesNothing(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "engine.db"))
	r := NewRunner(st, nil, fast(), nil)
	writeEntry(t, st, entry{Kind: "test", Key: "k", Owner: &Owner{Host: "other", PID: 9, Nonce: "z"}, Expires: clock.Wall().Add(time.Hour)})
	task := &Task{Kind: "test", Key: "k", r: r}
	err := task.Finish(context.Background(), func(tx store.Tx) error { return tx.Put("records", "k", []byte(`"late"`)) })
	if !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("Finish = %v, want ErrLeaseLost", err)
	}
	if got := record(t, st, "k"); got != "" || queueLen(t, st) != 1 {
		t.Errorf("a finish without the lease wrote %q or dequeued the task", got)
	}
}

func writeEntry(t *testing.T, st store.Store, e entry) {
	t.Helper()
	if err := st.Update(context.Background(), func(tx store.Tx) error { return putEntry(tx, e) }); err != nil {
		t.Fatal(err)
	}
}
