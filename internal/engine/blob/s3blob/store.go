// Package s3blob is a blob.Store on an S3-compatible object store (AWS S3, MinIO, Ceph,
// versitygw): vault data off the engine's machine.
//
// Objects are written with the SDK's transfer manager (one PUT for small objects, a multipart
// upload for large ones) under If-None-Match: *, so a write never replaces an object, and of
// concurrent writes of one name the server lets exactly one land. A server without conditional
// writes is named with conditional=false in the storage URL; Save then checks with HEAD before
// it writes, which is safe for the repository's content-addressed and session-unique names but
// lets two writers of one fixed name (the GC lock) both believe they won, so run one GC at a
// time against such a server.
//
// Retries, time-outs and throttling back-off are the SDK's adaptive retryer's, tuned for long
// backup traffic: more attempts than the default, no retry quota (a long backup must not give
// up because an earlier burst spent its tokens), and client-side rate limiting after SlowDown.
//
// In a bucket with S3 Object Lock the store is a blob.ObjectLockStore: a locked vault's jobs have
// the objects they write carry retention in the PUT itself (RetainWrites), extend it on objects
// they reuse (Retain), and set legal holds (SetLegalHold). Retention is enforced by the server on
// its own, real clock, which an engine on a fake clock does not move: so every date here is
// compared with the wall clock (clock.Wall), a retention already over on it is not set (the
// server would refuse it and keep nothing), Remove of an object the server still keeps gives
// blob.ErrRetained (GC then defers it to a later run), and RetainedUntil tells the lifecycle
// until when the server keeps a point's objects, so it keeps the point until then.
package s3blob

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	tmtypes "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
)

// Store is a blob.Store whose objects are the keys under a prefix of one bucket.
type Store struct {
	loc    Location
	api    *awss3.Client
	upload *transfermanager.Client
	lockState
}

// Tuning of the SDK for backup traffic.
const (
	// maxAttempts bounds the attempts of one request: with the backoff below, a request keeps
	// trying for about two minutes, through a server restart or a burst of throttling.
	maxAttempts = 10
	maxBackoff  = 20 * time.Second
	// responseHeaderTimeout is how long a request waits for the server to start answering once
	// the request is sent; a hung connection then fails and is retried. It does not bound the
	// transfer of a large body, which can take long on a slow link.
	responseHeaderTimeout = 60 * time.Second
	// singlePutMax is the largest object sent as one PUT (packs are about 16 MiB); a larger one
	// is a multipart upload of partSize parts, at most uploadConcurrency at a time.
	singlePutMax      = 64 << 20
	partSize          = 16 << 20
	uploadConcurrency = 2
	// resumes bounds how often a reader resumes a GET whose connection broke mid-body.
	resumes = 5
	// tokenKey is the metadata key of the token each Save writes, by which a Save whose request
	// landed but whose answer was lost recognises its own object on the retry's 412.
	tokenKey = "save-token"
)

// Option changes how Open builds the client.
type Option func(*options)

type options struct {
	httpClient  awss3.HTTPClient
	credentials aws.CredentialsProvider
	observe     func(operation string, status int, err error)
	retryer     func() aws.Retryer
}

// WithHTTPClient sends every request through c (tests inject network faults with it).
func WithHTTPClient(c awss3.HTTPClient) Option { return func(o *options) { o.httpClient = c } }

// WithCredentials signs with p instead of the profile or the environment (tests).
func WithCredentials(p aws.CredentialsProvider) Option {
	return func(o *options) { o.credentials = p }
}

// WithObserver calls observe after every HTTP attempt (retries included) with the S3 operation,
// the response's status (0 when none came) and the transport error; metrics count them.
func WithObserver(observe func(operation string, status int, err error)) Option {
	return func(o *options) { o.observe = observe }
}

// WithRetryer replaces the retryer (tests shorten the backoff).
func WithRetryer(r func() aws.Retryer) Option { return func(o *options) { o.retryer = r } }

// Retryer is the retryer the store uses: adaptive mode (client-side rate limiting once the
// server throttles), maxAttempts attempts, backoff up to maxBackoff, and no retry quota.
func Retryer() aws.Retryer {
	return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
			so.MaxAttempts = maxAttempts
			so.MaxBackoff = maxBackoff
			so.RateLimiter = ratelimit.None
		})
	})
}

