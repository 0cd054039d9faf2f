package scenario

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// The legal-hold story with the AWS CLI against `engine serve`: hold a vault's recovery points and
// fail to delete one; fail to cancel the hold without a description (the CLI's own check, then the
// engine's for an empty one); cancel it with one, and then delete the point.
func TestAWSCLI_legalHolds(t *testing.T) {
	parallel(t)
	d := startDaemon(t)
	const region = "us-east-1"
	aws := func(args ...string) map[string]any {
		t.Helper()
		return d.mustAWS(t, region, append([]string{"backup"}, args...)...)
	}
	refused := func(code, fragment string, args ...string) {
		t.Helper()
		r := d.aws(t, region, append([]string{"backup"}, args...)...)
		if r.Code == 0 || !strings.Contains(r.Stderr, code) || !strings.Contains(r.Stderr, fragment) {
			t.Errorf("aws backup %s: exit %d, stderr %q; want %s mentioning %q", strings.Join(args, " "), r.Code, r.Stderr, code, fragment)
		}
	}

	src := filepath.Join(t.TempDir(), "ledger")
	enginetest.WriteTree(t, src, 77)
	arn := d.registerDir(t, src)
	aws("create-backup-vault", "--backup-vault-name", "evidence")
	var points []string
	for range 2 {
		started := aws("start-backup-job", "--backup-vault-name", "evidence", "--resource-arn", arn, "--iam-role-arn", defaultRole)
		job := d.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", started["BackupJobId"].(string))
		if job["State"] != "COMPLETED" {
			t.Fatalf("backup job: %v", job)
		}
		points = append(points, job["RecoveryPointArn"].(string))
	}

	// Hold the vault's points.
	hold := aws("create-legal-hold", "--title", "case-2024-17", "--description", "SEC inquiry 2024-17",
		"--recovery-point-selection", "VaultNames=evidence", "--tags", "matter=2024-17")
	id, _ := hold["LegalHoldId"].(string)
	if hold["Status"] != "ACTIVE" || !strings.Contains(hold["LegalHoldArn"].(string), ":legal-hold:"+id) {
		t.Fatalf("create-legal-hold printed %v", hold)
	}
	members := aws("list-recovery-points-by-legal-hold", "--legal-hold-id", id)["RecoveryPoints"].([]any)
	if len(members) != 2 {
		t.Fatalf("list-recovery-points-by-legal-hold lists %d points, want the vault's 2: %v", len(members), members)
	}
	for _, m := range members {
		if m := m.(map[string]any); m["BackupVaultName"] != "evidence" || m["ResourceArn"] != arn || m["ResourceType"] != "EFS" {
			t.Errorf("held point %v", m)
		}
	}
	if list := aws("list-legal-holds")["LegalHolds"].([]any); len(list) != 1 || list[0].(map[string]any)["Status"] != "ACTIVE" {
		t.Errorf("list-legal-holds printed %v", list)
	}

	// A held point cannot be deleted.
	refused("InvalidRequestException", "cannot be deleted because it has active legal hold(s)",
		"delete-recovery-point", "--backup-vault-name", "evidence", "--recovery-point-arn", points[0])

	// A hold cannot be cancelled without a description: the CLI itself requires the argument, and
	// the engine refuses an empty one.
	r := d.aws(t, region, "backup", "cancel-legal-hold", "--legal-hold-id", id)
	if r.Code == 0 || !strings.Contains(r.Stderr, "--cancel-description") {
		t.Errorf("cancel-legal-hold without --cancel-description: exit %d, stderr %q", r.Code, r.Stderr)
	}
	refused("MissingParameterValueException", "CancelDescription", "cancel-legal-hold", "--legal-hold-id", id, "--cancel-description", "")
	if got := aws("get-legal-hold", "--legal-hold-id", id); got["Status"] != "ACTIVE" {
		t.Fatalf("after the refused cancels the hold is %v", got["Status"])
	}

	// Cancel it, then delete.
	aws("cancel-legal-hold", "--legal-hold-id", id, "--cancel-description", "Inquiry closed", "--retain-record-in-days", "30")
	got := aws("get-legal-hold", "--legal-hold-id", id)
	if got["Status"] != "CANCELED" || got["CancelDescription"] != "Inquiry closed" || got["CancellationDate"] == nil || got["RetainRecordUntil"] == nil {
		t.Errorf("get-legal-hold after cancel printed %v", got)
	}
	aws("delete-recovery-point", "--backup-vault-name", "evidence", "--recovery-point-arn", points[0])
	left := aws("list-recovery-points-by-backup-vault", "--backup-vault-name", "evidence")["RecoveryPoints"].([]any)
	if len(left) != 1 || left[0].(map[string]any)["RecoveryPointArn"] != points[1] {
		t.Errorf("after deleting one point the vault lists %v", left)
	}
	// The cancelled hold's record still says which points it held (those that exist).
	if members := aws("list-recovery-points-by-legal-hold", "--legal-hold-id", id)["RecoveryPoints"].([]any); len(members) != 1 {
		t.Errorf("the cancelled hold's record lists %v", members)
	}
}

