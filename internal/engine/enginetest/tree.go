package enginetest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// WriteTree fills dir with a small tree that exercises what a backup must keep: nested
// directories, an empty directory, compressible and random files, an empty file, a symlink,
// and unusual modes and mtimes. seed varies the content.
func WriteTree(t testing.TB, dir string, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	must(os.MkdirAll(filepath.Join(dir, "docs", "deep", "er"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "empty-dir"), 0o700))
	must(os.WriteFile(filepath.Join(dir, "docs", "readme.txt"), bytes.Repeat([]byte(fmt.Sprintf("hello %d\n", seed)), 5000), 0o644))
	must(os.WriteFile(filepath.Join(dir, "docs", "deep", "er", "random.bin"), random(3<<20+12345), 0o600))
	must(os.WriteFile(filepath.Join(dir, "empty-file"), nil, 0o644))
	must(os.WriteFile(filepath.Join(dir, "script.sh"), []byte("#!/bin/sh\necho hi\n"), 0o755))
	must(os.Symlink("docs/readme.txt", filepath.Join(dir, "link-to-readme")))
	for i := range 20 {
		must(os.WriteFile(filepath.Join(dir, "docs", fmt.Sprintf("small-%02d.txt", i)), random(rng.IntN(2000)), 0o644))
	}
	old := time.Date(2020, 2, 29, 12, 0, 0, 0, time.UTC)
	must(os.Chtimes(filepath.Join(dir, "script.sh"), old, old))
}

// entry is what a tree comparison looks at for one path.
type entry struct {
	mode    fs.FileMode
	size    int64
	sum     [32]byte
	link    string
	modTime time.Time
}

func scan(t testing.TB, root string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		e := entry{mode: fi.Mode()}
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			e.size, e.sum, e.modTime = fi.Size(), sha256.Sum256(b), fi.ModTime()
		case fi.Mode()&fs.ModeSymlink != 0:
			if e.link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		out[rel] = e
		return nil
	})
	if err != nil {
		t.Fatalf("scan %s: %v", root, err)
	}
	return out
}

// DiffTrees lists how the tree at got differs from the tree at want: missing and extra paths,
// and differences in type, mode, content, symlink target and file mtime. Empty means identical.
func DiffTrees(t testing.TB, want, got string) []string {
	t.Helper()
	w, g := scan(t, want), scan(t, got)
	var diffs []string
	for p, we := range w {
		ge, ok := g[p]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+p)
		case ge.mode != we.mode:
			diffs = append(diffs, fmt.Sprintf("%s: mode %v, want %v", p, ge.mode, we.mode))
		case ge.size != we.size || ge.sum != we.sum:
			diffs = append(diffs, fmt.Sprintf("%s: content differs (%d bytes, want %d)", p, ge.size, we.size))
		case ge.link != we.link:
			diffs = append(diffs, fmt.Sprintf("%s: symlink to %q, want %q", p, ge.link, we.link))
		case !ge.modTime.Equal(we.modTime):
			diffs = append(diffs, fmt.Sprintf("%s: mtime %v, want %v", p, ge.modTime, we.modTime))
		}
	}
	for p := range g {
		if _, ok := w[p]; !ok {
			diffs = append(diffs, "extra "+p)
		}
	}
	sort.Strings(diffs)
	return diffs
}
