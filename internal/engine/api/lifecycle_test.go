package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// snapshotsIn counts the snapshots of the repository in dir (0 if there is none).
func snapshotsIn(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "snapshots"))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func TestLifecycleMovesEFSPointsToColdStorageThenDeletesThem(t *testing.T) {
	ctx := context.Background()
	e := newSchedEnv(t, schedStart, engine.Options{})
	e.vault(t, "prod")
	e.dirs(t, 1, map[string]string{"Backup": "true"})
	rule := dailyRule("prod")
	rule.ScheduleExpression = aws.String("cron(0 2 17 1 ? 2024)") // once: 2024-01-17 02:00
	rule.Lifecycle = &types.Lifecycle{MoveToColdStorageAfterDays: aws.Int64(30), DeleteAfterDays: aws.Int64(120)}
	e.plan(t, rule)
	e.advance(t, "1d")
	points := e.points(t, "prod")
	if len(points) != 1 {
		t.Fatalf("%d points after the first night, want 1", len(points))
	}
	p := points[0]
	created := aws.ToTime(p.CreationDate)
	if p.CalculatedLifecycle == nil || !aws.ToTime(p.CalculatedLifecycle.MoveToColdStorageAt).Equal(created.AddDate(0, 0, 30)) ||
		!aws.ToTime(p.CalculatedLifecycle.DeleteAt).Equal(created.AddDate(0, 0, 120)) {
		t.Fatalf("CalculatedLifecycle = %+v for a point created %s with cold 30 / delete 120", p.CalculatedLifecycle, created)
	}
	account, region := credentials.DefaultAccountID, "us-east-1"
	warmDir := repoDir(t, e.dataDir, account, region, "prod")
	coldDir := coldRepoDir(t, e.dataDir, account, region, "prod")
	if n := snapshotsIn(t, warmDir); n != 1 {
		t.Fatalf("%d snapshots in the warm repository, want 1", n)
	}

	// Day 29 after creation: still warm. Day 30: cold, its data in the cold repository only.
	e.advance(t, "28d")
	describe := func() *backup.DescribeRecoveryPointOutput {
		out, err := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("prod"), RecoveryPointArn: p.RecoveryPointArn})
		if err != nil {
			t.Fatalf("DescribeRecoveryPoint: %v", err)
		}
		return out
	}
	if sc := describe().StorageClass; sc != types.StorageClassWarm {
		t.Fatalf("storage class %s on day 29", sc)
	}
	e.advance(t, "2d")
	if d := describe(); d.StorageClass != types.StorageClassCold {
		t.Fatalf("storage class %s on day 31, want COLD", d.StorageClass)
	}
	if w, c := snapshotsIn(t, warmDir), snapshotsIn(t, coldDir); w != 0 || c != 1 {
		t.Fatalf("after the move: %d snapshots warm, %d cold; want 0 and 1", w, c)
	}

	// A cold point restores, to the same tree.
	src := ""
	if res, err := e.reg.GetResource(ctx, aws.ToString(p.ResourceArn)); err == nil {
		src = res.Locator
	}
	dest := filepath.Join(t.TempDir(), "restored")
	meta, err := e.c.GetRecoveryPointRestoreMetadata(ctx, &backup.GetRecoveryPointRestoreMetadataInput{BackupVaultName: aws.String("prod"), RecoveryPointArn: p.RecoveryPointArn})
	if err != nil {
		t.Fatal(err)
	}
	meta.RestoreMetadata["destination-path"] = dest
	rs, err := e.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: p.RecoveryPointArn, Metadata: meta.RestoreMetadata, IamRoleArn: aws.String(role)})
	if err != nil {
		t.Fatalf("StartRestoreJob of a cold point: %v", err)
	}
	if r := e.waitRestore(t, aws.ToString(rs.RestoreJobId)); r.Status != types.RestoreJobStatusCompleted {
		t.Fatalf("restore of a cold point ended %s: %s", r.Status, aws.ToString(r.StatusMessage))
	}
	if diffs := enginetest.DiffTrees(t, src, dest); len(diffs) > 0 {
		t.Fatalf("the tree restored from cold storage differs:\n%s", strings.Join(diffs, "\n"))
	}

	// Its cold setting is fixed now; its retention can be extended, and the new date holds.
	_, err = e.c.UpdateRecoveryPointLifecycle(ctx, &backup.UpdateRecoveryPointLifecycleInput{BackupVaultName: aws.String("prod"), RecoveryPointArn: p.RecoveryPointArn,
		Lifecycle: &types.Lifecycle{MoveToColdStorageAfterDays: aws.Int64(10), DeleteAfterDays: aws.Int64(200)}})
	if err == nil {
		t.Fatal("changing the cold setting of a cold point succeeded")
	}
	up, err := e.c.UpdateRecoveryPointLifecycle(ctx, &backup.UpdateRecoveryPointLifecycleInput{BackupVaultName: aws.String("prod"), RecoveryPointArn: p.RecoveryPointArn,
		Lifecycle: &types.Lifecycle{MoveToColdStorageAfterDays: aws.Int64(30), DeleteAfterDays: aws.Int64(200)}})
	if err != nil {
		t.Fatalf("extending the retention: %v", err)
	}
	if !aws.ToTime(up.CalculatedLifecycle.DeleteAt).Equal(created.AddDate(0, 0, 200)) || !aws.ToTime(describe().CalculatedLifecycle.DeleteAt).Equal(created.AddDate(0, 0, 200)) {
		t.Fatalf("CalculatedLifecycle after the update = %+v", up.CalculatedLifecycle)
	}
	e.advance(t, "100d") // day 131: past the old date, before the new one
	if len(e.points(t, "prod")) != 1 {
		t.Fatal("the point was deleted at its old DeleteAt after its retention was extended")
	}
	e.advance(t, "70d") // day 201
	if n := len(e.points(t, "prod")); n != 0 {
		t.Fatalf("%d points after DeleteAt, want 0", n)
	}
	if c := snapshotsIn(t, coldDir); c != 0 {
		t.Fatalf("%d snapshots left in the cold repository after the deletion", c)
	}
	deleted := false
	for _, ev := range e.events(t) {
		if ev.Type == "RECOVERY_POINT_MODIFIED" && ev.State == "DELETED" && ev.RecoveryPointARN == aws.ToString(p.RecoveryPointArn) {
			deleted = true
			if !ev.Time.Equal(created.AddDate(0, 0, 200)) {
				t.Errorf("the deletion event is stamped %s, want the DeleteAt %s", ev.Time, created.AddDate(0, 0, 200))
			}
		}
	}
	if !deleted {
		t.Fatal("no RECOVERY_POINT_MODIFIED DELETED event for the lifecycle deletion")
	}
}

func TestLifecycleDeletesNightlyPointsWhenTheirRetentionEnds(t *testing.T) {
	e := newSchedEnv(t, schedStart, engine.Options{})
	e.vault(t, "prod")
	e.dirs(t, 2, map[string]string{"Backup": "true"})
	rule := dailyRule("prod")
	rule.Lifecycle = &types.Lifecycle{DeleteAfterDays: aws.Int64(3)}
	e.plan(t, rule)
	// Nightly backups kept 3 days: after 10 nights, the points of the last 3 nights remain.
	e.advance(t, "10d")
	points := e.points(t, "prod")
	if len(points) != 6 {
		t.Fatalf("%d points after 10 nights with DeleteAfterDays 3, want 6 (2 resources x 3 nights)", len(points))
	}
	now := schedStart.AddDate(0, 0, 10)
	for _, p := range points {
		if age := now.Sub(aws.ToTime(p.CreationDate)); age >= 3*24*time.Hour {
			t.Errorf("point %s is %s old, past its 3-day retention", aws.ToString(p.RecoveryPointArn), age)
		}
		if p.Status != types.RecoveryPointStatusCompleted || p.CalculatedLifecycle.MoveToColdStorageAt != nil {
			t.Errorf("point %+v", p)
		}
	}
}
