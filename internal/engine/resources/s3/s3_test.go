package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

func newRepo(t *testing.T) *content.Repository {
	t.Helper()
	st, err := blob.NewLocal(filepath.Join(t.TempDir(), "repo"))
	if err != nil {
		t.Fatal(err)
	}
	var mk keyring.MasterKey
	mk[0] = 7
	r, err := content.Init(context.Background(), st, mk, "arn:aws:kms:us-east-1:123456789012:key/test")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func randBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 3))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// recorder is an HTTP client that records the requests it sends, and can interfere with them.
type recorder struct {
	mu     sync.Mutex
	reqs   []string
	before func(*http.Request) error
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Method+" "+req.URL.Path+"?"+req.URL.RawQuery)
	before := r.before
	r.mu.Unlock()
	if before != nil {
		if err := before(req); err != nil {
			if errors.Is(err, errRejected) {
				// An S3 error the SDK does not retry, so the test does not wait for backoffs.
				body := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InjectedFailure</Code><Message>` + err.Error() + `</Message></Error>`
				return &http.Response{StatusCode: http.StatusBadRequest, Status: "400 Bad Request", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
					Header: http.Header{"Content-Type": {"application/xml"}}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
			}
			return nil, err
		}
	}
	return http.DefaultClient.Do(req)
}

// errRejected makes the recorder answer a request with an S3 error instead of sending it.
var errRejected = errors.New("injected: the server rejected the write")

// objectGETs counts the GetObject requests (object content, not tags, ACLs or listings) sent so far.
func (r *recorder) objectGETs(bucket string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, q := range r.reqs {
		method, rest, _ := strings.Cut(q, " ")
		path, query, _ := strings.Cut(rest, "?")
		if method == http.MethodGet && strings.HasPrefix(path, "/"+bucket+"/") && len(path) > len(bucket)+2 && !strings.Contains(query, "tagging") && !strings.Contains(query, "acl") {
			n++
		}
	}
	return n
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = nil
}

func openBucket(t *testing.T, srv *s3test.Server, bucket string, opts ...Option) *Bucket {
	t.Helper()
	loc, err := ParseLocator(srv.Locator(bucket))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(context.Background(), loc, Policy{}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// object is what a test puts and expects back.
type object struct {
	key                                                               string
	data                                                              []byte
	contentType, cacheControl, contentEncoding, disposition, language string
	meta                                                              map[string]string
	tags                                                              map[string]string
}

func put(t *testing.T, c *awss3.Client, bucket string, o object) {
	t.Helper()
	in := &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.key), Body: bytes.NewReader(o.data),
		ContentType: nz(o.contentType), CacheControl: nz(o.cacheControl), ContentEncoding: nz(o.contentEncoding),
		ContentDisposition: nz(o.disposition), ContentLanguage: nz(o.language), Metadata: o.meta}
	if len(o.tags) > 0 {
		q := url.Values{}
		for k, v := range o.tags {
			q.Set(k, v)
		}
		in.Tagging = aws.String(q.Encode())
	}
	if _, err := c.PutObject(context.Background(), in); err != nil {
		t.Fatalf("put %q: %v", o.key, err)
	}
}

func setBucketTags(t *testing.T, c *awss3.Client, bucket string, tags map[string]string) {
	t.Helper()
	var set []types.Tag
	for k, v := range tags {
		set = append(set, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if _, err := c.PutBucketTagging(context.Background(), &awss3.PutBucketTaggingInput{Bucket: aws.String(bucket), Tagging: &types.Tagging{TagSet: set}}); err != nil {
		t.Fatalf("tag bucket %s: %v", bucket, err)
	}
}

// sample is a bucket's worth of objects covering what a backup must keep: an empty object, a
// multi-chunk one, nested keys, a folder marker, keys with spaces and non-ASCII letters, keys
// whose byte order differs from a directory walk's ("a-b" < "a/"), metadata headers, user
// metadata and tags.
func sample() []object {
	return []object{
		{key: "empty", data: nil},
		{key: "big/blob.bin", data: randBytes(12<<20+12345, 1), contentType: "application/octet-stream", tags: map[string]string{"size": "large"}},
		{key: "a/b/c/deep.txt", data: []byte("deep\n"), contentType: "text/plain; charset=utf-8", cacheControl: "max-age=60",
			meta: map[string]string{"owner": "team-a", "reviewed": "yes"}, tags: map[string]string{"class": "public", "team": "a"}},
		{key: "a-b", data: []byte("dash"), disposition: "attachment; filename=\"a-b.txt\""},
		{key: "dir/", data: nil},
		{key: "photos/été 2024/plage.jpg", data: randBytes(70_000, 2), contentType: "image/jpeg", language: "fr",
			contentEncoding: "identity", meta: map[string]string{"camera": "x100"}},
		{key: "logs/2024-01-17.log.gz", data: randBytes(3000, 3), contentType: "text/plain", contentEncoding: "gzip"},
	}
}

// assertBucketHolds checks that bucket holds exactly want, byte for byte, with their headers,
// user metadata and tags.
func assertBucketHolds(t *testing.T, c *awss3.Client, bucket string, want []object) {
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
	slices.Sort(keys)
	slices.Sort(wantKeys)
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("bucket %s holds %q, want %q", bucket, keys, wantKeys)
	}
	for _, o := range want {
		got, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.key)})
		if err != nil {
			t.Fatalf("get %s/%s: %v", bucket, o.key, err)
		}
		data, err := io.ReadAll(got.Body)
		got.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(data) != sha256.Sum256(o.data) {
			t.Errorf("%s/%s: %d bytes differ from the %d backed up", bucket, o.key, len(data), len(o.data))
		}
		check := func(what, got, want string) {
			if want != "" && got != want {
				t.Errorf("%s/%s %s = %q, want %q", bucket, o.key, what, got, want)
			}
		}
		check("Content-Type", aws.ToString(got.ContentType), o.contentType)
		check("Cache-Control", aws.ToString(got.CacheControl), o.cacheControl)
		check("Content-Encoding", aws.ToString(got.ContentEncoding), o.contentEncoding)
		check("Content-Disposition", aws.ToString(got.ContentDisposition), o.disposition)
		check("Content-Language", aws.ToString(got.ContentLanguage), o.language)
		if !maps.Equal(got.Metadata, o.meta) && (len(got.Metadata) > 0 || len(o.meta) > 0) {
			t.Errorf("%s/%s user metadata = %v, want %v", bucket, o.key, got.Metadata, o.meta)
		}
		tags, err := c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(o.key)})
		if err != nil {
			t.Fatalf("tags of %s/%s: %v", bucket, o.key, err)
		}
		gotTags := map[string]string{}
		for _, tg := range tags.TagSet {
			gotTags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		if !maps.Equal(gotTags, o.tags) && (len(gotTags) > 0 || len(o.tags) > 0) {
			t.Errorf("%s/%s tags = %v, want %v", bucket, o.key, gotTags, o.tags)
		}
	}
}

func bucketTags(t *testing.T, c *awss3.Client, bucket string) map[string]string {
	t.Helper()
	out, err := c.GetBucketTagging(context.Background(), &awss3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
	got := map[string]string{}
	if err != nil {
		if code(err) == "NoSuchTagSet" {
			return got
		}
		t.Fatalf("bucket tags of %s: %v", bucket, err)
	}
	for _, tg := range out.TagSet {
		got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return got
}

func TestBackupThenRestoreToANewBucketIsByteIdenticalWithMetadataAndTags(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	srv.CreateBucket(t, "source")
	objects := sample()
	for _, o := range objects {
		put(t, c, "source", o)
	}
	setBucketTags(t, c, "source", map[string]string{"team": "data", "Backup": "true"})
	ctx := context.Background()
	repo := newRepo(t)

	res, err := Backup(ctx, repo, openBucket(t, srv, "source"), "", BackupOptions{})
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	var total int64
	for _, o := range objects {
		total += int64(len(o.data))
	}
	if res.Objects != int64(len(objects)) || res.Bytes != total || res.Downloaded != res.Objects || len(res.Warnings) != 0 {
		t.Fatalf("Backup = %d objects, %d bytes, %d downloaded, warnings %v; want %d objects, %d bytes, all downloaded",
			res.Objects, res.Bytes, res.Downloaded, res.Warnings, len(objects), total)
	}
	if res.Snapshot.Meta[MetaBucket] != "source" || res.Snapshot.Meta[MetaEndpoint] != srv.Endpoint {
		t.Errorf("snapshot meta = %v", res.Snapshot.Meta)
	}
	if strings.Contains(fmt.Sprint(res.Snapshot.Meta), srv.SecretKey) {
		t.Errorf("the snapshot's metadata holds the secret key: %v", res.Snapshot.Meta)
	}
	// The repository's own checks accept the snapshot (GC, copy and verify read it as a tree).
	if err := repo.Verify(ctx, true, func(p string) { t.Error(p) }); err != nil {
		t.Fatalf("Verify: %v", err)
	}

	var progressed content.Progress
	rr, err := Restore(ctx, repo, res.Snapshot.ID, openBucket(t, srv, "restored"), RestoreOptions{NewBucket: true, JobID: "job1",
		Progress: func(p content.Progress) { progressed = p }})
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if rr.Objects != int64(len(objects)) || rr.Bytes != total || rr.Skipped != 0 {
		t.Errorf("Restore = %+v, want %d objects and %d bytes", rr, len(objects), total)
	}
	if progressed.ItemsDone != progressed.ItemsTotal || progressed.BytesDone != total {
		t.Errorf("last progress %+v, want every object and %d bytes", progressed, total)
	}
	assertBucketHolds(t, c, "restored", objects)
	if got := bucketTags(t, c, "restored"); !maps.Equal(got, map[string]string{"team": "data", "Backup": "true"}) {
		t.Errorf("the new bucket's tags = %v, want the source's (and no restore marker)", got)
	}
}

func TestIncrementalBackupDownloadsOnlyChangedObjectsAndRereadsTags(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	srv.CreateBucket(t, "inc")
	objects := sample()
	for _, o := range objects {
		put(t, c, "inc", o)
	}
	ctx := context.Background()
	repo := newRepo(t)
	rec := &recorder{}
	b := openBucket(t, srv, "inc", WithHTTPClient(rec))

	first, err := Backup(ctx, repo, b, "", BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.objectGETs("inc"); got != len(objects) {
		t.Fatalf("the first backup sent %d GetObject requests, want one per object (%d)", got, len(objects))
	}

	// Nothing changed: nothing is downloaded, and next to nothing is stored.
	rec.reset()
	second, err := Backup(ctx, repo, b, first.Snapshot.ID, BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.objectGETs("inc"); got != 0 || second.Downloaded != 0 {
		t.Fatalf("an unchanged bucket's incremental backup sent %d GetObject requests and downloaded %d objects, want none", got, second.Downloaded)
	}
	if second.Objects != first.Objects || second.Bytes != first.Bytes {
		t.Errorf("incremental backup holds %d objects/%d bytes, the full one %d/%d", second.Objects, second.Bytes, first.Objects, first.Bytes)
	}
	if second.Snapshot.StoredBytes > 64<<10 {
		t.Errorf("an unchanged bucket's incremental backup stored %d bytes", second.Snapshot.StoredBytes)
	}

	// One object rewritten, one added, one deleted, one retagged only.
	objects[2].data = []byte("deep, rewritten\n")
	put(t, c, "inc", objects[2])
	added := object{key: "new/one.txt", data: []byte("new"), contentType: "text/plain"}
	put(t, c, "inc", added)
	if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("inc"), Key: aws.String(objects[6].key)}); err != nil {
		t.Fatal(err)
	}
	objects[1].tags = map[string]string{"size": "large", "retagged": "yes"}
	if _, err := c.PutObjectTagging(ctx, &awss3.PutObjectTaggingInput{Bucket: aws.String("inc"), Key: aws.String(objects[1].key),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("size"), Value: aws.String("large")}, {Key: aws.String("retagged"), Value: aws.String("yes")}}}}); err != nil {
		t.Fatal(err)
	}
	rec.reset()
	third, err := Backup(ctx, repo, b, second.Snapshot.ID, BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.objectGETs("inc"); got != 2 || third.Downloaded != 2 {
		t.Fatalf("after rewriting one object and adding one, the backup sent %d GetObject requests and downloaded %d objects, want 2", got, third.Downloaded)
	}
	want := append(slices.Clone(objects[:6]), added)
	if _, err := Restore(ctx, repo, third.Snapshot.ID, openBucket(t, srv, "inc-restored"), RestoreOptions{NewBucket: true}); err != nil {
		t.Fatal(err)
	}
	assertBucketHolds(t, c, "inc-restored", want)
}

func TestRestoreIntoAnExistingBucketNeverReplacesObjectsItHas(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	srv.CreateBucket(t, "orig")
	objects := sample()
	for _, o := range objects {
		put(t, c, "orig", o)
	}
	ctx := context.Background()
	repo := newRepo(t)
	res, err := Backup(ctx, repo, openBucket(t, srv, "orig"), "", BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// After the backup: one object deleted, one rewritten, one added.
	if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("orig"), Key: aws.String("a/b/c/deep.txt")}); err != nil {
		t.Fatal(err)
	}
	rewritten := object{key: "a-b", data: []byte("newer than the backup")}
	put(t, c, "orig", rewritten)
	later := object{key: "later.txt", data: []byte("written after the backup")}
	put(t, c, "orig", later)

	rr, err := Restore(ctx, repo, res.Snapshot.ID, openBucket(t, srv, "orig"), RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rr.Objects != 1 || rr.Skipped != int64(len(objects)-1) {
		t.Errorf("restore into the original bucket wrote %d objects and skipped %d, want 1 and %d", rr.Objects, rr.Skipped, len(objects)-1)
	}
	if !slices.Contains(rr.SkippedKeys, "a-b") {
		t.Errorf("SkippedKeys %q does not name the rewritten object", rr.SkippedKeys)
	}
	want := []object{rewritten, later}
	for _, o := range objects {
		if o.key != "a-b" {
			want = append(want, o)
		}
	}
	assertBucketHolds(t, c, "orig", want)

	// A restore into a bucket that does not exist, without NewBucket, fails.
	if _, err := Restore(ctx, repo, res.Snapshot.ID, openBucket(t, srv, "missing"), RestoreOptions{}); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("restore into a missing bucket: %v, want ErrNoSuchBucket", err)
	}
	// NewBucket on a bucket that exists fails and writes nothing.
	srv.CreateBucket(t, "taken")
	if _, err := Restore(ctx, repo, res.Snapshot.ID, openBucket(t, srv, "taken"), RestoreOptions{NewBucket: true}); err == nil || !strings.Contains(err.Error(), "exists now") {
		t.Errorf("restore to a new bucket that exists: %v", err)
	}
	assertBucketHolds(t, c, "taken", nil)
}

func TestItemLevelRestoreRestoresTheListedKeysAndPrefixes(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	srv.CreateBucket(t, "items")
	objects := sample()
	for _, o := range objects {
		put(t, c, "items", o)
	}
	ctx := context.Background()
	repo := newRepo(t)
	res, err := Backup(ctx, repo, openBucket(t, srv, "items"), "", BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rr, err := Restore(ctx, repo, res.Snapshot.ID, openBucket(t, srv, "items-some"), RestoreOptions{NewBucket: true,
		Items: []string{"a/b/c/deep.txt", "photos/", "empty"}})
	if err != nil {
		t.Fatal(err)
	}
	if rr.Objects != 3 {
		t.Errorf("item restore wrote %d objects, want 3", rr.Objects)
	}
	var want []object
	for _, o := range objects {
		if o.key == "a/b/c/deep.txt" || o.key == "empty" || strings.HasPrefix(o.key, "photos/") {
			want = append(want, o)
		}
	}
	assertBucketHolds(t, c, "items-some", want)

	// An item the point does not have fails the restore before anything is created.
	_, err = Restore(ctx, repo, res.Snapshot.ID, openBucket(t, srv, "items-none"), RestoreOptions{NewBucket: true, Items: []string{"empty", "nope/"}})
	if !errors.Is(err, ErrItemNotFound) || !strings.Contains(err.Error(), `"nope/"`) {
		t.Fatalf("restore of a missing item: %v, want ErrItemNotFound naming it", err)
	}
	if exists, err := openBucket(t, srv, "items-none").Exists(ctx); err != nil || exists {
		t.Errorf("a refused item restore created its bucket (exists %v, %v)", exists, err)
	}
}

func TestFailedRestoreLeavesTheDestinationAsItFoundIt(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	srv.CreateBucket(t, "src")
	objects := sample()
	for _, o := range objects {
		put(t, c, "src", o)
	}
	ctx := context.Background()
	repo := newRepo(t)
	res, err := Backup(ctx, repo, openBucket(t, srv, "src"), "", BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Writes of one key fail; the others succeed first (one worker, key order).
	failing := &recorder{before: func(r *http.Request) error {
		if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/") && strings.Contains(r.URL.Path, "photos") {
			return errRejected
		}
		return nil
	}}

	_, err = Restore(ctx, repo, res.Snapshot.ID, openBucket(t, srv, "half", WithHTTPClient(failing)), RestoreOptions{NewBucket: true, Workers: 1})
	if err == nil || !strings.Contains(err.Error(), "injected") {
		t.Fatalf("restore with failing writes: %v", err)
	}
	if exists, err := openBucket(t, srv, "half").Exists(ctx); err != nil || exists {
		t.Errorf("a failed restore to a new bucket left the bucket (exists %v, %v)", exists, err)
	}

	srv.CreateBucket(t, "existing")
	keep := object{key: "kept.txt", data: []byte("was here before")}
	put(t, c, "existing", keep)
	_, err = Restore(ctx, repo, res.Snapshot.ID, openBucket(t, srv, "existing", WithHTTPClient(failing)), RestoreOptions{Workers: 1})
	if err == nil {
		t.Fatal("restore with failing writes into an existing bucket succeeded")
	}
	assertBucketHolds(t, c, "existing", []object{keep})
}

func TestAbandonRemovesOnlyTheBucketItsJobWasCreating(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	ctx := context.Background()
	b := openBucket(t, srv, "abandoned")
	if err := b.create(ctx, "job-1"); err != nil {
		t.Fatal(err)
	}
	put(t, c, "abandoned", object{key: "x/y", data: []byte("partial")})
	if err := Abandon(ctx, b, "job-2"); err != nil {
		t.Fatal(err)
	}
	if exists, _ := b.Exists(ctx); !exists {
		t.Fatal("Abandon removed a bucket another job was creating")
	}
	if err := Abandon(ctx, b, "job-1"); err != nil {
		t.Fatal(err)
	}
	if exists, err := b.Exists(ctx); exists || err != nil {
		t.Fatalf("after Abandon the bucket exists %v (%v)", exists, err)
	}
	// A bucket without a marker is never touched.
	srv.CreateBucket(t, "someone-elses")
	if err := Abandon(ctx, openBucket(t, srv, "someone-elses"), "job-1"); err != nil {
		t.Fatal(err)
	}
	if exists, _ := openBucket(t, srv, "someone-elses").Exists(ctx); !exists {
		t.Fatal("Abandon removed an unmarked bucket")
	}
	// Abandoning a bucket that is gone is fine.
	if err := Abandon(ctx, openBucket(t, srv, "never-made"), "job-3"); err != nil {
		t.Fatal(err)
	}
}

func TestObjectDeletedAfterTheListingIsLeftOutWithAWarning(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	srv.CreateBucket(t, "racy")
	put(t, c, "racy", object{key: "stays", data: []byte("1")})
	put(t, c, "racy", object{key: "vanishes", data: []byte("2")})
	ctx := context.Background()
	var once sync.Once
	rec := &recorder{before: func(r *http.Request) error {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/vanishes") {
			once.Do(func() {
				_, _ = c.DeleteObject(context.Background(), &awss3.DeleteObjectInput{Bucket: aws.String("racy"), Key: aws.String("vanishes")})
			})
		}
		return nil
	}}
	res, err := Backup(ctx, newRepo(t), openBucket(t, srv, "racy", WithHTTPClient(rec)), "", BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Objects != 1 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `"vanishes" was deleted`) {
		t.Fatalf("backup = %d objects, warnings %q; want 1 object and a warning naming the deleted one", res.Objects, res.Warnings)
	}
}

func TestBackupOfAMissingBucketOrWithWrongKeysSaysWhatIsWrong(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	_, err := Backup(ctx, newRepo(t), openBucket(t, srv, "not-there"), "", BackupOptions{})
	if !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("backup of a missing bucket: %v", err)
	}
	srv.CreateBucket(t, "guarded")
	loc, _ := ParseLocator(srv.Locator("guarded"))
	loc.SecretAccessKey = "wrong"
	b, _ := Open(ctx, loc, Policy{})
	err = b.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), "refused the credentials") || strings.Contains(err.Error(), srv.SecretKey) {
		t.Errorf("wrong secret: %v", err)
	}
}

// An object written by someone else between the restore's look and its write is not replaced:
// every write is conditional (If-None-Match: *), single-part and multipart alike.
func TestRestoreDoesNotReplaceAnObjectWrittenWhileItRuns(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	srv.CreateBucket(t, "live")
	objects := sample()
	for _, o := range objects {
		put(t, c, "live", o)
	}
	ctx := context.Background()
	repo := newRepo(t)
	res, err := Backup(ctx, repo, openBucket(t, srv, "live"), "", BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objects {
		if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("live"), Key: aws.String(o.key)}); err != nil {
			t.Fatal(err)
		}
	}
	// Just before the restore writes "a-b" (one PutObject) and "big/blob.bin" (a multipart
	// upload, created by POST ?uploads), another client writes them.
	theirs := map[string]object{
		"a-b":          {key: "a-b", data: []byte("someone else's")},
		"big/blob.bin": {key: "big/blob.bin", data: []byte("someone else's big")},
	}
	var mu sync.Mutex
	raced := map[string]bool{}
	rec := &recorder{before: func(r *http.Request) error {
		key := strings.TrimPrefix(r.URL.Path, "/live/")
		o, ok := theirs[key]
		starts := r.Method == http.MethodPut && r.URL.Query().Get("uploadId") == "" || r.Method == http.MethodPost && r.URL.Query().Has("uploads")
		if !ok || !starts {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if !raced[key] {
			raced[key] = true
			put(t, c, "live", o)
		}
		return nil
	}}
	rr, err := Restore(ctx, repo, res.Snapshot.ID, openBucket(t, srv, "live", WithHTTPClient(rec)), RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(raced) != 2 {
		t.Fatalf("the race was arranged for %v only", raced)
	}
	if rr.Skipped != 2 || rr.Objects != int64(len(objects)-2) {
		t.Errorf("restore wrote %d and skipped %d, want %d and 2", rr.Objects, rr.Skipped, len(objects)-2)
	}
	var want []object
	for _, o := range objects {
		if t, ok := theirs[o.key]; ok {
			o = t
		}
		want = append(want, o)
	}
	assertBucketHolds(t, c, "live", want)
}

// Without keys in the locator, credentials come from ?profile= (the shared AWS files) or the
// engine's AWS environment — the operator's credentials, lent only as the operator's Policy says;
// with none anywhere, the error says where to put them.
func TestCredentialsComeFromTheLocatorOrWhatTheOperatorLends(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "creds")
	dir := t.TempDir()
	credsFile := filepath.Join(dir, "credentials")
	if err := os.WriteFile(credsFile, []byte(fmt.Sprintf("[gw]\naws_access_key_id = %s\naws_secret_access_key = %s\n", srv.AccessKey, srv.SecretKey)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credsFile)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx := context.Background()
	check := func(locator string, p Policy) error {
		t.Helper()
		loc, err := ParseLocator(locator)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Open(ctx, loc, p)
		if err != nil {
			return err
		}
		return b.Check(ctx)
	}
	lendAll := Policy{AllowEnvironmentCredentials: true, AllowedProfiles: []string{"gw"}}
	if err := check(srv.Endpoint+"/creds?profile=gw", lendAll); err != nil {
		t.Errorf("?profile=gw, allowed: %v", err)
	}
	if err := check(srv.Endpoint+"/creds", lendAll); err == nil || !strings.Contains(err.Error(), "no credentials") {
		t.Errorf("no credentials anywhere: %v, want an error saying where to put them", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	if err := check(srv.Endpoint+"/creds", lendAll); err != nil {
		t.Errorf("the engine's AWS_* environment, allowed: %v", err)
	}

	// Not lent: refused before any request, saying what to do.
	for locator, says := range map[string]string{
		srv.Endpoint + "/creds":              "s3.allow_environment_credentials",
		srv.Endpoint + "/creds?profile=gw":   "s3.allowed_profiles",
		srv.Endpoint + "/creds?profile=prod": "s3.allowed_profiles",
	} {
		p := Policy{AllowedProfiles: []string{"minio"}}
		err := check(locator, p)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), says) || !strings.Contains(err.Error(), "ACCESS_KEY_ID:SECRET@") {
			t.Errorf("%s with %+v: %v, want it refused, naming %s and how to give keys", locator, p, err, says)
		}
	}
	if err := check(srv.Locator("creds"), Policy{}); err != nil {
		t.Errorf("the locator's own keys under the strictest policy: %v", err)
	}
}

// An endpoint allow-list admits the listed endpoints, however their spelling differs, and
// nothing else; a redirect never takes a request to another endpoint.
func TestPolicyLimitsEndpoints(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "fenced")
	ctx := context.Background()
	loc, err := ParseLocator(srv.Locator("fenced"))
	if err != nil {
		t.Fatal(err)
	}
	upper := strings.Replace(srv.Endpoint, "http://", "HTTP://", 1) + "/"
	for _, p := range []Policy{{AllowedEndpoints: []string{srv.Endpoint}}, {AllowedEndpoints: []string{"https://s3.example.com", upper}}} {
		b, err := Open(ctx, loc, p)
		if err != nil {
			t.Fatalf("Open with %v: %v", p.AllowedEndpoints, err)
		}
		if err := b.Check(ctx); err != nil {
			t.Errorf("Check with %v: %v", p.AllowedEndpoints, err)
		}
	}
	other := Policy{AllowedEndpoints: []string{"https://s3.example.com", "http://127.0.0.1:1"}}
	_, err = Open(ctx, loc, other)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), srv.Endpoint) || !strings.Contains(err.Error(), "s3.allowed_endpoints") ||
		strings.Contains(err.Error(), srv.SecretKey) {
		t.Errorf("an endpoint outside the list: %v, want it refused, naming the endpoint and the setting, without the secret", err)
	}

	// An allowed endpoint that redirects to another: the request is not followed there.
	var hits atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer elsewhere.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	rloc, err := ParseLocator(strings.Replace(redirector.URL, "http://", "http://K:S@", 1) + "/fenced")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, rloc, Policy{AllowedEndpoints: []string{redirector.URL}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Check(ctx); err == nil || hits.Load() != 0 {
		t.Errorf("a 307 to another endpoint: Check = %v, and the other endpoint got %d requests; want an error and none", err, hits.Load())
	}
}

func TestCanonicalEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"HTTPS://S3.Example.com:443": "https://s3.example.com",
		"http://minio:80/":           "http://minio",
		"http://127.0.0.1:9000":      "http://127.0.0.1:9000",
		"http://[::1]:9000":          "http://[::1]:9000",
		"https://[::1]":              "https://[::1]",
	} {
		if got, err := CanonicalEndpoint(in); err != nil || got != want {
			t.Errorf("CanonicalEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, says := range map[string]string{
		"s3.example.com":              "http:// or https://",
		"ftp://host":                  "http:// or https://",
		"https://":                    "no host",
		"https://host/bucket":         "without a path",
		"https://host?x=1":            "without a path",
		"https://AK:top-secret@host":  "must not hold credentials",
		"https://host:9000/#fragment": "without a path",
	} {
		_, err := CanonicalEndpoint(in)
		if err == nil || !strings.Contains(err.Error(), says) || strings.Contains(err.Error(), "top-secret") {
			t.Errorf("CanonicalEndpoint(%q) = %v, want an error saying %q", in, err, says)
		}
	}
}

func TestParseLocator(t *testing.T) {
	loc, err := ParseLocator("HTTPS://AKID:se%2Fcret@S3.Example.com:9000/media-1/?region=eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	want := Location{Endpoint: "https://s3.example.com:9000", Bucket: "media-1", Region: "eu-west-1", AccessKeyID: "AKID", SecretAccessKey: "se/cret"}
	if loc != want {
		t.Errorf("ParseLocator = %+v, want %+v", loc, want)
	}
	if r := loc.Redacted(); r != "https://AKID:xxxxx@s3.example.com:9000/media-1?region=eu-west-1" {
		t.Errorf("Redacted = %s", r)
	}
	if d := loc.Display(); d != "https://s3.example.com:9000/media-1" {
		t.Errorf("Display = %s", d)
	}
	for in, says := range map[string]string{
		"http://AKID@host/bucket":               "both ACCESS_KEY_ID:SECRET_ACCESS_KEY",
		"http://A:B@host/bucket?profile=p":      "both keys and ?profile=",
		"http://host/":                          "names no bucket",
		"http://host/b/c":                       "just the bucket",
		"http://host/ab":                        "3 to 63",
		"http://host/bucket..x":                 "two adjacent dots",
		"http://host/192.168.1.1":               "IP address",
		"http://host/bucket?region=a&region=b":  "once each",
		"ftp://host/bucket":                     "http or https",
		"http://A:top-secret@host/bkt?x=1":      "not understood",
		"http://A:top-secret@host/bucket#frag":  "cannot have",
		"http://A:top-secret@host/xn--bucket-1": "reserved prefix",
	} {
		_, err := ParseLocator(in)
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("ParseLocator(%q) = %v, want an error saying %q", in, err, says)
		}
		if err != nil && strings.Contains(err.Error(), "top-secret") {
			t.Errorf("ParseLocator's error repeats the secret: %v", err)
		}
	}
}

// queries counts the requests of method on bucket's objects whose query has the sub-resource
// (such as "tagging" or "acl").
func (r *recorder) queries(method, bucket, sub string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, q := range r.reqs {
		m, rest, _ := strings.Cut(q, " ")
		path, query, _ := strings.Cut(rest, "?")
		if m == method && strings.HasPrefix(path, "/"+bucket+"/") && len(path) > len(bucket)+2 && strings.Contains(query, sub) {
			n++
		}
	}
	return n
}

// AWS Backup's S3 options: by default object tags and ACLs are kept (versitygw keeps no object
// ACLs, and the snapshot says so); with BackupObjectTags and BackupACLs "disabled" neither is
// read, and the restored objects have no tags.
func TestBackupOptionsLeaveOutObjectTagsAndACLs(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	srv.CreateBucket(t, "opts")
	objects := sample()
	for _, o := range objects {
		put(t, c, "opts", o)
	}
	ctx := context.Background()

	rec := &recorder{}
	kept, err := Backup(ctx, newRepo(t), openBucket(t, srv, "opts", WithHTTPClient(rec)), "", BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := kept.Snapshot.Meta[MetaObjectACLs]; got != ACLsNotKeptByEndpoint {
		t.Errorf("default backup: %s = %q, want %q (the endpoint answers GetObjectAcl NotImplemented)", MetaObjectACLs, got, ACLsNotKeptByEndpoint)
	}
	if rec.queries(http.MethodGet, "opts", "acl") == 0 || rec.queries(http.MethodGet, "opts", "tagging") == 0 {
		t.Errorf("default backup asked for no object ACL or no object tags: %q", rec.reqs)
	}

	rec.reset()
	repo := newRepo(t)
	bare, err := Backup(ctx, repo, openBucket(t, srv, "opts", WithHTTPClient(rec)), "", BackupOptions{SkipObjectTags: true, SkipACLs: true})
	if err != nil {
		t.Fatal(err)
	}
	if n, m := rec.queries(http.MethodGet, "opts", "acl"), rec.queries(http.MethodGet, "opts", "tagging"); n != 0 || m != 0 {
		t.Errorf("with both options disabled the backup read %d ACLs and %d tag sets", n, m)
	}
	if got := bare.Snapshot.Meta[MetaObjectACLs]; got != ACLsDisabled {
		t.Errorf("%s = %q, want %q", MetaObjectACLs, got, ACLsDisabled)
	}
	if _, err := Restore(ctx, repo, bare.Snapshot.ID, openBucket(t, srv, "opts-restored"), RestoreOptions{NewBucket: true, JobID: "job-opts"}); err != nil {
		t.Fatal(err)
	}
	untagged := make([]object, len(objects))
	for i, o := range objects {
		o.tags = nil
		untagged[i] = o
	}
	assertBucketHolds(t, c, "opts-restored", untagged)
}
