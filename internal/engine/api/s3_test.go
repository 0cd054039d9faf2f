package api_test

import (
	"bytes"
	"context"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// bucketObject is an object a test puts and reads back.
type bucketObject struct {
	key, contentType string
	data             []byte
	meta, tags       map[string]string
}

func putObjects(t *testing.T, c *awss3.Client, bucket string, objs ...bucketObject) {
	t.Helper()
	for _, o := range objs {
		in := &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.key), Body: bytes.NewReader(o.data), Metadata: o.meta}
		if o.contentType != "" {
			in.ContentType = aws.String(o.contentType)
		}
		var tags []string
		for k, v := range o.tags {
			tags = append(tags, k+"="+v)
		}
		if len(tags) > 0 {
			in.Tagging = aws.String(strings.Join(tags, "&"))
		}
		if _, err := c.PutObject(context.Background(), in); err != nil {
			t.Fatalf("put %s/%s: %v", bucket, o.key, err)
		}
	}
}

func tagBucket(t *testing.T, c *awss3.Client, bucket string, tags map[string]string) {
	t.Helper()
	var set []s3types.Tag
	for k, v := range tags {
		set = append(set, s3types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if _, err := c.PutBucketTagging(context.Background(), &awss3.PutBucketTaggingInput{Bucket: aws.String(bucket), Tagging: &s3types.Tagging{TagSet: set}}); err != nil {
		t.Fatal(err)
	}
}

// bucketHolds checks a bucket's keys, and each object's bytes, Content-Type, user metadata and tags.
func bucketHolds(t *testing.T, c *awss3.Client, bucket string, want []bucketObject) {
	t.Helper()
	ctx := context.Background()
	list, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("list %s: %v", bucket, err)
	}
	var keys, wantKeys []string
	for _, o := range list.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	for _, o := range want {
		wantKeys = append(wantKeys, o.key)
	}
	slices.Sort(wantKeys)
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("bucket %s holds %q, want %q", bucket, keys, wantKeys)
	}
	for _, o := range want {
		got, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.key)})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if !bytes.Equal(data, o.data) {
			t.Errorf("%s/%s: content differs", bucket, o.key)
		}
		if o.contentType != "" && aws.ToString(got.ContentType) != o.contentType {
			t.Errorf("%s/%s Content-Type %q, want %q", bucket, o.key, aws.ToString(got.ContentType), o.contentType)
		}
		if len(o.meta) > 0 && !maps.Equal(got.Metadata, o.meta) {
			t.Errorf("%s/%s metadata %v, want %v", bucket, o.key, got.Metadata, o.meta)
		}
		tags, err := c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(o.key)})
		if err != nil {
			t.Fatal(err)
		}
		gotTags := map[string]string{}
		for _, tg := range tags.TagSet {
			gotTags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		if len(o.tags) > 0 && !maps.Equal(gotTags, o.tags) {
			t.Errorf("%s/%s tags %v, want %v", bucket, o.key, gotTags, o.tags)
		}
	}
}

