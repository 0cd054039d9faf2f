package scenario

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// s3Daemon starts versitygw with a bucket, writes the engine's config.json to keep every vault
// there, with credentials from a profile of an AWS credentials file named in the daemon's
// environment (as an operator would), and starts engine serve on it. env is that environment,
// which an engine command on the data dir (verify, a restarted daemon) needs too.
func s3Daemon(t *testing.T) (d *daemon, srv *s3test.Server, env []string) {
	t.Helper()
	srv = s3test.Start(t)
	srv.CreateBucket(t, "vaults")
	dataDir, env := s3DataDir(t, srv, "vaults")
	return startDaemonWith(t, withEnv(env...), "--data-dir", dataDir), srv, env
}

// s3DataDir makes a data dir whose config.json keeps every vault in bucket, with the profile
// "vaults" of an AWS credentials file, and returns the variables that name that file to the
// engine. They are passed to each engine process, not set in the test's environment, so that
// tests can run in parallel.
func s3DataDir(t *testing.T, srv *s3test.Server, bucket string) (dataDir string, env []string) {
	t.Helper()
	awsDir := t.TempDir()
	creds := "[vaults]\naws_access_key_id = " + srv.AccessKey + "\naws_secret_access_key = " + srv.SecretKey + "\n"
	if err := os.WriteFile(filepath.Join(awsDir, "credentials"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	env = []string{"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(awsDir, "credentials"), "AWS_CONFIG_FILE=" + filepath.Join(awsDir, "config")}
	dataDir = t.TempDir()
	doc := `{"storage": "s3://` + bucket + `/engine?endpoint=` + srv.Endpoint + `&profile=vaults"}`
	if err := os.WriteFile(filepath.Join(dataDir, "config.json"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return dataDir, env
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
	parallel(t)
	if testing.Short() {
		t.Skip("writes and backs up 128 MiB")
	}
	d, srv, env := s3Daemon(t)
	src := filepath.Join(t.TempDir(), "big")
	writeBigTree(t, src, 8, 16<<20)
	arn := d.registerDir(t, src)
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "s3-kill")
	started := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "s3-kill",
		"--resource-arn", arn, "--iam-role-arn", defaultRole)
	jobID := started["BackupJobId"].(string)
	deadline := time.Now().Add(jobWait)
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

	again := startDaemonWith(t, withEnv(env...), "--data-dir", d.DataDir)
	job := again.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", jobID)
	if job["State"] != "FAILED" || !strings.Contains(job["StatusMessage"].(string), "No recovery point was created") {
		t.Errorf("after the restart the job is %v: %v", job["State"], job["StatusMessage"])
	}
	points := again.mustAWS(t, "us-east-1", "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", "s3-kill")
	if n := len(points["RecoveryPoints"].([]any)); n != 0 {
		t.Errorf("%d recovery points visible after the kill, want none", n)
	}
	verifyRepository(t, d.DataDir, "s3-kill", env...)

	next := again.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "s3-kill",
		"--resource-arn", arn, "--iam-role-arn", defaultRole)
	done := again.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", next["BackupJobId"].(string))
	if done["State"] != "COMPLETED" {
		t.Fatalf("the backup after the restart: %v", done)
	}
	verifyRepository(t, d.DataDir, "s3-kill", env...)
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

// The WORM story with the AWS CLI: a compliance-locked vault whose storage is an Object Lock
// bucket. Its point cannot be deleted through the API, nor its packs through the S3 API; once
// its retention has ended (on the engine's fake clock for the lifecycle, and on the server's
// clock for Object Lock: the fake clock starts a day minus 90 s ago, so both end together),
// lifecycle deletes the point and GC removes its packs' versions from the bucket.
func TestCompliantVaultOnAnObjectLockBucket(t *testing.T) {
	parallel(t)
	srv := s3test.StartVersioned(t)
	srv.CreateObjectLockBucket(t, "worm")
	start := time.Now().Add(-24*time.Hour + 90*time.Second).UTC().Truncate(time.Second)
	dataDir, env := s3DataDir(t, srv, "worm")
	d := startDaemonWith(t, withEnv(env...), "--data-dir", dataDir, "--fake-clock", start.Format(time.RFC3339))
	src := filepath.Join(t.TempDir(), "ledger")
	writeBigTree(t, src, 3, 1<<20)
	arn := d.registerDir(t, src)
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "ledger")
	d.mustAWS(t, "us-east-1", "backup", "put-backup-vault-lock-configuration", "--backup-vault-name", "ledger",
		"--min-retention-days", "1", "--changeable-for-days", "3")
	started := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "ledger",
		"--resource-arn", arn, "--iam-role-arn", defaultRole, "--lifecycle", "DeleteAfterDays=1")
	job := d.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", started["BackupJobId"].(string))
	if job["State"] != "COMPLETED" {
		t.Fatalf("backup into the compliance vault: %v", job)
	}
	point := job["RecoveryPointArn"].(string)

	if r := d.aws(t, "us-east-1", "backup", "delete-recovery-point", "--backup-vault-name", "ledger", "--recovery-point-arn", point); r.Code == 0 || !strings.Contains(r.Stderr, "InvalidRequestException") {
		t.Fatalf("delete-recovery-point in the compliance vault: exit %d, %s", r.Code, r.Stderr)
	}
	prefix := "engine/"
	versions := func() (packs []map[string]any) {
		t.Helper()
		out := s3CLI(t, srv, "list-object-versions", "--bucket", "worm", "--prefix", prefix)
		for _, v := range asList(out["Versions"]) {
			if m := v.(map[string]any); strings.Contains(m["Key"].(string), "/ledger/warm/packs/") {
				packs = append(packs, m)
			}
		}
		return packs
	}
	packs := versions()
	if len(packs) == 0 {
		t.Fatal("no pack of the vault in the bucket")
	}
	for _, p := range packs {
		r := s3CLIResult(t, srv, "delete-object", "--bucket", "worm", "--key", p["Key"].(string), "--version-id", p["VersionId"].(string))
		if r.Code == 0 || !strings.Contains(r.Stderr, "AccessDenied") {
			t.Fatalf("aws s3api delete-object of a locked pack version: exit %d, %s", r.Code, r.Stderr)
		}
	}

	// The point's retention ends at start + 1 day, on both clocks.
	if wait := time.Until(start.Add(24*time.Hour + 2*time.Second)); wait > 0 {
		time.Sleep(wait)
	}
	d.clock(t, "advance", "2d")
	deadline := time.Now().Add(jobWait)
	for {
		left := asList(d.mustAWS(t, "us-east-1", "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", "ledger")["RecoveryPoints"])
		if len(left) == 0 && len(versions()) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v after the retention ended: %d points, %d pack versions left\n%s", jobWait, len(left), len(versions()), d.Logs())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// s3CLIResult runs `aws s3api ARGS` against the server with its owner's keys.
func s3CLIResult(t *testing.T, srv *s3test.Server, args ...string) cliResult {
	t.Helper()
	env := append(srv.Env(), "PATH="+os.Getenv("PATH"), "HOME="+t.TempDir(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "PYTHONWARNINGS=ignore")
	r, err := runAWSCLI(context.Background(), env, append([]string{"--endpoint-url", srv.Endpoint, "--output", "json", "s3api"}, args...)...)
	if err != nil {
		t.Fatalf("aws s3api %s: %v", strings.Join(args, " "), err)
	}
	return r
}

func s3CLI(t *testing.T, srv *s3test.Server, args ...string) map[string]any {
	t.Helper()
	r := s3CLIResult(t, srv, args...)
	if r.Code != 0 {
		t.Fatalf("aws s3api %s: exit %d: %s", strings.Join(args, " "), r.Code, r.Stderr)
	}
	out := map[string]any{}
	if strings.TrimSpace(r.Stdout) != "" {
		if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
			t.Fatalf("aws s3api %s printed %q: %v", strings.Join(args, " "), r.Stdout, err)
		}
	}
	return out
}
