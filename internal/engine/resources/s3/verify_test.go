package s3

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

func TestVerifyRestoredPassesAnExactRestoreAndNamesAChangedExtraOrMissingObject(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	ctx := context.Background()
	srv.CreateBucket(t, "source")
	for _, o := range sample() {
		put(t, c, "source", o)
	}
	repo := newRepo(t)
	res, err := Backup(ctx, repo, openBucket(t, srv, "source"), "", BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	restored := openBucket(t, srv, "restored")
	if _, err := Restore(ctx, repo, res.Snapshot.ID, restored, RestoreOptions{NewBucket: true, JobID: "job1"}); err != nil {
		t.Fatal(err)
	}
	msg, err := VerifyRestored(ctx, repo, res.Snapshot.ID, restored)
	if err != nil || !strings.Contains(msg, "7 objects") {
		t.Fatalf("an exact restore: %q, %v", msg, err)
	}

	// The same size, other bytes: only the ETag tells.
	put(t, c, "restored", object{key: "a-b", data: []byte("DASH")})
	if _, err := VerifyRestored(ctx, repo, res.Snapshot.ID, restored); err == nil || !strings.Contains(err.Error(), `"a-b"`) || !strings.Contains(err.Error(), "ETag") {
		t.Fatalf("a changed object: %v; want a failure naming it and its ETag", err)
	}
	put(t, c, "restored", object{key: "a-b", data: []byte("dash")})
	put(t, c, "restored", object{key: "stray", data: []byte("x")})
	if _, err := VerifyRestored(ctx, repo, res.Snapshot.ID, restored); err == nil || !strings.Contains(err.Error(), "8 objects") {
		t.Fatalf("an extra object: %v; want a failure counting it", err)
	}
	if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("restored"), Key: aws.String("stray")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("restored"), Key: aws.String("empty")}); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyRestored(ctx, repo, res.Snapshot.ID, restored); err == nil || !strings.Contains(err.Error(), `"empty"`) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("a missing object: %v; want a failure naming it", err)
	}

	if err := DeleteBucket(ctx, restored); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
	if exists, err := restored.Exists(ctx); err != nil || exists {
		t.Fatalf("after DeleteBucket: exists %v, %v", exists, err)
	}
	if err := DeleteBucket(ctx, restored); err != nil {
		t.Errorf("deleting a bucket that is gone: %v; want no error", err)
	}
}
