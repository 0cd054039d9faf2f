package content

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
)

var testKey = keyring.MasterKey{1, 2, 3}

func newTestRepo(t *testing.T, st blob.Store, opts ...Option) *Repository {
	t.Helper()
	r, err := Init(context.Background(), st, testKey, "key-1", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func randomData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func textData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 9))
	words := strings.Fields("vault recovery point backup restore lifecycle job plan selection the of and a to engine terraform")
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[r.IntN(len(words))])
		b.WriteByte(" \n"[r.IntN(2)])
	}
	return b.Bytes()[:n]
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func backupBytes(t *testing.T, r *Repository, data []byte) Snapshot {
	t.Helper()
	snap, err := r.BackupStream(context.Background(), bytes.NewReader(data), map[string]string{"db": "x"}, nil)
	mustNil(t, err)
	return snap
}

func restoreBytes(t *testing.T, r *Repository, id SnapshotID) []byte {
	t.Helper()
	var out bytes.Buffer
	mustNil(t, r.RestoreStream(context.Background(), id, &out))
	return out.Bytes()
}

func TestStreamRoundTripsAndDeduplicates(t *testing.T) {
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	data := append(randomData(5<<20, 1), textData(6<<20, 2)...)
	first := backupBytes(t, r, data)
	if got := restoreBytes(t, r, first.ID); !bytes.Equal(got, data) {
		t.Fatalf("restored %d bytes that differ from the %d stored", len(got), len(data))
	}
	if first.Size != int64(len(data)) || first.Kind != KindStream || first.Meta["db"] != "x" {
		t.Fatalf("snapshot %+v", first)
	}
	// Text compresses; random data is stored raw (not expanded by a failed compression).
	if first.StoredBytes > int64(5<<20)+int64(3<<20) {
		t.Fatalf("stored %d bytes for 5 MiB random + 6 MiB text", first.StoredBytes)
	}
	second := backupBytes(t, r, data)
	if second.StoredBytes > 64<<10 {
		t.Fatalf("identical data stored %d new bytes", second.StoredBytes)
	}
	// A reopened repository sees the same (index loaded from the store).
	r2, err := Open(context.Background(), st, testKey)
	mustNil(t, err)
	if got := restoreBytes(t, r2, second.ID); !bytes.Equal(got, data) {
		t.Fatal("restore through a reopened repository differs")
	}
	third, err := r2.BackupStream(context.Background(), bytes.NewReader(data), nil, nil)
	mustNil(t, err)
	if third.StoredBytes > 64<<10 {
		t.Fatalf("a reopened repository stored %d new bytes for known data", third.StoredBytes)
	}
}

func TestEmptyStreamRoundTrips(t *testing.T) {
	r := newTestRepo(t, blob.NewMemory())
	s := backupBytes(t, r, nil)
	if got := restoreBytes(t, r, s.ID); len(got) != 0 {
		t.Fatalf("empty stream restored %d bytes", len(got))
	}
}

func TestChunkIDsAreKeyedPerRepository(t *testing.T) {
	a := newTestRepo(t, blob.NewMemory())
	b := newTestRepo(t, blob.NewMemory())
	data := []byte("the same content in two vaults")
	if a.ids.Sum(data) == b.ids.Sum(data) {
		t.Fatal("two repositories give the same chunk ID to the same content")
	}
	if again := a.ids.Sum(bytes.Clone(data)); again != a.ids.Sum(data) {
		t.Fatal("chunk IDs are not deterministic")
	}
	// Nothing in the store names content by an unkeyed hash: chunk IDs are not plain BLAKE3.
	if got := a.ids.Sum(data); bytes.Equal(got[:], blake3Plain(data)) {
		t.Fatal("chunk ID equals the unkeyed BLAKE3 of the content")
	}
}

