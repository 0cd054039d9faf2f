package scenario

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// The legal-hold story with the AWS CLI against `engine serve`: hold a vault's recovery points and
// fail to delete one; fail to cancel the hold without a description (the CLI's own check, then the
// engine's for an empty one); cancel it with one, and then delete the point.
func TestAWSCLI_legalHolds(t *testing.T) {
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

// prepareLockedPastLockDate makes, in dataDir, the state four days of waiting would leave: a vault
// whose compliance-mode lock (ChangeableForDays 3) was put four days ago, so its lock date has
// passed, holding a recovery point with 30 days of retention left to run out. It runs an engine
// in-process on a clock set four days back, then closes it; `engine serve` on the same data dir
// then sees the state on the real clock.
func prepareLockedPastLockDate(t *testing.T, dataDir, src string) string {
	t.Helper()
	ctx := context.Background()
	e, err := engine.Open(ctx, engine.Options{DataDir: dataDir, Clock: clock.NewFake(time.Now().Add(-4 * 24 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	k := e.PrimaryKey()
	creds := awscreds.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, "")
	hc := &http.Client{Transport: e.InProcessTransport()}
	c := backup.NewFromConfig(awssdk.Config{Region: "us-east-1", Credentials: creds, HTTPClient: hc},
		func(o *backup.Options) { o.BaseEndpoint = awssdk.String(engine.InProcessEndpoint) })
	reg := engineclient.New(engineclient.Options{Endpoint: engine.InProcessEndpoint, Region: "us-east-1", Credentials: creds, HTTPClient: hc})
	res, err := reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: src})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: awssdk.String("sealed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: awssdk.String("sealed"),
		MinRetentionDays: awssdk.Int64(7), MaxRetentionDays: awssdk.Int64(100), ChangeableForDays: awssdk.Int64(3)}); err != nil {
		t.Fatal(err)
	}
	started, err := c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: awssdk.String("sealed"), ResourceArn: awssdk.String(res.ResourceArn),
		IamRoleArn: awssdk.String(defaultRole), Lifecycle: &backuptypes.Lifecycle{DeleteAfterDays: awssdk.Int64(30)}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		job, err := c.DescribeBackupJob(ctx, &backup.DescribeBackupJobInput{BackupJobId: started.BackupJobId})
		if err != nil {
			t.Fatal(err)
		}
		if job.State == backuptypes.BackupJobStateCompleted {
			return awssdk.ToString(job.RecoveryPointArn)
		}
		if job.State == backuptypes.BackupJobStateFailed || time.Now().After(deadline) {
			t.Fatalf("preparing the locked vault: backup job %s %s", job.State, awssdk.ToString(job.StatusMessage))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A compliance-locked vault past its lock date, with the AWS CLI against `engine serve`: its point
// cannot be deleted, its lock cannot be removed, the point's retention cannot be shortened, and the
// vault cannot be deleted — and a legal hold on the point adds its own refusal on top.
func TestAWSCLI_complianceLockPastItsLockDate(t *testing.T) {
	dataDir := t.TempDir()
	src := filepath.Join(t.TempDir(), "books")
	enginetest.WriteTree(t, src, 5)
	point := prepareLockedPastLockDate(t, dataDir, src)
	d := startDaemon(t, "--data-dir", dataDir)
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

	v := aws("describe-backup-vault", "--backup-vault-name", "sealed")
	lockDate, _ := v["LockDate"].(float64)
	if v["Locked"] != true || lockDate == 0 || time.UnixMilli(int64(lockDate*1000)).After(time.Now()) {
		t.Fatalf("describe-backup-vault printed %v; want a lock whose LockDate has passed", v)
	}
	refused("InvalidRequestException", "cannot be deleted before",
		"delete-recovery-point", "--backup-vault-name", "sealed", "--recovery-point-arn", point)
	refused("InvalidRequestException", "became immutable on its lock date",
		"delete-backup-vault-lock-configuration", "--backup-vault-name", "sealed")
	refused("InvalidRequestException", "can be extended but not shortened",
		"update-recovery-point-lifecycle", "--backup-vault-name", "sealed", "--recovery-point-arn", point, "--lifecycle", "DeleteAfterDays=10")
	refused("InvalidRequestException", "cannot be deleted because it contains 1 recovery points",
		"delete-backup-vault", "--backup-vault-name", "sealed")

	hold := aws("create-legal-hold", "--title", "audit", "--description", "FINRA audit", "--recovery-point-selection", "VaultNames=sealed")
	refused("InvalidRequestException", "active legal hold(s): "+hold["LegalHoldId"].(string),
		"delete-recovery-point", "--backup-vault-name", "sealed", "--recovery-point-arn", point)
	aws("cancel-legal-hold", "--legal-hold-id", hold["LegalHoldId"].(string), "--cancel-description", "audit done")
	// Without the hold, the lock still refuses.
	refused("InvalidRequestException", "cannot be deleted before",
		"delete-recovery-point", "--backup-vault-name", "sealed", "--recovery-point-arn", point)
	if got := aws("describe-recovery-point", "--backup-vault-name", "sealed", "--recovery-point-arn", point); got["Status"] != "COMPLETED" {
		t.Errorf("the point after every refusal: %v", got)
	}
}
