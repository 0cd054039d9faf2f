package scheduler

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/metrics"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// steppingClock reads early until told to read late: a wall clock that jumped past the due
// instant (the process was suspended, say). It is not settable, so the loop runs on it.
type steppingClock struct {
	early, late time.Time
	jumped      atomic.Bool
}

func (c *steppingClock) Now() time.Time {
	if c.jumped.Load() {
		return c.late
	}
	return c.early
}

// dueAt has work due at one instant.
type dueAt struct {
	at   time.Time
	runs atomic.Int64
}

func (w *dueAt) NextDue(context.Context, time.Time) (time.Time, error) { return w.at, nil }
func (w *dueAt) RunDue(context.Context, time.Time) (int, error) {
	w.runs.Add(1)
	return 0, nil
}
func (w *dueAt) Idle(context.Context) (bool, error) { return true, nil }

func TestTheLoopRecordsHowLateItRanAfterTheInstantItWokeFor(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 2, 0, 0, 0, time.UTC)
	clk := &steppingClock{early: t0.Add(-time.Hour), late: t0.Add(90 * time.Second)}
	work := &dueAt{at: t0}
	m := metrics.New()
	s := New(Options{Store: store.NewMemory(), Clock: clk, Work: work, LeaseTTL: 150 * time.Millisecond, Metrics: m})
	s.Start()
	defer s.Stop()
	waitFor(t, func() bool { return work.runs.Load() > 0 })
	clk.jumped.Store(true)
	s.Wake()
	want := "backup_engine_scheduler_lag_seconds 90"
	waitFor(t, func() bool {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		return strings.Contains(rec.Body.String(), want+"\n")
	})
}
