package scenario

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeBigTree writes n files of size bytes of incompressible data: enough that a backup takes
// a few seconds, long enough to be killed in the middle.
func writeBigTree(t *testing.T, dir string, n int, size int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, size)
	for i := range n {
		rng := rand.NewChaCha8([32]byte{byte(i), 7})
		rng.Read(buf)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("blob-%02d.bin", i)), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// packFiles counts the pack files in the repositories of vault (any account, any region) under
// the data dir.
func packFiles(t *testing.T, dataDir, vault string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(dataDir, "repos"), func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return nil // a directory appearing or going while we look
		}
		if e.Type().IsRegular() && strings.Contains(path, string(filepath.Separator)+vault+string(filepath.Separator)+"packs"+string(filepath.Separator)) {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// verifyRepository runs `engine verify --read-data` on a vault, with env added to its
// environment, and fails the test unless it finds the repository intact.
func verifyRepository(t *testing.T, dataDir, vault string, env ...string) {
	t.Helper()
	out, stderr, code := engineCmdWithEnv(t, env, "verify", "--data-dir", dataDir, "--vault", vault, "--read-data")
	if code != 0 || !strings.Contains(out, "no problems found") {
		t.Fatalf("engine verify --vault %s: exit %d\n%s%s", vault, code, out, stderr)
	}
}

// A real SIGKILL of `engine serve` in the middle of a backup: on restart the job is FAILED with
// a reason, no recovery point is visible, the repository verifies, and the next backup works.
// Then a SIGKILL in the middle of a restore: the destination never appears, and on restart the
// job is FAILED and its staging directory is gone.
func TestKilledEngineLeavesFailedJobsNoPartialResultsAndAVerifiableRepository(t *testing.T) {
	parallel(t)
	if testing.Short() {
		t.Skip("writes and backs up 768 MiB")
	}
	d := startDaemon(t)
	src := filepath.Join(t.TempDir(), "big")
	writeBigTree(t, src, 12, 64<<20)
	arn := d.registerDir(t, src)
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "kill-vault")
	started := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "kill-vault",
		"--resource-arn", arn, "--iam-role-arn", defaultRole)
	jobID := started["BackupJobId"].(string)

	// Wait until the job has stored a couple of packs, then kill -9. The repository is watched
	// directly (every few ms), not through the API: a CLI round trip takes long enough for a fast
	// machine to finish the backup in between.
	deadline := time.Now().Add(jobWait)
	for packFiles(t, d.DataDir, "kill-vault") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the job never stored a pack: %v", d.mustAWS(t, "us-east-1", "backup", "describe-backup-job", "--backup-job-id", jobID))
		}
		time.Sleep(5 * time.Millisecond)
	}
	pid := d.cmd.Process.Pid
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-d.exited

	again := startDaemon(t, "--data-dir", d.DataDir)
	job := again.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", jobID)
	msg, _ := job["StatusMessage"].(string)
	if job["State"] != "FAILED" || !strings.Contains(msg, fmt.Sprintf("pid %d", pid)) || !strings.Contains(msg, "stopped before it finished") ||
		!strings.Contains(msg, "No recovery point was created") {
		t.Errorf("after the restart the job is %v: %q", job["State"], msg)
	}
	if job["CompletionDate"] == nil {
		t.Errorf("the failed job has no CompletionDate")
	}
	points := again.mustAWS(t, "us-east-1", "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", "kill-vault")
	if n := len(points["RecoveryPoints"].([]any)); n != 0 {
		t.Errorf("%d recovery points visible after the kill, want none", n)
	}
	if v := again.mustAWS(t, "us-east-1", "backup", "describe-backup-vault", "--backup-vault-name", "kill-vault"); v["NumberOfRecoveryPoints"] != float64(0) {
		t.Errorf("NumberOfRecoveryPoints = %v", v["NumberOfRecoveryPoints"])
	}
	verifyRepository(t, d.DataDir, "kill-vault")

	// The repository takes the next backup, over whatever the killed one left behind.
	next := again.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "kill-vault",
		"--resource-arn", arn, "--iam-role-arn", defaultRole)
	done := again.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", next["BackupJobId"].(string))
	if done["State"] != "COMPLETED" {
		t.Fatalf("the backup after the restart: %v", done)
	}
	verifyRepository(t, d.DataDir, "kill-vault")

	// Now kill it in the middle of a restore: the destination never shows a partial tree.
	dest := filepath.Join(t.TempDir(), "big-restored")
	rs := again.mustAWS(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", done["RecoveryPointArn"].(string),
		"--metadata", toJSON(map[string]string{"destination-path": dest}))
	restoreID := rs["RestoreJobId"].(string)
	staging := filepath.Join(filepath.Dir(dest), ".big-restored.restore-"+restoreID)
	deadline = time.Now().Add(jobWait)
	for {
		entries, _ := os.ReadDir(staging)
		if len(entries) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restore never started writing into %s", staging)
		}
		time.Sleep(20 * time.Millisecond)
	}
	pid = again.cmd.Process.Pid
	if err := again.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-again.exited
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Errorf("the killed restore left %s visible (stat: %v)", dest, err)
	}
	third := startDaemon(t, "--data-dir", d.DataDir)
	restore := third.waitJob(t, "Status", restorePending, "backup", "describe-restore-job", "--restore-job-id", restoreID)
	msg, _ = restore["StatusMessage"].(string)
	if restore["Status"] != "FAILED" || !strings.Contains(msg, fmt.Sprintf("pid %d", pid)) || !strings.Contains(msg, "Nothing was restored to "+dest) {
		t.Errorf("after the restart the restore job is %v: %q", restore["Status"], msg)
	}
	if _, err := os.Stat(staging); !os.IsNotExist(err) {
		t.Errorf("the killed restore's staging directory %s is still there (stat: %v)", staging, err)
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Errorf("%s exists after the failed restore", dest)
	}
}
