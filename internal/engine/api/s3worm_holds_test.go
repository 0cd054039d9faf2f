package api_test

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// A legal hold covers the points that exist when it is created, never those backed up or copied
// in later (AWS: "A legal hold can be added to an existing backup (recovery point)"; DateRange:
// "Future DateTime values are not permitted"; a copy "does not retain or carry its legal hold").
// The engine and S3 agree: the later points are not listed by the hold and can be deleted, their
// own objects carry no S3 legal hold, and GC removes them from the bucket, while the held point's
// objects keep theirs.
func TestS3Storage_aLegalHoldDoesNotHoldPointsCreatedAfterIt(t *testing.T) {
	ctx := context.Background()
	srv, opts := wormBucket(t)
	e := newJobEnv(t, opts)
	src := t.TempDir()
	enginetest.WriteTree(t, src, 47)
	arn := e.register(t, src)
	e.vault(t, "evidence")
	e.vault(t, "elsewhere")
	objects := func() []string {
		t.Helper()
		var keys []string
		p := awss3.NewListObjectsV2Paginator(srv.Client(), &awss3.ListObjectsV2Input{Bucket: aws.String("worm"), Prefix: aws.String("engine/")})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Contents {
				if k := aws.ToString(o.Key); !strings.Contains(k, "/locks/") {
					keys = append(keys, k)
				}
			}
		}
		return keys
	}
	s3Held := func(key string) bool {
		out, err := srv.Client().GetObjectLegalHold(ctx, &awss3.GetObjectLegalHoldInput{Bucket: aws.String("worm"), Key: aws.String(key)})
		return err == nil && out.LegalHold.Status == s3types.ObjectLockLegalHoldStatusOn // versitygw answers an error for a hold never set
	}

	held := e.backup(t, "evidence", arn)
	heldObjects := objects()
	hold, err := e.c.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{Title: aws.String("litigation"), Description: aws.String("keep the evidence vault"),
		RecoveryPointSelection: &types.RecoveryPointSelection{VaultNames: []string{"evidence", "elsewhere"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range heldObjects {
		if strings.Contains(k, "/snapshots/") && !s3Held(k) {
			t.Errorf("the held point's snapshot %s has no S3 legal hold", k)
		}
	}

	// After the hold: a backup of changed data into a held vault, and a copy of the held point.
	fresh := make([]byte, 3<<20)
	_, _ = rand.Read(fresh)
	if err := os.WriteFile(filepath.Join(src, "after-the-hold.bin"), fresh, 0o600); err != nil {
		t.Fatal(err)
	}
	later := e.backup(t, "evidence", arn)
	copied := e.copyCompleted(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("evidence"), RecoveryPointArn: held.RecoveryPointArn,
		DestinationBackupVaultArn: aws.String("arn:aws:backup:us-east-1:" + e.srv.Key.AccountID + ":backup-vault:elsewhere")})
	var laterObjects []string
	for _, k := range objects() {
		if !slices.Contains(heldObjects, k) {
			laterObjects = append(laterObjects, k)
		}
	}
	kinds := map[string]bool{}
	for _, k := range laterObjects {
		if s3Held(k) {
			t.Errorf("%s, written after the hold for a point it does not cover, has an S3 legal hold", k)
		}
		for _, kind := range []string{"/evidence/warm/packs/", "/evidence/warm/snapshots/", "/elsewhere/warm/snapshots/"} {
			if strings.Contains(k, kind) {
				kinds[kind] = true
			}
		}
	}
	if len(kinds) != 3 {
		t.Fatalf("objects written after the hold: %v; want the later backup's packs and snapshot, and the copy's snapshot", laterObjects)
	}

	listed, err := e.c.ListRecoveryPointsByLegalHold(ctx, &backup.ListRecoveryPointsByLegalHoldInput{LegalHoldId: hold.LegalHoldId})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed.RecoveryPoints) != 1 || aws.ToString(listed.RecoveryPoints[0].RecoveryPointArn) != aws.ToString(held.RecoveryPointArn) {
		t.Errorf("the hold lists %+v; want only %s", listed.RecoveryPoints, aws.ToString(held.RecoveryPointArn))
	}
	if _, err := e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String("evidence"), RecoveryPointArn: held.RecoveryPointArn}); apiCode(err) != "InvalidRequestException" {
		t.Errorf("DeleteRecoveryPoint of the held point: %v, want InvalidRequestException", err)
	}
	for vault, point := range map[string]*string{"evidence": later.RecoveryPointArn, "elsewhere": copied.DestinationRecoveryPointArn} {
		if _, err := e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String(vault), RecoveryPointArn: point}); err != nil {
			t.Errorf("DeleteRecoveryPoint of %s, created after the hold: %v", aws.ToString(point), err)
		}
	}
	// GC removes the later point's own packs: the server holds nothing of them.
	deadline := time.Now().Add(60 * time.Second)
	for {
		left := 0
		for _, k := range objects() {
			if slices.Contains(laterObjects, k) && strings.Contains(k, "/evidence/warm/packs/") {
				left++
			}
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("60 s after the later point was deleted, %d of its packs are still in the bucket", left)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, k := range heldObjects {
		if strings.Contains(k, "/packs/") && !slices.Contains(objects(), k) {
			t.Errorf("the held point's pack %s is gone", k)
		}
	}
}