// A compliance-locked vault past its lock date, with the AWS CLI against `engine serve
// --fake-clock`, time moved by `engine clock advance`: a vault locked in compliance mode with 3
// changeable days holds a point with 30 days of retention. Four days on, past the lock date, its
// point cannot be deleted, its lock cannot be removed, the point's retention cannot be shortened,
// the vault cannot be deleted, and a job whose retention is below the lock's minimum FAILS. A
// legal hold adds its own refusal, and keeps the point past the end of its retention; once the
// hold is cancelled the lifecycle deletes the point, and the vault, empty, can be deleted — its
// lock going with it.
func TestAWSCLI_complianceLockPastItsLockDate(t *testing.T) {
	parallel(t)
	d := startDaemon(t, "--fake-clock", "2025-01-06T09:00:00Z")
	const region = "us-east-1"
	aws := func(args ...string) map[string]any {
		t.Helper()
		return d.mustAWS(t, region, append([]string{"backup"}, args...)...)
	}
	refused := func(code, fragment string, args ...string) {
		t.Helper()
		r := d.aws(t, region, append([]string{"backup"}, args...)...)
		if r.Code == 0 || !strings.Contains(r.Stderr, code) || !strings.Contains(r.Stderr, fragment) {
			t.Errorf("aws backup %s: exit %d, stderr %q; want %s mentioning %q", strings.Join(args, " "), r.Code, r.Stderr, code, fragment)
		}
	}
	var resourceARN string
	backupJob := func(days string) map[string]any {
		t.Helper()
		started := aws("start-backup-job", "--backup-vault-name", "sealed", "--resource-arn", resourceARN, "--iam-role-arn", defaultRole,
			"--lifecycle", "DeleteAfterDays="+days)
		return d.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", started["BackupJobId"].(string))
	}
	pointsLeft := func() []any {
		t.Helper()
		return aws("list-recovery-points-by-backup-vault", "--backup-vault-name", "sealed")["RecoveryPoints"].([]any)
	}

	src := filepath.Join(t.TempDir(), "books")
	enginetest.WriteTree(t, src, 5)
	resourceARN = d.registerDir(t, src)
	aws("create-backup-vault", "--backup-vault-name", "sealed")
	aws("put-backup-vault-lock-configuration", "--backup-vault-name", "sealed", "--min-retention-days", "7", "--max-retention-days", "100", "--changeable-for-days", "3")
	job := backupJob("30")
	if job["State"] != "COMPLETED" {
		t.Fatalf("backup job into the locked vault: %v", job)
	}
	point := job["RecoveryPointArn"].(string)
	lockDate := epoch(aws("describe-backup-vault", "--backup-vault-name", "sealed")["LockDate"])
	if want := time.Date(2025, 1, 9, 9, 0, 0, 0, time.UTC); !lockDate.Equal(want) {
		t.Fatalf("LockDate %s, want %s: the lock's 3 changeable days on the engine's clock", lockDate, want)
	}

	// Four days on: past the lock date.
	if got := d.clock(t, "advance", "4d"); !strings.HasPrefix(got, "2025-01-10T09:00:00Z (fake clock") {
		t.Fatalf("engine clock advance 4d printed %q", got)
	}
	if v := aws("describe-backup-vault", "--backup-vault-name", "sealed"); v["Locked"] != true || !epoch(v["LockDate"]).Equal(lockDate) {
		t.Fatalf("describe-backup-vault printed %v", v)
	}
	refused("InvalidRequestException", "cannot be deleted before 2025-02-05T09:00:00Z",
		"delete-recovery-point", "--backup-vault-name", "sealed", "--recovery-point-arn", point)
	refused("InvalidRequestException", "became immutable on its lock date",
		"delete-backup-vault-lock-configuration", "--backup-vault-name", "sealed")
	refused("InvalidRequestException", "became immutable on its lock date",
		"put-backup-vault-lock-configuration", "--backup-vault-name", "sealed", "--min-retention-days", "1")
	refused("InvalidRequestException", "can be extended but not shortened",
		"update-recovery-point-lifecycle", "--backup-vault-name", "sealed", "--recovery-point-arn", point, "--lifecycle", "DeleteAfterDays=10")
	refused("InvalidRequestException", "cannot be deleted because it contains 1 recovery points",
		"delete-backup-vault", "--backup-vault-name", "sealed")
	if short := backupJob("3"); short["State"] != "FAILED" || !strings.Contains(short["StatusMessage"].(string), "shorter than the minimum of 7 days") {
		t.Errorf("a 3-day backup job into the locked vault: %v; want FAILED naming the lock's minimum", short)
	}

	// A legal hold adds its refusal, and keeps the point past the end of its retention.
	hold := aws("create-legal-hold", "--title", "audit", "--description", "FINRA audit", "--recovery-point-selection", "VaultNames=sealed")
	holdID := hold["LegalHoldId"].(string)
	refused("InvalidRequestException", "active legal hold(s): "+holdID,
		"delete-recovery-point", "--backup-vault-name", "sealed", "--recovery-point-arn", point)
	if got := d.clock(t, "advance", "27d"); !strings.HasPrefix(got, "2025-02-06T09:00:00Z (fake clock") {
		t.Fatalf("engine clock advance 27d printed %q", got)
	}
	kept := aws("describe-recovery-point", "--backup-vault-name", "sealed", "--recovery-point-arn", point)
	if kept["Status"] != "COMPLETED" || !strings.Contains(kept["StatusMessage"].(string), holdID) {
		t.Fatalf("a day past its retention the held point is %v; want it kept, saying the hold keeps it", kept)
	}
	refused("InvalidRequestException", "became immutable on its lock date",
		"delete-backup-vault-lock-configuration", "--backup-vault-name", "sealed")

	// Cancelled, the hold lets the lifecycle delete the point at its next pass; the empty vault
	// can then be deleted.
	aws("cancel-legal-hold", "--legal-hold-id", holdID, "--cancel-description", "audit done")
	d.clock(t, "advance", "1m")
	if left := pointsLeft(); len(left) != 0 {
		t.Fatalf("after the hold was cancelled the vault still lists %v", left)
	}
	aws("delete-backup-vault", "--backup-vault-name", "sealed")
	if r := d.aws(t, region, "backup", "describe-backup-vault", "--backup-vault-name", "sealed"); r.Code == 0 || !strings.Contains(r.Stderr, "ResourceNotFoundException") {
		t.Errorf("describe-backup-vault after its deletion: exit %d, %s", r.Code, r.Stderr)
	}
}
