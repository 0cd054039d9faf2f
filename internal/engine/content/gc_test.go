package content

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/locks"
)

func verifyClean(t *testing.T, r *Repository) {
	t.Helper()
	var problems []string
	if err := r.Verify(context.Background(), true, func(p string) { problems = append(problems, p) }); err != nil {
		t.Fatalf("verify: %v\n%s", err, strings.Join(problems, "\n"))
	}
}

func countObjects(t *testing.T, st blob.Store, prefix string) (n int, size int64) {
	t.Helper()
	st.List(context.Background(), prefix, func(_ string, s int64) error { n++; size += s; return nil })
	return
}

func TestGCAfterForgetReclaimsAndKeepsTheRest(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	a := backupBytes(t, r, randomData(20<<20, 31))
	bData := randomData(20<<20, 32)
	b := backupBytes(t, r, bData)
	_, before := countObjects(t, st, "packs/")
	mustNil(t, r.Forget(ctx, a.ID))
	stats, err := r.GC(ctx)
	mustNil(t, err)
	_, after := countObjects(t, st, "packs/")
	if stats.PacksRemoved == 0 || before-after < 19<<20 || stats.BytesRemoved != before-after {
		t.Fatalf("GC removed %+v; packs went from %d to %d bytes", stats, before, after)
	}
	if got := restoreBytes(t, r, b.ID); !bytes.Equal(got, bData) {
		t.Fatal("the remaining snapshot does not restore after GC")
	}
	verifyClean(t, r)
	if n, _ := countObjects(t, st, "condemned/"); n != 0 {
		t.Fatalf("%d condemned records left with no backup running", n)
	}
	// A second GC finds nothing to do.
	stats, err = r.GC(ctx)
	mustNil(t, err)
	if stats.PacksRemoved != 0 || stats.PacksRepacked != 0 {
		t.Fatalf("second GC: %+v", stats)
	}
	if err := r.Forget(ctx, a.ID); !errors.Is(err, ErrSnapshotNotFound) {
		t.Fatal("forgetting a forgotten snapshot should be ErrSnapshotNotFound")
	}
}

func TestGCRepacksMostlyUnusedPacks(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	firstData := randomData(12<<20, 40)
	first := backupBytes(t, r, firstData)
	// The second snapshot starts with two of the first one's chunks (cut by content at both
	// ends), so it shares exactly those: the first pack ends up mostly unused once first is
	// forgotten.
	sf, err := r.loadSnapshot(ctx, first.ID)
	mustNil(t, err)
	var refs []chunk.Ref
	mustNil(t, r.walkRefs(ctx, sf, func(_ string, ref chunk.Ref) { refs = append(refs, ref) }))
	if len(refs) < 4 {
		t.Fatalf("only %d chunks in 12 MiB", len(refs))
	}
	var start int64
	for _, ref := range refs[:len(refs)-3] {
		start += ref.Len
	}
	tail := refs[len(refs)-3].Len + refs[len(refs)-2].Len
	secondData := append(bytes.Clone(firstData[start:start+tail]), randomData(1<<20, 42)...)
	second := backupBytes(t, r, secondData)
	if second.StoredBytes > int64(len(secondData))-tail+64<<10 {
		t.Fatalf("second snapshot stored %d bytes; the shared chunks were not deduplicated", second.StoredBytes)
	}
	mustNil(t, r.Forget(ctx, first.ID))
	stats, err := r.GC(ctx)
	mustNil(t, err)
	if stats.PacksRepacked == 0 || stats.PacksRemoved == 0 {
		t.Fatalf("GC did not repack the mostly unused pack: %+v", stats)
	}
	if got := restoreBytes(t, r, second.ID); !bytes.Equal(got, secondData) {
		t.Fatal("snapshot sharing a repacked pack does not restore")
	}
	verifyClean(t, r)
	_, size := countObjects(t, st, "packs/")
	if size > int64(len(secondData))+64<<10 {
		t.Fatalf("after GC the packs hold %d bytes for a %d-byte snapshot", size, len(secondData))
	}
}

