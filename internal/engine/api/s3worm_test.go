package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/s3blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// A locked vault whose repository is in an Object Lock bucket: every object of a new point is
// retained below the engine until the point's retention end, COMPLIANCE for a compliance lock
// and GOVERNANCE for a governance lock; the point cannot be deleted through the API, and its
// packs cannot be deleted through the S3 API either.
func TestS3Storage_lockedVaultsRetainTheirPointsObjectsInObjectLockBuckets(t *testing.T) {
	ctx := context.Background()
	srv, opts := wormBucket(t)
	e := newJobEnv(t, opts)
	src := t.TempDir()
	enginetest.WriteTree(t, src, 31)
	arn := e.register(t, src)
	account := e.srv.Key.AccountID

	for _, tc := range []struct {
		vault string
		lock  *backup.PutBackupVaultLockConfigurationInput
		mode  s3types.ObjectLockRetentionMode
	}{
		{"compliance", &backup.PutBackupVaultLockConfigurationInput{MinRetentionDays: aws.Int64(1), ChangeableForDays: aws.Int64(3)}, s3types.ObjectLockRetentionModeCompliance},
		{"governance", &backup.PutBackupVaultLockConfigurationInput{MinRetentionDays: aws.Int64(1)}, s3types.ObjectLockRetentionModeGovernance},
	} {
		t.Run(tc.vault, func(t *testing.T) {
			e.vault(t, tc.vault)
			tc.lock.BackupVaultName = aws.String(tc.vault)
			if _, err := e.c.PutBackupVaultLockConfiguration(ctx, tc.lock); err != nil {
				t.Fatal(err)
			}
			out, err := e.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String(tc.vault), ResourceArn: aws.String(arn),
				IamRoleArn: aws.String(role), Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(2)}})
			if err != nil {
				t.Fatal(err)
			}
			j := e.waitBackup(t, aws.ToString(out.BackupJobId))
			if j.State != types.BackupJobStateCompleted {
				t.Fatalf("backup into the %s vault: %s %s", tc.vault, j.State, aws.ToString(j.StatusMessage))
			}
			wantUntil := aws.ToTime(j.CreationDate).AddDate(0, 0, 2)

			prefix := "engine/" + account + "/us-east-1/" + tc.vault + "/warm/"
			objs, err := srv.Client().ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("worm"), Prefix: aws.String(prefix)})
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			for _, o := range objs.Contents {
				key := aws.ToString(o.Key)
				kind, _, _ := strings.Cut(strings.TrimPrefix(key, prefix), "/")
				if kind != "packs" && kind != "snapshots" && kind != "index" && kind != "config" {
					continue // locks and the like are the engine's working state, not the point's
				}
				ret, err := srv.Client().GetObjectRetention(ctx, &awss3.GetObjectRetentionInput{Bucket: aws.String("worm"), Key: o.Key})
				if err != nil {
					t.Errorf("%s has no retention: %v", key, err)
					continue
				}
				if ret.Retention.Mode != tc.mode || ret.Retention.RetainUntilDate.Sub(wantUntil).Abs() > time.Second {
					t.Errorf("%s retained %s until %s; want %s until %s", key, ret.Retention.Mode, ret.Retention.RetainUntilDate, tc.mode, wantUntil)
				}
				kinds[kind]++
			}
			if kinds["packs"] == 0 || kinds["snapshots"] != 1 || kinds["index"] == 0 || kinds["config"] != 1 {
				t.Fatalf("retained objects by kind: %v; want packs, one snapshot, index files and the config", kinds)
			}

			// Not through the API...
			_, err = e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String(tc.vault), RecoveryPointArn: j.RecoveryPointArn})
			if apiCode(err) != "InvalidRequestException" {
				t.Errorf("DeleteRecoveryPoint in the locked vault: %v, want InvalidRequestException", err)
			}
			// ...nor through S3: deleting a pack's version is refused by the server.
			for _, o := range objs.Contents {
				if !strings.Contains(aws.ToString(o.Key), "/packs/") {
					continue
				}
				head, err := srv.Client().HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("worm"), Key: o.Key})
				if err != nil {
					t.Fatal(err)
				}
				_, err = srv.Client().DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("worm"), Key: o.Key, VersionId: head.VersionId})
				if err == nil {
					t.Fatalf("the S3 API deleted %s of a %s-locked point", aws.ToString(o.Key), tc.vault)
				}
				var ae interface{ ErrorCode() string }
				if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
					t.Errorf("deleting a retained pack: %v, want AccessDenied", err)
				}
				break
			}
			// Extending the point's retention extends its objects' retention.
			if _, err := e.c.UpdateRecoveryPointLifecycle(ctx, &backup.UpdateRecoveryPointLifecycleInput{BackupVaultName: aws.String(tc.vault),
				RecoveryPointArn: j.RecoveryPointArn, Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(5)}}); err != nil {
				t.Fatal(err)
			}
			extended := aws.ToTime(j.CreationDate).AddDate(0, 0, 5)
			for _, o := range objs.Contents {
				if !strings.Contains(aws.ToString(o.Key), "/packs/") && !strings.Contains(aws.ToString(o.Key), "/snapshots/") {
					continue
				}
				ret, err := srv.Client().GetObjectRetention(ctx, &awss3.GetObjectRetentionInput{Bucket: aws.String("worm"), Key: o.Key})
				if err != nil || ret.Retention.RetainUntilDate.Sub(extended).Abs() > time.Second {
					t.Errorf("%s after the lifecycle was extended: %+v, %v; want until %s", aws.ToString(o.Key), ret, err, extended)
				}
			}
			// A legal hold on the vault's points puts S3 legal holds on their objects, and its
			// cancellation takes them off.
			packKey := ""
			for _, o := range objs.Contents {
				if strings.Contains(aws.ToString(o.Key), "/packs/") {
					packKey = aws.ToString(o.Key)
					break
				}
			}
			legalHold := func() s3types.ObjectLockLegalHoldStatus {
				t.Helper()
				out, err := srv.Client().GetObjectLegalHold(ctx, &awss3.GetObjectLegalHoldInput{Bucket: aws.String("worm"), Key: aws.String(packKey)})
				if err != nil {
					return s3types.ObjectLockLegalHoldStatusOff // versitygw answers an error for a hold never set
				}
				return out.LegalHold.Status
			}
			hold, err := e.c.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{Title: aws.String("audit " + tc.vault), Description: aws.String("keep"),
				RecoveryPointSelection: &types.RecoveryPointSelection{VaultNames: []string{tc.vault}}})
			if err != nil {
				t.Fatal(err)
			}
			if got := legalHold(); got != s3types.ObjectLockLegalHoldStatusOn {
				t.Errorf("S3 legal hold of %s under an active legal hold: %q, want ON", packKey, got)
			}
			if _, err := e.c.CancelLegalHold(ctx, &backup.CancelLegalHoldInput{LegalHoldId: hold.LegalHoldId, CancelDescription: aws.String("done")}); err != nil {
				t.Fatal(err)
			}
			if got := legalHold(); got != s3types.ObjectLockLegalHoldStatusOff {
				t.Errorf("S3 legal hold of %s after the hold was cancelled: %q, want OFF", packKey, got)
			}
			restoreFrom(t, e.c, aws.ToString(j.RecoveryPointArn), src)
		})
	}
}

// wormBucket starts a versitygw that enforces Object Lock, with an Object Lock bucket "worm", and
// returns it and engine options that keep us-east-1's vaults in that bucket, signed with the
// server's key (extra options follow it).
func wormBucket(t *testing.T, extra ...s3blob.Option) (*s3test.Server, engine.Options) {
	t.Helper()
	srv := s3test.StartVersioned(t)
	srv.CreateObjectLockBucket(t, "worm")
	cfg, err := config.Parse([]byte(`{"regions": {"us-east-1": {"storage": "s3://worm/engine?endpoint=`+srv.Endpoint+`"}}}`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	creds := s3blob.WithCredentials(credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""))
	return srv, engine.Options{DataDir: t.TempDir(), Config: cfg, S3Storage: append([]s3blob.Option{creds}, extra...)}
}
