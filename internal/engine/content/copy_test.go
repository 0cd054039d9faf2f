package content_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/locks"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/efs"
)

// countingStore counts the bytes read from a store, per object-name prefix.
type countingStore struct {
	blob.Store
	mu   sync.Mutex
	read map[string]int64
}

func newCounting(st blob.Store) *countingStore {
	return &countingStore{Store: st, read: map[string]int64{}}
}

func (c *countingStore) Open(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	rc, err := c.Store.Open(ctx, name, off, length)
	if err != nil {
		return nil, err
	}
	prefix, _, _ := strings.Cut(name, "/")
	return &countingReader{ReadCloser: rc, add: func(n int) {
		c.mu.Lock()
		c.read[prefix] += int64(n)
		c.mu.Unlock()
	}}, nil
}

func (c *countingStore) packBytesRead() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.read["packs"]
}

func (c *countingStore) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.read = map[string]int64{}
}

type countingReader struct {
	io.ReadCloser
	add func(int)
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.add(n)
	return n, err
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func initRepo(t testing.TB, st blob.Store, mk keyring.MasterKey) *content.Repository {
	t.Helper()
	r, err := content.Init(context.Background(), st, mk, "arn:aws:kms:us-east-1:123456789012:key/test")
	must(t, err)
	return r
}

func localStore(t testing.TB, dir string) *blob.Local {
	t.Helper()
	st, err := blob.NewLocal(dir)
	must(t, err)
	return st
}

func verifyRepo(t testing.TB, r *content.Repository) {
	t.Helper()
	var problems []string
	if err := r.Verify(context.Background(), true, func(p string) { problems = append(problems, p) }); err != nil {
		t.Fatalf("verify: %v\n%s", err, strings.Join(problems, "\n"))
	}
}

func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 3))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func streamOf(t testing.TB, r *content.Repository, data []byte) content.Snapshot {
	t.Helper()
	snap, err := r.BackupStream(context.Background(), bytes.NewReader(data), map[string]string{"db": "orders"}, nil)
	must(t, err)
	return snap
}

func restoreStream(t testing.TB, r *content.Repository, id content.SnapshotID) []byte {
	t.Helper()
	var b bytes.Buffer
	must(t, r.RestoreStream(context.Background(), id, &b))
	return b.Bytes()
}

var (
	sourceKey = keyring.MasterKey{1}
	destKey   = keyring.MasterKey{2}
)

