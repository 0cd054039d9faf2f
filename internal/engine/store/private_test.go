package store_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// The database, its WAL and its shared-memory file are readable by their owner alone, whatever
// the umask; an existing database keeps the mode it has.
func TestSQLiteFilesArePrivateWhateverTheUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "engine.db")
	s := openSQLite(t, path)
	if err := s.Update(context.Background(), func(tx store.Tx) error { return tx.Put("c", "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"engine.db", "engine.db-wal", "engine.db-shm"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want mode 0600", name, fi, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("the directory holds %d entries, want the database, its WAL and shm (no temporary file left)", len(entries))
	}
	_ = s.Close()

	other := filepath.Join(dir, "shared.db")
	if err := os.WriteFile(other, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	openSQLite(t, other)
	if fi, _ := os.Stat(other); fi.Mode().Perm() != 0o640 {
		t.Errorf("an existing database's mode changed to %v", fi.Mode().Perm())
	}
}

// After RewriteAll and Scrub, neither the database file nor its WAL holds a replaced or deleted
// document's old content, even while the store stays open.
func TestRewriteAllAndScrubLeaveNoOldContent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openSQLite(t, filepath.Join(dir, "engine.db"))
	const old = "OLD-CONTENT-7f3a9c"
	err := s.Update(ctx, func(tx store.Tx) error {
		return errors.Join(tx.Put("c", "kept", []byte("doc "+old)), tx.Put("c", "gone", []byte("doc "+old)), tx.Put("c", "other", []byte("other")))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Delete("c", "gone") }); err != nil {
		t.Fatal(err)
	}
	n, err := s.RewriteAll(ctx, func(collection, key string, doc []byte) ([]byte, bool) {
		if !strings.Contains(string(doc), old) {
			return nil, false
		}
		return []byte("doc replaced"), true
	})
	if err != nil || n != 1 {
		t.Fatalf("RewriteAll = %d, %v; want 1 document replaced", n, err)
	}
	if err := s.Scrub(ctx); err != nil {
		t.Fatal(err)
	}
	// grep in its own process: a descriptor of ours closing would drop the store's locks.
	out, err := exec.Command("grep", "-rlaF", old, dir).Output()
	if len(out) > 0 || err == nil {
		t.Errorf("after Scrub these files hold the old content: %s (%v)", out, err)
	}
	var got []byte
	_ = s.View(ctx, func(tx store.Tx) error { got, _ = tx.Get("c", "kept"); return nil })
	if string(got) != "doc replaced" {
		t.Errorf("the rewritten document reads %q", got)
	}
}
