package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// fakeWork has work due at fixed instants; each instant's work is a "job" that takes jobTime of
// wall time, during which Idle is false.
type fakeWork struct {
	clk     clock.Clock
	due     []time.Time
	jobTime time.Duration

	mu      sync.Mutex
	ran     []time.Time // the clock's time at each RunDue that did something
	done    map[time.Time]bool
	running atomic.Int64
	// finishedBefore records, for each instant, whether the previous instant's job had
	// finished when the clock reached it.
	overlapped bool
}

func (w *fakeWork) NextDue(_ context.Context, after time.Time) (time.Time, error) {
	for _, t := range w.due {
		if t.After(after) {
			return t, nil
		}
	}
	return time.Time{}, nil
}

func (w *fakeWork) RunDue(_ context.Context, now time.Time) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done == nil {
		w.done = map[time.Time]bool{}
	}
	started := 0
	for _, t := range w.due {
		if t.After(now) || w.done[t] {
			continue
		}
		if w.running.Load() > 0 {
			w.overlapped = true
		}
		w.done[t] = true
		w.ran = append(w.ran, w.clk.Now())
		started++
		w.running.Add(1)
		go func() { time.Sleep(w.jobTime); w.running.Add(-1) }()
	}
	return started, nil
}

func (w *fakeWork) Idle(context.Context) (bool, error) { return w.running.Load() == 0, nil }

func TestAdvanceStopsAtEachDueInstantInOrderAndWaitsForItsJobs(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	fake := clock.NewFake(start)
	due := []time.Time{start.Add(90 * time.Minute), start.Add(26 * time.Hour), start.Add(26*time.Hour + time.Second), start.Add(30 * 24 * time.Hour)}
	w := &fakeWork{clk: fake, due: due, jobTime: 20 * time.Millisecond}
	s := New(Options{Store: store.NewMemory(), Clock: fake, Work: w})
	res, err := s.AdvanceTo(context.Background(), start.Add(48*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.ran, due[:3]) {
		t.Fatalf("work ran at %v; want exactly at the first three due instants %v", w.ran, due[:3])
	}
	if w.overlapped {
		t.Fatal("an instant's work started while the previous instant's job was still running")
	}
	if res.Steps != 3 || !fake.Now().Equal(start.Add(48*time.Hour)) || res.Unfinished {
		t.Fatalf("result %+v, clock %s", res, fake.Now())
	}
	if _, err := s.AdvanceTo(context.Background(), start, 0); !errors.Is(err, ErrBackwards) {
		t.Fatalf("advancing backwards: %v", err)
	}
}

func TestAdvanceMovesOnAfterMaxWaitAndSaysSo(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	fake := clock.NewFake(start)
	w := &fakeWork{clk: fake, due: []time.Time{start.Add(time.Hour)}, jobTime: time.Hour}
	s := New(Options{Store: store.NewMemory(), Clock: fake, Work: w})
	res, err := s.AdvanceTo(context.Background(), start.Add(2*time.Hour), 50*time.Millisecond)
	if err != nil || !res.Unfinished {
		t.Fatalf("advance with a job that outlives the wait: %+v, %v", res, err)
	}
}

func TestAdvanceNeedsAFakeClock(t *testing.T) {
	s := New(Options{Store: store.NewMemory(), Clock: clock.Real{}, Work: &fakeWork{}})
	if _, err := s.AdvanceTo(context.Background(), time.Now().Add(time.Hour), 0); !errors.Is(err, ErrRealClock) {
		t.Fatalf("advancing the wall clock: %v", err)
	}
}

// countingWork counts RunDue calls on the wall clock.
type countingWork struct{ runs atomic.Int64 }

func (w *countingWork) NextDue(context.Context, time.Time) (time.Time, error) {
	return time.Time{}, nil
}
func (w *countingWork) RunDue(context.Context, time.Time) (int, error) {
	w.runs.Add(1)
	return 0, nil
}
func (w *countingWork) Idle(context.Context) (bool, error) { return true, nil }

func TestOnlyTheLeaseHolderRunsAndAnotherTakesOverWhenItStops(t *testing.T) {
	st := store.NewMemory()
	wa, wb := &countingWork{}, &countingWork{}
	a := New(Options{Store: st, Work: wa, LeaseTTL: 150 * time.Millisecond})
	b := New(Options{Store: st, Work: wb, LeaseTTL: 150 * time.Millisecond})
	a.Start()
	waitFor(t, func() bool { return wa.runs.Load() > 0 })
	b.Start()
	defer b.Stop()
	time.Sleep(400 * time.Millisecond)
	if wb.runs.Load() != 0 {
		t.Fatalf("the standby scheduler ran due work %d times while the other held the lease", wb.runs.Load())
	}
	if owner, _, ok, err := Holder(context.Background(), st); err != nil || !ok || owner != a.Owner() {
		t.Fatalf("lease holder %v (%v, %v), want the first scheduler", owner, ok, err)
	}
	a.Stop() // gives the lease up
	waitFor(t, func() bool { return wb.runs.Load() > 0 })
	if owner, _, ok, _ := Holder(context.Background(), st); !ok || owner != b.Owner() {
		t.Fatalf("after the first stopped, the lease is %v", owner)
	}
}

func TestALeaseWhoseHolderProcessIsGoneIsTakenOverAtOnce(t *testing.T) {
	st := store.NewMemory()
	// A process that has exited: its PID is free.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	dead := queue.NewOwner()
	dead.PID = cmd.Process.Pid
	b, _ := json.Marshal(lease{Owner: dead, Expires: time.Now().Add(time.Hour)})
	if err := st.Update(context.Background(), func(tx store.Tx) error { return tx.Put(collScheduler, leaseKey, b) }); err != nil {
		t.Fatal(err)
	}
	s := New(Options{Store: st, Work: &countingWork{}})
	held, err := s.acquire(context.Background())
	if err != nil || !held {
		t.Fatalf("taking over the lease of a dead process: %v, %v", held, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
