package content

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
)

// Over a Local store, packs are saved deferred and made durable in a batch before the index that
// lists them: failures on that route (a full disk, a failed save, a failed sync) lose nothing
// already stored either.
func TestStoreFailuresOnTheDeferredRouteLoseNothingAlreadyStored(t *testing.T) {
	ctx := context.Background()
	local, err := blob.NewLocal(t.TempDir())
	mustNil(t, err)
	f := blob.NewFaulty(local)
	if _, ok := blob.AsDeferred(f); !ok {
		t.Fatal("the faulty Local store does not offer deferred saves")
	}
	r := newTestRepo(t, f)
	keep := randomData(3<<20, 31)
	kept := backupBytes(t, r, keep)

	f.NoSpaceAfter(1 << 20)
	if _, err := r.BackupStream(ctx, bytes.NewReader(randomData(12<<20, 32)), nil, nil); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("backup onto a full disk: %v, want ENOSPC", err)
	}
	f.Reset()
	f.FailSaves(func(name string) bool { return strings.HasPrefix(name, "packs/") }, errors.New("injected"))
	if _, err := r.BackupStream(ctx, bytes.NewReader(randomData(1<<20, 33)), nil, nil); err == nil {
		t.Fatal("backup with failing pack saves succeeded")
	}
	f.Reset()
	f.SetHook(func(op, name string) error {
		if op == "sync" {
			return syscall.EIO
		}
		return nil
	})
	if _, err := r.BackupStream(ctx, bytes.NewReader(randomData(1<<20, 34)), nil, nil); !errors.Is(err, syscall.EIO) {
		t.Fatalf("backup whose packs cannot be made durable: %v, want EIO", err)
	}
	f.Reset()

	if got := restoreBytes(t, r, kept.ID); !bytes.Equal(got, keep) {
		t.Fatal("an earlier snapshot changed after failed backups")
	}
	if ids, _ := r.SnapshotIDs(ctx); len(ids) != 1 {
		t.Fatalf("failed backups left %d snapshots, want 1", len(ids))
	}
	var problems []string
	if err := r.Verify(ctx, true, func(p string) { problems = append(problems, p) }); err != nil {
		t.Fatalf("verify after failed backups: %v %q", err, problems)
	}
	again := randomData(2<<20, 35)
	snap := backupBytes(t, r, again)
	if _, err := r.GC(ctx); err != nil {
		t.Fatal(err)
	}
	mustNil(t, r.Verify(ctx, true, func(p string) { t.Error(p) }))
	if got := restoreBytes(t, r, snap.ID); !bytes.Equal(got, again) {
		t.Fatal("a backup after the failures does not restore")
	}
}