func TestOpenWithTheWrongMasterKeyFails(t *testing.T) {
	st := blob.NewMemory()
	newTestRepo(t, st)
	_, err := Open(context.Background(), st, keyring.MasterKey{9})
	if !errors.Is(err, keyring.ErrWrongKey) {
		t.Fatalf("Open with another key: %v", err)
	}
	if _, err := Open(context.Background(), blob.NewMemory(), testKey); !errors.Is(err, ErrNotRepository) {
		t.Fatalf("Open of an empty store: %v", err)
	}
	if _, err := Init(context.Background(), st, testKey, "k"); !errors.Is(err, ErrRepositoryExists) {
		t.Fatalf("Init over a repository: %v", err)
	}
}

// The index answers from memory at no more than 64 bytes per chunk, whatever the fill level of
// its table (measured just before and just after it grows, and as heap growth).
func TestIndexMemoryPerChunk(t *testing.T) {
	n := 600_000
	if testing.Short() {
		n = 100_000
	}
	var before, after runtime.MemStats
	// Twice more than once: sync.Pools of earlier tests are emptied over two collections.
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&before)
	var ix chunkIndex
	worst := 0.0
	var id chunk.ID
	r := rand.New(rand.NewPCG(3, 3))
	for i := 0; i < n; i++ {
		for j := 0; j < 32; j += 8 {
			v := r.Uint64()
			for k := 0; k < 8; k++ {
				id[j+k] = byte(v >> (8 * k))
			}
		}
		ix.add(indexEntry{id: id, pack: uint32(i / 300), off: uint32(i), length: 1000, raw: 900})
		if i > 50_000 && i%1000 == 0 {
			worst = max(worst, float64(ix.memoryBytes())/float64(i+1))
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n)
	t.Logf("index: %d chunks, worst %.1f bytes/chunk by accounting, %.1f bytes/chunk of heap", n, worst, heap)
	if heap < 48 {
		t.Fatalf("heap grew by %.1f bytes per chunk, less than the 48-byte entry: the measurement is off", heap)
	}
	if worst > 64 || heap > 64 {
		t.Fatalf("index uses %.1f (accounted) / %.1f (heap) bytes per chunk, over 64", worst, heap)
	}
	runtime.KeepAlive(&ix)
	// And it still finds what it holds.
	if _, ok := ix.find(id, nil); !ok {
		t.Fatal("last ID not found")
	}
	if _, ok := ix.find(chunk.ID{1}, nil); ok {
		t.Fatal("unknown ID found")
	}
}

func TestVerifyPassesACleanRepositoryAndNamesDamage(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	snap := backupBytes(t, r, append(randomData(3<<20, 4), textData(1<<20, 5)...))
	var problems []string
	collect := func(p string) { problems = append(problems, p) }
	mustNil(t, r.Verify(ctx, true, collect))
	if len(problems) != 0 {
		t.Fatalf("clean repository: %q", problems)
	}

	// A flipped byte inside a chunk: only reading the data finds it, and the report names the
	// pack, the chunk and the snapshot using it.
	var pack string
	st.List(ctx, "packs/", func(name string, size int64) error { pack = name; return nil })
	if !st.Corrupt(pack, 100) {
		t.Fatal("corrupt failed")
	}
	problems = nil
	mustNil(t, r.Verify(ctx, false, collect))
	problems = nil
	err := r.Verify(ctx, true, collect)
	if !errors.Is(err, ErrCorrupt) || len(problems) == 0 {
		t.Fatalf("flipped byte: err %v, problems %q", err, problems)
	}
	if !strings.Contains(problems[0], pack) || !strings.Contains(problems[0], "offset") {
		t.Fatalf("report does not name the pack and offset: %q", problems[0])
	}
	if !strings.Contains(strings.Join(problems, "\n"), string(snap.ID)) {
		t.Fatalf("report does not name the affected snapshot: %q", problems)
	}
}