// The S3 story through the SDK: register a bucket, back it up, read the point's restore
// metadata, restore into a new bucket (registered as a new resource, with the credentials to back
// it up in turn), then send the metadata back unchanged to restore into the original bucket,
// which fills in what was deleted and replaces nothing.
func TestS3BucketBackupAndRestoreThroughSDK(t *testing.T) {
	s3srv := s3test.Start(t)
	s3c := s3srv.Client()
	s3srv.CreateBucket(t, "media")
	objects := []bucketObject{
		{key: "index.html", data: []byte("<h1>hi</h1>"), contentType: "text/html", meta: map[string]string{"author": "ann"}, tags: map[string]string{"public": "yes"}},
		{key: "img/logo.png", data: bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 5000), contentType: "image/png"},
		{key: "empty.txt", data: []byte{}},
	}
	putObjects(t, s3c, "media", objects...)
	tagBucket(t, s3c, "media", map[string]string{"team": "web"})
	e := newJobEnv(t, engine.Options{})
	ctx := context.Background()

	r, err := e.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "S3", Locator: s3srv.Locator("media"), Tags: map[string]string{"Backup": "true"}})
	if err != nil {
		t.Fatalf("register the bucket: %v", err)
	}
	if r.ResourceArn != "arn:aws:s3:::media" || r.ResourceId != "media" || r.ResourceName != "media" || r.ResourceType != "S3" {
		t.Fatalf("registered %+v", r)
	}
	if strings.Contains(r.Locator, s3srv.SecretKey) || !strings.Contains(r.Locator, s3srv.AccessKey+":xxxxx@") {
		t.Errorf("the registry shows the locator %q; want the secret masked", r.Locator)
	}
	_, err = e.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "S3", Locator: s3srv.Locator("media")})
	if err == nil || !strings.Contains(err.Error(), "already registered") || strings.Contains(err.Error(), s3srv.SecretKey) {
		t.Errorf("a second registration: %v; want AlreadyExists without the secret", err)
	}
	if got, err := e.reg.GetResource(ctx, r.ResourceArn); err != nil || got.ResourceArn != r.ResourceArn {
		t.Fatalf("GetResource(%s) = %+v, %v", r.ResourceArn, got, err)
	}

	e.vault(t, "buckets")
	job := e.backup(t, "buckets", r.ResourceArn)
	var total int64
	for _, o := range objects {
		total += int64(len(o.data))
	}
	if job.ResourceType == nil || aws.ToString(job.ResourceType) != "S3" || aws.ToInt64(job.BackupSizeInBytes) != total {
		t.Errorf("backup job %s of %d bytes, want S3 and %d bytes", aws.ToString(job.ResourceType), aws.ToInt64(job.BackupSizeInBytes), total)
	}
	points, err := e.c.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("buckets"), ByResourceType: aws.String("S3")})
	if err != nil || len(points.RecoveryPoints) != 1 {
		t.Fatalf("S3 points in the vault: %v, %v", points, err)
	}
	point := points.RecoveryPoints[0]
	if aws.ToString(point.ResourceArn) != r.ResourceArn || aws.ToString(point.ResourceName) != "media" {
		t.Errorf("point of %s named %s", aws.ToString(point.ResourceArn), aws.ToString(point.ResourceName))
	}
	if p, err := e.c.ListProtectedResources(ctx, &backup.ListProtectedResourcesInput{}); err != nil || len(p.Results) != 1 || aws.ToString(p.Results[0].ResourceType) != "S3" {
		t.Errorf("ListProtectedResources = %+v, %v", p, err)
	}

	md, err := e.c.GetRecoveryPointRestoreMetadata(ctx, &backup.GetRecoveryPointRestoreMetadataInput{BackupVaultName: aws.String("buckets"), RecoveryPointArn: point.RecoveryPointArn})
	if err != nil {
		t.Fatal(err)
	}
	if md.RestoreMetadata["DestinationBucketName"] != "media" || md.RestoreMetadata["NewBucket"] != "false" {
		t.Fatalf("restore metadata = %v", md.RestoreMetadata)
	}

	// A new bucket.
	meta := maps.Clone(md.RestoreMetadata)
	meta["DestinationBucketName"], meta["NewBucket"] = "media-restored", "true"
	started, err := e.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: point.RecoveryPointArn, IamRoleArn: aws.String(role), Metadata: meta, ResourceType: aws.String("S3")})
	if err != nil {
		t.Fatal(err)
	}
	done := e.waitRestore(t, aws.ToString(started.RestoreJobId))
	if done.Status != types.RestoreJobStatusCompleted || aws.ToString(done.CreatedResourceArn) != "arn:aws:s3:::media-restored" {
		t.Fatalf("restore to a new bucket = %s %q, CreatedResourceArn %s", done.Status, aws.ToString(done.StatusMessage), aws.ToString(done.CreatedResourceArn))
	}
	bucketHolds(t, s3c, "media-restored", objects)
	jm, err := e.c.GetRestoreJobMetadata(ctx, &backup.GetRestoreJobMetadataInput{RestoreJobId: started.RestoreJobId})
	if err != nil || jm.Metadata["NewBucket"] != "true" || strings.Contains(toString(jm.Metadata), s3srv.SecretKey) {
		t.Errorf("GetRestoreJobMetadata = %v, %v", jm.Metadata, err)
	}
	// The new bucket is a registered resource, with the source's credentials: it backs up.
	restored, err := e.reg.GetResource(ctx, "arn:aws:s3:::media-restored")
	if err != nil || strings.Contains(restored.Locator, s3srv.SecretKey) {
		t.Fatalf("the restored bucket in the registry: %+v, %v", restored, err)
	}
	e.backup(t, "buckets", "arn:aws:s3:::media-restored")

	// Restoring to the new bucket again is refused up front: it exists now.
	_, err = e.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: point.RecoveryPointArn, IamRoleArn: aws.String(role), Metadata: meta})
	if apiCode(err) != "InvalidParameterValueException" || !strings.Contains(apiMessage(err), "media-restored") {
		t.Errorf("restore into the new bucket again: %v", err)
	}

	// The metadata sent back unchanged restores into the original bucket: the deleted object
	// comes back; the rewritten one keeps its new content.
	if _, err := s3c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("media"), Key: aws.String("img/logo.png")}); err != nil {
		t.Fatal(err)
	}
	rewritten := bucketObject{key: "index.html", data: []byte("<h1>new</h1>"), contentType: "text/html"}
	putObjects(t, s3c, "media", rewritten)
	started, err = e.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: point.RecoveryPointArn, IamRoleArn: aws.String(role), Metadata: md.RestoreMetadata})
	if err != nil {
		t.Fatal(err)
	}
	done = e.waitRestore(t, aws.ToString(started.RestoreJobId))
	if done.Status != types.RestoreJobStatusCompleted || aws.ToString(done.CreatedResourceArn) != r.ResourceArn {
		t.Fatalf("restore into the original bucket = %s %q, CreatedResourceArn %s", done.Status, aws.ToString(done.StatusMessage), aws.ToString(done.CreatedResourceArn))
	}
	if msg := aws.ToString(done.StatusMessage); !strings.Contains(msg, "2 objects were not restored") || !strings.Contains(msg, `"index.html"`) {
		t.Errorf("StatusMessage %q does not say which objects were skipped", msg)
	}
	bucketHolds(t, s3c, "media", []bucketObject{objects[2], objects[1], rewritten})
}