// Open returns the store at loc. It sends no request: a missing bucket or refused credentials
// show on first use (Check asks at once).
func Open(ctx context.Context, loc Location, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var cfg aws.Config
	if o.credentials != nil {
		cfg = aws.Config{Region: loc.signingRegion(), Credentials: aws.NewCredentialsCache(o.credentials)}
	} else {
		load := []func(*config.LoadOptions) error{config.WithRegion(loc.signingRegion())}
		if loc.Profile != "" {
			load = append(load, config.WithSharedConfigProfile(loc.Profile))
		}
		var err error
		if cfg, err = config.LoadDefaultConfig(ctx, load...); err != nil {
			return nil, fmt.Errorf("load the engine's AWS credentials for storage %s: %w", loc, err)
		}
	}
	if o.httpClient == nil {
		o.httpClient = awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.ResponseHeaderTimeout = responseHeaderTimeout
		})
	}
	if o.observe != nil {
		o.httpClient = observingClient{next: o.httpClient, observe: o.observe}
	}
	if o.retryer == nil {
		o.retryer = Retryer
	}
	api := awss3.NewFromConfig(cfg, func(so *awss3.Options) {
		if loc.Endpoint != "" {
			so.BaseEndpoint = aws.String(loc.Endpoint)
			so.UsePathStyle = true
		}
		// Checksums only where an operation needs them: S3-compatible servers differ in which
		// checksum trailers they accept, and SigV4 already signs each payload's SHA-256.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		so.HTTPClient = o.httpClient
		so.Retryer = o.retryer()
	})
	upload := transfermanager.New(api, func(to *transfermanager.Options) {
		to.PartSizeBytes = partSize
		to.MultipartUploadThreshold = partSize
		to.Concurrency = uploadConcurrency
		// An aborted multipart upload is cleaned up even when the caller's context is gone.
		to.FailTimeout = 30 * time.Second
	})
	return &Store{loc: loc, api: api, upload: upload}, nil
}

// Location is where the store's objects live.
func (s *Store) Location() Location { return s.loc }

// Check asks the server whether the bucket exists and the credentials may use it.
func (s *Store) Check(ctx context.Context) error {
	if _, err := s.api.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(s.loc.Bucket)}); err != nil {
		return fmt.Errorf("storage %s: %w", s.loc, explain(err))
	}
	return nil
}

func (s *Store) key(name string) string { return s.loc.Prefix + name }

// Save implements blob.Store: one PUT, or a multipart upload with the SDK's transfer manager
// above singlePutMax; a reader that fails, a cancelled context or exhausted retries leave no
// object (an incomplete multipart upload is aborted).
func (s *Store) Save(ctx context.Context, name string, r io.Reader) error {
	if err := blob.ValidName(name); err != nil {
		return err
	}
	token := randomToken()
	var ifNoneMatch *string
	if s.loc.Unconditional {
		if _, err := s.Stat(ctx, name); err == nil {
			return fmt.Errorf("save %s: %w", name, blob.ErrExists)
		} else if !errors.Is(err, blob.ErrNotFound) {
			return fmt.Errorf("save %s: %w", name, err)
		}
	} else {
		ifNoneMatch = aws.String("*")
	}
	// Read up to singlePutMax bytes into pooled blocks: an object that fits (every pack) is
	// one PUT of that buffer, which the SDK can replay on a retry; a larger one goes on as a
	// multipart upload. A reader that fails before its end stores nothing.
	var buf blockBuffer
	defer buf.release()
	n, err := buf.fill(r, singlePutMax+1)
	if err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("save %s: %w", name, ctx.Err())
	}
	meta := map[string]string{tokenKey: token}
	retention, retained := s.retentionFor(name)
	if n <= singlePutMax {
		in := &awss3.PutObjectInput{Bucket: aws.String(s.loc.Bucket), Key: aws.String(s.key(name)),
			Body: buf.reader(), ContentLength: aws.Int64(n), Metadata: meta, IfNoneMatch: ifNoneMatch}
		if retained {
			// S3 requires an integrity check on a PUT with Object Lock headers ("The Content-MD5
			// or x-amz-sdk-checksum-algorithm header is required for any request to upload an
			// object with a retention period configured using Amazon S3 Object Lock", PutObject
			// in the S3 API reference); Content-MD5 is the one every S3-compatible server takes.
			sum := buf.md5()
			in.ContentMD5 = aws.String(base64.StdEncoding.EncodeToString(sum[:]))
			in.ObjectLockMode = types.ObjectLockMode(retention.Mode)
			in.ObjectLockRetainUntilDate = aws.Time(retention.Until)
		}
		_, err = s.api.PutObject(ctx, in)
	} else {
		// The transfer manager checksums every part (CRC32 by default), which S3 requires of
		// the parts of an object under Object Lock.
		in := &transfermanager.UploadObjectInput{Bucket: aws.String(s.loc.Bucket), Key: aws.String(s.key(name)),
			Body: io.MultiReader(buf.reader(), r), Metadata: meta, IfNoneMatch: ifNoneMatch}
		if retained {
			in.ObjectLockMode = tmtypes.ObjectLockMode(retention.Mode)
			in.ObjectLockRetainUntilDate = aws.Time(retention.Until)
		}
		_, err = s.upload.UploadObject(ctx, in)
	}
	if err == nil {
		return nil
	}
	switch apiCode(err) {
	case "PreconditionFailed", "ConditionalRequestConflict":
		// Either another writer has the name, or an earlier attempt of this Save landed and its
		// answer was lost: the object's token tells which.
		if mine, herr := s.hasToken(ctx, name, token); herr == nil && mine {
			return nil
		}
		return fmt.Errorf("save %s: %w", name, blob.ErrExists)
	case "NotImplemented":
		if ifNoneMatch != nil {
			return fmt.Errorf("save %s: the server does not support conditional writes (If-None-Match: *); add &conditional=false to the storage URL: %w", name, err)
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("save %s: %w", name, errors.Join(ctx.Err(), err))
	}
	return fmt.Errorf("save %s: %w", name, explain(err))
}

