package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// s3Daemon starts versitygw with a bucket, writes the engine's config.json to keep every vault
// there, with credentials from a profile of an AWS credentials file set in the environment (as
// an operator would), and starts engine serve on it.
func s3Daemon(t *testing.T) (d *daemon, srv *s3test.Server) {
	t.Helper()
	srv = s3test.Start(t)
	srv.CreateBucket(t, "vaults")
	awsDir := t.TempDir()
	creds := "[vaults]\naws_access_key_id = " + srv.AccessKey + "\naws_secret_access_key = " + srv.SecretKey + "\n"
	if err := os.WriteFile(filepath.Join(awsDir, "credentials"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(awsDir, "credentials"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(awsDir, "config"))
	dataDir := t.TempDir()
	doc := `{"storage": "s3://vaults/engine?endpoint=` + srv.Endpoint + `&profile=vaults"}`
	if err := os.WriteFile(filepath.Join(dataDir, "config.json"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return startDaemon(t, "--data-dir", dataDir), srv
}

// bucketPacks counts the packs of vault in the bucket, through versitygw's directory (one file
// per object), often and cheaply.
func bucketPacks(srv *s3test.Server, vault string) int {
	n := 0
	_ = filepath.WalkDir(filepath.Join(srv.Dir, "vaults", "engine"), func(path string, e os.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() && strings.Contains(path, "/"+vault+"/warm/packs/") {
			n++
		}
		return nil
	})
	return n
}

// kill -9 of engine serve in the middle of a backup to S3: on restart the job is FAILED, no
// point is visible, `engine verify --read-data` of the S3 vault is clean, and a new backup
// restores byte-identical.
func TestKilledEngineDuringABackupToS3LeavesAVerifiableVault(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and backs up 128 MiB")
	}
	d, srv := s3Daemon(t)
	src := filepath.Join(t.TempDir(), "big")
	writeBigTree(t, src, 8, 16<<20)
	arn := d.registerDir(t, src)
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "s3-kill")
	started := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "s3-kill",
		"--resource-arn", arn, "--iam-role-arn", defaultRole)
	jobID := started["BackupJobId"].(string)
	deadline := time.Now().Add(120 * time.Second)
	for bucketPacks(srv, "s3-kill") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the job never stored a pack in the bucket: %v\n%s", d.mustAWS(t, "us-east-1", "backup", "describe-backup-job", "--backup-job-id", jobID), d.Logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-d.exited
	if entries, _ := os.ReadDir(filepath.Join(d.DataDir, "repos")); len(entries) != 0 {
		t.Errorf("the S3 vault wrote a repository into the data dir: %v", entries)
	}

	again := startDaemon(t, "--data-dir", d.DataDir)
	job := again.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", jobID)
	if job["State"] != "FAILED" || !strings.Contains(job["StatusMessage"].(string), "No recovery point was created") {
		t.Errorf("after the restart the job is %v: %v", job["State"], job["StatusMessage"])
	}
	points := again.mustAWS(t, "us-east-1", "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", "s3-kill")
	if n := len(points["RecoveryPoints"].([]any)); n != 0 {
		t.Errorf("%d recovery points visible after the kill, want none", n)
	}
	verifyRepository(t, d.DataDir, "s3-kill")

	next := again.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "s3-kill",
		"--resource-arn", arn, "--iam-role-arn", defaultRole)
	done := again.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", next["BackupJobId"].(string))
	if done["State"] != "COMPLETED" {
		t.Fatalf("the backup after the restart: %v", done)
	}
	verifyRepository(t, d.DataDir, "s3-kill")
	dest := filepath.Join(t.TempDir(), "restored")
	rs := again.mustAWS(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", done["RecoveryPointArn"].(string),
		"--metadata", toJSON(map[string]string{"destination-path": dest, "newFileSystem": "true"}))
	restore := again.waitJob(t, "Status", restorePending, "backup", "describe-restore-job", "--restore-job-id", rs["RestoreJobId"].(string))
	if restore["Status"] != "COMPLETED" {
		t.Fatalf("restore from S3: %v", restore)
	}
	if diffs := enginetest.DiffTrees(t, src, dest); len(diffs) > 0 {
		t.Errorf("the tree restored from S3 differs:\n%s", strings.Join(diffs, "\n"))
	}
}
