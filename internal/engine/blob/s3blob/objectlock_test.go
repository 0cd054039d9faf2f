package s3blob_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/s3blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

func openOn(t *testing.T, srv *s3test.Server, bucket string) *s3blob.Store {
	t.Helper()
	loc, err := s3blob.ParseLocation("s3://" + bucket + "/repo?endpoint=" + srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	s, err := s3blob.Open(context.Background(), loc, s3blob.WithCredentials(credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, "")))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Object Lock is enforced below the store: a retained or held object cannot be removed through
// the store (ErrRetained) nor by the AWS CLI deleting its version, retention is never
// shortened, and once it ends Remove frees the version.
func TestObjectLockIsEnforcedByTheServer(t *testing.T) {
	aws_, err := exec.LookPath("aws")
	if err != nil {
		t.Fatal("the AWS CLI is needed (scripts/install-test-deps.sh lists it)")
	}
	ctx := context.Background()
	srv := s3test.StartVersioned(t)
	srv.CreateObjectLockBucket(t, "worm")
	srv.CreateBucket(t, "plain")
	s := openOn(t, srv, "worm")
	if on, err := s.ObjectLockEnabled(ctx); err != nil || !on {
		t.Fatalf("ObjectLockEnabled on an Object Lock bucket = %t, %v", on, err)
	}
	if on, err := openOn(t, srv, "plain").ObjectLockEnabled(ctx); err != nil || on {
		t.Fatalf("ObjectLockEnabled on a plain bucket = %t, %v", on, err)
	}

	save := func(name string) {
		t.Helper()
		if err := s.Save(ctx, name, strings.NewReader("data of "+name)); err != nil {
			t.Fatal(err)
		}
	}
	save("packs/aa/locked")
	until := clock.Wall().Add(time.Hour)
	if err := s.Retain(ctx, s3blob.ModeCompliance, until, "packs/aa/locked"); err != nil {
		t.Fatal(err)
	}
	if held, err := s.Retained(ctx, "packs/aa/locked"); err != nil || !held {
		t.Fatalf("Retained = %t, %v", held, err)
	}
	if err := s.Remove(ctx, "packs/aa/locked"); !errors.Is(err, blob.ErrRetained) {
		t.Fatalf("Remove of a COMPLIANCE-retained object: %v, want ErrRetained", err)
	}
	// A shorter retention does not replace the longer one.
	if err := s.Retain(ctx, s3blob.ModeCompliance, clock.Wall().Add(time.Minute), "packs/aa/locked"); err != nil {
		t.Fatal(err)
	}
	ret, err := srv.Client().GetObjectRetention(ctx, &awss3.GetObjectRetentionInput{Bucket: aws.String("worm"), Key: aws.String("repo/packs/aa/locked")})
	if err != nil || ret.Retention.RetainUntilDate.Before(until.Add(-time.Second)) {
		t.Fatalf("retention after a shorter Retain: %+v, %v; want until %s", ret, err, until)
	}
	// Not even the bucket's owner deletes the version with the AWS CLI.
	head, err := srv.Client().HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("worm"), Key: aws.String("repo/packs/aa/locked")})
	if err != nil {
		t.Fatal(err)
	}
	cli := exec.Command(aws_, "--endpoint-url", srv.Endpoint, "s3api", "delete-object", "--bucket", "worm", "--key", "repo/packs/aa/locked", "--version-id", aws.ToString(head.VersionId))
	cli.Env = append(srv.Env(), "PATH="+os.Getenv("PATH"), "HOME="+t.TempDir())
	if out, err := cli.CombinedOutput(); err == nil {
		t.Fatalf("aws s3api delete-object of a COMPLIANCE-retained version succeeded:\n%s", out)
	} else {
		t.Logf("the AWS CLI was refused, as it must be: %s", strings.TrimSpace(string(out)))
	}
	if b, err := blob.ReadAll(ctx, s, "packs/aa/locked"); err != nil || string(b) != "data of packs/aa/locked" {
		t.Fatalf("the retained object after the attempts: %q, %v", b, err)
	}

	save("snapshots/held")
	if err := s.SetLegalHold(ctx, true, "snapshots/held"); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, "snapshots/held"); !errors.Is(err, blob.ErrRetained) {
		t.Fatalf("Remove of a held object: %v, want ErrRetained", err)
	}
	if err := s.SetLegalHold(ctx, false, "snapshots/held"); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, "snapshots/held"); err != nil {
		t.Fatalf("Remove after the hold was released: %v", err)
	}

	save("index/governed")
	if err := s.Retain(ctx, s3blob.ModeGovernance, clock.Wall().Add(time.Hour), "index/governed"); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, "index/governed"); !errors.Is(err, blob.ErrRetained) {
		t.Fatalf("Remove of a GOVERNANCE-retained object: %v, want ErrRetained", err)
	}

	// Retention that ended: Remove deletes the version itself, so nothing is left to pay for.
	save("packs/bb/short")
	if err := s.Retain(ctx, s3blob.ModeCompliance, clock.Wall().Add(2*time.Second), "packs/bb/short"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if held, err := s.Retained(ctx, "packs/bb/short"); err != nil || held {
		t.Fatalf("Retained after the retention ended = %t, %v", held, err)
	}
	if err := s.Remove(ctx, "packs/bb/short"); err != nil {
		t.Fatalf("Remove after the retention ended: %v", err)
	}
	vs, err := srv.Client().ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: aws.String("worm"), Prefix: aws.String("repo/packs/bb/")})
	if err != nil || len(vs.Versions)+len(vs.DeleteMarkers) != 0 {
		t.Fatalf("versions left after Remove: %d versions, %d delete markers (%v)", len(vs.Versions), len(vs.DeleteMarkers), err)
	}
}

