package audit

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// startQueuedAppends holds the first fsync until n more records are written behind it, then
// lets it run; it returns each Append's error and how many fsyncs ran in all. onHeld runs while
// the first fsync is held, with every record written; the function it returns, before every
// later fsync.
func startQueuedAppends(t *testing.T, l *Log, n int, onHeld func() (later func())) (errs []error, fsyncs int) {
	t.Helper()
	held, release := make(chan struct{}), make(chan struct{})
	var later func()
	l.beforeSync = func() { // runs under syncMu: one at a time
		fsyncs++
		if fsyncs == 1 {
			close(held)
			<-release
		} else if later != nil {
			later()
		}
	}
	errs = make([]error, n+1)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = l.Append(record(0)) })
	<-held
	for i := 1; i <= n; i++ {
		wg.Go(func() { errs[i] = l.Append(record(i)) })
	}
	for written := false; !written; { // every line written, every caller queued behind the held sync
		l.mu.Lock()
		written = l.sequence == uint64(n+1)
		l.mu.Unlock()
	}
	if onHeld != nil {
		later = onHeld()
	}
	close(release)
	wg.Wait()
	return errs, fsyncs
}

// Records that arrive while an fsync runs share the next one: 16 concurrent Appends cost one
// fsync, each returns only once its record is durable, and the chain is whole.
func TestAppendsWaitingOnOneFsyncShareIt(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	errs, fsyncs := startQueuedAppends(t, l, 15, nil)
	for i, err := range errs {
		if err != nil {
			t.Errorf("Append %d: %v", i, err)
		}
	}
	if fsyncs != 1 {
		t.Errorf("%d fsyncs for 16 records written before the first ran, want 1", fsyncs)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, dir, 16)
	if lines := readLines(t, filepath.Join(dir, CurrentFile)); len(lines) != 16 {
		t.Errorf("%d lines, want 16", len(lines))
	}
}

// A failed fsync fails every Append it covered, not only the one that ran it: none of them may
// report a record durable that is not. (The API then refuses calls until a record is written.)
func TestFailedFsyncFailsEveryAppendItCovered(t *testing.T) {
	l, err := Open(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	closed, err := os.CreateTemp(t.TempDir(), "closed")
	if err != nil {
		t.Fatal(err)
	}
	_ = closed.Close()
	errs, _ := startQueuedAppends(t, l, 7, func() func() {
		l.mu.Lock()
		good := l.f
		l.f = closed // the fsync about to run fails ...
		l.mu.Unlock()
		return func() {
			l.mu.Lock()
			l.f = good // ... and a later one on the real file would succeed
			l.mu.Unlock()
		}
	})
	for i, err := range errs {
		if err == nil {
			t.Errorf("Append %d succeeded, but the fsync covering its record failed", i)
		}
	}
}
