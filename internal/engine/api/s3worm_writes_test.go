package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/s3blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// objectPut is one PUT of a whole object (PutObject) the engine's S3 client sent and the server
// accepted.
type objectPut struct {
	key, mode, until string
}

// s3Recorder is the engine's HTTP client to its S3 storage, recording the object PUTs and the
// PutObjectRetention calls the server accepted. Right after the first pack's PUT is answered,
// while the backup still runs, it tries to delete that pack's version with the bucket owner's
// keys, as an attacker with them would.
type s3Recorder struct {
	next   awss3.HTTPClient
	srv    *s3test.Server
	bucket string

	mu          sync.Mutex
	puts        []objectPut
	retentions  map[string]int // PutObjectRetention calls by key
	midBackup   string         // the pack deleted mid-backup
	midBackupOK error          // what deleting its version gave
}

func (r *s3Recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.next.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK || req.Method != http.MethodPut {
		return resp, err
	}
	key, ok := strings.CutPrefix(req.URL.Path, "/"+r.bucket+"/")
	if !ok {
		return resp, err
	}
	if k, uerr := url.PathUnescape(key); uerr == nil {
		key = k
	}
	q := req.URL.Query()
	switch {
	case q.Has("retention"):
		r.mu.Lock()
		r.retentions[key]++
		r.mu.Unlock()
	case q.Has("legal-hold"), q.Has("uploadId"), q.Has("tagging"), req.Header.Get("X-Amz-Copy-Source") != "":
	default:
		r.mu.Lock()
		r.puts = append(r.puts, objectPut{key: key, mode: req.Header.Get("X-Amz-Object-Lock-Mode"), until: req.Header.Get("X-Amz-Object-Lock-Retain-Until-Date")})
		first := r.midBackup == "" && strings.Contains(key, "/packs/")
		if first {
			r.midBackup = key
		}
		r.mu.Unlock()
		if first {
			derr := r.deleteVersion(req.Context(), key)
			r.mu.Lock()
			r.midBackupOK = derr
			r.mu.Unlock()
		}
	}
	return resp, err
}

// deleteVersion deletes the current version of key, as `aws s3api delete-object --version-id`.
func (r *s3Recorder) deleteVersion(ctx context.Context, key string) error {
	head, err := r.srv.Client().HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(r.bucket), Key: aws.String(key)})
	if err != nil {
		return err
	}
	_, err = r.srv.Client().DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(r.bucket), Key: aws.String(key), VersionId: head.VersionId})
	return err
}

func (r *s3Recorder) objectPuts() ([]objectPut, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	retentions := make(map[string]int, len(r.retentions))
	for k, n := range r.retentions {
		retentions[k] = n
	}
	return append([]objectPut(nil), r.puts...), retentions
}

// The objects a backup writes into a compliance-locked vault on an Object Lock bucket are locked
// from their creation: each PUT carries the point's retention (none needs a PutObjectRetention
// afterwards), a pack written while the backup still runs cannot be deleted by its version ID, and
// the repository's working state (its locks) stays deletable. A second backup that reuses those
// objects extends their retention to its own before its point is visible.
func TestS3Storage_lockedVaultsObjectsAreRetainedFromTheirCreation(t *testing.T) {
	ctx := context.Background()
	rec := &s3Recorder{next: awshttp.NewBuildableClient(), bucket: "worm", retentions: map[string]int{}}
	srv, opts := wormBucket(t, s3blob.WithHTTPClient(rec))
	rec.srv = srv
	e := newJobEnv(t, opts)
	src := t.TempDir()
	enginetest.WriteTree(t, src, 41)
	arn := e.register(t, src)
	e.vault(t, "ledger")
	if _, err := e.c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("ledger"),
		MinRetentionDays: aws.Int64(1), ChangeableForDays: aws.Int64(3)}); err != nil {
		t.Fatal(err)
	}
	backupFor := func(days int64) *backup.DescribeBackupJobOutput {
		t.Helper()
		out, err := e.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("ledger"), ResourceArn: aws.String(arn),
			IamRoleArn: aws.String(role), Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(days)}})
		if err != nil {
			t.Fatal(err)
		}
		j := e.waitBackup(t, aws.ToString(out.BackupJobId))
		if j.State != types.BackupJobStateCompleted {
			t.Fatalf("backup into the compliance vault: %s %s", j.State, aws.ToString(j.StatusMessage))
		}
		return j
	}
	first := backupFor(2)
	until := aws.ToTime(first.CreationDate).AddDate(0, 0, 2)

	puts, retentions := rec.objectPuts()
	prefix := "engine/" + e.srv.Key.AccountID + "/us-east-1/ledger/warm/"
	kinds := map[string]int{}
	for _, p := range puts {
		kind, _, _ := strings.Cut(strings.TrimPrefix(p.key, prefix), "/")
		switch kind {
		case "packs", "index", "snapshots", "config":
		case "locks":
			if p.mode != "" {
				t.Errorf("the backup lock %s was written with %s retention: the repository's working state must stay deletable", p.key, p.mode)
			}
			continue
		default:
			continue
		}
		kinds[kind]++
		putUntil, perr := time.Parse(time.RFC3339, p.until)
		if p.mode != string(s3types.ObjectLockModeCompliance) || perr != nil || putUntil.Sub(until).Abs() > time.Second {
			t.Errorf("%s was written with retention %q until %q; want COMPLIANCE until %s in its PUT", p.key, p.mode, p.until, until.Format(time.RFC3339))
		}
		if n := retentions[p.key]; n != 0 {
			t.Errorf("%s needed %d PutObjectRetention calls after it was written; its PUT should have locked it", p.key, n)
		}
		head, err := srv.Client().HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("worm"), Key: aws.String(p.key)})
		if err != nil {
			t.Fatalf("HEAD %s: %v", p.key, err)
		}
		if head.ObjectLockMode != s3types.ObjectLockModeCompliance || aws.ToTime(head.ObjectLockRetainUntilDate).Sub(until).Abs() > time.Second {
			t.Errorf("HEAD %s: retention %q until %v, want COMPLIANCE until %s", p.key, head.ObjectLockMode, head.ObjectLockRetainUntilDate, until)
		}
	}
	if kinds["packs"] == 0 || kinds["index"] == 0 || kinds["snapshots"] != 1 || kinds["config"] != 1 {
		t.Fatalf("objects the backup created, by kind: %v; want packs, index files, one snapshot and the config", kinds)
	}
	rec.mu.Lock()
	mid, midErr := rec.midBackup, rec.midBackupOK
	rec.mu.Unlock()
	var ae interface{ ErrorCode() string }
	if midErr == nil {
		t.Errorf("the pack %s, written mid-backup, was deleted by its version ID", mid)
	} else if !errors.As(midErr, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Errorf("deleting the version of the pack %s written mid-backup: %v, want AccessDenied", mid, midErr)
	}

	// The same tree again, kept longer: its point reuses the packs, whose retention is extended.
	second := backupFor(4)
	longer := aws.ToTime(second.CreationDate).AddDate(0, 0, 4)
	for _, p := range puts {
		if !strings.Contains(p.key, "/packs/") {
			continue
		}
		ret, err := srv.Client().GetObjectRetention(ctx, &awss3.GetObjectRetentionInput{Bucket: aws.String("worm"), Key: aws.String(p.key)})
		if err != nil || ret.Retention.RetainUntilDate.Sub(longer).Abs() > time.Second {
			t.Errorf("%s, reused by a point kept until %s: retention %+v, %v", p.key, longer, ret, err)
		}
	}
}