// While RetainWrites is in force, an object is written with its retention in the write itself,
// as one PUT and as a multipart upload (the transfer manager's, above 64 MiB) alike: the server
// shows the retention, refuses to delete the version, and RetainedUntil reads it back. An object
// the retention does not apply to, or saved after release, is written without one.
func TestRetainWritesLocksObjectsInTheirWrite(t *testing.T) {
	ctx := context.Background()
	srv := s3test.StartVersioned(t)
	srv.CreateObjectLockBucket(t, "worm")
	s := openOn(t, srv, "worm")
	until := clock.Wall().Add(time.Hour).Truncate(time.Second)
	release := s.RetainWrites(blob.Retention{Mode: s3blob.ModeGovernance, Until: until}, func(name string) bool { return strings.HasPrefix(name, "packs/") })
	big := make([]byte, 65<<20)
	for name, data := range map[string][]byte{"packs/aa/small": []byte("a small pack"), "packs/bb/large": big, "locks/session.0": []byte("lock")} {
		if err := s.Save(ctx, name, bytes.NewReader(data)); err != nil {
			t.Fatalf("Save %s (%d bytes): %v", name, len(data), err)
		}
	}
	release()
	if err := s.Save(ctx, "packs/cc/after", strings.NewReader("after release")); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"packs/aa/small": true, "packs/bb/large": true, "locks/session.0": false, "packs/cc/after": false} {
		got, held, err := s.RetainedUntil(ctx, name)
		if err != nil || held || got.IsZero() != !want || want && !got.Equal(until) {
			t.Errorf("RetainedUntil(%s) = %s, %t, %v; retained until %s: %t", name, got, held, err, until, want)
		}
		if !want {
			continue
		}
		key := aws.String("repo/" + name)
		head, err := srv.Client().HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("worm"), Key: key})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Client().DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("worm"), Key: key, VersionId: head.VersionId}); err == nil {
			t.Errorf("the version of %s, written under retention, was deleted", name)
		}
	}
}
