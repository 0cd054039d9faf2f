package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// Time travel past a locked point's retention while the S3 server, on its real clock, still
// retains the point's objects: the lifecycle keeps the point (its record and its objects) and
// says why and until when, DeleteRecoveryPoint is refused, and the point is deleted, with GC
// freeing its packs, at the first scheduler pass (on a fake clock: the first move of the clock)
// after the server's retention ends. The engine's clock starts a day minus 15 s ago, so the
// server's retention of a one-day point ends 15 s into the test.
func TestS3Storage_lifecycleWaitsForTheServersRetentionAfterTimeTravel(t *testing.T) {
	t.Parallel() // it mostly waits for the server's clock
	ctx := context.Background()
	srv, opts := wormBucket(t)
	start := clock.Wall().Add(-24*time.Hour + 15*time.Second).Truncate(time.Second)
	e := newSchedEnv(t, start, opts)
	src := t.TempDir()
	enginetest.WriteTree(t, src, 43)
	arn := e.register(t, src)
	e.vault(t, "ledger")
	if _, err := e.c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("ledger"),
		MinRetentionDays: aws.Int64(1), ChangeableForDays: aws.Int64(3)}); err != nil {
		t.Fatal(err)
	}
	out, err := e.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("ledger"), ResourceArn: aws.String(arn),
		IamRoleArn: aws.String(role), Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(1)}})
	if err != nil {
		t.Fatal(err)
	}
	j := e.waitBackup(t, aws.ToString(out.BackupJobId))
	if j.State != types.BackupJobStateCompleted {
		t.Fatalf("backup: %s %s", j.State, aws.ToString(j.StatusMessage))
	}
	serverUntil := aws.ToTime(j.CreationDate).AddDate(0, 0, 1)
	packVersions := func() int { return warmPackVersions(t, srv, "ledger") }
	if packVersions() == 0 {
		t.Fatal("no pack of the point in the bucket")
	}

	e.advance(t, "2d") // past the point's retention on the engine's clock, not on the server's
	if clock.Wall().After(serverUntil) {
		t.Skipf("the machine took longer than 15 s to get here; the server's retention is over already")
	}
	rp, err := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("ledger"), RecoveryPointArn: j.RecoveryPointArn})
	if err != nil {
		t.Fatalf("the point is gone while the server still retains its objects: %v", err)
	}
	if msg := aws.ToString(rp.StatusMessage); !strings.Contains(msg, "S3 Object Lock retention until "+serverUntil.UTC().Format(time.RFC3339)) {
		t.Errorf("the kept point's StatusMessage does not name the server's retention end %s: %q", serverUntil.UTC().Format(time.RFC3339), msg)
	}
	if packVersions() == 0 {
		t.Error("the point's packs are gone while the server retains them")
	}
	// Nor can it be deleted by hand before then.
	_, err = e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String("ledger"), RecoveryPointArn: j.RecoveryPointArn})
	if apiCode(err) != "InvalidRequestException" || !strings.Contains(err.Error(), "S3 Object Lock retention until") {
		t.Errorf("DeleteRecoveryPoint while the server retains the point's objects: %v, want InvalidRequestException naming the retention", err)
	}

	// On a fake clock the scheduler passes when the clock moves: the next move after the
	// server's retention ended deletes the point.
	time.Sleep(time.Until(serverUntil.Add(time.Second)))
	e.advance(t, "1m")
	deadline := time.Now().Add(60 * time.Second)
	for {
		points, err := e.c.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("ledger")})
		if err != nil {
			t.Fatal(err)
		}
		if len(points.RecoveryPoints) == 0 && packVersions() == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("60 s after the server's retention ended: %d points, %d pack versions left", len(points.RecoveryPoints), packVersions())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// A locked point moved to cold storage leaves its warm copy behind in the bucket, which the S3
// server retains until the point's retention end: removing that copy is put off to then (not
// retried at once and given up, which would leave the copy in the bucket for good), and when the
// engine's clock reaches that date, with the server's retention over, the warm packs are freed.
// The engine's clock starts 91 days minus 15 s ago, so the server's retention of a 91-day point
// ends 15 s into the test.
func TestS3Storage_theWarmCopyOfAColdPointGoesWhenTheServersRetentionEnds(t *testing.T) {
	t.Parallel() // it mostly waits for the server's clock
	ctx := context.Background()
	srv, opts := wormBucket(t)
	start := clock.Wall().AddDate(0, 0, -91).Add(15 * time.Second).Truncate(time.Second)
	e := newSchedEnv(t, start, opts)
	src := t.TempDir()
	enginetest.WriteTree(t, src, 59)
	arn := e.register(t, src)
	e.vault(t, "archive")
	if _, err := e.c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("archive"),
		MinRetentionDays: aws.Int64(1)}); err != nil {
		t.Fatal(err)
	}
	out, err := e.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("archive"), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role),
		Lifecycle: &types.Lifecycle{MoveToColdStorageAfterDays: aws.Int64(1), DeleteAfterDays: aws.Int64(91)}})
	if err != nil {
		t.Fatal(err)
	}
	j := e.waitBackup(t, aws.ToString(out.BackupJobId))
	if j.State != types.BackupJobStateCompleted {
		t.Fatalf("backup: %s %s", j.State, aws.ToString(j.StatusMessage))
	}
	serverUntil := aws.ToTime(j.CreationDate).AddDate(0, 0, 91)
	warmPacks := func() int { return warmPackVersions(t, srv, "archive") }

	e.advance(t, "2d") // the point moves to cold storage
	rp, err := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("archive"), RecoveryPointArn: j.RecoveryPointArn})
	if err != nil || rp.StorageClass != types.StorageClassCold {
		t.Fatalf("after 2 days the point is %+v, %v; want COLD", rp, err)
	}
	if clock.Wall().After(serverUntil) {
		t.Skipf("the machine took longer than 15 s to get here; the server's retention is over already")
	}
	if warmPacks() == 0 {
		t.Fatal("the warm copy's packs are gone while the server retains them")
	}

	time.Sleep(time.Until(serverUntil.Add(time.Second)))
	e.advance(t, "89d") // to the point's retention end, which the removal was put off to
	deadline := time.Now().Add(60 * time.Second)
	for warmPacks() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("60 s after the server's retention of the warm copy ended, %d of its pack versions are left", warmPacks())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// warmPackVersions counts the versions of vault's warm packs in the "worm" bucket: deleted
// objects leave versions behind while the server retains them.
func warmPackVersions(t *testing.T, srv *s3test.Server, vault string) int {
	t.Helper()
	n := 0
	p := awss3.NewListObjectVersionsPaginator(srv.Client(), &awss3.ListObjectVersionsInput{Bucket: aws.String("worm"), Prefix: aws.String("engine/")})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			if strings.Contains(aws.ToString(v.Key), "/"+vault+"/warm/packs/") {
				n++
			}
		}
	}
	return n
}
