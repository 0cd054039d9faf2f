package content

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
)

// retainingStore is a store with object lock: the names in held cannot be removed.
type retainingStore struct {
	blob.Store
	mu   sync.Mutex
	held map[string]bool
}

func (s *retainingStore) hold(names []string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		s.held[n] = on
	}
}

func (s *retainingStore) Retained(ctx context.Context, name string) (bool, error) {
	if _, err := s.Stat(ctx, name); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[name], nil
}

func (s *retainingStore) Remove(ctx context.Context, name string) error {
	s.mu.Lock()
	held := s.held[name]
	s.mu.Unlock()
	if held {
		return fmt.Errorf("remove %s: %w", name, blob.ErrRetained)
	}
	return s.Store.Remove(ctx, name)
}

// ObjectsOf names what a snapshot needs and nothing another snapshot alone needs; GC defers
// the retained packs of a forgotten snapshot, keeping them indexed (verify stays clean), and
// deletes them at the first GC after the retention ends.
func TestObjectsOfAndGCDefersRetainedPacks(t *testing.T) {
	ctx := context.Background()
	st := &retainingStore{Store: blob.NewMemory(), held: map[string]bool{}}
	r := newTestRepo(t, st)
	a := backupBytes(t, r, randomData(20<<20, 41))
	bData := randomData(20<<20, 42)
	b := backupBytes(t, r, bData)
	objsA, err := r.ObjectsOf(ctx, a.ID)
	mustNil(t, err)
	objsB, err := r.ObjectsOf(ctx, b.ID)
	mustNil(t, err)
	for _, want := range []string{"config", snapshotName(a.ID)} {
		if !slices.Contains(objsA, want) {
			t.Fatalf("ObjectsOf(a) lacks %s: %v", want, objsA)
		}
	}
	if slices.Contains(objsA, snapshotName(b.ID)) {
		t.Fatalf("ObjectsOf(a) names b's snapshot: %v", objsA)
	}
	var packsA, indexA int
	for _, n := range objsA {
		if _, err := st.Stat(ctx, n); err != nil {
			t.Fatalf("ObjectsOf(a) names %s, which is not stored: %v", n, err)
		}
		switch {
		case strings.HasPrefix(n, "packs/"):
			packsA++
			if slices.Contains(objsB, n) {
				t.Fatalf("random data of a and b share pack %s", n)
			}
		case strings.HasPrefix(n, "index/"):
			indexA++
		}
	}
	if packsA == 0 || indexA == 0 {
		t.Fatalf("ObjectsOf(a): %d packs, %d index files", packsA, indexA)
	}

	st.hold(objsA, true)
	if err := r.Forget(ctx, a.ID); !errors.Is(err, blob.ErrRetained) {
		t.Fatalf("Forget of a retained snapshot: %v, want ErrRetained", err)
	}
	st.hold([]string{snapshotName(a.ID)}, false)
	mustNil(t, r.Forget(ctx, a.ID))
	_, before := countObjects(t, st, "packs/")
	stats, err := r.GC(ctx)
	mustNil(t, err)
	if stats.PacksRemoved != 0 || stats.PacksDeferred != int64(packsA) {
		t.Fatalf("GC with a's packs retained: %+v; want none removed, %d deferred", stats, packsA)
	}
	if _, after := countObjects(t, st, "packs/"); after != before {
		t.Fatalf("packs went from %d to %d bytes while retained", before, after)
	}
	verifyClean(t, r)
	if got := restoreBytes(t, r, b.ID); !bytes.Equal(got, bData) {
		t.Fatal("b does not restore after a GC that deferred")
	}

	st.hold(objsA, false)
	stats, err = r.GC(ctx)
	mustNil(t, err)
	if stats.PacksRemoved != int64(packsA) || stats.PacksDeferred != 0 {
		t.Fatalf("GC after the retention ended: %+v; want %d packs removed", stats, packsA)
	}
	verifyClean(t, r)
	if n, _ := countObjects(t, st, "condemned/"); n != 0 {
		t.Fatalf("%d condemned records left", n)
	}
	if got := restoreBytes(t, r, b.ID); !bytes.Equal(got, bData) {
		t.Fatal("b does not restore after GC")
	}
}
