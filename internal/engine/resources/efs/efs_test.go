package efs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
)

func newRepo(t *testing.T) *content.Repository {
	t.Helper()
	st, err := blob.NewLocal(filepath.Join(t.TempDir(), "repo"))
	if err != nil {
		t.Fatal(err)
	}
	var mk keyring.MasterKey
	mk[0] = 1
	r, err := content.Init(context.Background(), st, mk, "arn:aws:kms:us-east-1:123456789012:key/test")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func randBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func write(t *testing.T, p string, data []byte, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

var past = time.Date(2021, 3, 4, 5, 6, 7, 891011121, time.UTC)

// makeTree builds a tree with every kind of entry the connector keeps.
func makeTree(t *testing.T, root string) {
	t.Helper()
	write(t, filepath.Join(root, "empty.txt"), nil, 0o644)
	write(t, filepath.Join(root, "small.txt"), []byte("hello, vault\n"), 0o600)
	big := append(randBytes(3<<20, 1), bytes.Repeat([]byte("compressible text line\n"), 100000)...)
	write(t, filepath.Join(root, "dir/big.bin"), big, 0o640)
	write(t, filepath.Join(root, "dir/sub/deep.txt"), []byte("deep"), 0o755)
	write(t, filepath.Join(root, "dir/setuid"), []byte("#!/bin/sh\n"), 0o4755)
	write(t, filepath.Join(root, "a.b"), []byte("sorts after a/ in walk order"), 0o644)
	write(t, filepath.Join(root, "a/x"), []byte("x"), 0o644)
	must(t, os.MkdirAll(filepath.Join(root, "emptydir/nested-empty"), 0o750))
	must(t, os.Symlink("dir/big.bin", filepath.Join(root, "link-rel")))
	must(t, os.Symlink("/nonexistent/target", filepath.Join(root, "link-dangling")))
	must(t, os.Link(filepath.Join(root, "small.txt"), filepath.Join(root, "dir/hardlink-to-small")))
	must(t, syscall.Mkfifo(filepath.Join(root, "fifo"), 0o640))
	// Sparse: 64 MiB with 1 MiB of data in the middle and a hole at the end.
	sp, err := os.Create(filepath.Join(root, "sparse.img"))
	must(t, err)
	_, err = sp.WriteAt(randBytes(1<<20, 3), 20<<20)
	must(t, err)
	must(t, sp.Truncate(64<<20))
	must(t, sp.Close())
	// A read-only directory with a file in it.
	write(t, filepath.Join(root, "ro/inside.txt"), []byte("in a read-only dir"), 0o444)
	must(t, os.Chmod(filepath.Join(root, "ro"), 0o555))
	must(t, os.Chmod(filepath.Join(root, "dir"), 0o2775))
	if os.Geteuid() == 0 {
		must(t, os.Lchown(filepath.Join(root, "small.txt"), 1234, 5678))
		must(t, os.Lchown(filepath.Join(root, "link-rel"), 4321, 8765))
		must(t, os.Lchown(filepath.Join(root, "emptydir"), 42, 43))
	}
	// Fixed mtimes, set bottom-up so directories keep theirs.
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error { return nil })
	setTimesTree(t, root)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func setTimesTree(t *testing.T, root string) {
	var paths []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		paths = append(paths, p)
		return err
	})
	for i := len(paths) - 1; i >= 0; i-- {
		ts := past.Add(time.Duration(i) * time.Second)
		must(t, setTimes(paths[i], ts.UnixNano(), true))
	}
}

type entry struct {
	typ      fs.FileMode
	mode     fs.FileMode
	size     int64
	sum      [32]byte
	target   string
	mtime    int64
	uid, gid uint32
	linkKey  string // the first path with the same inode, for files with nlink > 1
	blocks   int64
}

func scan(t *testing.T, root string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	inodes := map[uint64]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		e := entry{typ: fi.Mode().Type(), mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), mtime: st.Mtim.Nano(), uid: st.Uid, gid: st.Gid}
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			e.size, e.sum, e.blocks = int64(len(b)), sha256.Sum256(b), st.Blocks
			if st.Nlink > 1 {
				if first, ok := inodes[st.Ino]; ok {
					e.linkKey = first
				} else {
					inodes[st.Ino] = rel
					e.linkKey = rel
				}
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			e.target, _ = os.Readlink(p)
		}
		out[rel] = e
		return nil
	})
	must(t, err)
	return out
}

