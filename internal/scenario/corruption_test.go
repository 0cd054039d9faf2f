package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// The corruption scenario (issue 11, "storage that heals"), against `engine serve` with the AWS
// CLI: damage a vault's repository on disk three ways (a flipped byte in a pack, a deleted
// snapshot, a truncated index file) and check that each is found by `engine verify`, that the
// next backup heals what the source still holds, that `engine repair` takes points that cannot
// be made whole out of service, and that restores are byte-identical or fail loudly.

// corruptionDaemon starts a daemon that may read and restore under the given directories (with
// --allow-path where this engine has it).
func corruptionDaemon(t *testing.T, dirs ...string) *daemon {
	t.Helper()
	help, helpErr, _ := engineCmd(t, "serve", "-h")
	var flags []string
	if strings.Contains(help+helpErr, "allow-path") {
		for _, d := range dirs {
			flags = append(flags, "--allow-path", d)
		}
	}
	return startDaemon(t, flags...)
}

// repoDir finds the directory of a vault's (warm) repository in the daemon's data dir.
func (d *daemon) repoDir(t *testing.T, vault string) string {
	t.Helper()
	var found []string
	_ = filepath.WalkDir(filepath.Join(d.DataDir, "repos"), func(p string, e os.DirEntry, err error) error {
		if err == nil && e.IsDir() && e.Name() == vault {
			if _, err := os.Stat(filepath.Join(p, "config")); err == nil {
				found = append(found, p)
			}
		}
		return nil
	})
	if len(found) != 1 {
		t.Fatalf("want one repository of vault %s under %s, found %q", vault, d.DataDir, found)
	}
	return found[0]
}