func toString(m map[string]string) string {
	var b strings.Builder
	for k, v := range m {
		b.WriteString(k + "=" + v + ";")
	}
	return b.String()
}

// A bucket's own tags select it for a scheduled plan, next to registry tags; the registry's value
// wins on a key both have; a bucket whose endpoint is down is matched on its registry tags
// alone and does not stop the others.
func TestBucketTagsSelectBucketsForAScheduledPlan(t *testing.T) {
	s3srv := s3test.Start(t)
	e := newSchedEnv(t, schedStart, engine.Options{})
	e.vault(t, "prod")
	ctx := context.Background()
	register := func(srv *s3test.Server, bucket string, bucketTags, registryTags map[string]string) string {
		t.Helper()
		srv.CreateBucket(t, bucket)
		putObjects(t, srv.Client(), bucket, bucketObject{key: "data.txt", data: []byte(bucket)})
		if len(bucketTags) > 0 {
			tagBucket(t, srv.Client(), bucket, bucketTags)
		}
		r, err := e.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "S3", Locator: srv.Locator(bucket), Tags: registryTags})
		if err != nil {
			t.Fatal(err)
		}
		return r.ResourceArn
	}
	byBucketTag := register(s3srv, "by-bucket-tag", map[string]string{"Backup": "true", "team": "data"}, nil)
	byRegistryTag := register(s3srv, "by-registry-tag", nil, map[string]string{"Backup": "true"})
	register(s3srv, "not-tagged", map[string]string{"Backup": "false"}, nil)
	register(s3srv, "overridden", map[string]string{"Backup": "true"}, map[string]string{"Backup": "false"})
	down := s3test.Start(t)
	downByRegistry := register(down, "down-registry", nil, map[string]string{"Backup": "true"})
	register(down, "down-bucket-tag", map[string]string{"Backup": "true"}, nil)
	down.Stop()

	planID := e.plan(t, dailyRule("prod"))
	want := []string{byBucketTag, byRegistryTag, downByRegistry}
	slices.Sort(want)
	covered, err := e.reg.PlanResources(ctx, planID)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(covered)
	if !slices.Equal(covered, want) {
		t.Fatalf("the plan covers %v, want %v", covered, want)
	}

	e.advance(t, "15h") // past 02:00 on the 17th
	jobs := e.jobs(t)
	var backedUp []string
	states := map[string]types.BackupJobState{}
	for _, j := range jobs {
		backedUp = append(backedUp, aws.ToString(j.ResourceArn))
		states[aws.ToString(j.ResourceArn)] = j.State
	}
	slices.Sort(backedUp)
	if !slices.Equal(backedUp, want) {
		t.Fatalf("the rule backed up %v, want %v", backedUp, want)
	}
	if states[byBucketTag] != types.BackupJobStateCompleted || states[byRegistryTag] != types.BackupJobStateCompleted {
		t.Errorf("job states %v: the reachable buckets' jobs should complete", states)
	}
	if states[downByRegistry] != types.BackupJobStateFailed {
		t.Errorf("the bucket whose endpoint is down: job %s, want FAILED", states[downByRegistry])
	}
}