// The scenario GC must survive: a backup starts, deduplicates against a snapshot's chunks, the
// snapshot is forgotten and GC runs, then the backup commits.
func TestGCWhileABackupRunsKeepsWhatTheBackupUses(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	data := randomData(8<<20, 51)
	old := backupBytes(t, r, data)

	s, err := r.StartSession(ctx)
	mustNil(t, err)
	refs, err := s.WriteData(ctx, bytes.NewReader(data), -1, nil)
	mustNil(t, err)
	if s.StoredBytes() != 0 {
		t.Fatalf("the running backup stored %d bytes of known data", s.StoredBytes())
	}
	mustNil(t, r.Forget(ctx, old.ID))
	stats, err := r.GC(ctx)
	mustNil(t, err)
	if stats.PacksRemoved != 0 || stats.PacksDeferred == 0 {
		t.Fatalf("GC during a backup: %+v; want the packs condemned but kept", stats)
	}
	// A backup starting now does not deduplicate against condemned packs.
	s2, err := r.StartSession(ctx)
	mustNil(t, err)
	if _, err := s2.WriteData(ctx, bytes.NewReader(data[:1<<20]), -1, nil); err != nil {
		t.Fatal(err)
	}
	if s2.StoredBytes() == 0 {
		t.Fatal("a backup started after GC condemned the packs deduplicated against them")
	}
	s2.Abort()

	list := s.NewStreamWriter()
	var rec []byte
	for _, ref := range refs {
		rec = appendRef(rec[:0], ref)
		list.Write(rec)
	}
	ids, err := list.Close()
	mustNil(t, err)
	snap, err := s.Commit(ctx, CommitSpec{Kind: KindStream, Size: int64(len(data)), Tree: ids})
	mustNil(t, err)

	stats, err = r.GC(ctx)
	mustNil(t, err)
	if got := restoreBytes(t, r, snap.ID); !bytes.Equal(got, data) {
		t.Fatalf("the backup that ran across GC does not restore (GC %+v)", stats)
	}
	verifyClean(t, r)
	if n, _ := countObjects(t, st, "condemned/"); n != 0 {
		t.Fatalf("%d condemned records left after the backup ended", n)
	}
}

func TestGCDeletesWhatAnAbortedBackupLeft(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	s, err := r.StartSession(ctx)
	mustNil(t, err)
	if _, err := s.WriteData(ctx, bytes.NewReader(randomData(20<<20, 61)), -1, nil); err != nil {
		t.Fatal(err)
	}
	// Uploads are asynchronous: wait for one to land before aborting.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if n, _ := countObjects(t, st, "packs/"); n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the backup stored no pack")
		}
	}
	s.Abort()
	stats, err := r.GC(ctx)
	mustNil(t, err)
	if n, _ := countObjects(t, st, "packs/"); n != 0 || stats.PacksRemoved == 0 {
		t.Fatalf("GC left %d packs of an aborted backup (%+v)", n, stats)
	}
	verifyClean(t, r)
}

func TestOnlyOneGCRunsAtATime(t *testing.T) {
	ctx := context.Background()
	f := blob.NewFaulty(blob.NewMemory())
	r := newTestRepo(t, f)
	backupBytes(t, r, randomData(1<<20, 71))
	entered := make(chan struct{})
	release := make(chan struct{})
	f.SetHook(func(op, name string) error {
		if op == "list" && name == "snapshots/" {
			select {
			case entered <- struct{}{}:
				<-release
			default:
			}
		}
		return nil
	})
	done := make(chan error)
	go func() { _, err := r.GC(ctx); done <- err }()
	<-entered
	if _, err := r.GC(ctx); !errors.Is(err, locks.ErrGCRunning) {
		t.Fatalf("second GC: %v, want ErrGCRunning", err)
	}
	close(release)
	mustNil(t, <-done)
	f.SetHook(nil)
	if _, err := r.GC(ctx); err != nil {
		t.Fatalf("GC after the first finished: %v", err)
	}
}

// Cross-process: a backup in another process holds its lock while this process forgets and
// collects; then the other process commits, or is killed.
const helperEnv = "CONTENT_TEST_HELPER"

