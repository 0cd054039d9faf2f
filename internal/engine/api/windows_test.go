package api_test

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
)

// gate makes every Save of the stores it wraps wait while it is closed, until the caller's
// context ends: a backup that hangs on its storage, as on a stalled network disk.
type gate struct {
	mu     sync.Mutex
	open   chan struct{}
	closed bool
}

func newGate() *gate { g := &gate{open: make(chan struct{})}; close(g.open); return g }

func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.closed, g.open = true, make(chan struct{})
	}
}

func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		g.closed = false
		close(g.open)
	}
}

func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	ch := g.open
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type gatedStore struct {
	blob.Store
	g *gate
}

func (s gatedStore) Save(ctx context.Context, name string, r io.Reader) error {
	if err := s.g.wait(ctx); err != nil {
		return err
	}
	return s.Store.Save(ctx, name, r)
}

func (g *gate) blobStore(dir string) (blob.Store, error) {
	st, err := engine.DefaultBlobStore(dir)
	if err != nil {
		return nil, err
	}
	return gatedStore{Store: st, g: g}, nil
}

func TestWindowsExpireAJobThatCouldNotStartAndAbortOneThatRanTooLong(t *testing.T) {
	ctx := context.Background()
	g := newGate()
	o := engine.Options{BlobStore: g.blobStore}
	o.Jobs.Concurrency = 1 // one job at a time: the second waits for the first
	e := newSchedEnv(t, schedStart, o)
	e.vault(t, "prod")
	e.dirs(t, 2, map[string]string{"Backup": "true"})
	e.plan(t, dailyRule("prod")) // 02:00, start within 60 minutes, complete within 180

	g.close()                                             // the storage hangs
	m, err := e.reg.AdvanceClock(ctx, "16h", time.Second) // to 04:00 on the 17th
	if err != nil {
		t.Fatal(err)
	}
	if !m.Unfinished {
		t.Fatal("the advance did not report that it moved on with a job still running")
	}
	jobs := e.jobs(t)
	states := countStates(jobs)
	if len(jobs) != 2 || states[types.BackupJobStateRunning] != 1 || states[types.BackupJobStateExpired] != 1 {
		t.Fatalf("at 04:00 the jobs are %v; want one RUNNING (hung) and one EXPIRED (never started)", states)
	}
	var running string
	for _, j := range jobs {
		switch j.State {
		case types.BackupJobStateExpired:
			if msg := aws.ToString(j.StatusMessage); !strings.Contains(msg, "start window") {
				t.Errorf("expired job's message %q does not name the start window", msg)
			}
			if want := time.Date(2024, 1, 17, 3, 0, 0, 0, time.UTC); !aws.ToTime(j.CompletionDate).Equal(want) {
				t.Errorf("the job expired at %s, want the end of its start window %s", aws.ToTime(j.CompletionDate), want)
			}
		case types.BackupJobStateRunning:
			running = aws.ToString(j.BackupJobId)
			if want := time.Date(2024, 1, 17, 5, 0, 0, 0, time.UTC); !aws.ToTime(j.ExpectedCompletionDate).Equal(want) {
				t.Errorf("ExpectedCompletionDate = %s, want the end of the completion window %s", aws.ToTime(j.ExpectedCompletionDate), want)
			}
		}
	}

	// 05:00: the running job's completion window ends; it is stopped and leaves nothing. (The
	// advance first waits up to 2s for the hung job, then steps to 05:00 and waits for the stop.)
	if _, err = e.reg.AdvanceClock(ctx, "1h30m", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, j := range e.jobs(t) {
		if aws.ToString(j.BackupJobId) != running {
			continue
		}
		if j.State != types.BackupJobStateAborted || !strings.Contains(aws.ToString(j.StatusMessage), "completion window") {
			t.Fatalf("the hung job is %s %q; want ABORTED for its completion window", j.State, aws.ToString(j.StatusMessage))
		}
	}
	if n := len(e.points(t, "prod")); n != 0 {
		t.Fatalf("%d recovery points after an aborted and an expired job", n)
	}
	types := map[string]string{}
	for _, ev := range e.events(t) {
		if ev.BackupJobID != "" && ev.Type != "BACKUP_JOB_STARTED" {
			types[ev.BackupJobID] = ev.Type + "/" + ev.State
		}
	}
	var got []string
	for _, v := range types {
		got = append(got, v)
	}
	slices.Sort(got)
	if want := []string{"BACKUP_JOB_EXPIRED/EXPIRED", "BACKUP_JOB_FAILED/ABORTED"}; !slices.Equal(got, want) {
		t.Fatalf("final events %v; want BACKUP_JOB_EXPIRED and BACKUP_JOB_FAILED (ABORTED)", got)
	}

	// With the storage back, the next night backs both up.
	g.release()
	e.advance(t, "1d")
	if n := len(e.points(t, "prod")); n != 2 {
		t.Fatalf("%d recovery points after a healthy night, want 2", n)
	}
}
