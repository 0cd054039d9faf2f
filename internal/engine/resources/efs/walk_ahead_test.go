package efs

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// The next subdirectory is listed while the one before it is walked: a's listing waits for b's
// to start, which happens only if b is listed ahead. Without listing ahead, a's wait gives up
// and the test fails.
func TestTheNextSubdirectoryIsListedWhileTheOneBeforeIsWalked(t *testing.T) {
	src := t.TempDir()
	for _, d := range []string{"a", "b", "c"} {
		write(t, filepath.Join(src, d, "f"), []byte(d), 0o644)
	}
	bStarted := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	aSawB := false
	testHookList = func(rel string) {
		switch rel {
		case "a":
			select {
			case <-bStarted:
				mu.Lock()
				aSawB = true
				mu.Unlock()
			case <-time.After(5 * time.Second):
			}
		case "b":
			once.Do(func() { close(bStarted) })
		}
	}
	defer func() { testHookList = nil }()
	repo := newRepo(t)
	res, err := Backup(context.Background(), repo, src, "", nil)
	must(t, err)
	mu.Lock()
	defer mu.Unlock()
	if !aSawB {
		t.Fatal("b was not listed while a was: the walk does not list the next subdirectory ahead")
	}
	dest := filepath.Join(t.TempDir(), "r")
	_, err = Restore(context.Background(), repo, res.Snapshot.ID, dest, nil)
	must(t, err)
	compareTrees(t, scan(t, src), scan(t, dest))
}

// A walk that ends early (here, cancelled) still waits for the listing it started ahead: no
// read of the tree outlives the backup, whose caller then closes the root the listing reads
// through (its descriptor could otherwise be reused for another directory meanwhile).
func TestAWalkThatEndsEarlyWaitsForItsListingAhead(t *testing.T) {
	src := t.TempDir()
	write(t, filepath.Join(src, "a/f"), []byte("a"), 0o644)
	write(t, filepath.Join(src, "b/g"), []byte("b"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started, release := make(chan struct{}), make(chan struct{})
	testHookList = func(rel string) {
		switch rel {
		case "a":
			<-started // b's listing ahead is under way, and the backup is cancelled
		case "b":
			cancel()
			close(started)
			<-release
		}
	}
	defer func() { testHookList = nil }()
	repo := newRepo(t)
	done := make(chan error, 1)
	go func() {
		_, err := Backup(ctx, repo, src, "", nil)
		done <- err
	}()
	<-started
	select {
	case err := <-done:
		close(release)
		t.Fatalf("the backup returned (%v) while the listing of b it had started ahead was still running", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled backup returned %v, want context.Canceled", err)
	}
}

// The engine's own data dir, which the walk leaves out, is not listed ahead either: nothing of
// it is read, not even its entries' metadata.
func TestTheEnginesOwnDirectoryIsNotListedAhead(t *testing.T) {
	allowed := t.TempDir()
	write(t, filepath.Join(allowed, "a/f"), []byte("a"), 0o644)
	write(t, filepath.Join(allowed, "engine/master.key"), []byte("key"), 0o600)
	write(t, filepath.Join(allowed, "z/f"), []byte("z"), 0o644)
	var mu sync.Mutex
	var listed []string
	testHookList = func(rel string) {
		mu.Lock()
		listed = append(listed, rel)
		mu.Unlock()
	}
	defer func() { testHookList = nil }()
	d, err := Policy{Allowed: []string{allowed}, Denied: []string{filepath.Join(allowed, "engine")}}.Open(allowed)
	must(t, err)
	defer d.Close()
	_, err = BackupDir(context.Background(), newRepo(t), d, "", nil)
	must(t, err)
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(listed)
	if want := []string{"", "a", "z"}; !slices.Equal(listed, want) {
		t.Fatalf("listed %q, want %q: the engine's own directory must not be read", listed, want)
	}
}
