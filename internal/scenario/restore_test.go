package scenario

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

const defaultRole = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"

// engineAs runs `terraform-provider-backup engine ARGS` with the environment the AWS CLI gets
// (credentials in AWS_* variables), as an operator would after `eval $(engine credentials)`.
func (d *daemon) engineAs(t *testing.T, region string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"engine"}, args...)...)
	cmd.Env = d.clientEnv(t, region)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cliResult{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// registerDir registers dir with `engine resource register` and returns the ARN it printed.
func (d *daemon) registerDir(t *testing.T, dir string, tags ...string) string {
	t.Helper()
	args := []string{"resource", "register", "--endpoint", d.Endpoint, "--type", "EFS", "--path", dir}
	for _, tag := range tags {
		args = append(args, "--tag", tag)
	}
	r := d.engineAs(t, "us-east-1", args...)
	if r.Code != 0 {
		t.Fatalf("engine resource register: exit %d: %s", r.Code, r.Stderr)
	}
	return strings.TrimSpace(r.Stdout)
}

// waitJob polls a describe-* command until field leaves the pending states.
func (d *daemon) waitJob(t *testing.T, field string, pending []string, args ...string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(jobWait)
	for {
		out := d.mustAWS(t, "us-east-1", args...)
		state, _ := out[field].(string)
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

var (
	backupPending  = []string{"CREATED", "PENDING", "RUNNING", "ABORTING"}
	restorePending = []string{"PENDING", "RUNNING"}
)

// The guide's restore walkthrough (seed 000, steps 1–4), with an EFS directory instead of an
// RDS database: list the vault's recovery points by resource type, read the restore metadata,
// start a restore job with it and a new identifier (a new destination-path), watch the job until
// COMPLETED — and the restored tree is the backed-up one.
func TestAWSCLI_restoreWalkthrough(t *testing.T) {
	parallel(t)
	d := startDaemon(t)
	src := filepath.Join(t.TempDir(), "prod-files")
	enginetest.WriteTree(t, src, 41)
	arn := d.registerDir(t, src, "Backup=true")
	if !strings.HasPrefix(arn, "arn:aws:elasticfilesystem:us-east-1:") || !strings.Contains(arn, ":file-system/fs-") {
		t.Fatalf("engine resource register printed %q, want an EFS ARN", arn)
	}
	if r := d.engineAs(t, "us-east-1", "resource", "list", "--endpoint", d.Endpoint); r.Code != 0 || !strings.Contains(r.Stdout, arn) || !strings.Contains(r.Stdout, "Backup=true") {
		t.Errorf("engine resource list: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "prod-primary-vault")
	if types := d.mustAWS(t, "us-east-1", "backup", "get-supported-resource-types"); !strings.Contains(toJSON(types["ResourceTypes"]), `"EFS"`) {
		t.Errorf("get-supported-resource-types = %v", types)
	}

	started := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "prod-primary-vault",
		"--resource-arn", arn, "--iam-role-arn", defaultRole, "--lifecycle", "DeleteAfterDays=35")
	jobID, _ := started["BackupJobId"].(string)
	job := d.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", jobID)
	if job["State"] != "COMPLETED" || job["PercentDone"] != "100.0" || job["RecoveryPointArn"] != started["RecoveryPointArn"] {
		t.Fatalf("describe-backup-job = %v", job)
	}

	// STEP 1 — find the recovery points in the vault.
	listed := d.mustAWS(t, "us-east-1", "backup", "list-recovery-points-by-backup-vault",
		"--backup-vault-name", "prod-primary-vault", "--by-resource-type", "EFS")
	points, _ := listed["RecoveryPoints"].([]any)
	if len(points) != 1 {
		t.Fatalf("list-recovery-points-by-backup-vault --by-resource-type EFS = %v", listed)
	}
	point := points[0].(map[string]any)
	rpARN, _ := point["RecoveryPointArn"].(string)
	if point["Status"] != "COMPLETED" || point["ResourceArn"] != arn {
		t.Errorf("recovery point = %v", point)
	}
	if none := d.mustAWS(t, "us-east-1", "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", "prod-primary-vault", "--by-resource-type", "RDS"); len(none["RecoveryPoints"].([]any)) != 0 {
		t.Errorf("--by-resource-type RDS lists %v", none)
	}

	// STEP 2 — ask what the restore needs.
	meta := d.mustAWS(t, "us-east-1", "backup", "get-recovery-point-restore-metadata",
		"--backup-vault-name", "prod-primary-vault", "--recovery-point-arn", rpARN)
	restoreMeta, _ := meta["RestoreMetadata"].(map[string]any)
	if restoreMeta["source-path"] != src || restoreMeta["newFileSystem"] != "true" || !strings.HasSuffix(arn, "/"+restoreMeta["file-system-id"].(string)) {
		t.Fatalf("get-recovery-point-restore-metadata = %v", meta)
	}

	// STEP 3 — start the restore with that metadata and a NEW identifier. The original's own
	// directory is refused: it is not empty.
	restoreMeta["destination-path"] = src
	refused := d.aws(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", rpARN, "--iam-role-arn", defaultRole,
		"--resource-type", "EFS", "--metadata", toJSON(restoreMeta))
	if refused.Code == 0 || !strings.Contains(refused.Stderr, "InvalidParameterValueException") || !strings.Contains(refused.Stderr, "is not empty") {
		t.Errorf("restoring onto the original: exit %d, %s", refused.Code, refused.Stderr)
	}
	dest := filepath.Join(t.TempDir(), "prod-files-restored-20240117")
	restoreMeta["destination-path"] = dest
	rs := d.mustAWS(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", rpARN, "--iam-role-arn", defaultRole,
		"--resource-type", "EFS", "--metadata", toJSON(restoreMeta))
	restoreID, _ := rs["RestoreJobId"].(string)

	// STEP 4 — watch it: PENDING → RUNNING → COMPLETED.
	restore := d.waitJob(t, "Status", restorePending, "backup", "describe-restore-job", "--restore-job-id", restoreID)
	if restore["Status"] != "COMPLETED" {
		t.Fatalf("describe-restore-job = %v", restore)
	}
	created, _ := restore["CreatedResourceArn"].(string)
	if !strings.HasPrefix(created, "arn:aws:elasticfilesystem:us-east-1:") || created == arn {
		t.Errorf("CreatedResourceArn = %q, want a new file system", created)
	}
	if diffs := enginetest.DiffTrees(t, src, dest); len(diffs) > 0 {
		t.Errorf("the restored tree differs from the backed-up one:\n%s", strings.Join(diffs, "\n"))
	}
	if jm := d.mustAWS(t, "us-east-1", "backup", "get-restore-job-metadata", "--restore-job-id", restoreID); jm["Metadata"].(map[string]any)["destination-path"] != dest {
		t.Errorf("get-restore-job-metadata = %v", jm)
	}
	if r := d.engineAs(t, "us-east-1", "resource", "list", "--endpoint", d.Endpoint); !strings.Contains(r.Stdout, created) || !strings.Contains(r.Stdout, dest) {
		t.Errorf("the restored directory is not registered as %s:\n%s", created, r.Stdout)
	}
	jobs := d.mustAWS(t, "us-east-1", "backup", "list-restore-jobs", "--by-status", "COMPLETED")
	if n := len(jobs["RestoreJobs"].([]any)); n != 1 {
		t.Errorf("list-restore-jobs --by-status COMPLETED lists %d jobs", n)
	}
	byRes := d.mustAWS(t, "us-east-1", "backup", "list-restore-jobs-by-protected-resource", "--resource-arn", arn)
	if n := len(byRes["RestoreJobs"].([]any)); n != 1 {
		t.Errorf("list-restore-jobs-by-protected-resource lists %d jobs", n)
	}
	prot := d.mustAWS(t, "us-east-1", "backup", "describe-protected-resource", "--resource-arn", arn)
	if prot["LastRecoveryPointArn"] != rpARN || prot["LatestRestoreJobCreationDate"] == nil {
		t.Errorf("describe-protected-resource = %v", prot)
	}
}

// start-backup-job, describe-backup-job and list-backup-jobs with their filters, and the
// refusals the CLI shows.
func TestAWSCLI_backupJobs(t *testing.T) {
	parallel(t)
	d := startDaemon(t)
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 42)
	arn := d.registerDir(t, src)
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "v1")
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "v2")
	var ids []string
	for _, vault := range []string{"v1", "v2"} {
		out := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", vault, "--resource-arn", arn,
			"--iam-role-arn", defaultRole, "--idempotency-token", "tok-"+vault, "--start-window-minutes", "60", "--complete-window-minutes", "120",
			"--recovery-point-tags", "origin=cli")
		id := out["BackupJobId"].(string)
		ids = append(ids, id)
		if job := d.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", id); job["State"] != "COMPLETED" {
			t.Fatalf("describe-backup-job = %v", job)
		}
	}
	again := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "v1", "--resource-arn", arn,
		"--iam-role-arn", defaultRole, "--idempotency-token", "tok-v1", "--start-window-minutes", "60", "--complete-window-minutes", "120",
		"--recovery-point-tags", "origin=cli")
	if again["BackupJobId"] != ids[0] {
		t.Errorf("a retry with the same idempotency token started job %v, want %s", again["BackupJobId"], ids[0])
	}

	listIDs := func(args ...string) string {
		t.Helper()
		out := d.mustAWS(t, "us-east-1", append([]string{"backup", "list-backup-jobs"}, args...)...)
		var got []string
		for _, j := range out["BackupJobs"].([]any) {
			got = append(got, j.(map[string]any)["BackupJobId"].(string))
		}
		return strings.Join(got, ",")
	}
	all := strings.Join(ids, ",")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, all},
		{[]string{"--page-size", "1"}, all},
		{[]string{"--by-backup-vault-name", "v2"}, ids[1]},
		{[]string{"--by-state", "COMPLETED"}, all},
		{[]string{"--by-state", "FAILED"}, ""},
		{[]string{"--by-resource-arn", arn}, all},
		{[]string{"--by-resource-type", "EFS"}, all},
		{[]string{"--by-created-after", "2999-01-01T00:00:00Z"}, ""},
		{[]string{"--by-created-before", "2999-01-01T00:00:00Z"}, all},
		{[]string{"--by-message-category", "SUCCESS"}, all},
	} {
		if got := listIDs(tc.args...); got != tc.want {
			t.Errorf("list-backup-jobs %s = %s, want %s", strings.Join(tc.args, " "), got, tc.want)
		}
	}

	for _, tc := range []struct {
		name string
		args []string
		code string
		says string
	}{
		{"bad role", []string{"--backup-vault-name", "v1", "--resource-arn", arn, "--iam-role-arn", "admin"}, "InvalidParameterValueException", "IAM role ARN"},
		{"missing vault", []string{"--backup-vault-name", "nope", "--resource-arn", arn, "--iam-role-arn", defaultRole}, "ResourceNotFoundException", "nope"},
		{"short window", []string{"--backup-vault-name", "v1", "--resource-arn", arn, "--iam-role-arn", defaultRole, "--start-window-minutes", "10"}, "InvalidParameterValueException", "StartWindowMinutes"},
		{"unregistered", []string{"--backup-vault-name", "v1", "--resource-arn", strings.Replace(arn, "fs-", "fs-f", 1)[:len(arn)], "--iam-role-arn", defaultRole}, "ResourceNotFoundException", "register"},
		{"cold lifecycle", []string{"--backup-vault-name", "v1", "--resource-arn", arn, "--iam-role-arn", defaultRole, "--lifecycle", "MoveToColdStorageAfterDays=30,DeleteAfterDays=60"}, "InvalidParameterValueException", "90 days"},
	} {
		r := d.aws(t, "us-east-1", append([]string{"backup", "start-backup-job"}, tc.args...)...)
		if r.Code == 0 || !strings.Contains(r.Stderr, tc.code) || !strings.Contains(r.Stderr, tc.says) {
			t.Errorf("%s: exit %d, stderr %q; want %s saying %q", tc.name, r.Code, r.Stderr, tc.code, tc.says)
		}
	}
	stop := d.aws(t, "us-east-1", "backup", "stop-backup-job", "--backup-job-id", ids[0])
	if stop.Code == 0 || !strings.Contains(stop.Stderr, "InvalidRequestException") {
		t.Errorf("stop-backup-job of a completed job: exit %d, %s", stop.Code, stop.Stderr)
	}
	tags := d.mustAWS(t, "us-east-1", "backup", "list-tags", "--resource-arn",
		d.mustAWS(t, "us-east-1", "backup", "describe-backup-job", "--backup-job-id", ids[0])["RecoveryPointArn"].(string))
	if tags["Tags"].(map[string]any)["origin"] != "cli" {
		t.Errorf("recovery point tags = %v", tags)
	}
	vault := d.mustAWS(t, "us-east-1", "backup", "describe-backup-vault", "--backup-vault-name", "v1")
	if vault["NumberOfRecoveryPoints"] != float64(1) {
		t.Errorf("NumberOfRecoveryPoints = %v", vault["NumberOfRecoveryPoints"])
	}
	del := d.aws(t, "us-east-1", "backup", "delete-backup-vault", "--backup-vault-name", "v1")
	if del.Code == 0 || !strings.Contains(del.Stderr, "InvalidRequestException") {
		t.Errorf("delete-backup-vault of a vault with a point: exit %d, %s", del.Code, del.Stderr)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