func compareTrees(t *testing.T, want, got map[string]entry) {
	t.Helper()
	for p, w := range want {
		g, ok := got[p]
		if !ok {
			t.Errorf("%s: missing from the restore", p)
			continue
		}
		w.blocks, g.blocks = 0, 0
		if w != g {
			t.Errorf("%s differs:\n want %+v\n  got %+v", p, w, g)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: restored but not in the source", p)
		}
	}
}

func TestBackupRestoreRoundTripKeepsEveryKindOfEntry(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src")
	makeTree(t, src)
	want := scan(t, src)
	repo := newRepo(t)
	var last content.Progress
	var mu sync.Mutex
	res, err := Backup(ctx, repo, src, "", func(p content.Progress) { mu.Lock(); last = p; mu.Unlock() })
	must(t, err)
	if res.Partial || len(res.Warnings) > 0 {
		t.Fatalf("clean tree gave Partial=%v warnings %q", res.Partial, res.Warnings)
	}
	if last.ItemsDone != last.ItemsTotal || last.BytesDone != last.BytesTotal || last.BytesTransferred == 0 {
		t.Errorf("final progress %+v: want done == total and some bytes transferred", last)
	}
	// The 64 MiB sparse file must not be stored (nor read) as 64 MiB.
	if res.BytesTransferred > 8<<20 {
		t.Errorf("backup stored %d bytes; the holes of the sparse file were stored", res.BytesTransferred)
	}
	dest := filepath.Join(t.TempDir(), "restored")
	rr, err := Restore(ctx, repo, res.Snapshot.ID, dest, nil)
	must(t, err)
	if rr.Files == 0 || rr.Dirs == 0 {
		t.Errorf("restore result %+v", rr)
	}
	got := scan(t, dest)
	compareTrees(t, want, got)
	if b := got["sparse.img"].blocks * 512; b > 8<<20 {
		t.Errorf("restored sparse file occupies %d bytes: holes were written", b)
	}
}

func TestIncrementalBackupDoesNotReadUnchangedFiles(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	for i := range 50 {
		write(t, filepath.Join(src, fmt.Sprintf("d%d/f%03d", i%5, i)), randBytes(1000+i, uint64(i)), 0o644)
	}
	repo := newRepo(t)
	first, err := Backup(ctx, repo, src, "", nil)
	must(t, err)
	if first.FilesRead != 50 {
		t.Fatalf("first backup read %d files, want 50", first.FilesRead)
	}
	// Change one file, add one, remove one.
	write(t, filepath.Join(src, "d1/f001"), []byte("changed"), 0o644)
	write(t, filepath.Join(src, "d9/new"), []byte("new"), 0o644)
	must(t, os.Remove(filepath.Join(src, "d2/f002")))
	var opened []string
	var mu sync.Mutex
	testHookOpen = func(p string) { mu.Lock(); opened = append(opened, p); mu.Unlock() }
	defer func() { testHookOpen = nil }()
	second, err := Backup(ctx, repo, src, first.Snapshot.ID, nil)
	must(t, err)
	slices.Sort(opened)
	want := []string{filepath.Join(src, "d1/f001"), filepath.Join(src, "d9/new")}
	if !slices.Equal(opened, want) {
		t.Fatalf("incremental backup opened %q, want only the changed and new files %q", opened, want)
	}
	dest := filepath.Join(t.TempDir(), "r")
	_, err = Restore(ctx, repo, second.Snapshot.ID, dest, nil)
	must(t, err)
	compareTrees(t, scan(t, src), scan(t, dest))
}

func TestFileChangingWhileReadIsReadAgain(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	p := filepath.Join(src, "growing.log")
	write(t, p, []byte("line 1\n"), 0o644)
	testHookRead = func(path string, attempt int) {
		if path == p && attempt == 1 {
			f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("line 2\n")
			f.Close()
		}
	}
	defer func() { testHookRead = nil }()
	repo := newRepo(t)
	res, err := Backup(ctx, repo, src, "", nil)
	must(t, err)
	if res.Partial {
		t.Fatalf("a file that settled on the second read made the backup partial: %q", res.Warnings)
	}
	dest := filepath.Join(t.TempDir(), "r")
	_, err = Restore(ctx, repo, res.Snapshot.ID, dest, nil)
	must(t, err)
	if b, _ := os.ReadFile(filepath.Join(dest, "growing.log")); string(b) != "line 1\nline 2\n" {
		t.Fatalf("restored %q, want the content after the change", b)
	}
}

