package efs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"

	"go.uber.org/goleak"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

// The backup pipeline (walk, readers, sealing workers, the pack writer and the in-order node
// list) must give the same snapshot however many goroutines run it, and must stop every one of
// them when it fails.

// manyFilesTree writes files of every size class the pipeline treats differently: empty, small
// (stored on the reader's goroutine), multi-chunk random and text (handed to the sealing
// workers), spread over several directories so the walk runs ahead of the readers.
func manyFilesTree(t *testing.T, root string) {
	t.Helper()
	for i := range 120 {
		var data []byte
		switch {
		case i%40 == 7:
			data = randBytes(3<<20+i*1000, uint64(i)) // several chunks of random data
		case i%40 == 21:
			data = bytes.Repeat(fmt.Appendf(nil, "log line %d of a compressible file\n", i), 150000)
		case i%10 == 3:
			data = nil
		default:
			data = randBytes(100+i*97, uint64(i))
		}
		write(t, filepath.Join(root, fmt.Sprintf("d%d/s%d/f%03d", i%4, i%3, i)), data, 0o644)
	}
	setTimesTree(t, root)
}

// repoWithWorkers is a repository whose chunk IDs and boundaries come from a fixed namespace
// key, so two repositories give the same content the same refs.
func repoWithWorkers(t *testing.T, workers int) *content.Repository {
	t.Helper()
	st, err := blob.NewLocal(filepath.Join(t.TempDir(), "repo"))
	must(t, err)
	var mk keyring.MasterKey
	mk[0] = 1
	r, err := content.Init(context.Background(), st, mk, "key", content.WithNamespaceKey([32]byte{9}), content.WithWorkers(workers))
	must(t, err)
	return r
}

func nodesOf(t *testing.T, r *content.Repository, id content.SnapshotID) []tree.Node {
	t.Helper()
	nr, err := r.Nodes(context.Background(), id)
	must(t, err)
	var nodes []tree.Node
	for {
		n, err := nr.Next()
		if errors.Is(err, io.EOF) {
			return nodes
		}
		must(t, err)
		nodes = append(nodes, *n)
	}
}

func TestBackupIsTheSameWithOneWorkerAndWithMany(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src")
	manyFilesTree(t, src)
	want := scan(t, src)

	var lists [][]tree.Node
	for _, workers := range []int{1, 8} {
		repo := repoWithWorkers(t, workers)
		res, err := Backup(ctx, repo, src, "", nil)
		must(t, err)
		if res.Partial || res.FilesRead != 108 {
			t.Fatalf("%d workers: partial=%v, %d files read (want 108: all but the empty ones) %q", workers, res.Partial, res.FilesRead, res.Warnings)
		}
		nodes := nodesOf(t, repo, res.Snapshot.ID)
		if len(nodes) != 1+4+12+120 {
			t.Fatalf("%d workers: %d nodes, want the root, 16 directories and 120 files", workers, len(nodes))
		}
		lists = append(lists, nodes)
		dest := filepath.Join(t.TempDir(), "restored")
		_, err = Restore(ctx, repo, res.Snapshot.ID, dest, nil)
		must(t, err)
		compareTrees(t, want, scan(t, dest))
	}
	if !reflect.DeepEqual(lists[0], lists[1]) {
		for i := range min(len(lists[0]), len(lists[1])) {
			if a, b := lists[0][i], lists[1][i]; a.Path != b.Path || !slices.Equal(a.Refs, b.Refs) {
				t.Fatalf("node %d: 1 worker gave %s with %d refs, 8 workers %s with %d refs", i, a.Path, len(a.Refs), b.Path, len(b.Refs))
			}
		}
		t.Fatal("the node lists differ")
	}
}

// A file that fails midway through its read leaves the backup partial, naming the file, with
// every other file intact; and no goroutine of the pipeline outlives the backup.
func TestAReadErrorInOneOfManyFilesNamesItAndLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src")
	manyFilesTree(t, src)
	bad := filepath.Join(src, "d3/s1/f007") // a multi-chunk file: chunks are in flight when it fails
	testHookReader = func(path string, r io.Reader) io.Reader {
		if path != bad {
			return r
		}
		return io.MultiReader(io.LimitReader(r, 2<<20), iotest.ErrReader(syscall.EIO))
	}
	defer func() { testHookReader = nil }()

	repo := newRepo(t)
	res, err := Backup(ctx, repo, src, "", nil)
	must(t, err)
	if !res.Partial || !slices.ContainsFunc(res.Warnings, func(w string) bool {
		return strings.Contains(w, bad) && strings.Contains(w, "input/output error")
	}) {
		t.Fatalf("partial=%v warnings %q: want partial, naming %s and the error", res.Partial, res.Warnings, bad)
	}
	dest := filepath.Join(t.TempDir(), "restored")
	_, err = Restore(ctx, repo, res.Snapshot.ID, dest, nil)
	must(t, err)
	want := scan(t, src)
	delete(want, "d3/s1/f007")
	compareTrees(t, want, scan(t, dest))
}

// A failure of the store fails the backup, with the error, and stops every stage.
func TestAStoreFailureFailsTheBackupAndLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src")
	manyFilesTree(t, src)
	local, err := blob.NewLocal(filepath.Join(t.TempDir(), "repo"))
	must(t, err)
	f := blob.NewFaulty(local)
	var mk keyring.MasterKey
	repo, err := content.Init(ctx, f, mk, "key")
	must(t, err)
	f.FailSaves(func(name string) bool { return strings.HasPrefix(name, "packs/") }, syscall.ENOSPC)
	_, err = Backup(ctx, repo, src, "", nil)
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "packs/") {
		t.Fatalf("backup onto a store that refuses packs: %v, want ENOSPC naming the pack", err)
	}
	if ids, _ := repo.SnapshotIDs(ctx); len(ids) != 0 {
		t.Fatalf("a failed backup left snapshots %v", ids)
	}
}

// Cancelling the caller's context stops the backup and every stage.
func TestACancelledBackupLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	src := filepath.Join(t.TempDir(), "src")
	manyFilesTree(t, src)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	testHookReader = func(path string, r io.Reader) io.Reader {
		if strings.HasSuffix(path, "/f047") {
			cancel()
		}
		return r
	}
	defer func() { testHookReader = nil }()
	_, err := Backup(ctx, newRepo(t), src, "", nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled backup: %v, want context.Canceled", err)
	}
}
