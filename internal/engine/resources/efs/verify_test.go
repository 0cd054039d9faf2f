package efs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVerifyRestoredPassesAnExactRestoreAndNamesAnyChangedFile(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src")
	makeTree(t, src)
	repo := newRepo(t)
	res, err := Backup(ctx, repo, src, "", nil)
	must(t, err)
	dest := filepath.Join(t.TempDir(), "restored")
	_, err = Restore(ctx, repo, res.Snapshot.ID, dest, nil)
	must(t, err)
	open := func() *Dir {
		d, err := Policy{Unconfined: true}.Open(dest)
		must(t, err)
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
	msg, err := VerifyRestored(ctx, repo, res.Snapshot.ID, open())
	if err != nil || !strings.Contains(msg, "files") {
		t.Fatalf("an exact restore: %q, %v", msg, err)
	}

	// The same size, one byte different: only the content hash can tell.
	var victim string
	_ = filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && victim == "" {
			if st, _ := d.Info(); st.Size() > 0 && !strings.Contains(p, "sparse") {
				victim = p
			}
		}
		return nil
	})
	if victim == "" {
		t.Fatal("the tree has no file to change")
	}
	b, err := os.ReadFile(victim)
	must(t, err)
	b[len(b)-1] ^= 0xff
	must(t, os.WriteFile(victim, b, 0o644))
	rel, _ := filepath.Rel(dest, victim)
	if _, err := VerifyRestored(ctx, repo, res.Snapshot.ID, open()); err == nil || !strings.Contains(err.Error(), rel) || !strings.Contains(err.Error(), "hash") {
		t.Fatalf("a changed byte in %s: %v; want a failure naming the file and its hash", rel, err)
	}
	must(t, os.Remove(victim))
	if _, err := VerifyRestored(ctx, repo, res.Snapshot.ID, open()); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("a missing file %s: %v; want a failure naming it missing", rel, err)
	}
}