func TestFileThatKeepsChangingMakesThePartialResultNameIt(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	p := filepath.Join(src, "busy.db")
	write(t, p, []byte("v0"), 0o644)
	write(t, filepath.Join(src, "calm.txt"), []byte("calm"), 0o644)
	testHookRead = func(path string, attempt int) {
		if path == p {
			f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			fmt.Fprintf(f, " v%d", attempt)
			f.Close()
		}
	}
	defer func() { testHookRead = nil }()
	repo := newRepo(t)
	res, err := Backup(ctx, repo, src, "", nil)
	must(t, err)
	if !res.Partial || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], p) {
		t.Fatalf("Partial=%v warnings=%q; want Partial with one warning naming %s", res.Partial, res.Warnings, p)
	}
	// The next backup must read it again even though it has not changed since.
	testHookRead = nil
	var opened []string
	testHookOpen = func(path string) { opened = append(opened, path) }
	defer func() { testHookOpen = nil }()
	_, err = Backup(ctx, repo, src, res.Snapshot.ID, nil)
	must(t, err)
	if !slices.Equal(opened, []string{p}) {
		t.Fatalf("next backup opened %q, want the inconsistent file %s again", opened, p)
	}
}

func TestRestoreRefusesNonEmptyDestination(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	write(t, filepath.Join(src, "f"), []byte("x"), 0o644)
	repo := newRepo(t)
	res, err := Backup(ctx, repo, src, "", nil)
	must(t, err)
	dest := t.TempDir()
	write(t, filepath.Join(dest, "already-here"), []byte("keep me"), 0o644)
	_, err = Restore(ctx, repo, res.Snapshot.ID, dest, nil)
	if !errors.Is(err, ErrDestination) || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore into a non-empty dir: %v", err)
	}
}

func TestItemRestoreNeverOverwritesAndNamesThePath(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	write(t, filepath.Join(src, "docs/a.txt"), []byte("A from backup"), 0o644)
	write(t, filepath.Join(src, "docs/b.txt"), []byte("B from backup"), 0o644)
	write(t, filepath.Join(src, "other/c.txt"), []byte("C"), 0o644)
	repo := newRepo(t)
	res, err := Backup(ctx, repo, src, "", nil)
	must(t, err)

	dest := t.TempDir()
	write(t, filepath.Join(dest, "docs/b.txt"), []byte("B edited since"), 0o644)
	_, err = Restore(ctx, repo, res.Snapshot.ID, dest, []string{"docs"})
	conflict := filepath.Join(dest, "docs/b.txt")
	if !errors.Is(err, ErrDestination) || !strings.Contains(err.Error(), conflict) {
		t.Fatalf("item restore over an existing file: %v; want an error naming %s", err, conflict)
	}
	if b, _ := os.ReadFile(conflict); string(b) != "B edited since" {
		t.Fatalf("existing file was overwritten: %q", b)
	}
	if _, err := os.Stat(filepath.Join(dest, "docs/a.txt")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a refused restore still wrote other items: %v", err)
	}

	// Restoring a single missing file into the same directory works and leaves the rest alone.
	rr, err := Restore(ctx, repo, res.Snapshot.ID, dest, []string{"/docs/a.txt"})
	must(t, err)
	if b, _ := os.ReadFile(filepath.Join(dest, "docs/a.txt")); string(b) != "A from backup" || rr.Files != 1 {
		t.Fatalf("item restore: %q, %+v", b, rr)
	}
	if _, err := os.Stat(filepath.Join(dest, "other")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("item restore restored more than the item: %v", err)
	}

	_, err = Restore(ctx, repo, res.Snapshot.ID, t.TempDir(), []string{"docs/missing.txt"})
	if !errors.Is(err, ErrDestination) || !strings.Contains(err.Error(), "docs/missing.txt") {
		t.Fatalf("restore of an item not in the snapshot: %v", err)
	}
	_, err = Restore(ctx, repo, res.Snapshot.ID, t.TempDir(), []string{"../escape"})
	if err == nil {
		t.Fatal("an item path escaping the tree was accepted")
	}
}

func TestBackupOfMissingSourceFailsClearly(t *testing.T) {
	repo := newRepo(t)
	missing := filepath.Join(t.TempDir(), "nope")
	_, err := Backup(context.Background(), repo, missing, "", nil)
	if !errors.Is(err, ErrSource) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("backup of a missing dir: %v", err)
	}
}

// BackupDir leaves checking its directory to whoever opened it; by path, OpenDir is that check,
// and a file where the tree should be fails the backup as a source error.
func TestBackupOfAFileFailsAsASourceError(t *testing.T) {
	repo := newRepo(t)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Backup(context.Background(), repo, file, "", nil)
	if !errors.Is(err, ErrSource) || !strings.Contains(err.Error(), file) {
		t.Fatalf("backup of a file: %v", err)
	}
}
