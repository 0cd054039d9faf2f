package efs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
)

// newRepoAt is newRepo with the repository's directory, for tests that damage it on disk.
func newRepoAt(t *testing.T) (*content.Repository, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	st, err := blob.NewLocal(dir)
	must(t, err)
	var mk keyring.MasterKey
	mk[0] = 1
	r, err := content.Init(context.Background(), st, mk, "arn:aws:kms:us-east-1:123456789012:key/test")
	must(t, err)
	return r, dir
}

// flipByte flips one bit of the file at off.
func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	must(t, err)
	defer f.Close()
	b := make([]byte, 1)
	_, err = f.ReadAt(b, off)
	must(t, err)
	b[0] ^= 1
	_, err = f.WriteAt(b, off)
	must(t, err)
}

func onlyObject(t *testing.T, dir, sub string) string {
	t.Helper()
	var found []string
	must(t, filepath.WalkDir(filepath.Join(dir, sub), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			found = append(found, p)
		}
		return err
	}))
	if len(found) != 1 {
		t.Fatalf("want one object in %s, have %q", sub, found)
	}
	return found[0]
}

// The attack: an incremental backup reused an unchanged file's refs from its parent although
// the chunk they name was found damaged, so the backup stored nothing and did not restore.
func TestIncrementalBackupStoresAgainWhatVerifyFoundDamaged(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	for i := range 3 {
		write(t, filepath.Join(src, fmt.Sprintf("f%d", i)), randBytes(200<<10, uint64(40+i)), 0o644)
	}
	repo, dir := newRepoAt(t)
	first, err := Backup(ctx, repo, src, "", nil)
	must(t, err)
	flipByte(t, onlyObject(t, dir, "packs"), 100)
	if err := repo.Verify(ctx, true, func(string) {}); err == nil {
		t.Fatal("verify --read-data passed a flipped byte")
	}
	second, err := Backup(ctx, repo, src, first.Snapshot.ID, nil)
	must(t, err)
	if second.BytesTransferred == 0 || second.FilesRead == 0 {
		t.Fatalf("the backup after the damage transferred %d bytes and read %d files: it reused the damaged chunk", second.BytesTransferred, second.FilesRead)
	}
	for _, snap := range []content.SnapshotID{second.Snapshot.ID, first.Snapshot.ID} {
		dest := filepath.Join(t.TempDir(), "r")
		_, err := Restore(ctx, repo, snap, dest, nil)
		must(t, err)
		compareTrees(t, scan(t, src), scan(t, dest))
	}
}

// The attack: a corrupt parent snapshot made every later backup of its resource fail.
func TestACorruptParentSnapshotFallsBackToAFullScan(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	for i := range 5 {
		write(t, filepath.Join(src, fmt.Sprintf("f%d", i)), randBytes(1000+i, uint64(50+i)), 0o644)
	}
	repo, dir := newRepoAt(t)
	first, err := Backup(ctx, repo, src, "", nil)
	must(t, err)
	flipByte(t, filepath.Join(dir, "snapshots", string(first.Snapshot.ID)), 40)
	second, err := Backup(ctx, repo, src, first.Snapshot.ID, nil)
	if err != nil {
		t.Fatalf("a corrupt parent blocked the backup: %v", err)
	}
	if second.FilesRead != 5 {
		t.Fatalf("read %d files, want all 5 (a full scan)", second.FilesRead)
	}
	if !strings.Contains(strings.Join(second.Warnings, "\n"), string(first.Snapshot.ID)) {
		t.Fatalf("no warning names the broken parent: %q", second.Warnings)
	}
	dest := filepath.Join(t.TempDir(), "r")
	_, err = Restore(ctx, repo, second.Snapshot.ID, dest, nil)
	must(t, err)
	compareTrees(t, scan(t, src), scan(t, dest))
}