func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		return
	}
	err := helperBackup(os.Getenv("CONTENT_REPO"), os.Getenv("CONTENT_SEED"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// helperBackup writes the seed's data in a session, prints "ready", waits for a line on stdin,
// then commits and prints the snapshot ID.
func helperBackup(dir, seed string) error {
	ctx := context.Background()
	st, err := blob.NewLocal(dir)
	if err != nil {
		return err
	}
	r, err := Open(ctx, st, testKey)
	if err != nil {
		return err
	}
	s, err := r.StartSession(ctx)
	if err != nil {
		return err
	}
	var n uint64
	fmt.Sscan(seed, &n)
	var size int
	fmt.Sscan(os.Getenv("CONTENT_SIZE"), &size)
	data := randomData(size, n)
	refs, err := s.WriteData(ctx, bytes.NewReader(data), -1, nil)
	if err != nil {
		return err
	}
	fmt.Printf("ready %d\n", s.StoredBytes())
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return err
	}
	list := s.NewStreamWriter()
	var rec []byte
	for _, ref := range refs {
		rec = appendRef(rec[:0], ref)
		list.Write(rec)
	}
	ids, err := list.Close()
	if err != nil {
		return err
	}
	snap, err := s.Commit(ctx, CommitSpec{Kind: KindStream, Size: int64(len(data)), Tree: ids})
	if err != nil {
		return err
	}
	fmt.Printf("snapshot %s\n", snap.ID)
	return nil
}

type helper struct {
	cmd   *exec.Cmd
	stdin interface{ Write([]byte) (int, error) }
	out   *bufio.Reader
}

func startHelper(t *testing.T, dir string, seed, size int) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "CONTENT_REPO="+dir, fmt.Sprintf("CONTENT_SEED=%d", seed), fmt.Sprintf("CONTENT_SIZE=%d", size))
	stdin, err := cmd.StdinPipe()
	mustNil(t, err)
	stdout, err := cmd.StdoutPipe()
	mustNil(t, err)
	cmd.Stderr = os.Stderr
	mustNil(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	h := &helper{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	line, err := h.out.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready") {
		t.Fatalf("helper: %q %v", line, err)
	}
	return h
}

func TestGCAcrossProcessesKeepsARunningBackupsChunks(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "repo")
	st, err := blob.NewLocal(dir)
	mustNil(t, err)
	r := newTestRepo(t, st)
	old := backupBytes(t, r, randomData(8<<20, 81))

	h := startHelper(t, dir, 81, 8<<20) // the same data: the helper deduplicates against old
	mustNil(t, r.Forget(ctx, old.ID))
	stats, err := r.GC(ctx)
	mustNil(t, err)
	if stats.PacksRemoved != 0 || stats.PacksDeferred == 0 {
		t.Fatalf("GC while another process's backup runs: %+v", stats)
	}
	h.stdin.Write([]byte("go\n"))
	line, _ := h.out.ReadString('\n')
	id, ok := strings.CutPrefix(strings.TrimSpace(line), "snapshot ")
	if !ok {
		t.Fatalf("helper did not commit: %q", line)
	}
	mustNil(t, h.cmd.Wait())
	_, err = r.GC(ctx)
	mustNil(t, err)
	if got := restoreBytes(t, r, SnapshotID(id)); !bytes.Equal(got, randomData(8<<20, 81)) {
		t.Fatal("the other process's snapshot does not restore after GC")
	}
	verifyClean(t, r)
}

func TestGCAfterABackupProcessIsKilledReclaimsItsPacks(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "repo")
	st, err := blob.NewLocal(dir)
	mustNil(t, err)
	r := newTestRepo(t, st)
	keep := backupBytes(t, r, randomData(2<<20, 90))

	h := startHelper(t, dir, 91, 40<<20) // new data: the helper uploads packs
	mustNil(t, h.cmd.Process.Kill())
	h.cmd.Wait()
	if n, _ := countObjects(t, st, "locks/"); n == 0 {
		t.Fatal("the killed backup left no lock (test assumption)")
	}
	if n, _ := countObjects(t, st, "packs/"); n < 2 {
		t.Fatalf("the killed backup left %d packs (test assumption: at least 1 besides keep's)", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	var stats GCStats
	for {
		stats, err = r.GC(ctx)
		mustNil(t, err)
		if stats.PacksRemoved > 0 || time.Now().After(deadline) {
			break
		}
	}
	if stats.PacksRemoved == 0 {
		t.Fatalf("GC kept the packs of a killed backup: %+v", stats)
	}
	if got := restoreBytes(t, r, keep.ID); !bytes.Equal(got, randomData(2<<20, 90)) {
		t.Fatal("surviving snapshot damaged")
	}
	verifyClean(t, r)
}

// Two writers into one repository at once, as the daemon and an embedded provider do: each
// through its own Repository (a process each, as far as the store can tell), plus a second
// session in the same Repository.
func TestConcurrentBackupsIntoOneRepository(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "repo")
	st, err := blob.NewLocal(dir)
	mustNil(t, err)
	a := newTestRepo(t, st)
	st2, err := blob.NewLocal(dir)
	mustNil(t, err)
	b, err := Open(ctx, st2, testKey)
	mustNil(t, err)
	shared := randomData(6<<20, 100)
	inputs := [][]byte{
		append(bytes.Clone(shared), randomData(20<<20, 101)...),
		append(bytes.Clone(shared), textData(10<<20, 102)...),
		randomData(18<<20, 103),
	}
	repos := []*Repository{a, b, a}
	snaps := make([]Snapshot, len(inputs))
	errs := make(chan error, len(inputs))
	for i := range inputs {
		go func() {
			s, err := repos[i].BackupStream(ctx, bytes.NewReader(inputs[i]), nil, nil)
			snaps[i] = s
			errs <- err
		}()
	}
	for range inputs {
		mustNil(t, <-errs)
	}
	for i := range inputs {
		for _, r := range []*Repository{a, b} {
			if got := restoreBytes(t, r, snaps[i].ID); !bytes.Equal(got, inputs[i]) {
				t.Fatalf("snapshot %d does not restore through %p", i, r)
			}
		}
	}
	verifyClean(t, a)
	if n, _ := countObjects(t, st, "locks/"); n != 0 {
		t.Fatalf("%d locks left after the backups ended", n)
	}
}