// objects lists the files under a repository subdirectory (packs, index, snapshots).
func objects(t *testing.T, repo, sub string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(filepath.Join(repo, sub), func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// backupNow runs a backup job of arn into vault to its end and returns the job.
func (d *daemon) backupNow(t *testing.T, vault, arn string) map[string]any {
	t.Helper()
	started := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", vault,
		"--resource-arn", arn, "--iam-role-arn", defaultRole)
	return d.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", started["BackupJobId"].(string))
}

// restoreTo starts a restore of point into a new directory and returns the finished job and
// the directory.
func (d *daemon) restoreTo(t *testing.T, vault, point string) (map[string]any, string) {
	t.Helper()
	meta := d.mustAWS(t, "us-east-1", "backup", "get-recovery-point-restore-metadata", "--backup-vault-name", vault, "--recovery-point-arn", point)
	m := meta["RestoreMetadata"].(map[string]any)
	dest := filepath.Join(t.TempDir(), "restored")
	m["destination-path"] = dest
	rs := d.mustAWS(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", point, "--iam-role-arn", defaultRole,
		"--resource-type", "EFS", "--metadata", toJSON(m))
	job := d.waitJob(t, "Status", restorePending, "backup", "describe-restore-job", "--restore-job-id", rs["RestoreJobId"].(string))
	return job, dest
}

func (d *daemon) mustRestoreIdentical(t *testing.T, vault, point, src string) {
	t.Helper()
	job, dest := d.restoreTo(t, vault, point)
	if job["Status"] != "COMPLETED" {
		t.Fatalf("restore of %s: %v\n%s", point, job, d.Logs())
	}
	if diffs := enginetest.DiffTrees(t, src, dest); len(diffs) > 0 {
		t.Fatalf("the restore of %s differs from the source:\n%s", point, strings.Join(diffs, "\n"))
	}
}

func (d *daemon) pointStatus(t *testing.T, vault, point string) map[string]any {
	t.Helper()
	return d.mustAWS(t, "us-east-1", "backup", "describe-recovery-point", "--backup-vault-name", vault, "--recovery-point-arn", point)
}

func TestCorruption_flippedByteIsFoundAndTheNextBackupStoresItAgain(t *testing.T) {
	parallel(t)
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	enginetest.WriteTree(t, src, 61)
	d := corruptionDaemon(t, filepath.Dir(tmp)) // the test's temp root: sources and restore targets
	arn := d.registerDir(t, src)
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "flip")
	first := d.backupNow(t, "flip", arn)
	if first["State"] != "COMPLETED" {
		t.Fatalf("first backup: %v", first)
	}
	firstPoint := first["RecoveryPointArn"].(string)

	repo := d.repoDir(t, "flip")
	packs := objects(t, repo, "packs")
	if len(packs) != 1 {
		t.Fatalf("want one pack, have %q", packs)
	}
	flipByteOnDisk(t, packs[0], 100)

	// Structure alone does not read chunk bodies; --read-data finds the flip and names the pack
	// and the point that uses it.
	if out, errOut, code := engineCmd(t, "verify", "--data-dir", d.DataDir, "--vault", "flip"); code != 0 {
		t.Fatalf("verify (structure) of a repository with a flipped chunk byte: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code := engineCmd(t, "verify", "--data-dir", d.DataDir, "--vault", "flip", "--read-data")
	if code != 1 || !strings.Contains(out, filepath.Base(packs[0])) || !strings.Contains(out, "damaged: recovery point "+firstPoint) {
		t.Fatalf("verify --read-data: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("engine verify --read-data:\n%s", out)

	// The attack was: the next two backups reused the damaged chunk and transferred 0 bytes.
	second := d.backupNow(t, "flip", arn)
	if second["State"] != "COMPLETED" {
		t.Fatalf("backup after the damage: %v\n%s", second, d.Logs())
	}
	if n, _ := second["BytesTransferred"].(float64); n == 0 {
		t.Fatalf("the backup after the damage transferred 0 bytes: it reused the damaged chunk: %v", second)
	}
	d.mustRestoreIdentical(t, "flip", second["RecoveryPointArn"].(string), src)
	// The first point uses the same chunks, which are whole again.
	d.mustRestoreIdentical(t, "flip", firstPoint, src)
	if out, errOut, code := engineCmd(t, "verify", "--data-dir", d.DataDir, "--vault", "flip", "--read-data"); code != 0 {
		t.Fatalf("verify --read-data after the heal: exit %d\n%s%s", code, out, errOut)
	}
}

// A deleted snapshot, and a corrupt one: either is named by verify without reading data, never
// blocks the next backup of the resource, and after repair its point is PARTIAL and refuses to
// restore.
func TestCorruption_brokenSnapshotIsNamedByVerifyAndRepairTakesThePointOutOfService(t *testing.T) {
	parallel(t)
	for _, damage := range []string{"deleted", "corrupt"} {
		t.Run(damage, func(t *testing.T) {
			t.Parallel()
			brokenSnapshot(t, damage)
		})
	}
}

func brokenSnapshot(t *testing.T, damage string) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	enginetest.WriteTree(t, src, 62)
	d := corruptionDaemon(t, filepath.Dir(tmp)) // the test's temp root: sources and restore targets
	arn := d.registerDir(t, src)
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "gone")
	job := d.backupNow(t, "gone", arn)
	point := job["RecoveryPointArn"].(string)
	repo := d.repoDir(t, "gone")
	snaps := objects(t, repo, "snapshots")
	if len(snaps) != 1 {
		t.Fatalf("want one snapshot, have %q", snaps)
	}
	want := "missing"
	if damage == "deleted" {
		if err := os.Remove(snaps[0]); err != nil {
			t.Fatal(err)
		}
	} else {
		flipByteOnDisk(t, snaps[0], 30)
		want = "cannot be read"
	}

	// Found without reading data, and with: the point is named.
	for _, extra := range [][]string{nil, {"--read-data"}} {
		out, errOut, code := engineCmd(t, append([]string{"verify", "--data-dir", d.DataDir, "--vault", "gone"}, extra...)...)
		if code != 1 || !strings.Contains(out, "recovery point "+point) || !strings.Contains(out, want) {
			t.Fatalf("verify %v of a %s snapshot: exit %d\n%s%s", extra, damage, code, out, errOut)
		}
		t.Logf("engine verify %v:\n%s", extra, out)
	}
	// A backup of the resource is not blocked by its broken previous point (full scan).
	again := d.backupNow(t, "gone", arn)
	if again["State"] != "COMPLETED" {
		t.Fatalf("a backup after the snapshot was %s: %v\n%s", damage, again, d.Logs())
	}
	if !strings.Contains(d.Logs(), "every file is read") {
		t.Errorf("the daemon did not log why the backup read every file:\n%s", d.Logs())
	}

	out, errOut, code := engineCmd(t, "repair", "--data-dir", d.DataDir, "--vault", "gone")
	if code != 1 || !strings.Contains(out, "cannot be made whole: recovery point "+point) {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("engine repair:\n%s", out)
	rp := d.pointStatus(t, "gone", point)
	if rp["Status"] != "PARTIAL" || !strings.Contains(rp["StatusMessage"].(string), want) {
		t.Fatalf("the point after repair: %v", rp)
	}
	listed := d.mustAWS(t, "us-east-1", "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", "gone")
	for _, p := range listed["RecoveryPoints"].([]any) {
		p := p.(map[string]any)
		if p["RecoveryPointArn"] == point && p["Status"] == "COMPLETED" {
			t.Fatalf("the damaged point is still listed COMPLETED: %v", p)
		}
	}
	refused := d.aws(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", point, "--iam-role-arn", defaultRole,
		"--resource-type", "EFS", "--metadata", toJSON(map[string]string{"newFileSystem": "true", "destination-path": filepath.Join(tmp, "never")}))
	if refused.Code == 0 || !strings.Contains(refused.Stderr, "InvalidRequestException") || !strings.Contains(refused.Stderr, "damaged") {
		t.Fatalf("restore of the damaged point: exit %d\n%s%s", refused.Code, refused.Stdout, refused.Stderr)
	}
	t.Logf("start-restore-job of the damaged point: %s", strings.TrimSpace(refused.Stderr))
	if _, err := os.Stat(filepath.Join(tmp, "never")); err == nil {
		t.Fatal("the refused restore created its destination")
	}
	// The later point is whole and restores.
	d.mustRestoreIdentical(t, "gone", again["RecoveryPointArn"].(string), src)
}

func TestCorruption_truncatedIndexIsFoundAndRepairRebuildsIt(t *testing.T) {
	parallel(t)
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	enginetest.WriteTree(t, src, 63)
	d := corruptionDaemon(t, filepath.Dir(tmp)) // the test's temp root: sources and restore targets
	arn := d.registerDir(t, src)
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "trunc")
	first := d.backupNow(t, "trunc", arn)
	point := first["RecoveryPointArn"].(string)
	repo := d.repoDir(t, "trunc")
	indexes := objects(t, repo, "index")
	if len(indexes) == 0 {
		t.Fatal("no index file")
	}
	b, err := os.ReadFile(indexes[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(indexes[0], b[:len(b)/2], 0o600); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := engineCmd(t, "verify", "--data-dir", d.DataDir, "--vault", "trunc")
	if code != 1 || !strings.Contains(out, filepath.Base(indexes[0])) {
		t.Fatalf("verify of a truncated index: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = engineCmd(t, "repair", "--data-dir", d.DataDir, "--vault", "trunc")
	if code != 0 || !strings.Contains(out, "every recovery point is whole") {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := engineCmd(t, "verify", "--data-dir", d.DataDir, "--vault", "trunc", "--read-data"); code != 0 {
		t.Fatalf("verify after repair: exit %d\n%s%s", code, out, errOut)
	}
	if rp := d.pointStatus(t, "trunc", point); rp["Status"] != "COMPLETED" {
		t.Fatalf("a whole point after repair: %v", rp)
	}
	second := d.backupNow(t, "trunc", arn)
	if second["State"] != "COMPLETED" {
		t.Fatalf("backup after repair: %v\n%s", second, d.Logs())
	}
	d.mustRestoreIdentical(t, "trunc", point, src)
	d.mustRestoreIdentical(t, "trunc", second["RecoveryPointArn"].(string), src)
}

func flipByteOnDisk(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 1
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}
