package lease

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

const (
	testColl = "test-leases"
	testKey  = "the-lease"
)

func doc(st store.Store, ttl time.Duration) Document {
	return Document{Store: st, Collection: testColl, Key: testKey, Owner: NewOwner(), TTL: ttl}
}

func stored(t *testing.T, st store.Store) (Lease, bool) {
	t.Helper()
	var l Lease
	var found bool
	err := st.View(context.Background(), func(tx store.Tx) error {
		var err error
		l, found, err = Read(tx, testColl, testKey)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return l, found
}

func put(t *testing.T, st store.Store, l Lease) {
	t.Helper()
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(context.Background(), func(tx store.Tx) error { return tx.Put(testColl, testKey, b) }); err != nil {
		t.Fatal(err)
	}
}

// deadPID returns the ID of a process of this host that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` to make a dead process ID:", err)
	}
	return cmd.Process.Pid
}

func TestNewOwnersDifferInOneProcess(t *testing.T) {
	a, b := NewOwner(), NewOwner()
	if a == b {
		t.Fatalf("two owners of one process are equal: %v", a)
	}
	if a.PID != os.Getpid() || a.Gone() {
		t.Errorf("this process's owner %v is not this process, or gone", a)
	}
}

func TestAcquireAFreeLease(t *testing.T) {
	st := store.NewMemory()
	d := doc(st, time.Minute)
	before := clock.Wall()
	got, err := d.Acquire(context.Background())
	if err != nil || !got.Held || got.TookOver != nil {
		t.Fatalf("Acquire of a free lease = %+v, %v", got, err)
	}
	l, found := stored(t, st)
	if !found || !l.HeldBy(d.Owner) || l.Expires.Before(before.Add(time.Minute)) {
		t.Errorf("stored lease %+v (found %v), want held by %v for a minute", l, found, d.Owner)
	}
	if h, live, err := Holder(context.Background(), st, testColl, testKey); err != nil || !live || h.Owner != d.Owner {
		t.Errorf("Holder = %v, %v, %v", h, live, err)
	}
}

func TestAcquireByTheHolderRenews(t *testing.T) {
	st := store.NewMemory()
	d := doc(st, time.Minute)
	if _, err := d.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	first, _ := stored(t, st)
	time.Sleep(5 * time.Millisecond)
	got, err := d.Acquire(context.Background())
	if err != nil || !got.Held || got.TookOver != nil {
		t.Fatalf("renewal = %+v, %v", got, err)
	}
	renewed, _ := stored(t, st)
	if !renewed.Expires.After(first.Expires) || !renewed.HeldBy(d.Owner) {
		t.Errorf("renewal left %+v, first was %+v", renewed, first)
	}
}

func TestALiveLeaseOfAnotherHolderIsLeftAlone(t *testing.T) {
	st := store.NewMemory()
	remote := Lease{Owner: Owner{Host: "elsewhere.invalid", PID: 1, Nonce: "n"}, Expires: clock.Wall().Add(time.Hour)}
	put(t, st, remote)
	got, err := doc(st, time.Minute).Acquire(context.Background())
	if err != nil || got.Held {
		t.Fatalf("Acquire over a live lease = %+v, %v", got, err)
	}
	if l, _ := stored(t, st); l != remote {
		t.Errorf("the live lease changed to %+v", l)
	}
	if remote.StandingAt(clock.Wall()) != Live {
		t.Errorf("a remote lease before its expiry is not live")
	}
}

func TestAnExpiredLeaseIsTakenOver(t *testing.T) {
	st := store.NewMemory()
	remote := Lease{Owner: Owner{Host: "elsewhere.invalid", PID: 1, Nonce: "n"}, Expires: clock.Wall().Add(-time.Second)}
	put(t, st, remote)
	if s := remote.StandingAt(clock.Wall()); s != Expired {
		t.Fatalf("standing of an expired remote lease = %v, want Expired", s)
	}
	d := doc(st, time.Minute)
	got, err := d.Acquire(context.Background())
	if err != nil || !got.Held || got.TookOver == nil || *got.TookOver != remote {
		t.Fatalf("Acquire over an expired lease = %+v, %v", got, err)
	}
	if l, _ := stored(t, st); !l.HeldBy(d.Owner) {
		t.Errorf("stored lease %+v after the takeover", l)
	}
}

func TestALeaseWhoseHolderIsGoneIsTakenOverBeforeItExpires(t *testing.T) {
	st := store.NewMemory()
	host, _ := os.Hostname()
	dead := Lease{Owner: Owner{Host: host, PID: deadPID(t), Nonce: "d"}, Expires: clock.Wall().Add(time.Hour)}
	put(t, st, dead)
	if s := dead.StandingAt(clock.Wall()); s != HolderGone {
		t.Fatalf("standing of a dead process's lease = %v, want HolderGone", s)
	}
	if _, live, _ := Holder(context.Background(), st, testColl, testKey); live {
		t.Errorf("Holder reports a dead process's lease as live")
	}
	got, err := doc(st, time.Minute).Acquire(context.Background())
	if err != nil || !got.Held || got.TookOver == nil || *got.TookOver != dead {
		t.Fatalf("Acquire over a dead holder's lease = %+v, %v", got, err)
	}
}

func TestReleaseFreesOnlyTheHoldersLease(t *testing.T) {
	st := store.NewMemory()
	a, b := doc(st, time.Minute), doc(st, time.Minute)
	if _, err := a.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := b.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if l, found := stored(t, st); !found || !l.HeldBy(a.Owner) {
		t.Fatalf("a non-holder's Release removed the lease: %+v, %v", l, found)
	}
	if err := a.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, found := stored(t, st); found {
		t.Fatal("the holder's Release left the lease")
	}
	if got, err := b.Acquire(context.Background()); err != nil || !got.Held || got.TookOver != nil {
		t.Errorf("Acquire after the release = %+v, %v", got, err)
	}
}

func TestOfTwoContendersExactlyOneHolds(t *testing.T) {
	st, err := store.OpenSQLite(context.Background(), t.TempDir()+"/engine.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for round := range 20 {
		contenders := []Document{doc(st, time.Minute), doc(st, time.Minute)}
		held := make([]bool, len(contenders))
		var wg sync.WaitGroup
		for i, d := range contenders {
			wg.Go(func() {
				got, err := d.Acquire(context.Background())
				if err != nil {
					t.Error(err)
				}
				held[i] = got.Held
			})
		}
		wg.Wait()
		if held[0] == held[1] {
			t.Fatalf("round %d: held = %v, want exactly one holder", round, held)
		}
		winner := contenders[0]
		if held[1] {
			winner = contenders[1]
		}
		if l, _ := stored(t, st); !l.HeldBy(winner.Owner) {
			t.Fatalf("round %d: stored lease %+v, want the winner's", round, l)
		}
		if err := winner.Release(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// The stored shape is what engines before package lease wrote: keep reading it.
func TestTheStoredShapeIsStable(t *testing.T) {
	const old = `{"owner":{"host":"h","pid":42,"nonce":"abc"},"expires":"2030-01-02T03:04:05Z"}`
	var l Lease
	if err := json.Unmarshal([]byte(old), &l); err != nil {
		t.Fatal(err)
	}
	want := Lease{Owner: Owner{Host: "h", PID: 42, Nonce: "abc"}, Expires: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	if l != want {
		t.Fatalf("decoded %+v, want %+v", l, want)
	}
	b, _ := json.Marshal(want)
	if string(b) != old {
		t.Errorf("encoded %s, want %s", b, old)
	}
}