func (s *Store) hasToken(ctx context.Context, name, token string) (bool, error) {
	out, err := s.api.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(s.loc.Bucket), Key: aws.String(s.key(name))})
	if err != nil {
		return false, err
	}
	return out.Metadata[tokenKey] == token, nil
}

// Open implements blob.Store. A connection that breaks while the body is read is resumed from
// where it broke, pinned to the object's ETag.
func (s *Store) Open(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	if err := blob.ValidName(name); err != nil {
		return nil, err
	}
	if off < 0 {
		return nil, fmt.Errorf("open %s: negative offset %d", name, off)
	}
	if length == 0 || (off > 0 && length < 0) {
		// A zero-length range cannot be asked for, and "bytes=N-" at the end is a 416: decide
		// from the size.
		size, err := s.Stat(ctx, name)
		if err != nil {
			return nil, err
		}
		if length < 0 {
			length = size - off
		}
		if off+length > size || length < 0 {
			return nil, fmt.Errorf("open %s: range [%d, +%d) beyond the object's %d bytes: %w", name, off, length, size, io.ErrUnexpectedEOF)
		}
		if length == 0 {
			return io.NopCloser(strings.NewReader("")), nil
		}
	}
	r := &objectReader{s: s, ctx: ctx, name: name, pos: off, end: -1}
	if length >= 0 {
		r.end = off + length
	}
	if err := r.get(); err != nil {
		return nil, err
	}
	return r, nil
}

type objectReader struct {
	s       *Store
	ctx     context.Context
	name    string
	pos     int64 // the next byte to read
	end     int64 // the end of the range, -1: the object's end
	etag    *string
	body    io.ReadCloser
	resumed int
	broken  error // why the body broke, until resumed
}

// get starts a GET of [pos, end).
func (r *objectReader) get() error {
	in := &awss3.GetObjectInput{Bucket: aws.String(r.s.loc.Bucket), Key: aws.String(r.s.key(r.name)), IfMatch: r.etag}
	switch {
	case r.end >= 0:
		in.Range = aws.String(fmt.Sprintf("bytes=%d-%d", r.pos, r.end-1))
	case r.pos > 0:
		in.Range = aws.String(fmt.Sprintf("bytes=%d-", r.pos))
	}
	out, err := r.s.api.GetObject(r.ctx, in)
	if err != nil {
		if apiCode(err) == "InvalidRange" {
			return fmt.Errorf("open %s: range from %d: %w", r.name, r.pos, io.ErrUnexpectedEOF)
		}
		return fmt.Errorf("open %s: %w", r.name, explain(err))
	}
	if r.end >= 0 && aws.ToInt64(out.ContentLength) < r.end-r.pos {
		_ = out.Body.Close()
		return fmt.Errorf("open %s: range [%d, %d) beyond the object's end: %w", r.name, r.pos, r.end, io.ErrUnexpectedEOF)
	}
	r.etag, r.body = out.ETag, out.Body
	return nil
}

