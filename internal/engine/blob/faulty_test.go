package blob_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/blobtest"
)

// A Faulty store over Local, with no faults set, keeps every promise of Local, its deferred saves
// included.
func TestFaultyOverLocalConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, err := blob.NewLocal(filepath.Join(t.TempDir(), "repo"))
		if err != nil {
			t.Fatal(err)
		}
		return blob.NewFaulty(s)
	})
}

func faultyLocal(t *testing.T) (*blob.Faulty, blob.DeferredStore) {
	t.Helper()
	s, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := blob.NewFaulty(s)
	ds, ok := blob.AsDeferred(f)
	if !ok {
		t.Fatal("Faulty(Local) is not a DeferredStore")
	}
	return f, ds
}

// The faults of Save apply to deferred saves, the production route of packs over Local.
func TestFaultyInjectsSaveFaultsIntoDeferredSaves(t *testing.T) {
	ctx := context.Background()
	f, ds := faultyLocal(t)
	boom := errors.New("boom")
	f.FailSave(1, boom)
	if err := ds.SaveDeferred(ctx, "packs/aa/one", bytes.NewReader([]byte("data"))); !errors.Is(err, boom) {
		t.Fatalf("SaveDeferred with a failure set = %v, want %v", err, boom)
	}
	if _, err := f.Stat(ctx, "packs/aa/one"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a failed deferred save stored the object: %v", err)
	}
	f.NoSpaceAfter(10)
	if err := ds.SaveDeferred(ctx, "packs/aa/two", bytes.NewReader(make([]byte, 100))); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("SaveDeferred past the space left = %v, want ENOSPC", err)
	}
	f.Reset()
	if err := ds.SaveDeferred(ctx, "packs/aa/three", bytes.NewReader([]byte("data"))); err != nil {
		t.Fatal(err)
	}
	if f.Saves() != 3 || f.SavedBytes() != 4 {
		t.Errorf("Saves %d, SavedBytes %d; want deferred saves counted as saves (3, 4)", f.Saves(), f.SavedBytes())
	}
}

// Sync goes through the hook once per name, and a failing hook fails it; deferred saves are
// "save"s to the hook, as they would be over a store without them.
func TestFaultyHooksDeferredSavesAndSync(t *testing.T) {
	ctx := context.Background()
	f, ds := faultyLocal(t)
	var mu sync.Mutex
	var ops []string
	f.SetHook(func(op, name string) error {
		mu.Lock()
		defer mu.Unlock()
		ops = append(ops, op+" "+name)
		if op == "sync" && name == "packs/bb/refused" {
			return syscall.EIO
		}
		return nil
	})
	if err := ds.SaveDeferred(ctx, "packs/aa/one", bytes.NewReader([]byte("data"))); err != nil {
		t.Fatal(err)
	}
	if err := ds.Sync(ctx, "packs/aa/one"); err != nil {
		t.Fatal(err)
	}
	if err := ds.Sync(ctx, "packs/bb/refused"); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Sync with a failing hook = %v, want EIO", err)
	}
	if err := ds.Sync(ctx, "packs/aa/missing"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Sync of a missing object = %v, want ErrNotFound", err)
	}
	want := []string{"save packs/aa/one", "sync packs/aa/one", "sync packs/bb/refused", "sync packs/aa/missing"}
	if !slices.Equal(ops, want) {
		t.Errorf("hook saw %q, want %q", ops, want)
	}
}

// Range reads over Faulty(Local) take Local's fast path and still carry the faults of Open.
func TestFaultyInjectsReadFaultsIntoRangeReads(t *testing.T) {
	ctx := context.Background()
	f, _ := faultyLocal(t)
	if err := f.Save(ctx, "packs/aa/obj", bytes.NewReader([]byte("0123456789"))); err != nil {
		t.Fatal(err)
	}
	var opened []string
	f.SetHook(func(op, name string) error {
		opened = append(opened, op+" "+name)
		return nil
	})
	f.CorruptReads(func(name string) bool { return name == "packs/aa/obj" })
	got, err := blob.ReadRange(ctx, f, "packs/aa/obj", 2, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{'2' ^ 0x40, '3', '4', '5'}; !bytes.Equal(got, want) {
		t.Errorf("corrupted range read = %q, want %q", got, want)
	}
	if !slices.Equal(opened, []string{"open packs/aa/obj"}) {
		t.Errorf("hook saw %q, want one open", opened)
	}
	f.SetHook(func(op, name string) error { return syscall.EIO })
	if _, err := blob.ReadRange(ctx, f, "packs/aa/obj", 0, 1, nil); !errors.Is(err, syscall.EIO) {
		t.Errorf("range read with a failing hook = %v, want EIO", err)
	}
}
