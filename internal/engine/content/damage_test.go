package content

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
)

// onlyPack returns the name of the repository's single pack.
func onlyPack(t *testing.T, st blob.Store) string {
	t.Helper()
	var packs []string
	mustNil(t, st.List(context.Background(), "packs/", func(name string, _ int64) error {
		packs = append(packs, name)
		return nil
	}))
	if len(packs) != 1 {
		t.Fatalf("want one pack, have %d", len(packs))
	}
	return packs[0]
}

func collectProblems(t *testing.T, r *Repository, opt VerifyOptions) (VerifyResult, []string, error) {
	t.Helper()
	var problems []string
	res, err := r.Check(context.Background(), opt, func(p string) { problems = append(problems, p) })
	return res, problems, err
}

// The attack: after one byte of a pack was flipped, later backups of the same data reused the
// damaged chunk (deduplication found it in the index), stored nothing, and did not restore.
func TestAFlippedByteFoundByVerifyIsStoredAgainByTheNextBackup(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	data := randomData(3<<20, 31)
	first := backupBytes(t, r, data)
	pack := onlyPack(t, st)
	if !st.Corrupt(pack, 100) {
		t.Fatal("corrupt failed")
	}

	// Structure alone cannot see it; reading the data does, and records it.
	if _, problems, err := collectProblems(t, r, VerifyOptions{}); err != nil {
		t.Fatalf("structure check: %v %q", err, problems)
	}
	res, problems, err := collectProblems(t, r, VerifyOptions{ReadData: true})
	if !errors.Is(err, ErrCorrupt) || len(problems) == 0 {
		t.Fatalf("read-data check: err %v, problems %q", err, problems)
	}
	if _, broken := res.Broken[first.ID]; !broken {
		t.Fatalf("the snapshot using the damaged chunk is not reported broken: %v", res.Broken)
	}
	d, err := r.Damage(ctx)
	mustNil(t, err)
	if len(d.Chunks) != 1 || !strings.Contains(d.Chunks[0], pack) {
		t.Fatalf("damage record: %+v", d)
	}

	// Another process (a fresh Open) backs up the same data: the damaged chunk is stored again.
	r2, err := Open(ctx, st, testKey)
	mustNil(t, err)
	second := backupBytes(t, r2, data)
	if second.StoredBytes == 0 {
		t.Fatal("the backup after the damage stored nothing: it reused the damaged chunk")
	}
	if got := restoreBytes(t, r2, second.ID); !bytes.Equal(got, data) {
		t.Fatal("the new snapshot does not restore byte-identical")
	}
	// The old snapshot uses the same chunk IDs, so it heals too: reads take the good copy.
	if got := restoreBytes(t, r2, first.ID); !bytes.Equal(got, data) {
		t.Fatal("the old snapshot does not restore byte-identical after the heal")
	}
	// A third backup has nothing left to store.
	if third := backupBytes(t, r2, data); third.StoredBytes != 0 {
		t.Fatalf("a backup after the heal stored %d bytes again", third.StoredBytes)
	}
	// The damaged copy, superseded, is no longer a problem; and GC keeps the good copy.
	if res, problems, err := collectProblems(t, r2, VerifyOptions{ReadData: true}); err != nil || res.Superseded == 0 {
		t.Fatalf("verify after the heal: %v %q (superseded %d)", err, problems, res.Superseded)
	}
	_, err = r2.GC(ctx)
	mustNil(t, err)
	for _, id := range []SnapshotID{first.ID, second.ID} {
		if got := restoreBytes(t, r2, id); !bytes.Equal(got, data) {
			t.Fatalf("snapshot %s does not restore after GC", id)
		}
	}
}

// A restore that meets a damaged chunk fails loudly (never restores wrong bytes) and records
// the damage, so the next backup heals without a verify.
func TestARestoreThatMeetsDamageFailsAndRecordsIt(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	data := randomData(2<<20, 32)
	first := backupBytes(t, r, data)
	pack := onlyPack(t, st)
	st.Corrupt(pack, 200)
	var out bytes.Buffer
	err := r.RestoreStream(ctx, first.ID, &out)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("restore of damaged data: %v, want ErrCorrupt", err)
	}
	if !strings.Contains(err.Error(), pack) {
		t.Fatalf("the error does not name the pack: %v", err)
	}
	if bytes.Equal(out.Bytes(), data[:min(out.Len(), len(data))]) && out.Len() == len(data) {
		t.Fatal("the failed restore wrote everything")
	}
	d, err := r.Damage(ctx)
	mustNil(t, err)
	if len(d.Chunks) == 0 {
		t.Fatal("the restore did not record what it found damaged")
	}
	if again := backupBytes(t, r, data); again.StoredBytes == 0 {
		t.Fatal("the next backup reused the damaged chunk")
	}
	if got := restoreBytes(t, r, first.ID); !bytes.Equal(got, data) {
		t.Fatal("the old snapshot does not restore after the heal")
	}
}