// A backup process killed mid-way leaves a repository verify passes: its packs are complete or
// invisible (temporary files), and nothing refers to them.
func TestKilledBackupLeavesAVerifiableRepository(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	st, err := blob.NewLocal(dir)
	mustNil(t, err)
	r := newTestRepo(t, st)
	keep := backupBytes(t, r, randomData(1<<20, 110))
	h := startHelper(t, dir, 111, 40<<20)
	mustNil(t, h.cmd.Process.Kill())
	h.cmd.Wait()
	r2, err := Open(context.Background(), st, testKey)
	mustNil(t, err)
	verifyClean(t, r2)
	ids, err := r2.SnapshotIDs(context.Background())
	mustNil(t, err)
	if len(ids) != 1 || ids[0] != keep.ID {
		t.Fatalf("snapshots after a killed backup: %v", ids)
	}
}

// recordingDeferred is a DeferredStore over Memory that records which objects were made
// durable when.
type recordingDeferred struct {
	*blob.Memory
	mu       sync.Mutex
	deferred map[string]bool // saved deferred and not yet synced
	order    []string        // "save NAME" of durable saves, in order
	synced   map[string]bool
}

func (s *recordingDeferred) SaveDeferred(ctx context.Context, name string, r io.Reader) error {
	if err := s.Memory.Save(ctx, name, r); err != nil {
		return err
	}
	s.mu.Lock()
	s.deferred[name] = true
	s.mu.Unlock()
	return nil
}

func (s *recordingDeferred) Save(ctx context.Context, name string, r io.Reader) error {
	s.mu.Lock()
	s.order = append(s.order, name)
	s.mu.Unlock()
	return s.Memory.Save(ctx, name, r)
}

func (s *recordingDeferred) Sync(ctx context.Context, names ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		if _, err := s.Stat(ctx, n); err != nil {
			return err
		}
		delete(s.deferred, n)
		s.synced[n] = true
		s.order = append(s.order, "sync "+n)
	}
	return nil
}

// Packs are saved without waiting for the disk, but every pack an index file lists is durable
// before that index file is written, and the snapshot comes last.
func TestPacksAreDurableBeforeTheIndexThatListsThem(t *testing.T) {
	ctx := context.Background()
	st := &recordingDeferred{Memory: blob.NewMemory(), deferred: map[string]bool{}, synced: map[string]bool{}}
	r := newTestRepo(t, st)
	snap := backupBytes(t, r, randomData(40<<20, 120))
	if len(st.synced) < 2 {
		t.Fatalf("only %d packs went through Sync", len(st.synced))
	}
	if len(st.deferred) != 0 {
		t.Fatalf("packs never made durable: %v", st.deferred)
	}
	sawSnapshot := false
	syncedBefore := map[string]bool{}
	for _, name := range st.order {
		if p, ok := strings.CutPrefix(name, "sync "); ok {
			syncedBefore[p] = true
			continue
		}
		switch {
		case strings.HasPrefix(name, "index/"):
			if sawSnapshot {
				t.Fatal("an index file was written after the snapshot")
			}
			b, err := blob.ReadAll(ctx, st, name)
			mustNil(t, err)
			body, err := r.openObject(indexMagic, name, b)
			mustNil(t, err)
			packs, err := decodeIndex(body)
			mustNil(t, err)
			for _, p := range packs {
				if !syncedBefore[p.id.name()] {
					t.Fatalf("index %s lists %s, which was not synced first", name, p.id.name())
				}
			}
		case name == snapshotName(snap.ID):
			sawSnapshot = true
		}
	}
	if !sawSnapshot {
		t.Fatal("snapshot not saved durably")
	}
}
