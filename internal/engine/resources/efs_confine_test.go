package resources

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/efs"
)

// A restore accepted for a destination inside the allowed directory, whose parent is then
// swapped for a symlink leading out before the job runs, fails when it runs: the destination is
// opened again beneath the allowed directory, and nothing is written outside. Symlinks of the
// recovery point come back as symlinks.
func TestEFS_restoreOpensTheDestinationAgainWhenItRuns(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	allowed, outside := filepath.Join(base, "allowed"), filepath.Join(base, "outside")
	src := filepath.Join(allowed, "src")
	for _, d := range []string{src, outside, filepath.Join(allowed, "later")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "file.txt"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	conn := EFS{Paths: func(string) efs.Policy { return efs.Policy{Allowed: []string{allowed}} }}
	repo := newTestRepo(t, filepath.Join(base, "repo"))
	source := Resource{ID: "fs-src", AccountID: "123456789012", Locator: src}
	res, err := conn.Backup(ctx, repo, source, "", nil)
	if err != nil {
		t.Fatal(err)
	}

	plan, err := conn.PlanRestore(ctx, RestoreRequest{Source: source, Account: "123456789012", JobID: "J1", Now: time.Date(2024, 1, 17, 2, 30, 0, 0, time.UTC),
		Metadata: map[string]string{"newFileSystem": "true", "destination-path": filepath.Join(allowed, "later", "restored")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(allowed, "later")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(allowed, "later")); err != nil {
		t.Fatal(err)
	}
	_, err = conn.Restore(ctx, repo, res.Snapshot.ID, plan, "J1", nil)
	if err == nil || !strings.Contains(err.Error(), "leads outside "+allowed+" through a symlink") {
		t.Errorf("restore through a parent swapped for a symlink = %v, want it refused", err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("the restore wrote outside the allowed directory: %v", ents)
	}

	// Into a real directory it works, and the symlink is restored as a symlink.
	plan, err = conn.PlanRestore(ctx, RestoreRequest{Source: source, Account: "123456789012", JobID: "J2", Now: time.Date(2024, 1, 17, 2, 30, 0, 0, time.UTC),
		Metadata: map[string]string{"newFileSystem": "true", "destination-path": filepath.Join(allowed, "ok", "restored")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Restore(ctx, repo, res.Snapshot.ID, plan, "J2", nil); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(filepath.Join(allowed, "ok", "restored", "link")); err != nil || target != "/etc/passwd" {
		t.Errorf("the symlink came back as %q, %v; want a symlink to /etc/passwd", target, err)
	}
	if b, err := os.ReadFile(filepath.Join(allowed, "ok", "restored", "file.txt")); err != nil || string(b) != "data" {
		t.Errorf("file.txt = %q, %v", b, err)
	}
}

// A backup runs the same source check as CheckSource, the only one there is: a directory gone,
// or replaced by a file, after the check and before the backup reads it fails the backup in
// CheckSource's words, and a readable one is backed up.
func TestEFS_backupChecksItsSourceAsCheckSourceDoes(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	repo := newTestRepo(t, filepath.Join(base, "repo"))
	conn := EFS{}
	gone := Resource{ID: "fs-gone", Locator: filepath.Join(base, "gone")}
	file := Resource{ID: "fs-file", Locator: filepath.Join(base, "file")}
	if err := os.WriteFile(file.Locator, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, r := range []Resource{gone, file} {
		checked := conn.CheckSource(ctx, r)
		_, backedUp := conn.Backup(ctx, repo, r, "", nil)
		if checked == nil || backedUp == nil || checked.Error() != backedUp.Error() {
			t.Errorf("%s: CheckSource = %v, Backup = %v; want the same refusal", r.ID, checked, backedUp)
		}
	}

	src := Resource{ID: "fs-src", Locator: filepath.Join(base, "src")}
	if err := os.MkdirAll(src.Locator, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src.Locator, "a.txt"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := conn.CheckSource(ctx, src); err != nil {
		t.Fatalf("CheckSource of a readable directory: %v", err)
	}
	res, err := conn.Backup(ctx, repo, src, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Bytes != 4 || res.Partial {
		t.Errorf("backup of a checked source = %+v, want its 4 bytes, complete", res)
	}
}

// newTestRepo is a new repository in dir on the local blob store.
func newTestRepo(t *testing.T, dir string) *content.Repository {
	t.Helper()
	st, err := blob.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	var mk keyring.MasterKey
	mk[0] = 1
	repo, err := content.Init(context.Background(), st, mk, "arn:aws:kms:us-east-1:123456789012:key/test")
	if err != nil {
		t.Fatal(err)
	}
	return repo
}