func TestVerifyCatchesATruncatedIndexAndAMissingPack(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	backupBytes(t, r, randomData(2<<20, 8))
	var index string
	st.List(ctx, "index/", func(name string, size int64) error { index = name; return nil })
	b, _ := blob.ReadAll(ctx, st, index)
	mustNil(t, st.Remove(ctx, index))
	mustNil(t, st.Save(ctx, index, bytes.NewReader(b[:len(b)/2])))
	r2, err := Open(ctx, st, testKey)
	mustNil(t, err)
	var problems []string
	err = r2.Verify(ctx, false, func(p string) { problems = append(problems, p) })
	if !errors.Is(err, ErrCorrupt) || len(problems) == 0 || !strings.Contains(problems[0], index) {
		t.Fatalf("truncated index: err %v, problems %q", err, problems)
	}
	// GC refuses to run on a repository whose index it cannot read.
	if _, err := r2.GC(ctx); err == nil {
		t.Fatal("GC ran with an unreadable index")
	}
}

func TestStoreFailuresLoseNothingAlreadyStored(t *testing.T) {
	ctx := context.Background()
	f := blob.NewFaulty(blob.NewMemory())
	r := newTestRepo(t, f)
	keep := randomData(3<<20, 21)
	kept := backupBytes(t, r, keep)

	f.NoSpaceAfter(1 << 20)
	_, err := r.BackupStream(ctx, bytes.NewReader(randomData(40<<20, 22)), nil, nil)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("backup onto a full disk: %v, want ENOSPC", err)
	}
	f.Reset()
	f.FailSave(1, errors.New("injected"))
	if _, err := r.BackupStream(ctx, bytes.NewReader(randomData(1<<20, 23)), nil, nil); err == nil {
		t.Fatal("backup with a failing Save succeeded")
	}
	f.Reset()
	if got := restoreBytes(t, r, kept.ID); !bytes.Equal(got, keep) {
		t.Fatal("an earlier snapshot changed after failed backups")
	}
	ids, _ := r.SnapshotIDs(ctx)
	if len(ids) != 1 {
		t.Fatalf("failed backups left %d snapshots, want 1", len(ids))
	}
	var problems []string
	if err := r.Verify(ctx, true, func(p string) { problems = append(problems, p) }); err != nil {
		t.Fatalf("verify after failed backups: %v %q", err, problems)
	}
	// And the repository still takes backups.
	again := backupBytes(t, r, randomData(40<<20, 22))
	if again.Size != 40<<20 {
		t.Fatal("backup after the disk was freed")
	}
	if _, err := r.GC(ctx); err != nil {
		t.Fatal(err)
	}
	mustNil(t, r.Verify(ctx, true, func(p string) { t.Error(p) }))
	if got := restoreBytes(t, r, kept.ID); !bytes.Equal(got, keep) {
		t.Fatal("GC after failures damaged a snapshot")
	}
}

func TestRebuildIndexRepairsATruncatedIndex(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	data := append(randomData(3<<20, 12), textData(2<<20, 13)...)
	snap := backupBytes(t, r, data)
	var index string
	st.List(ctx, "index/", func(name string, size int64) error { index = name; return nil })
	b, _ := blob.ReadAll(ctx, st, index)
	mustNil(t, st.Remove(ctx, index))
	mustNil(t, st.Save(ctx, index, bytes.NewReader(b[:len(b)/3])))
	r2, err := Open(ctx, st, testKey)
	mustNil(t, err)
	if err := r2.Verify(ctx, false, func(string) {}); err == nil {
		t.Fatal("verify passed a truncated index")
	}
	mustNil(t, r2.RebuildIndex(ctx, func(p string) { t.Errorf("rebuild: %s", p) }))
	mustNil(t, r2.Verify(ctx, true, func(p string) { t.Errorf("after rebuild: %s", p) }))
	if got := restoreBytes(t, r2, snap.ID); !bytes.Equal(got, data) {
		t.Fatal("snapshot does not restore after the index was rebuilt")
	}
	if _, err := blob.ReadAll(ctx, st, index); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("the damaged index file is still there: %v", err)
	}
}
