package jobs

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
)

// pointObject, which picks the objects a locked point's job writes with retention, accepts every
// object content.ObjectsOf says a snapshot needs, and refuses the repository's working state (a
// running backup's lock), which must stay deletable.
func TestPointObjectsAreTheObjectsASnapshotNeeds(t *testing.T) {
	ctx := context.Background()
	st := blob.NewMemory()
	repos := &Repos{MasterKeyPath: filepath.Join(t.TempDir(), "master.key"),
		Remote: func(context.Context, string, string, string, bool) (blob.Store, string, error) {
			return st, "memory", nil
		}}
	t.Cleanup(func() { _ = repos.Close() })
	repo, err := repos.Open(ctx, "111111111111", "us-east-1", "ledger", "arn:aws:kms:us-east-1:111111111111:key/ledger", true)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := repo.BackupStream(ctx, bytes.NewReader(bytes.Repeat([]byte("ledger line\n"), 1<<16)), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	needed, err := repo.ObjectsOf(ctx, snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(needed, "snapshots/"+string(snap.ID)) {
		t.Errorf("ObjectsOf(%s) = %v has no snapshots/%s, which StorageRetention asks about", snap.ID, needed, snap.ID)
	}
	for _, name := range needed {
		if !pointObject(name) {
			t.Errorf("snapshot %s needs %s, which pointObject leaves out: it would be written unlocked", snap.ID, name)
		}
	}

	session, err := repo.StartSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Abort()
	working := 0
	if err := st.List(ctx, "", func(name string, _ int64) error {
		if !slices.Contains(needed, name) && !pointObject(name) {
			working++
		}
		if !slices.Contains(needed, name) && pointObject(name) {
			t.Errorf("%s is no object of the snapshot, yet pointObject would lock it", name)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if working == 0 {
		t.Fatal("no working-state object (the running session's lock) in the store to check against")
	}
}
