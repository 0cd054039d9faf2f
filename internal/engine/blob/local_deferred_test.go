package blob

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// recordDirSyncs records the directories fsynced until the test ends. Tests using it do not
// run in parallel: the hook is package-wide.
func recordDirSyncs(t *testing.T) func() []string {
	var mu sync.Mutex
	var synced []string
	testHookSyncDir = func(dir string) {
		mu.Lock()
		defer mu.Unlock()
		synced = append(synced, dir)
	}
	t.Cleanup(func() { testHookSyncDir = nil })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := slices.Clone(synced)
		synced = synced[:0]
		slices.Sort(out)
		return slices.Compact(out)
	}
}

func TestDeferredSavesLeaveNewDirectoriesToSync(t *testing.T) {
	ctx := context.Background()
	l, err := NewLocal(filepath.Join(t.TempDir(), "repo"))
	if err != nil {
		t.Fatal(err)
	}
	synced := recordDirSyncs(t)
	root := l.Root()
	for _, name := range []string{"packs/aa/one", "packs/aa/two", "packs/bb/three"} {
		if err := l.SaveDeferred(ctx, name, bytes.NewReader([]byte(name))); err != nil {
			t.Fatal(err)
		}
	}
	if got := synced(); len(got) != 0 {
		t.Fatalf("deferred saves fsynced directories %v; that is Sync's to do", got)
	}
	if err := l.Sync(ctx, "packs/aa/one", "packs/aa/two", "packs/bb/three"); err != nil {
		t.Fatal(err)
	}
	// The objects' directories, "packs" (which gained aa and bb) and the root (which gained
	// packs): every entry on the way to the objects is durable.
	want := []string{root, filepath.Join(root, "packs"), filepath.Join(root, "packs", "aa"), filepath.Join(root, "packs", "bb")}
	if got := synced(); !slices.Equal(got, want) {
		t.Fatalf("Sync fsynced %v, want %v", got, want)
	}
	if err := l.Sync(ctx, "packs/aa/one"); err != nil {
		t.Fatal(err)
	}
	if got, want := synced(), []string{filepath.Join(root, "packs", "aa")}; !slices.Equal(got, want) {
		t.Fatalf("a second Sync fsynced %v, want only the object's directory %v", got, want)
	}
}

func TestADurableSaveIntoADeferredSavesDirectoryMakesItDurable(t *testing.T) {
	ctx := context.Background()
	l, err := NewLocal(filepath.Join(t.TempDir(), "repo"))
	if err != nil {
		t.Fatal(err)
	}
	synced := recordDirSyncs(t)
	root := l.Root()
	if err := l.SaveDeferred(ctx, "packs/cc/deferred", bytes.NewReader([]byte("d"))); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(ctx, "packs/cc/durable", bytes.NewReader([]byte("s"))); err != nil {
		t.Fatal(err)
	}
	want := []string{root, filepath.Join(root, "packs"), filepath.Join(root, "packs", "cc")}
	if got := synced(); !slices.Equal(got, want) {
		t.Fatalf("a durable Save into a directory a deferred save created fsynced %v, want %v", got, want)
	}
	if err := l.Save(ctx, "packs/cc/again", bytes.NewReader([]byte("a"))); err != nil {
		t.Fatal(err)
	}
	if got, want := synced(), []string{filepath.Join(root, "packs", "cc")}; !slices.Equal(got, want) {
		t.Fatalf("the next durable Save fsynced %v, want only its directory %v", got, want)
	}
}

func TestADeferredSaveStartsTheWriteBackOfEveryByte(t *testing.T) {
	l, err := NewLocal(filepath.Join(t.TempDir(), "repo"))
	if err != nil {
		t.Fatal(err)
	}
	var next int64 // the ranges come in order and leave no gap
	testHookWriteback = func(off, n int64) {
		if off != next || n <= 0 {
			t.Errorf("write-back of [%d, +%d) after [0, %d)", off, n, next)
		}
		next = off + n
	}
	t.Cleanup(func() { testHookWriteback = nil })
	size := int64(2*writeBehindStep + 100) // the last 100 bytes fill no step of their own
	body := bytes.Repeat([]byte{7}, int(size))
	// A stream, as a pack comes: written in pieces, not in one Write.
	if err := l.SaveDeferred(context.Background(), "packs/dd/big", struct{ io.Reader }{bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	if next != size {
		t.Fatalf("write-back was started for the first %d of %d bytes; Sync would wait for the rest", next, size)
	}
}
