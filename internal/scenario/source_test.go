package scenario

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// nobody is the user an engine runs as when a test needs it to lack permissions root would have.
const nobody = 65534

// A directory the engine may not read fails the backup with a message that says so and what to do;
// a directory that is gone fails it naming the path; neither leaves a recovery point.
func TestAWSCLI_unreadableOrMissingSourceFailsClearly(t *testing.T) {
	parallel(t)
	var adjust func(*exec.Cmd)
	dataDir := t.TempDir()
	if os.Getuid() == 0 {
		// Root reads everything, so run the engine as nobody, with a data dir it owns and a
		// binary it may execute.
		if err := os.Chown(dataDir, nobody, nobody); err != nil {
			t.Skip("cannot hand a data dir to nobody:", err)
		}
		for _, dir := range []string{filepath.Dir(binary), filepath.Dir(dataDir)} {
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		adjust = func(c *exec.Cmd) {
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		}
	}
	d := startDaemonWith(t, adjust, "--data-dir", dataDir)
	// Directories the engine's user can reach: a world-searchable parent.
	parent := t.TempDir()
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(parent, "locked")
	enginetest.WriteTree(t, locked, 81)
	gone := filepath.Join(parent, "gone")
	if err := os.Mkdir(gone, 0o755); err != nil {
		t.Fatal(err)
	}
	lockedARN, goneARN := d.registerDir(t, locked), d.registerDir(t, gone)
	if err := os.Chmod(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() != 0 {
		if err := os.Chmod(locked, 0o000); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(locked, 0o755)
	}
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "v1")

	for _, tc := range []struct {
		arn, says, category string
	}{
		{lockedARN, "permission denied", "ACCESS_DENIED"},
		{goneARN, gone + " of fs-", "RESOURCE_NOT_FOUND"},
	} {
		started := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "v1", "--resource-arn", tc.arn, "--iam-role-arn", defaultRole)
		job := d.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", started["BackupJobId"].(string))
		msg, _ := job["StatusMessage"].(string)
		if job["State"] != "FAILED" || !strings.Contains(msg, tc.says) || job["MessageCategory"] != tc.category {
			t.Errorf("backup of %s: %v %q (%v); want FAILED saying %q (%s)", tc.arn, job["State"], msg, job["MessageCategory"], tc.says, tc.category)
		}
	}
	failed := d.mustAWS(t, "us-east-1", "backup", "list-backup-jobs", "--by-state", "FAILED")
	if n := len(failed["BackupJobs"].([]any)); n != 2 {
		t.Errorf("list-backup-jobs --by-state FAILED lists %d jobs, want 2", n)
	}
	if v := d.mustAWS(t, "us-east-1", "backup", "describe-backup-vault", "--backup-vault-name", "v1"); v["NumberOfRecoveryPoints"] != float64(0) {
		t.Errorf("failed backups left %v recovery points", v["NumberOfRecoveryPoints"])
	}
	// The registry entry of the vanished directory can be removed; it is gone from the list.
	if r := d.engineAs(t, "us-east-1", "resource", "remove", goneARN, "--endpoint", d.Endpoint); r.Code != 0 {
		t.Errorf("engine resource remove: exit %d: %s", r.Code, r.Stderr)
	}
	if r := d.engineAs(t, "us-east-1", "resource", "list", "--endpoint", d.Endpoint); strings.Contains(r.Stdout, goneARN) || !strings.Contains(r.Stdout, lockedARN) {
		t.Errorf("engine resource list after remove:\n%s", r.Stdout)
	}
}
