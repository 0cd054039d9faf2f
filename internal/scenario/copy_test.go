package scenario

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// awsAs runs the AWS CLI against the daemon with explicit credentials (another account's key).
func (d *daemon) awsAs(t *testing.T, keyID, secret, region string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=", "PYTHONWARNINGS=ignore", "AWS_ACCESS_KEY_ID=" + keyID, "AWS_SECRET_ACCESS_KEY=" + secret}
	r, err := runAWSCLI(ctx, env, append([]string{"--endpoint-url", d.Endpoint, "--region", region, "--output", "json"}, args...)...)
	if err != nil {
		t.Fatalf("aws %v: %v", args, err)
	}
	return r
}

// waitIn polls a describe-* command in region until pick(output) leaves the pending states, and
// returns that output.
func (d *daemon) waitIn(t *testing.T, region string, pick func(map[string]any) string, pending []string, args ...string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(jobWait)
	for {
		out := d.mustAWS(t, region, args...)
		state := pick(out)
		still := false
		for _, p := range pending {
			still = still || state == p
		}
		if !still {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still %s after %v", strings.Join(args, " "), state, jobWait)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func copyJobOf(out map[string]any) map[string]any { return obj(out["CopyJob"]) }

var copyPending = []string{"CREATED", "RUNNING"}

// The DR walkthrough with the AWS CLI against `engine serve --config`: a daily backup copied to
// dr-vault in eu-west-1, whose data the config keeps in its own storage directory;
// describe-copy-job until COMPLETED; list-copy-jobs and its filters; list-copy-job-summaries; a
// restore from the copy in eu-west-1; and a copy into another account's vault, refused until that
// vault's access policy grants backup:CopyIntoBackupVault.
func TestAWSCLI_copyToADRVaultInAnotherRegion(t *testing.T) {
	parallel(t)
	drStorage := t.TempDir()
	const drKeyID, drSecret, drAccount = "AKIADRSCENARIO000001", "dr-scenario-secret-dr-scenario-secret-00", "210987654321"
	cfg := strings.TrimPrefix(writeFile(t, "engine-config.json", `{
  "regions": {"eu-west-1": {"storage_dir": "`+drStorage+`"}},
  "accounts": [{"access_key_id": "`+drKeyID+`", "secret_access_key": "`+drSecret+`", "account_id": "`+drAccount+`"}]
}`), "file://")
	d := startDaemon(t, "--config", cfg)
	src := filepath.Join(t.TempDir(), "web-app")
	enginetest.WriteTree(t, src, 81)
	arn := d.registerDir(t, src, "Backup=true")
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "prod-vault")
	dr := d.mustAWS(t, "eu-west-1", "backup", "create-backup-vault", "--backup-vault-name", "dr-vault")
	drVaultARN, _ := dr["BackupVaultArn"].(string)
	if !strings.HasPrefix(drVaultARN, "arn:aws:backup:eu-west-1:") {
		t.Fatalf("create-backup-vault in eu-west-1 = %v", dr)
	}
	started := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "prod-vault",
		"--resource-arn", arn, "--iam-role-arn", defaultRole, "--lifecycle", "DeleteAfterDays=35")
	job := d.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", started["BackupJobId"].(string))
	if job["State"] != "COMPLETED" {
		t.Fatalf("describe-backup-job = %v", job)
	}
	pointARN := job["RecoveryPointArn"].(string)

	copyStarted := d.mustAWS(t, "us-east-1", "backup", "start-copy-job", "--source-backup-vault-name", "prod-vault",
		"--recovery-point-arn", pointARN, "--destination-backup-vault-arn", drVaultARN, "--iam-role-arn", defaultRole,
		"--lifecycle", "MoveToColdStorageAfterDays=30,DeleteAfterDays=365")
	copyID, _ := copyStarted["CopyJobId"].(string)
	if copyID == "" || copyStarted["CreationDate"] == nil {
		t.Fatalf("start-copy-job = %v", copyStarted)
	}
	desc := d.waitIn(t, "us-east-1", func(o map[string]any) string { s, _ := copyJobOf(o)["State"].(string); return s }, copyPending,
		"backup", "describe-copy-job", "--copy-job-id", copyID)
	cj := copyJobOf(desc)
	copyARN, _ := cj["DestinationRecoveryPointArn"].(string)
	if cj["State"] != "COMPLETED" || cj["SourceRecoveryPointArn"] != pointARN || cj["DestinationBackupVaultArn"] != drVaultARN ||
		!strings.HasPrefix(copyARN, "arn:aws:backup:eu-west-1:") || cj["ResourceArn"] != arn || cj["ResourceType"] != "EFS" {
		t.Fatalf("describe-copy-job = %v", desc)
	}
	if packs, _ := filepath.Glob(filepath.Join(drStorage, "repos", "*", "eu-west-1", "dr-vault", "packs", "*", "*")); len(packs) == 0 {
		t.Errorf("no pack of dr-vault under the eu-west-1 storage dir %s", drStorage)
	}

	// list-copy-jobs and its filters.
	for _, c := range []struct {
		args []string
		want int
	}{
		{nil, 1},
		{[]string{"--by-state", "COMPLETED"}, 1},
		{[]string{"--by-state", "FAILED"}, 0},
		{[]string{"--by-destination-vault-arn", drVaultARN}, 1},
		{[]string{"--by-source-recovery-point-arn", pointARN}, 1},
		{[]string{"--by-resource-arn", arn}, 1},
		{[]string{"--by-resource-type", "RDS"}, 0},
		{[]string{"--by-created-after", "2000-01-01T00:00:00Z"}, 1},
		{[]string{"--by-created-before", "2000-01-01T00:00:00Z"}, 0},
	} {
		out := d.mustAWS(t, "us-east-1", append([]string{"backup", "list-copy-jobs"}, c.args...)...)
		if got := len(list(out["CopyJobs"])); got != c.want {
			t.Errorf("list-copy-jobs %v lists %d jobs, want %d", c.args, got, c.want)
		}
	}
	sum := d.mustAWS(t, "us-east-1", "backup", "list-copy-job-summaries", "--aggregation-period", "FOURTEEN_DAYS")
	if s := list(sum["CopyJobSummaries"]); len(s) != 1 || obj(s[0])["State"] != "COMPLETED" || obj(s[0])["Count"] != float64(1) {
		t.Errorf("list-copy-job-summaries = %v", sum)
	}

	// The copy is a point of eu-west-1, with the copy's lifecycle counted from the source's date.
	point := d.mustAWS(t, "eu-west-1", "backup", "describe-recovery-point", "--backup-vault-name", "dr-vault", "--recovery-point-arn", copyARN)
	if point["Status"] != "COMPLETED" || !strings.HasSuffix(toJSON(point["SourceBackupVaultArn"]), `:backup-vault:prod-vault"`) ||
		obj(point["Lifecycle"])["DeleteAfterDays"] != float64(365) || obj(point["CalculatedLifecycle"])["DeleteAt"] == nil {
		t.Errorf("describe-recovery-point of the copy = %v", point)
	}

	// Restore from the copy, in eu-west-1.
	dest := filepath.Join(t.TempDir(), "web-app-from-dr")
	rs := d.mustAWS(t, "eu-west-1", "backup", "start-restore-job", "--recovery-point-arn", copyARN, "--iam-role-arn", defaultRole,
		"--metadata", toJSON(map[string]string{"newFileSystem": "true", "destination-path": dest}))
	restore := d.waitIn(t, "eu-west-1", func(o map[string]any) string { s, _ := o["Status"].(string); return s }, restorePending,
		"backup", "describe-restore-job", "--restore-job-id", rs["RestoreJobId"].(string))
	if restore["Status"] != "COMPLETED" {
		t.Fatalf("describe-restore-job in eu-west-1 = %v", restore)
	}
	if diffs := enginetest.DiffTrees(t, src, dest); len(diffs) > 0 {
		t.Errorf("the tree restored from the DR copy differs:\n%s", strings.Join(diffs, "\n"))
	}
	if r := d.engineAs(t, "eu-west-1", "verify", "--data-dir", d.DataDir, "--config", cfg, "--vault", "dr-vault", "--region", "eu-west-1", "--read-data"); r.Code != 0 {
		t.Errorf("engine verify of dr-vault: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}

	// Another account's vault: refused (ACCESS_DENIED) until its policy allows this account.
	if r := d.awsAs(t, drKeyID, drSecret, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "central-vault"); r.Code != 0 {
		t.Fatalf("the DR account creating its vault: exit %d %s", r.Code, r.Stderr)
	}
	centralARN := "arn:aws:backup:us-east-1:" + drAccount + ":backup-vault:central-vault"
	crossCopy := func() map[string]any {
		started := d.mustAWS(t, "us-east-1", "backup", "start-copy-job", "--source-backup-vault-name", "prod-vault",
			"--recovery-point-arn", pointARN, "--destination-backup-vault-arn", centralARN, "--iam-role-arn", defaultRole)
		return copyJobOf(d.waitIn(t, "us-east-1", func(o map[string]any) string { s, _ := copyJobOf(o)["State"].(string); return s }, copyPending,
			"backup", "describe-copy-job", "--copy-job-id", started["CopyJobId"].(string)))
	}
	if j := crossCopy(); j["State"] != "FAILED" || j["MessageCategory"] != "ACCESS_DENIED" || !strings.Contains(j["StatusMessage"].(string), "backup:CopyIntoBackupVault") {
		t.Errorf("a copy into another account's vault without its permission = %v", j)
	}
	account := strings.Split(pointARN, ":")[4]
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}]}`
	if r := d.awsAs(t, drKeyID, drSecret, "us-east-1", "backup", "put-backup-vault-access-policy", "--backup-vault-name", "central-vault", "--policy", policy); r.Code != 0 {
		t.Fatalf("put-backup-vault-access-policy as the DR account: exit %d %s", r.Code, r.Stderr)
	}
	j := crossCopy()
	if j["State"] != "COMPLETED" || !strings.HasPrefix(j["DestinationRecoveryPointArn"].(string), "arn:aws:backup:us-east-1:"+drAccount+":recovery-point:") {
		t.Fatalf("a permitted cross-account copy = %v", j)
	}
	r := d.awsAs(t, drKeyID, drSecret, "us-east-1", "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", "central-vault")
	if r.Code != 0 || len(list(r.JSON(t)["RecoveryPoints"])) != 1 {
		t.Errorf("the DR account's vault after the copy: exit %d %s %s", r.Code, r.Stdout, r.Stderr)
	}
	if failed := d.mustAWS(t, "us-east-1", "backup", "list-copy-jobs", "--by-message-category", "ACCESS_DENIED"); len(list(failed["CopyJobs"])) != 1 {
		t.Errorf("list-copy-jobs --by-message-category ACCESS_DENIED = %v", failed)
	}
}

// A --config that names no file, or a file that is not a valid configuration, stops engine serve
// with a message instead of running without the configuration.
func TestDaemon_refusesAMissingOrInvalidConfig(t *testing.T) {
	parallel(t)
	_, stderr, code := engineCmd(t, "serve", "--data-dir", t.TempDir(), "--config", filepath.Join(t.TempDir(), "nope.json"))
	if code != 2 || !strings.Contains(stderr, "--config") {
		t.Errorf("missing --config file: exit %d, stderr %q", code, stderr)
	}
	bad := strings.TrimPrefix(writeFile(t, "bad.json", `{"regions": {"eu-west-1": {"storage-dir": "/x"}}}`), "file://")
	_, stderr, code = engineCmd(t, "serve", "--data-dir", t.TempDir(), "--config", bad)
	if code == 0 || !strings.Contains(stderr, "storage-dir") {
		t.Errorf("misspelt key in --config: exit %d, stderr %q", code, stderr)
	}
}
