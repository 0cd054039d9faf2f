package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncWatch replaces l's fsync: it signals each sync on ran, and fails it with fail when that
// is set.
type syncWatch struct {
	mu   sync.Mutex
	fail error
	ran  chan struct{} // receives after each sync
}

func watchSyncs(l *Log) *syncWatch {
	w := &syncWatch{ran: make(chan struct{}, 100)}
	l.sync = func(f *os.File) error {
		w.mu.Lock()
		err := w.fail
		w.mu.Unlock()
		if err == nil {
			err = f.Sync()
		}
		select {
		case w.ran <- struct{}{}:
		default:
		}
		return err
	}
	return w
}

// waitSync waits (without a time limit of its own: the test's deadline bounds it) for a sync.
func (w *syncWatch) waitSync(t *testing.T) {
	t.Helper()
	select {
	case <-w.ran:
	case <-time.After(time.Minute):
		t.Fatal("no sync ran within a minute")
	}
}

func syncedThrough(l *Log) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.synced
}

// A read's record does not wait for an fsync, a write's does: while an fsync is held, reads
// return and the write that started it does not. Once released, the write's fsync covers the
// reads written before it, and the whole chain is on disk after Close.
func TestReadRecordsDoNotWaitForFsyncButWritesDo(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	l.flushBound = time.Hour // no background flush: this test is about the group fsync
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	l.beforeSync = func() {
		once.Do(func() { close(held) })
		<-release
	}
	wrote := make(chan error, 1)
	go func() { wrote <- l.Append(record(0)) }()
	<-held
	for i := 1; i <= 5; i++ {
		if err := l.AppendRead(record(i)); err != nil {
			t.Fatalf("AppendRead %d: %v", i, err)
		}
	}
	select {
	case err := <-wrote:
		t.Fatalf("Append returned (%v) while its fsync was held", err)
	default:
	}
	if got := syncedThrough(l); got != 0 {
		t.Fatalf("synced through %d before any fsync ran", got)
	}
	close(release)
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	// A write after the reads makes them durable with its own record.
	if err := l.Append(record(6)); err != nil {
		t.Fatal(err)
	}
	if got := syncedThrough(l); got != 7 {
		t.Fatalf("after a write, synced through %d, want 7 (the reads before it included)", got)
	}
	if err := l.AppendRead(record(7)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := syncedThrough(l); got != 8 {
		t.Fatalf("after Close, synced through %d, want 8", got)
	}
	mustVerify(t, dir, 8)
}

// With no write to ride on, read records are synced by the background flush.
func TestReadRecordsAreFlushedInTheBackground(t *testing.T) {
	l := openFlushingEveryMillisecond(t)
	w := watchSyncs(l)
	for i := range 3 {
		if err := l.AppendRead(record(i)); err != nil {
			t.Fatal(err)
		}
	}
	// A flush armed by the first read may have run before the third was written, which then
	// armed another; and a sync signals before its records count as synced. So: wait for them.
	for waits := 0; syncedThrough(l) < 3; waits++ {
		if waits == 6000 { // a minute
			t.Fatalf("synced through %d a minute after three reads, want 3", syncedThrough(l))
		}
		select {
		case <-w.ran:
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// A failed background flush is not lost: the next append fails with it (so the API refuses
// calls), and the one after it, once the disk works again, succeeds.
func TestAFailedBackgroundFlushFailsTheNextAppend(t *testing.T) {
	l := openFlushingEveryMillisecond(t)
	w := watchSyncs(l)
	w.fail = errors.New("disk gone")
	if err := l.AppendRead(record(0)); err != nil {
		t.Fatal(err)
	}
	w.waitSync(t)
	for { // the flush records its failure just after its sync returns
		l.mu.Lock()
		failed := l.flushFailure != nil
		l.mu.Unlock()
		if failed {
			break
		}
		time.Sleep(time.Millisecond)
	}
	w.mu.Lock()
	w.fail = nil
	w.mu.Unlock()
	if err := l.AppendRead(record(1)); err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Fatalf("the append after a failed flush = %v; want the flush's failure", err)
	}
	if err := l.Append(record(2)); err != nil {
		t.Fatalf("an append once the disk works again: %v", err)
	}
	lines := readLines(t, filepath.Join(l.dir, CurrentFile))
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2: the read before the failure and the write after it (the refused one is not written)", len(lines))
	}
}

// A line is encoded outside the log's lock and chained inside it; the result is byte for byte
// what json.Marshal writes for the whole record, so readers and Verify see one encoding.
func TestChainedLineIsTheRecordsJSONEncoding(t *testing.T) {
	r := record(7)
	r.RequestParameters["Nested"] = map[string]any{"b": []any{"x", 1.5}, "a": nil}
	r.Sequence, r.PreviousHash = 1234567, hashLine([]byte("previous"))
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	line, err := seal(r)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutSuffix(want, []byte("}"))
	if !ok || !bytes.HasPrefix(line, body) || !sealed(line) {
		t.Fatalf("sealed line\n%s\ndoes not start with json.Marshal's encoding\n%s", line, body)
	}
	if got := line[len(body):]; !bytes.HasPrefix(got, []byte(recordHashMember)) {
		t.Fatalf("after the record comes %q, want its recordHash", got)
	}
}

func fileLines(t *testing.T, l *Log) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(l.dir, CurrentFile))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// A read's record costs no write of its own: it is kept until a write's record (which it
// precedes in the file, as in the chain), the background flush or Close writes it. None is
// lost and the chain on disk is whole at each step.
func TestReadRecordsAreWrittenByTheNextWriteTheFlushOrClose(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	l.flushBound = time.Hour // the flush is tested below
	for i := range 3 {
		if err := l.AppendRead(record(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := fileLines(t, l); n != 0 {
		t.Fatalf("%d lines in the file after three reads and no write, want 0 (kept in memory)", n)
	}
	if err := l.Append(record(3)); err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, filepath.Join(dir, CurrentFile))
	if len(lines) != 4 {
		t.Fatalf("%d lines after a write, want 4: the three reads, then the write", len(lines))
	}
	for i, line := range lines {
		var r Record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		if r.RequestID != record(i).RequestID || r.Sequence != uint64(i+1) {
			t.Fatalf("line %d is %s (sequence %d), want %s (sequence %d)", i+1, r.RequestID, r.Sequence, record(i).RequestID, i+1)
		}
	}
	if got := syncedThrough(l); got != 4 {
		t.Fatalf("synced through %d after the write, want 4", got)
	}
	mustVerify(t, dir, 4)

	// The background flush writes and syncs reads with no write to follow them.
	if err := l.AppendRead(record(4)); err != nil {
		t.Fatal(err)
	}
	l.flush()
	if n, got := fileLines(t, l), syncedThrough(l); n != 5 || got != 5 {
		t.Fatalf("after the flush: %d lines, synced through %d; want 5 and 5", n, got)
	}

	// Close writes and syncs what is left.
	for i := 5; i < 7; i++ {
		if err := l.AppendRead(record(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, dir, 7)
}

// The flush armed by a read runs by itself within its bound: the record reaches the file and
// the disk with no other call.
func TestAReadAloneReachesTheFileThroughTheTimedFlush(t *testing.T) {
	l := openFlushingEveryMillisecond(t)
	w := watchSyncs(l)
	if err := l.AppendRead(record(0)); err != nil {
		t.Fatal(err)
	}
	w.waitSync(t)
	if n := fileLines(t, l); n != 1 {
		t.Fatalf("%d lines after the timed flush, want 1", n)
	}
}

// Reads kept past pendingLimit are written without waiting for the flush, and a rotation
// writes the kept reads to the file they were chained in before it renames it.
func TestKeptReadsAreBoundedAndRotateInChainOrder(t *testing.T) {
	dir := t.TempDir()
	line, err := seal(record(0))
	if err != nil {
		t.Fatal(err)
	}
	perFile := 40
	l, err := Open(dir, int64(perFile*(len(line)+40)))
	if err != nil {
		t.Fatal(err)
	}
	l.flushBound = time.Hour
	total := 0
	for range 3 * perFile {
		if err := l.AppendRead(record(total)); err != nil {
			t.Fatal(err)
		}
		total++
	}
	files, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("%d files after %d reads of ~%d bytes with %d records a file, want at least 3", len(files), total, len(line), perFile)
	}
	// pendingLimit: a burst of reads larger than it reaches the file before any flush.
	l2, err := Open(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	l2.flushBound = time.Hour
	for i := 0; i < 2*pendingLimit/len(line); i++ {
		if err := l2.AppendRead(record(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := fileLines(t, l2); n == 0 {
		t.Fatalf("no line written after %d bytes of reads, past pendingLimit (%d)", 2*pendingLimit, pendingLimit)
	}
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, dir, total)
}

// openFlushingEveryMillisecond opens a log in a fresh directory whose background flush runs a
// millisecond after a read record waits, and closes it when the test ends.
func openFlushingEveryMillisecond(t *testing.T) *Log {
	t.Helper()
	l, err := Open(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	l.flushBound = time.Millisecond
	return l
}