// AWS Backup's S3 option BackupObjectTags "disabled" reaches the connector: the point holds no
// object tags, so the objects restored from it have none. Options of another resource type are
// refused, naming the ones the type has.
func TestS3BackupOptionsLeaveObjectTagsOut(t *testing.T) {
	s3srv := s3test.Start(t)
	s3c := s3srv.Client()
	s3srv.CreateBucket(t, "labels")
	tagged := bucketObject{key: "report.csv", data: []byte("a,b\n"), tags: map[string]string{"class": "secret"}}
	putObjects(t, s3c, "labels", tagged)
	e := newJobEnv(t, engine.Options{})
	ctx := context.Background()
	r, err := e.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "S3", Locator: s3srv.Locator("labels")})
	if err != nil {
		t.Fatal(err)
	}
	e.vault(t, "labels-vault")
	start := func(arn string, opts map[string]string) (*backup.StartBackupJobOutput, error) {
		return e.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("labels-vault"), ResourceArn: aws.String(arn),
			IamRoleArn: aws.String(role), BackupOptions: opts})
	}
	_, err = start(r.ResourceArn, map[string]string{"WindowsVSS": "enabled"})
	if apiCode(err) != "InvalidParameterValueException" || !strings.Contains(apiMessage(err), "the options are BackupACLs and BackupObjectTags") {
		t.Errorf("an EC2 option for a bucket: %v", err)
	}
	started, err := start(r.ResourceArn, map[string]string{"BackupObjectTags": "disabled", "BackupACLs": "enabled"})
	if err != nil {
		t.Fatal(err)
	}
	job := e.waitBackup(t, aws.ToString(started.BackupJobId))
	if job.State != types.BackupJobStateCompleted {
		t.Fatalf("backup ended %s: %s", job.State, aws.ToString(job.StatusMessage))
	}
	restore, err := e.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: job.RecoveryPointArn, IamRoleArn: aws.String(role),
		Metadata: map[string]string{"DestinationBucketName": "labels-restored", "NewBucket": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if done := e.waitRestore(t, aws.ToString(restore.RestoreJobId)); done.Status != types.RestoreJobStatusCompleted {
		t.Fatalf("restore ended %s: %s", done.Status, aws.ToString(done.StatusMessage))
	}
	bucketHolds(t, s3c, "labels-restored", []bucketObject{{key: tagged.key, data: tagged.data}})
	tags, err := s3c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String("labels-restored"), Key: aws.String(tagged.key)})
	if err != nil || len(tags.TagSet) != 0 {
		t.Errorf("the restored object has tags (%v), want none: BackupObjectTags was disabled", err)
	}
}
