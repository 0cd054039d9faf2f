package content

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
)

// A stream's snapshot (its chunk list, hence every chunk ID and boundary) and its restored bytes
// do not depend on how many workers seal its chunks.
func TestStreamSnapshotIsTheSameWithOneWorkerAndWithMany(t *testing.T) {
	ctx := context.Background()
	data := append(append(randomData(7<<20, 41), textData(9<<20, 42)...), randomData(300<<10, 43)...)
	var trees [][]byte
	for _, workers := range []int{1, 8} {
		r := newTestRepo(t, blob.NewMemory(), WithNamespaceKey([32]byte{5}), WithWorkers(workers))
		snap := backupBytes(t, r, data)
		sf, err := r.loadSnapshot(ctx, snap.ID)
		mustNil(t, err)
		if snap.Size != int64(len(data)) || len(sf.Tree) == 0 {
			t.Fatalf("%d workers: size %d, %d list chunks", workers, snap.Size, len(sf.Tree))
		}
		var list bytes.Buffer
		for _, id := range sf.Tree {
			list.Write(id[:])
		}
		trees = append(trees, list.Bytes())
		if got := restoreBytes(t, r, snap.ID); !bytes.Equal(got, data) {
			t.Fatalf("%d workers: the restore differs from what was stored", workers)
		}
	}
	if !slices.Equal(trees[0], trees[1]) {
		t.Fatal("the chunk list stored with 1 worker differs from the one stored with 8")
	}
}