// A deleted snapshot is found without reading data, named by the label of its recovery point.
func TestAMissingExpectedSnapshotIsFoundWithAndWithoutReadData(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	kept := backupBytes(t, r, randomData(1<<20, 33))
	gone := backupBytes(t, r, randomData(1<<20, 34))
	mustNil(t, st.Remove(ctx, snapshotName(gone.ID)))
	expected := map[SnapshotID]string{kept.ID: "recovery point KEPT", gone.ID: "recovery point GONE"}
	for _, readData := range []bool{false, true} {
		res, problems, err := collectProblems(t, r, VerifyOptions{ReadData: readData, Expected: expected})
		if !errors.Is(err, ErrCorrupt) || len(problems) != 1 {
			t.Fatalf("read-data %v: err %v, problems %q", readData, err, problems)
		}
		if !strings.Contains(problems[0], "recovery point GONE") || !strings.Contains(problems[0], "missing") {
			t.Fatalf("read-data %v: the problem does not name the point: %q", readData, problems[0])
		}
		if _, ok := res.Broken[gone.ID]; !ok || len(res.Broken) != 1 {
			t.Fatalf("read-data %v: broken %v", readData, res.Broken)
		}
	}
	// Without the expectation there is nothing to compare with: the repository itself is sound.
	if _, problems, err := collectProblems(t, r, VerifyOptions{}); err != nil {
		t.Fatalf("plain verify: %v %q", err, problems)
	}
}

// A snapshot object that does not open is a broken snapshot, found by a structure check.
func TestACorruptSnapshotIsFoundWithoutReadData(t *testing.T) {
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	snap := backupBytes(t, r, randomData(1<<20, 35))
	st.Corrupt(snapshotName(snap.ID), 20)
	res, problems, err := collectProblems(t, r, VerifyOptions{Expected: map[SnapshotID]string{snap.ID: "recovery point P"}})
	if !errors.Is(err, ErrCorrupt) || len(problems) != 1 || !strings.Contains(problems[0], "recovery point P") {
		t.Fatalf("err %v, problems %q", err, problems)
	}
	if _, ok := res.Broken[snap.ID]; !ok {
		t.Fatalf("broken %v", res.Broken)
	}
}

// A truncated index: found by verify; the next backup stores the chunks it no longer lists;
// RebuildIndex restores the index from the packs, leaving out recorded damage.
func TestATruncatedIndexIsFoundHealedByABackupAndRebuilt(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	data := randomData(2<<20, 36)
	first := backupBytes(t, r, data)
	var index string
	mustNil(t, st.List(ctx, "index/", func(name string, _ int64) error { index = name; return nil }))
	b, err := blob.ReadAll(ctx, st, index)
	mustNil(t, err)
	mustNil(t, st.Remove(ctx, index))
	mustNil(t, st.Save(ctx, index, bytes.NewReader(b[:len(b)/2])))

	r2, err := Open(ctx, st, testKey)
	mustNil(t, err)
	if _, problems, err := collectProblems(t, r2, VerifyOptions{}); !errors.Is(err, ErrCorrupt) || !strings.Contains(strings.Join(problems, "\n"), index) {
		t.Fatalf("truncated index: %v %q", err, problems)
	}
	if again := backupBytes(t, r2, data); again.StoredBytes == 0 {
		t.Fatal("a backup after the index was truncated stored nothing")
	}
	if got := restoreBytes(t, r2, first.ID); !bytes.Equal(got, data) {
		t.Fatal("the old snapshot does not restore after the backup re-stored its chunks")
	}
	mustNil(t, r2.RebuildIndex(ctx, func(p string) { t.Errorf("rebuild: %s", p) }))
	if _, problems, err := collectProblems(t, r2, VerifyOptions{ReadData: true}); err != nil {
		t.Fatalf("after rebuild: %v %q", err, problems)
	}
}

// RebuildIndex leaves damaged chunk copies out, so a snapshot that has no good copy is then
// reported as using a chunk in no index, and a restore of it fails loudly.
func TestRebuildIndexLeavesOutDamagedChunks(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	data := randomData(2<<20, 37)
	snap := backupBytes(t, r, data)
	st.Corrupt(onlyPack(t, st), 100)
	if _, _, err := collectProblems(t, r, VerifyOptions{ReadData: true}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("verify: %v", err)
	}
	var dropped []string
	mustNil(t, r.RebuildIndex(ctx, func(p string) { dropped = append(dropped, p) }))
	if len(dropped) != 1 || !strings.Contains(dropped[0], "damaged") {
		t.Fatalf("rebuild reported %q", dropped)
	}
	res, problems, err := collectProblems(t, r, VerifyOptions{ReadData: true})
	if !errors.Is(err, ErrCorrupt) || len(problems) != 1 || !strings.Contains(problems[0], "in no index") {
		t.Fatalf("after rebuild: %v %q", err, problems)
	}
	if res.Superseded != 1 {
		t.Fatalf("the dropped damaged copy should count as superseded, got %d", res.Superseded)
	}
	var out bytes.Buffer
	if err := r.RestoreStream(ctx, snap.ID, &out); !errors.Is(err, ErrChunkMissing) {
		t.Fatalf("restore: %v, want ErrChunkMissing", err)
	}
	// The source still has the data: a backup stores the chunk, and the old snapshot is whole.
	if again := backupBytes(t, r, data); again.StoredBytes == 0 {
		t.Fatal("the backup stored nothing")
	}
	if got := restoreBytes(t, r, snap.ID); !bytes.Equal(got, data) {
		t.Fatal("the old snapshot does not restore after the heal")
	}
	if _, problems, err := collectProblems(t, r, VerifyOptions{ReadData: true}); err != nil {
		t.Fatalf("after the heal: %v %q", err, problems)
	}
}

