package scenario

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// s3api runs `aws s3api ARGS` against the S3-compatible server, with its keys and nothing of the
// user's AWS configuration, and returns the decoded JSON output.
func s3api(t *testing.T, srv *s3test.Server, args ...string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env := append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "PYTHONWARNINGS=ignore"}, srv.Env()...)
	r, err := runAWSCLI(ctx, env, append([]string{"--endpoint-url", srv.Endpoint, "--output", "json", "s3api"}, args...)...)
	if err == nil && r.Code != 0 {
		err = fmt.Errorf("exit status %d", r.Code)
	}
	if err != nil {
		t.Fatalf("aws s3api %s: %v\n%s", strings.Join(args, " "), err, r.Stderr)
	}
	return cliResult{Stdout: r.Stdout}.JSON(t)
}

// sortedTags renders an s3api TagSet as "k=v,..." in key order.
func sortedTags(set any) string {
	var kv []string
	for _, tg := range list(set) {
		kv = append(kv, fmt.Sprint(obj(tg)["Key"], "=", obj(tg)["Value"]))
	}
	sort.Strings(kv)
	return strings.Join(kv, ",")
}

// The AWS CLI walkthrough of an S3 bucket: put objects with the CLI's s3api into a bucket on a
// real S3-compatible server (versitygw), register the bucket with `engine resource register
// --type S3`, back it up, list the vault's S3 recovery points, read the restore metadata, restore
// into a new bucket and watch the job until COMPLETED — then compare, with s3api, every object's
// bytes, headers, metadata and tags, and the bucket's tags. An item-level restore brings back the
// one object it names.
func TestAWSCLI_s3BucketRestoreWalkthrough(t *testing.T) {
	parallel(t)
	srv := s3test.Start(t)
	dir := t.TempDir()
	big := make([]byte, 9<<20+77) // more than one chunk, and a multipart upload on restore
	_, _ = rand.Read(big)
	files := map[string][]byte{"big.bin": big, "index.html": []byte("<h1>assets</h1>\n"), "a.txt": []byte("a\n"), "empty": nil}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s3api(t, srv, "create-bucket", "--bucket", "site-assets")
	s3api(t, srv, "put-bucket-tagging", "--bucket", "site-assets", "--tagging", "TagSet=[{Key=team,Value=web},{Key=Backup,Value=true}]")
	put := func(key, file string, extra ...string) {
		s3api(t, srv, append([]string{"put-object", "--bucket", "site-assets", "--key", key, "--body", filepath.Join(dir, file)}, extra...)...)
	}
	put("index.html", "index.html", "--content-type", "text/html", "--cache-control", "max-age=300", "--metadata", "author=ann,rev=7", "--tagging", "public=yes")
	put("media/big.bin", "big.bin", "--content-type", "application/octet-stream", "--content-disposition", "attachment")
	put("docs/a.txt", "a.txt", "--content-type", "text/plain", "--tagging", "class=internal&owner=docs")
	put("docs/empty", "empty")

	d := startDaemon(t)
	reg := d.engineAs(t, "us-east-1", "resource", "register", "--endpoint", d.Endpoint, "--type", "S3", "--url", srv.Locator("site-assets"), "--tag", "env=prod")
	if reg.Code != 0 {
		t.Fatalf("engine resource register --type S3: exit %d: %s", reg.Code, reg.Stderr)
	}
	arn := strings.TrimSpace(reg.Stdout)
	if arn != "arn:aws:s3:::site-assets" {
		t.Fatalf("registered ARN %q, want arn:aws:s3:::site-assets", arn)
	}
	listed := d.engineAs(t, "us-east-1", "resource", "list", "--endpoint", d.Endpoint, "--type", "S3")
	if listed.Code != 0 || !strings.Contains(listed.Stdout, arn) || !strings.Contains(listed.Stdout, srv.AccessKey+":xxxxx@") || strings.Contains(listed.Stdout, srv.SecretKey) {
		t.Errorf("engine resource list --type S3 (exit %d) shows:\n%s\nwant the bucket with its secret masked", listed.Code, listed.Stdout)
	}
	if types := d.mustAWS(t, "us-east-1", "backup", "get-supported-resource-types"); !strings.Contains(toJSON(types["ResourceTypes"]), `"S3"`) {
		t.Errorf("get-supported-resource-types = %v", types)
	}

	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "assets-vault")
	started := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "assets-vault",
		"--resource-arn", arn, "--iam-role-arn", defaultRole)
	job := d.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", started["BackupJobId"].(string))
	if job["State"] != "COMPLETED" || job["ResourceType"] != "S3" {
		t.Fatalf("describe-backup-job = %v\ndaemon log:\n%s", job, d.Logs())
	}

	points := list(d.mustAWS(t, "us-east-1", "backup", "list-recovery-points-by-backup-vault",
		"--backup-vault-name", "assets-vault", "--by-resource-type", "S3")["RecoveryPoints"])
	if len(points) != 1 || obj(points[0])["Status"] != "COMPLETED" || obj(points[0])["ResourceArn"] != arn {
		t.Fatalf("list-recovery-points-by-backup-vault --by-resource-type S3 = %v", points)
	}
	rpARN := obj(points[0])["RecoveryPointArn"].(string)
	meta := obj(d.mustAWS(t, "us-east-1", "backup", "get-recovery-point-restore-metadata",
		"--backup-vault-name", "assets-vault", "--recovery-point-arn", rpARN)["RestoreMetadata"])
	if meta["DestinationBucketName"] != "site-assets" || meta["NewBucket"] != "false" {
		t.Fatalf("restore metadata = %v", meta)
	}

	meta["DestinationBucketName"], meta["NewBucket"] = "site-assets-restored", "true"
	rs := d.mustAWS(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", rpARN, "--iam-role-arn", defaultRole,
		"--resource-type", "S3", "--metadata", toJSON(meta))
	restore := d.waitJob(t, "Status", restorePending, "backup", "describe-restore-job", "--restore-job-id", rs["RestoreJobId"].(string))
	if restore["Status"] != "COMPLETED" || restore["CreatedResourceArn"] != "arn:aws:s3:::site-assets-restored" {
		t.Fatalf("describe-restore-job = %v\ndaemon log:\n%s", restore, d.Logs())
	}

	// The AWS CLI sees the same bucket twice.
	keysOf := func(bucket string) string {
		var keys []string
		for _, o := range list(s3api(t, srv, "list-objects-v2", "--bucket", bucket)["Contents"]) {
			keys = append(keys, obj(o)["Key"].(string)+":"+toJSON(obj(o)["Size"]))
		}
		return strings.Join(keys, ",")
	}
	if got, want := keysOf("site-assets-restored"), keysOf("site-assets"); got != want {
		t.Fatalf("restored bucket lists %s, the original %s", got, want)
	}
	for _, key := range []string{"index.html", "media/big.bin", "docs/a.txt", "docs/empty"} {
		orig, copied := filepath.Join(dir, "orig-"+strings.ReplaceAll(key, "/", "_")), filepath.Join(dir, "copy-"+strings.ReplaceAll(key, "/", "_"))
		ho := s3api(t, srv, "get-object", "--bucket", "site-assets", "--key", key, orig)
		hc := s3api(t, srv, "get-object", "--bucket", "site-assets-restored", "--key", key, copied)
		a, _ := os.ReadFile(orig)
		b, _ := os.ReadFile(copied)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: restored content (%d bytes) differs from the original (%d bytes)", key, len(b), len(a))
		}
		for _, h := range []string{"ContentType", "CacheControl", "ContentDisposition", "Metadata"} {
			if toJSON(ho[h]) != toJSON(hc[h]) {
				t.Errorf("%s %s: restored %s, original %s", key, h, toJSON(hc[h]), toJSON(ho[h]))
			}
		}
		// Tag sets are sets: the server lists them in no particular order.
		to := sortedTags(s3api(t, srv, "get-object-tagging", "--bucket", "site-assets", "--key", key)["TagSet"])
		tc := sortedTags(s3api(t, srv, "get-object-tagging", "--bucket", "site-assets-restored", "--key", key)["TagSet"])
		if to != tc {
			t.Errorf("%s tags: restored %s, original %s", key, tc, to)
		}
	}
	if got := toJSON(s3api(t, srv, "get-bucket-tagging", "--bucket", "site-assets-restored")["TagSet"]); !strings.Contains(got, `"web"`) || !strings.Contains(got, `"Backup"`) {
		t.Errorf("restored bucket's tags = %s, want the original's", got)
	}

	// Item-level: one S3 URI.
	meta["DestinationBucketName"], meta["ItemsToRestore"] = "site-assets-docs", `["s3://site-assets/docs/a.txt"]`
	rs = d.mustAWS(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", rpARN, "--iam-role-arn", defaultRole,
		"--resource-type", "S3", "--metadata", toJSON(meta))
	restore = d.waitJob(t, "Status", restorePending, "backup", "describe-restore-job", "--restore-job-id", rs["RestoreJobId"].(string))
	if restore["Status"] != "COMPLETED" {
		t.Fatalf("item restore = %v", restore)
	}
	if got := keysOf("site-assets-docs"); got != "docs/a.txt:2" {
		t.Errorf("item restore wrote %s, want docs/a.txt alone", got)
	}

	// Refusals come back as the AWS errors the CLI prints.
	meta["DestinationBucketName"] = "site-assets"
	delete(meta, "ItemsToRestore")
	again := d.aws(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", rpARN, "--iam-role-arn", defaultRole,
		"--resource-type", "S3", "--metadata", toJSON(meta))
	if again.Code == 0 || !strings.Contains(again.Stderr, "InvalidParameterValueException") || !strings.Contains(again.Stderr, "NewBucket=false") {
		t.Errorf("restore to a new bucket named like the original: exit %d, %s", again.Code, again.Stderr)
	}
}