func (r *objectReader) Read(p []byte) (int, error) {
	for {
		if r.broken != nil {
			if err := r.resume(); err != nil {
				return 0, err
			}
		}
		n, err := r.body.Read(p)
		r.pos += int64(n)
		switch {
		case err == nil:
			return n, nil
		case errors.Is(err, io.EOF) && (r.end < 0 || r.pos >= r.end):
			return n, io.EOF
		case errors.Is(err, io.EOF):
			err = io.ErrUnexpectedEOF
		}
		// The connection broke: hand over what arrived, and resume on the next Read.
		r.broken = err
		if n > 0 {
			return n, nil
		}
	}
}

// resume restarts the GET where the body broke, up to resumes times.
func (r *objectReader) resume() error {
	err := r.broken
	if r.ctx.Err() != nil || r.resumed >= resumes {
		return fmt.Errorf("read %s at %d: %w", r.name, r.pos, err)
	}
	r.resumed++
	_ = r.body.Close()
	if gerr := r.get(); gerr != nil {
		return fmt.Errorf("resume %s at %d after %v: %w", r.name, r.pos, err, gerr)
	}
	r.broken = nil
	return nil
}

func (r *objectReader) Close() error { return r.body.Close() }

// Stat implements blob.Store.
func (s *Store) Stat(ctx context.Context, name string) (int64, error) {
	if err := blob.ValidName(name); err != nil {
		return 0, err
	}
	out, err := s.api.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(s.loc.Bucket), Key: aws.String(s.key(name))})
	if err != nil {
		return 0, fmt.Errorf("stat %s: %w", name, explain(err))
	}
	return aws.ToInt64(out.ContentLength), nil
}

// Remove implements blob.Store. S3's DELETE succeeds for a missing key, so Remove asks first; of
// two concurrent Removes of one object both may succeed. In a versioned bucket (Object Lock needs
// one) it deletes the object's version, so the space is freed rather than hidden behind a
// delete marker; the server refuses that while the version is retained or held, which gives
// blob.ErrRetained.
func (s *Store) Remove(ctx context.Context, name string) error {
	if err := blob.ValidName(name); err != nil {
		return err
	}
	head, err := s.api.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(s.loc.Bucket), Key: aws.String(s.key(name))})
	if err != nil {
		return fmt.Errorf("remove %s: %w", name, explain(err))
	}
	in := &awss3.DeleteObjectInput{Bucket: aws.String(s.loc.Bucket), Key: aws.String(s.key(name))}
	if v := aws.ToString(head.VersionId); v != "" && v != "null" {
		in.VersionId = head.VersionId
	}
	if _, err := s.api.DeleteObject(ctx, in); err != nil {
		if lockedNow(head, s.now()) || apiCode(err) == "AccessDenied" && (head.ObjectLockMode != "" || head.ObjectLockLegalHoldStatus != "") {
			return fmt.Errorf("remove %s: %w: %w", name, blob.ErrRetained, err)
		}
		return fmt.Errorf("remove %s: %w", name, explain(err))
	}
	return nil
}

// List implements blob.Store, one page of keys at a time. S3 lists keys in UTF-8 binary order,
// which for the names blob allows is byte-wise order. Keys under the prefix that are not valid
// names (another tool's objects) are skipped.
func (s *Store) List(ctx context.Context, prefix string, fn func(name string, size int64) error) error {
	pages := awss3.NewListObjectsV2Paginator(s.api, &awss3.ListObjectsV2Input{
		Bucket: aws.String(s.loc.Bucket),
		Prefix: aws.String(s.key(prefix)),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list %s: %w", prefix, explain(err))
		}
		for _, o := range page.Contents {
			name := strings.TrimPrefix(aws.ToString(o.Key), s.loc.Prefix)
			if blob.ValidName(name) != nil {
				continue
			}
			if err := fn(name, aws.ToInt64(o.Size)); err != nil {
				return err
			}
		}
	}
	return nil
}

// apiCode is the S3 error code of err, "" if it has none.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// explain maps S3's not-found answers to blob.ErrNotFound and keeps the rest.
func explain(err error) error {
	var nk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nk) || errors.As(err, &nf) {
		return fmt.Errorf("%w: %w", blob.ErrNotFound, err)
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound && apiCode(err) != "NoSuchBucket" {
		return fmt.Errorf("%w: %w", blob.ErrNotFound, err)
	}
	return err
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
