package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

func mustVersion(t *testing.T, s *store.SQLite) store.Version {
	t.Helper()
	// A header read mid-write says it cannot tell; with no writer running it always can.
	v, ok := s.Version()
	if !ok {
		t.Fatal("Version cannot tell with no commit being written")
	}
	return v
}

// The Version stays while nothing is committed, and changes with each commit: this store's, and
// another store's on the same file, as another process's would.
func TestVersionChangesWithEveryCommitAndOnlyThen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "engine.db")
	s := openSQLite(t, path)
	other := openSQLite(t, path)
	v := mustVersion(t, s)
	if err := s.View(ctx, func(tx store.Tx) error { _, err := tx.Get("c", "k"); return ignoreNotFound(err) }); err != nil {
		t.Fatal(err)
	}
	if got := mustVersion(t, s); got != v {
		t.Fatal("the Version changed with no commit, over a View")
	}
	seen := map[store.Version]bool{v: true}
	for i := range 20 {
		st := s
		if i%2 == 1 {
			st = other
		}
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.Put("c", "k", []byte(fmt.Sprint(i))) }); err != nil {
			t.Fatal(err)
		}
		got := mustVersion(t, s)
		if seen[got] {
			t.Fatalf("commit %d left a Version seen before", i)
		}
		seen[got] = true
		if mustVersion(t, other) != got {
			t.Fatal("two stores on one file disagree on its Version")
		}
	}
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// Another process's commits change the Version this process reads, each time, and what a View
// then reads is that commit's data.
func TestVersionSeesEveryCommitOfAnotherProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	path := filepath.Join(t.TempDir(), "engine.db")
	s := openSQLite(t, path)
	prev := mustVersion(t, s)
	cmd := helperCmd(ctx, "stepper", "STORE_DB="+path)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(out)
	for round := range 5 {
		if _, err := fmt.Fprintln(in, "commit"); err != nil {
			t.Fatal(err)
		}
		if !lines.Scan() {
			t.Fatalf("the other process stopped: %v", lines.Err())
		}
		if want := fmt.Sprintf("committed %d", round); strings.TrimSpace(lines.Text()) != want {
			t.Fatalf("the other process said %q, want %q", lines.Text(), want)
		}
		v := mustVersion(t, s) // the other process waits for the next line: nothing is being written
		if v == prev {
			t.Fatalf("after the other process committed round %d, the Version is the one read before it", round)
		}
		prev = v
		key := fmt.Sprintf("step/%06d", round)
		if err := s.View(ctx, func(tx store.Tx) error { _, err := tx.Get("c", key); return err }); err != nil {
			t.Fatalf("a View after the Version changed does not see round %d: %v", round, err)
		}
	}
}

// helperStepper commits one document for each line it reads from stdin, and says so.
func helperStepper() error {
	ctx := context.Background()
	s, err := store.OpenSQLite(ctx, os.Getenv("STORE_DB"))
	if err != nil {
		return err
	}
	defer s.Close()
	in := bufio.NewScanner(os.Stdin)
	for round := 0; in.Scan(); round++ {
		if err := s.Update(ctx, func(tx store.Tx) error {
			return tx.Put("c", fmt.Sprintf("step/%06d", round), []byte("{}"))
		}); err != nil {
			return fmt.Errorf("round %d: %w", round, err)
		}
		if _, err := fmt.Printf("committed %d\n", round); err != nil {
			return err
		}
	}
	return s.Close()
}

// Stores of one process on one file share the -shm mapping, and its descriptor stays open until
// the last of them closes: closing it earlier would drop the other stores' SQLite locks.
func TestStoresOnOneFileShareTheWALIndexUntilTheLastCloses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "engine.db")
	a, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if n := store.WALIndexUsers(path); n != 2 {
		t.Fatalf("%d stores use the mapping, want 2", n)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n := store.WALIndexUsers(path); n != 1 {
		t.Fatalf("after one store closed, %d use the mapping, want 1", n)
	}
	v := mustVersion(t, a)
	if err := a.Update(ctx, func(tx store.Tx) error { return tx.Put("c", "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if mustVersion(t, a) == v {
		t.Fatal("the remaining store's Version missed its commit")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if n := store.WALIndexUsers(path); n != 0 {
		t.Fatalf("after both closed, %d use the mapping, want 0", n)
	}
	if _, ok := a.Version(); ok {
		t.Fatal("a closed store still tells a Version")
	}
}
