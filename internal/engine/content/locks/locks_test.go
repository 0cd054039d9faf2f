package locks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

func lockNames(t *testing.T, st blob.Store) []string {
	t.Helper()
	var names []string
	if err := st.List(context.Background(), "locks/", func(name string, _ int64) error {
		names = append(names, name)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return names
}

func TestABackupLockIsLiveUntilReleasedAndLeavesNothing(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	l := New(st, "this-host", time.Hour, time.Minute)
	h, err := l.Backup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	live, err := l.LiveSessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 1 || !live[h.session] {
		t.Fatalf("live sessions %v, want only %s", live, h.session)
	}
	h.Release()
	h.Release() // a second release is harmless
	if names := lockNames(t, st); len(names) != 0 {
		t.Fatalf("released lock left %v", names)
	}
	if live, _ := l.LiveSessions(ctx); len(live) != 0 {
		t.Fatalf("live sessions after release: %v", live)
	}
}

// Another process's lock counts while it is fresh, and is dead once older than the stale time.
func TestAnotherHostsLockIsLiveUntilStale(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	l := New(st, "this-host", time.Hour, 10*time.Minute)
	write := func(session string, age time.Duration) {
		b, _ := json.Marshal(lockFile{Kind: "backup", Session: session, Host: "other-host", PID: 1, Time: clock.Wall().Add(-age)})
		if err := st.Save(ctx, "locks/"+session+".0", bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	write("fresh", time.Minute)
	write("stale", time.Hour)
	live, err := l.LiveSessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !live["fresh"] || live["stale"] || len(live) != 1 {
		t.Fatalf("live sessions %v, want only the fresh one", live)
	}
}

func TestOnlyOneGCHoldsTheGCLock(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	a, b := New(st, "this-host", time.Hour, time.Minute), New(st, "this-host", time.Hour, time.Minute)
	release, err := a.GC(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.GC(ctx); !errors.Is(err, ErrGCRunning) {
		t.Fatalf("second GC lock: %v, want ErrGCRunning", err)
	}
	// The GC lock is not a backup: it does not keep anything live.
	if live, _ := b.LiveSessions(ctx); len(live) != 0 {
		t.Fatalf("the GC lock counted as a backup: %v", live)
	}
	release()
	release2, err := b.GC(ctx)
	if err != nil {
		t.Fatalf("GC lock after release: %v", err)
	}
	release2()
}