// A copy never carries a damaged chunk into another vault: it fails, naming the chunk, and
// records the damage in the source.
func TestACopyOfDamagedDataFailsAndRecordsTheDamage(t *testing.T) {
	ctx := context.Background()
	srcSt, dstSt := blob.NewMemory(), blob.NewMemory()
	src, dst := newTestRepo(t, srcSt), newTestRepo(t, dstSt)
	data := randomData(2<<20, 38)
	snap := backupBytes(t, src, data)
	srcSt.Corrupt(onlyPack(t, srcSt), 100)
	_, err := CopySnapshot(ctx, src, dst, snap.ID, nil)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("copy of damaged data: %v, want ErrCorrupt", err)
	}
	if ids, _ := dst.SnapshotIDs(ctx); len(ids) != 0 {
		t.Fatalf("the failed copy left snapshots %v", ids)
	}
	if d, _ := src.Damage(ctx); len(d.Chunks) == 0 {
		t.Fatal("the copy did not record the damage in the source")
	}
	// Healed in the source, the copy succeeds and restores byte-identical.
	backupBytes(t, src, data)
	copied, err := CopySnapshot(ctx, src, dst, snap.ID, nil)
	mustNil(t, err)
	if got := restoreBytes(t, dst, copied.ID); !bytes.Equal(got, data) {
		t.Fatal("the copy does not restore byte-identical")
	}
}

// Session.Reusable, which incremental backups ask before reusing a parent's refs, says no for a
// chunk whose only copy is damaged or whose pack is gone.
func TestReusableRefusesDamagedAndMissingChunks(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	s, err := r.StartSession(ctx)
	mustNil(t, err)
	refs, err := s.WriteData(ctx, bytes.NewReader(randomData(1<<20, 39)), -1, nil)
	mustNil(t, err)
	_, err = s.Commit(ctx, CommitSpec{Kind: KindStream})
	mustNil(t, err)
	check := func(want bool, what string) {
		t.Helper()
		s, err := r.StartSession(ctx)
		mustNil(t, err)
		defer s.Abort()
		if got := s.Reusable(refs); got != want {
			t.Fatalf("%s: Reusable = %v, want %v", what, got, want)
		}
	}
	check(true, "sound")
	pack := onlyPack(t, st)
	mustNil(t, st.Remove(ctx, pack))
	if _, _, err := collectProblems(t, r, VerifyOptions{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("verify of a missing pack: %v", err)
	}
	check(false, "pack missing")
}

// Wrong data is never restored: whatever single bit of the repository is flipped (chunk bodies,
// pack headers and tables, index files, the snapshot), a restore either fails or gives back
// exactly what was stored. Every chunk is authenticated (AES-GCM with the chunk ID as associated
// data), and so is every index file and snapshot object.
func TestNoFlippedBitIsEverRestoredAsData(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	r := newTestRepo(t, st)
	data := append(randomData(40<<10, 40), textData(40<<10, 41)...)
	snap := backupBytes(t, r, data)
	var names []string
	for _, prefix := range []string{"packs/", "index/", "snapshots/"} {
		mustNil(t, st.List(ctx, prefix, func(name string, _ int64) error {
			names = append(names, name)
			return nil
		}))
	}
	tried, failed := 0, 0
	for _, name := range names {
		b, err := blob.ReadAll(ctx, st, name)
		mustNil(t, err)
		stride := max(1, len(b)/300)
		for off := 0; off < len(b); off += stride {
			st.Corrupt(name, int64(off))
			r2, err := Open(ctx, st, testKey)
			mustNil(t, err)
			var out bytes.Buffer
			err = r2.RestoreStream(ctx, snap.ID, &out)
			switch {
			case err != nil:
				failed++
			case !bytes.Equal(out.Bytes(), data):
				t.Fatalf("a bit flipped at %s offset %d restored wrong data without an error", name, off)
			}
			st.Corrupt(name, int64(off)) // flip it back
			tried++
		}
	}
	if failed == 0 || tried < 300 {
		t.Fatalf("%d flips tried, %d restores failed: the test did not exercise damage", tried, failed)
	}
}