// A tree copied into a vault with another data key (and another master key) restores
// byte-identical from the copy, keeps its metadata, and the destination verifies clean when every
// chunk is decrypted and re-hashed under its own key.
func TestCopySnapshot_treeRestoresByteIdenticalFromTheDestination(t *testing.T) {
	ctx := context.Background()
	tree := filepath.Join(t.TempDir(), "tree")
	enginetest.WriteTree(t, tree, 7)
	src := initRepo(t, localStore(t, t.TempDir()), sourceKey)
	dstDir := t.TempDir()
	dst := initRepo(t, localStore(t, dstDir), destKey)
	res, err := efs.Backup(ctx, src, tree, "", nil)
	must(t, err)

	var last int64
	var calls int
	snap, err := content.CopySnapshot(ctx, src, dst, res.Snapshot.ID, func(n int64) {
		if n < last {
			t.Errorf("progress went back from %d to %d", last, n)
		}
		last, calls = n, calls+1
	})
	must(t, err)
	if snap.Kind != content.KindTree || snap.Size != res.Snapshot.Size || snap.Meta[efs.MetaSourcePath] != res.Snapshot.Meta[efs.MetaSourcePath] {
		t.Errorf("copied snapshot %+v does not describe the source %+v", snap, res.Snapshot)
	}
	if calls == 0 || last != res.Snapshot.Size {
		t.Errorf("progress ended at %d after %d calls; the snapshot holds %d bytes", last, calls, res.Snapshot.Size)
	}
	if snap.StoredBytes <= 0 {
		t.Errorf("the copy stored %d bytes in an empty vault", snap.StoredBytes)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	_, err = efs.Restore(ctx, dst, snap.ID, restored, nil)
	must(t, err)
	if diffs := enginetest.DiffTrees(t, tree, restored); len(diffs) > 0 {
		t.Errorf("the tree restored from the copy differs:\n%s", strings.Join(diffs, "\n"))
	}
	verifyRepo(t, dst)
	// The destination's repository opens only with its own master key: its data is under its own
	// data key, not the source's.
	if _, err := content.Open(ctx, localStore(t, dstDir), sourceKey); !errors.Is(err, keyring.ErrWrongKey) {
		t.Errorf("opening the destination with the source's master key: %v, want ErrWrongKey", err)
	}
}

// The second copy of a snapshot that shares most of its data with one copied before stores only
// the new chunks and reads only those from the source: the translation map saves the rest.
func TestCopySnapshot_secondCopyTransfersOnlyTheNewChunks(t *testing.T) {
	ctx := context.Background()
	srcStore := newCounting(blob.NewMemory())
	src := initRepo(t, srcStore, sourceKey)
	dst := initRepo(t, blob.NewMemory(), destKey)

	base := randomBytes(48<<20, 1)
	first := streamOf(t, src, base)
	c1, err := content.CopySnapshot(ctx, src, dst, first.ID, nil)
	must(t, err)
	if c1.StoredBytes < int64(len(base)) {
		t.Fatalf("the first copy stored %d bytes of %d bytes of random data", c1.StoredBytes, len(base))
	}

	// 6 MiB of new data in the middle: the source stores only the chunks around it anew.
	changed := append(append(append([]byte{}, base[:20<<20]...), randomBytes(6<<20, 2)...), base[20<<20:]...)
	second := streamOf(t, src, changed)
	if second.StoredBytes > 16<<20 {
		t.Fatalf("the source stored %d bytes for a 6 MiB change; the test's premise fails", second.StoredBytes)
	}
	srcStore.reset()
	c2, err := content.CopySnapshot(ctx, src, dst, second.ID, nil)
	must(t, err)
	// What the copy added is what the source's own incremental backup added (the same chunks,
	// sealed under another key), give or take metadata.
	if diff := c2.StoredBytes - second.StoredBytes; diff < -64<<10 || diff > 64<<10 {
		t.Errorf("the second copy stored %d bytes; the new chunks are %d bytes", c2.StoredBytes, second.StoredBytes)
	}
	if read := srcStore.packBytesRead(); read > second.StoredBytes+1<<20 {
		t.Errorf("the second copy read %d bytes of source packs; only %d bytes are new", read, second.StoredBytes)
	}
	if !bytes.Equal(restoreStream(t, dst, c2.ID), changed) {
		t.Error("the second copy does not restore the changed data")
	}
	if !bytes.Equal(restoreStream(t, dst, c1.ID), base) {
		t.Error("the first copy no longer restores")
	}
	verifyRepo(t, dst)

	// The same snapshot copied again costs nothing but its metadata.
	srcStore.reset()
	c3, err := content.CopySnapshot(ctx, src, dst, second.ID, nil)
	must(t, err)
	if c3.StoredBytes > 64<<10 || srcStore.packBytesRead() > 64<<10 {
		t.Errorf("copying an already copied snapshot stored %d bytes and read %d bytes of packs", c3.StoredBytes, srcStore.packBytesRead())
	}
}

// Without the translation map (as after losing it) a copy still deduplicates: it reads the
// source again but stores nothing the destination has.
func TestCopySnapshot_deduplicatesWithoutTheMap(t *testing.T) {
	ctx := context.Background()
	src := initRepo(t, blob.NewMemory(), sourceKey)
	dstStore := blob.NewMemory()
	dst := initRepo(t, dstStore, destKey)
	data := randomBytes(24<<20, 5)
	snap := streamOf(t, src, data)
	_, err := content.CopySnapshot(ctx, src, dst, snap.ID, nil)
	must(t, err)
	var maps []string
	must(t, dstStore.List(ctx, "copymaps/", func(name string, _ int64) error { maps = append(maps, name); return nil }))
	if len(maps) != 1 {
		t.Fatalf("the destination holds copy maps %v, want one", maps)
	}
	must(t, dstStore.Remove(ctx, maps[0]))
	again, err := content.CopySnapshot(ctx, src, dst, snap.ID, nil)
	must(t, err)
	if again.StoredBytes > 64<<10 {
		t.Errorf("the copy stored %d bytes the destination already had", again.StoredBytes)
	}
	if !bytes.Equal(restoreStream(t, dst, again.ID), data) {
		t.Error("the copy does not restore")
	}
}

// Repositories made with one namespace key (the vaults of one account) give content the same
// chunk IDs under different data keys: a copy between them reads nothing the destination already
// has, even from the destination's own backups, and what it stores is sealed under the
// destination's key (the destination verifies and restores, and opens only with its own master
// key). Without the shared namespace the same copy reads and stores everything.
func TestCopySnapshot_withinANamespaceReadsOnlyWhatTheDestinationLacks(t *testing.T) {
	ctx := context.Background()
	ns := [32]byte{7}
	srcStore := newCounting(blob.NewMemory())
	src, err := content.Init(ctx, srcStore, sourceKey, "arn:aws:kms:us-east-1:123456789012:key/src", content.WithNamespaceKey(ns))
	must(t, err)
	dstStore := blob.NewMemory()
	dst, err := content.Init(ctx, dstStore, destKey, "arn:aws:kms:eu-west-1:123456789012:key/dst", content.WithNamespaceKey(ns))
	must(t, err)
	apart := initRepo(t, blob.NewMemory(), destKey) // no namespace

	base := randomBytes(24<<20, 11)
	streamOf(t, dst, base) // the destination's own backup of the data
	streamOf(t, apart, base)
	changed := append(append(append([]byte{}, base[:8<<20]...), randomBytes(4<<20, 12)...), base[8<<20:]...)
	snap := streamOf(t, src, changed)

	srcStore.reset()
	cp, err := content.CopySnapshot(ctx, src, dst, snap.ID, nil)
	must(t, err)
	if cp.StoredBytes > snap.StoredBytes/2 || cp.StoredBytes < 4<<20 {
		t.Errorf("the copy stored %d bytes; 4 MiB of the %d bytes are new to the destination", cp.StoredBytes, len(changed))
	}
	if read := srcStore.packBytesRead(); read > 8<<20 {
		t.Errorf("the copy read %d bytes of source packs; about 4 MiB are new to the destination", read)
	}
	if !bytes.Equal(restoreStream(t, dst, cp.ID), changed) {
		t.Error("the copy does not restore")
	}
	verifyRepo(t, dst)
	var maps int
	must(t, dstStore.List(ctx, "copymaps/", func(string, int64) error { maps++; return nil }))
	if maps != 0 {
		t.Errorf("the destination keeps %d copy maps; within a namespace there is nothing to translate", maps)
	}
	reopened, err := content.Open(ctx, dstStore, destKey)
	must(t, err)
	if !bytes.Equal(restoreStream(t, reopened, cp.ID), changed) {
		t.Error("the copy does not restore from the reopened destination")
	}
	if _, err := content.Open(ctx, dstStore, sourceKey); !errors.Is(err, keyring.ErrWrongKey) {
		t.Errorf("opening the destination with the source's master key: %v, want ErrWrongKey", err)
	}

	srcStore.reset()
	other, err := content.CopySnapshot(ctx, src, apart, snap.ID, nil)
	must(t, err)
	if other.StoredBytes < int64(len(changed))-1<<20 || srcStore.packBytesRead() < int64(len(changed)) {
		t.Errorf("into a repository of another namespace the copy stored %d and read %d bytes of %d; its IDs should be unrelated", other.StoredBytes, srcStore.packBytesRead(), len(changed))
	}
}

// A copy within one repository shares all its data with the original.
func TestCopySnapshot_withinOneRepositoryStoresNoData(t *testing.T) {
	ctx := context.Background()
	r := initRepo(t, blob.NewMemory(), sourceKey)
	data := randomBytes(12<<20, 9)
	snap := streamOf(t, r, data)
	cp, err := content.CopySnapshot(ctx, r, r, snap.ID, nil)
	must(t, err)
	if cp.ID == snap.ID || cp.StoredBytes > 64<<10 {
		t.Errorf("copy %s of %s stored %d bytes", cp.ID, snap.ID, cp.StoredBytes)
	}
	must(t, r.Forget(ctx, snap.ID))
	_, err = r.GC(ctx)
	must(t, err)
	if !bytes.Equal(restoreStream(t, r, cp.ID), data) {
		t.Error("the copy does not restore once the original is forgotten and collected")
	}
	verifyRepo(t, r)
}

// A copy stopped midway leaves no snapshot in the destination, and the destination stays sound:
// it verifies, GC removes what the copy wrote, and the copy can be run again.
func TestCopySnapshot_cancelledMidwayLeavesNothingVisible(t *testing.T) {
	ctx := context.Background()
	src := initRepo(t, blob.NewMemory(), sourceKey)
	dstStore := blob.NewMemory()
	dst := initRepo(t, dstStore, destKey)
	data := randomBytes(96<<20, 11)
	snap := streamOf(t, src, data)

	cctx, cancel := context.WithCancelCause(ctx)
	stop := errors.New("stopped by the test")
	_, err := content.CopySnapshot(cctx, src, dst, snap.ID, func(n int64) {
		if n > int64(len(data))/3 {
			cancel(stop)
		}
	})
	if !errors.Is(err, stop) {
		t.Fatalf("the cancelled copy returned %v, want the cancellation cause", err)
	}
	ids, err := dst.SnapshotIDs(ctx)
	must(t, err)
	if len(ids) != 0 {
		t.Fatalf("the cancelled copy left snapshots %v in the destination", ids)
	}
	verifyRepo(t, dst)
	if n, _ := countPacks(t, dstStore); n == 0 {
		t.Log("note: the copy was cancelled before it wrote a pack")
	}
	_, err = dst.GC(ctx)
	must(t, err)
	if n, size := countPacks(t, dstStore); n != 0 {
		t.Errorf("after GC the destination still holds %d packs (%d bytes) no snapshot uses", n, size)
	}
	cp, err := content.CopySnapshot(ctx, src, dst, snap.ID, nil)
	must(t, err)
	if !bytes.Equal(restoreStream(t, dst, cp.ID), data) {
		t.Error("the copy run again does not restore")
	}
}

func countPacks(t testing.TB, st blob.Store) (n int, size int64) {
	t.Helper()
	must(t, st.List(context.Background(), "packs/", func(_ string, s int64) error { n++; size += s; return nil }))
	return n, size
}

const copyHelperEnv = "CONTENT_COPY_HELPER"

// TestCopyHelperProcess is not a test: the kill test runs it as a child process that copies a
// snapshot until it is killed.
func TestCopyHelperProcess(t *testing.T) {
	if os.Getenv(copyHelperEnv) == "" {
		t.Skip("helper process for TestCopySnapshot_killedMidwayLeavesNothingVisible")
	}
	ctx := context.Background()
	src, err := content.Open(ctx, localStore(t, os.Getenv("COPY_SRC")), sourceKey)
	must(t, err)
	dst, err := content.Open(ctx, localStore(t, os.Getenv("COPY_DST")), destKey)
	must(t, err)
	_, err = content.CopySnapshot(ctx, src, dst, content.SnapshotID(os.Getenv("COPY_SNAPSHOT")), func(n int64) {
		time.Sleep(2 * time.Millisecond) // slow enough to be killed midway
	})
	must(t, err)
	fmt.Println("copy finished")
}

// A copy whose process is killed (SIGKILL) midway leaves nothing visible in the destination, which
// verifies clean; GC then reclaims what the dead copy wrote, and a new copy succeeds.
func TestCopySnapshot_killedMidwayLeavesNothingVisible(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	ctx := context.Background()
	srcDir, dstDir := t.TempDir(), t.TempDir()
	src := initRepo(t, localStore(t, srcDir), sourceKey)
	dstStore := localStore(t, dstDir)
	initRepo(t, dstStore, destKey)
	data := randomBytes(80<<20, 13)
	snap := streamOf(t, src, data)

	cmd := exec.Command(os.Args[0], "-test.run=^TestCopyHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), copyHelperEnv+"=1", "COPY_SRC="+srcDir, "COPY_DST="+dstDir, "COPY_SNAPSHOT="+string(snap.ID))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	must(t, cmd.Start())
	// Kill it once it has written a pack of the copy.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if n, _ := countPacks(t, dstStore); n > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the helper wrote no pack within 60s:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	must(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	if strings.Contains(out.String(), "copy finished") {
		t.Fatal("the helper finished before it was killed; make the copy slower")
	}

	dst, err := content.Open(ctx, localStore(t, dstDir), destKey)
	must(t, err)
	ids, err := dst.SnapshotIDs(ctx)
	must(t, err)
	if len(ids) != 0 {
		t.Fatalf("the killed copy left snapshots %v", ids)
	}
	verifyRepo(t, dst)
	_, err = dst.GC(ctx)
	must(t, err)
	if n, _ := countPacks(t, dstStore); n != 0 {
		t.Errorf("GC left %d packs of the killed copy", n)
	}
	cp, err := content.CopySnapshot(ctx, src, dst, snap.ID, nil)
	must(t, err)
	if !bytes.Equal(restoreStream(t, dst, cp.ID), data) {
		t.Error("a new copy after the kill does not restore")
	}
}

// GC runs in both repositories while copies run: in the source after a snapshot sharing packs
// with the one being copied was forgotten (so GC repacks those packs while the copy reads them),
// in the destination after one of its snapshots was forgotten. Every copy restores, and both
// repositories verify.
func TestCopySnapshot_safeWithConcurrentGCInBothRepositories(t *testing.T) {
	ctx := context.Background()
	src := initRepo(t, blob.NewMemory(), sourceKey)
	dst := initRepo(t, blob.NewMemory(), destKey)
	// One backup of a tree whose files interleave kept and dropped data in the same packs; then
	// the dropped files go, a second backup keeps the rest, and the first is forgotten.
	tree := filepath.Join(t.TempDir(), "tree")
	must(t, os.MkdirAll(tree, 0o755))
	for i := range 12 {
		must(t, os.WriteFile(filepath.Join(tree, fmt.Sprintf("f%02d", i)), randomBytes(3<<20, uint64(100+i)), 0o644))
	}
	first, err := efs.Backup(ctx, src, tree, "", nil)
	must(t, err)
	for i := range 12 {
		if i%3 != 0 {
			must(t, os.Remove(filepath.Join(tree, fmt.Sprintf("f%02d", i))))
		}
	}
	second, err := efs.Backup(ctx, src, tree, first.Snapshot.ID, nil)
	must(t, err)
	must(t, src.Forget(ctx, first.Snapshot.ID))
	other := streamOf(t, dst, randomBytes(10<<20, 23))
	must(t, dst.Forget(ctx, other.ID))

	var stopGC atomic.Bool
	var gcRuns, repacked atomic.Int64
	var wg sync.WaitGroup
	for _, r := range []*content.Repository{src, dst} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stopGC.Load() {
				stats, err := r.GC(ctx)
				switch {
				case err == nil:
					gcRuns.Add(1)
					repacked.Add(stats.PacksRepacked)
				case errors.Is(err, locks.ErrGCRunning):
				default:
					t.Errorf("GC: %v", err)
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	var copies []content.Snapshot
	for range 4 {
		cp, err := content.CopySnapshot(ctx, src, dst, second.Snapshot.ID, nil)
		must(t, err)
		copies = append(copies, cp)
	}
	stopGC.Store(true)
	wg.Wait()
	if gcRuns.Load() < 2 || repacked.Load() == 0 {
		t.Errorf("%d GC runs completed (%d packs repacked) while the copies ran; the test needs some, with a repack", gcRuns.Load(), repacked.Load())
	}
	_, err = dst.GC(ctx)
	must(t, err)
	for _, cp := range copies {
		restored := filepath.Join(t.TempDir(), "restored")
		_, err := efs.Restore(ctx, dst, cp.ID, restored, nil)
		must(t, err)
		if diffs := enginetest.DiffTrees(t, tree, restored); len(diffs) > 0 {
			t.Errorf("copy %s restores differently:\n%s", cp.ID, strings.Join(diffs, "\n"))
		}
	}
	verifyRepo(t, src)
	verifyRepo(t, dst)
}

// copyBenchData is 64 MiB, half compressible text and half random.
func copyBenchData() []byte {
	var data []byte
	for i := range 32 {
		data = append(data, bytes.Repeat([]byte(fmt.Sprintf("log line %d: vault recovery point copied\n", i)), 1<<20/40)...)
		data = append(data, randomBytes(1<<20, uint64(i))...)
	}
	return data
}

// BenchmarkCopySnapshot copies a 64 MiB stream, half compressible text and half random, into an
// empty repository on the local disk (bench/copy.sh measures the whole copy job).
func BenchmarkCopySnapshot(b *testing.B) {
	ctx := context.Background()
	src := initRepo(b, localStore(b, b.TempDir()), sourceKey)
	data := copyBenchData()
	snap := streamOf(b, src, data)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		dst := initRepo(b, localStore(b, b.TempDir()), destKey)
		if _, err := content.CopySnapshot(ctx, src, dst, snap.ID, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCopySnapshotWithinANamespace is BenchmarkCopySnapshot between repositories sharing a
// namespace key (an account's vaults): chunks are re-sealed, not translated.
func BenchmarkCopySnapshotWithinANamespace(b *testing.B) {
	ctx := context.Background()
	ns := content.WithNamespaceKey([32]byte{3})
	src, err := content.Init(ctx, localStore(b, b.TempDir()), sourceKey, "k", ns)
	must(b, err)
	data := copyBenchData()
	snap := streamOf(b, src, data)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		dst, err := content.Init(ctx, localStore(b, b.TempDir()), destKey, "k", ns)
		must(b, err)
		if _, err := content.CopySnapshot(ctx, src, dst, snap.ID, nil); err != nil {
			b.Fatal(err)
		}
	}
}
