package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/blobtest"
)

func TestLocalConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, err := blob.NewLocal(filepath.Join(t.TempDir(), "repo"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestMemoryConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return blob.NewMemory() })
}

// A Faulty store with no faults set must be indistinguishable from the store it wraps.
func TestFaultyWithoutFaultsConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return blob.NewFaulty(blob.NewMemory()) })
}

func TestLocalNamesMapToNestedDirectories(t *testing.T) {
	dir := t.TempDir()
	s, err := blob.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(context.Background(), "packs/ab/abcdef", strings.NewReader("data")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "packs", "ab", "abcdef"))
	if err != nil || string(b) != "data" {
		t.Fatalf("object file: %q, %v", b, err)
	}
	tmps, _ := os.ReadDir(filepath.Join(dir, ".tmp"))
	if len(tmps) != 0 {
		t.Fatalf("temporary files left behind: %v", tmps)
	}
}

func TestLocalRemovesTempFilesOfDeadProcesses(t *testing.T) {
	dir := t.TempDir()
	if _, err := blob.NewLocal(dir); err != nil {
		t.Fatal(err)
	}
	// pid 2^22+1 is above the kernel's pid_max default, so no process has it.
	stale := filepath.Join(dir, ".tmp", "save-4194305-123")
	mine := filepath.Join(dir, ".tmp", "save-"+itoa(os.Getpid())+"-456")
	for _, p := range []string{stale, mine} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := blob.NewLocal(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a dead process's temp file survived: %v", err)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("a live process's temp file was removed: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestFaultyFailsTheNthSaveOnly(t *testing.T) {
	f := blob.NewFaulty(blob.NewMemory())
	boom := errors.New("boom")
	f.FailSave(2, boom)
	ctx := context.Background()
	if err := f.Save(ctx, "a", strings.NewReader("1")); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(ctx, "b", strings.NewReader("2")); !errors.Is(err, boom) {
		t.Fatalf("second Save = %v, want boom", err)
	}
	if _, err := f.Stat(ctx, "b"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("failed Save stored something: %v", err)
	}
	if err := f.Save(ctx, "c", strings.NewReader("3")); err != nil {
		t.Fatal(err)
	}
	if f.Saves() != 3 {
		t.Fatalf("Saves() = %d", f.Saves())
	}
}

func TestFaultyNoSpaceAfterIsENOSPCAndKeepsEarlierObjects(t *testing.T) {
	f := blob.NewFaulty(blob.NewMemory())
	f.NoSpaceAfter(150)
	ctx := context.Background()
	if err := f.Save(ctx, "a", bytes.NewReader(make([]byte, 100))); err != nil {
		t.Fatal(err)
	}
	err := f.Save(ctx, "b", bytes.NewReader(make([]byte, 100)))
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("Save past the limit = %v, want ENOSPC", err)
	}
	if n, err := f.Stat(ctx, "a"); err != nil || n != 100 {
		t.Fatalf("earlier object: %d, %v", n, err)
	}
	if _, err := f.Stat(ctx, "b"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("object that hit ENOSPC exists: %v", err)
	}
	f.Reset()
	if err := f.Save(ctx, "b", bytes.NewReader(make([]byte, 100))); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
}

func TestFaultyCorruptsReadsOfMatchingObjects(t *testing.T) {
	f := blob.NewFaulty(blob.NewMemory())
	ctx := context.Background()
	f.Save(ctx, "packs/x", strings.NewReader("hello"))
	f.Save(ctx, "index/x", strings.NewReader("hello"))
	f.CorruptReads(func(name string) bool { return strings.HasPrefix(name, "packs/") })
	for name, wantSame := range map[string]bool{"packs/x": false, "index/x": true} {
		rc, err := f.Open(ctx, name, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if (string(b) == "hello") != wantSame {
			t.Errorf("%s read %q (want unchanged=%v)", name, b, wantSame)
		}
	}
}
