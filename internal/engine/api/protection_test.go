package api_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// A vault lock governs the jobs writing into the vault and the points in it: jobs with a retention
// outside its range fail, a point cannot be deleted or have its retention shortened before its
// retention ends — and can, on the engine clock, once it has.
func TestVaultLockGovernsJobsAndPoints(t *testing.T) {
	ctx := context.Background()
	fake := clock.NewFake(time.Date(2024, 1, 17, 2, 0, 0, 0, time.UTC))
	e := newJobEnv(t, engine.Options{Clock: fake})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 71)
	arn := e.register(t, src)
	e.vault(t, "locked")
	if _, err := e.c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("locked"),
		MinRetentionDays: aws.Int64(7), MaxRetentionDays: aws.Int64(30)}); err != nil {
		t.Fatal(err)
	}
	start := func(lc *types.Lifecycle) *backup.DescribeBackupJobOutput {
		t.Helper()
		out, err := e.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("locked"), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role), Lifecycle: lc})
		if err != nil {
			t.Fatal(err)
		}
		return e.waitBackup(t, aws.ToString(out.BackupJobId))
	}
	for _, tc := range []struct {
		name string
		lc   *types.Lifecycle
		says string
	}{
		{"kept forever", nil, "longer than the maximum of 30 days"},
		{"too short", &types.Lifecycle{DeleteAfterDays: aws.Int64(3)}, "shorter than the minimum of 7 days"},
		{"too long", &types.Lifecycle{DeleteAfterDays: aws.Int64(31)}, "longer than the maximum of 30 days"},
	} {
		if job := start(tc.lc); job.State != types.BackupJobStateFailed || !strings.Contains(aws.ToString(job.StatusMessage), tc.says) {
			t.Errorf("%s: job %s %q, want FAILED saying %q", tc.name, job.State, aws.ToString(job.StatusMessage), tc.says)
		}
	}
	job := start(&types.Lifecycle{DeleteAfterDays: aws.Int64(10)})
	if job.State != types.BackupJobStateCompleted {
		t.Fatalf("a job within the lock's range: %s %q", job.State, aws.ToString(job.StatusMessage))
	}
	point := job.RecoveryPointArn
	v, _ := e.c.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("locked")})
	if v.NumberOfRecoveryPoints != 1 {
		t.Errorf("NumberOfRecoveryPoints = %d, want 1 (failed jobs make none)", v.NumberOfRecoveryPoints)
	}

	del := func() error {
		_, err := e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String("locked"), RecoveryPointArn: point})
		return err
	}
	if err := del(); apiCode(err) != "InvalidRequestException" || !strings.Contains(apiMessage(err), "cannot be deleted before 2024-01-27T02:00:00Z") {
		t.Errorf("deleting a locked point: %v", err)
	}
	update := func(days int64) error {
		_, err := e.c.UpdateRecoveryPointLifecycle(ctx, &backup.UpdateRecoveryPointLifecycleInput{BackupVaultName: aws.String("locked"), RecoveryPointArn: point,
			Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(days)}})
		return err
	}
	if err := update(8); apiCode(err) != "InvalidRequestException" || !strings.Contains(apiMessage(err), "extended but not shortened") {
		t.Errorf("shortening a locked point's retention: %v", err)
	}
	if err := update(40); apiCode(err) != "InvalidRequestException" || !strings.Contains(apiMessage(err), "maximum of 30 days") {
		t.Errorf("extending past the lock's maximum: %v", err)
	}
	if err := update(20); err != nil {
		t.Errorf("extending within the lock's range: %v", err)
	}
	fake.Advance(19 * 24 * time.Hour)
	if err := del(); apiCode(err) != "InvalidRequestException" {
		t.Errorf("deleting before the extended retention ends: %v", err)
	}
	fake.Advance(2 * 24 * time.Hour)
	if err := del(); err != nil {
		t.Errorf("deleting once the retention has ended: %v", err)
	}
}

// A logically air-gapped vault takes copies, not backups, and its points are never deleted by hand.
func TestAirGappedVaultIsNotABackupTarget(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	arn := e.register(t, t.TempDir())
	if _, err := e.c.CreateLogicallyAirGappedBackupVault(ctx, &backup.CreateLogicallyAirGappedBackupVaultInput{BackupVaultName: aws.String("air"),
		MinRetentionDays: aws.Int64(7), MaxRetentionDays: aws.Int64(30)}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("air"), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role)})
	if apiCode(err) != "InvalidRequestException" || !strings.Contains(apiMessage(err), "air-gapped") {
		t.Errorf("backing up into an air-gapped vault: %v", err)
	}
}
