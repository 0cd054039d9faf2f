package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Bucket is one bucket on an S3-compatible endpoint, with a client signed by the locator's
// credentials.
type Bucket struct {
	Loc Location
	api *awss3.Client
}

// Option adjusts how Open builds the client.
type Option func(*openOptions)

type openOptions struct {
	httpClient awss3.HTTPClient
}

// WithHTTPClient sends the bucket's requests through c (tests count requests with it).
func WithHTTPClient(c awss3.HTTPClient) Option {
	return func(o *openOptions) { o.httpClient = c }
}

// Open returns a client for the bucket at loc, once policy accepts loc: every use of a locator
// (registration, backup, restore, tag reads) comes through here, so a locator the operator's
// policy refuses is refused every time, also after the policy changed. It resolves credentials
// (see Location and Policy) but sends no request.
func Open(ctx context.Context, loc Location, policy Policy, opts ...Option) (*Bucket, error) {
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	if err := policy.Check(loc); err != nil {
		return nil, err
	}
	var cfg aws.Config
	if loc.AccessKeyID != "" {
		cfg = aws.Config{
			Region:      loc.SigningRegion(),
			Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(loc.AccessKeyID, loc.SecretAccessKey, "")),
		}
	} else {
		load := []func(*config.LoadOptions) error{config.WithRegion(loc.SigningRegion())}
		if loc.Profile != "" {
			load = append(load, config.WithSharedConfigProfile(loc.Profile))
		}
		var err error
		if cfg, err = config.LoadDefaultConfig(ctx, load...); err != nil {
			return nil, fmt.Errorf("load the engine's AWS credentials for %s: %w", loc.Redacted(), err)
		}
	}
	if o.httpClient == nil {
		o.httpClient = &http.Client{Transport: awshttp.NewBuildableClient().GetTransport(), CheckRedirect: stayOnEndpoint(loc.Endpoint)}
	}
	api := awss3.NewFromConfig(cfg, func(so *awss3.Options) {
		so.BaseEndpoint = aws.String(loc.Endpoint)
		so.UsePathStyle = true
		// Checksums only where an operation needs them: S3-compatible servers differ in which
		// checksum trailers they accept, and SigV4 already signs each payload's SHA-256.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		so.HTTPClient = o.httpClient
	})
	return &Bucket{Loc: loc, api: api}, nil
}

// Name is the bucket's name.
func (b *Bucket) Name() string { return b.Loc.Bucket }

// API is the underlying S3 client (tests use it to arrange buckets).
func (b *Bucket) API() *awss3.Client { return b.api }

// ErrNoSuchBucket is wrapped by the errors of operations on a bucket that does not exist.
var ErrNoSuchBucket = errors.New("the bucket does not exist")

// Check asks the endpoint whether the bucket exists and the credentials may use it.
func (b *Bucket) Check(ctx context.Context) error {
	_, err := b.api.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(b.Loc.Bucket)})
	if err != nil {
		return b.explain("look at", err)
	}
	return nil
}

// Exists reports whether the bucket exists (and the credentials may see it).
func (b *Bucket) Exists(ctx context.Context) (bool, error) {
	err := b.Check(ctx)
	if errors.Is(err, ErrNoSuchBucket) {
		return false, nil
	}
	return err == nil, err
}

// Tags returns the bucket's own tags (GetBucketTagging); a bucket without tags has none.
func (b *Bucket) Tags(ctx context.Context) (map[string]string, error) {
	out, err := b.api.GetBucketTagging(ctx, &awss3.GetBucketTaggingInput{Bucket: aws.String(b.Loc.Bucket)})
	if err != nil {
		if code(err) == "NoSuchTagSet" || code(err) == "NoSuchTagSetError" {
			return map[string]string{}, nil
		}
		return nil, b.explain("read the tags of", err)
	}
	tags := make(map[string]string, len(out.TagSet))
	for _, t := range out.TagSet {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags, nil
}

// setTags replaces the bucket's tags; no tags removes them.
func (b *Bucket) setTags(ctx context.Context, tags map[string]string) error {
	if len(tags) == 0 {
		_, err := b.api.DeleteBucketTagging(ctx, &awss3.DeleteBucketTaggingInput{Bucket: aws.String(b.Loc.Bucket)})
		if err != nil && code(err) != "NoSuchTagSet" {
			return b.explain("remove the tags of", err)
		}
		return nil
	}
	set := make([]types.Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		set = append(set, types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	_, err := b.api.PutBucketTagging(ctx, &awss3.PutBucketTaggingInput{Bucket: aws.String(b.Loc.Bucket), Tagging: &types.Tagging{TagSet: set}})
	if err != nil {
		return b.explain("tag", err)
	}
	return nil
}

// versioning returns the bucket's versioning status ("Enabled", "Suspended", or "" for a
// bucket that never had versioning or an endpoint without it).
func (b *Bucket) versioning(ctx context.Context) (string, error) {
	out, err := b.api.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: aws.String(b.Loc.Bucket)})
	if err != nil {
		if code(err) == "NotImplemented" {
			return "", nil
		}
		return "", b.explain("read the versioning status of", err)
	}
	return string(out.Status), nil
}

// code is the error code of an S3 error ("NoSuchKey"), or "".
func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// httpStatus is the HTTP status of a failed request, or 0.
func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// explain turns an SDK error into one that says what was being done, to which bucket, and what
// to do about it. The original error stays wrapped.
func (b *Bucket) explain(doing string, err error) error {
	where := fmt.Sprintf("bucket %s at %s", b.Loc.Bucket, b.Loc.Endpoint)
	c, status := code(err), httpStatus(err)
	switch {
	case c == "NoSuchBucket" || (c == "NotFound" || c == "") && status == http.StatusNotFound:
		return fmt.Errorf("cannot %s %s: %w (%w)", doing, where, ErrNoSuchBucket, err)
	case c == "InvalidAccessKeyId" || c == "SignatureDoesNotMatch" || c == "AccessDenied" || c == "Forbidden" || status == http.StatusForbidden:
		return fmt.Errorf("cannot %s %s: the endpoint refused the credentials (%s): give the locator keys the endpoint accepts (http://KEY:SECRET@HOST/BUCKET): %w", doing, where, credentialSource(b.Loc), err)
	case strings.Contains(err.Error(), "failed to retrieve credentials") || strings.Contains(err.Error(), "no EC2 IMDS role found"):
		return fmt.Errorf("cannot %s %s: no credentials for the endpoint: put KEY:SECRET in the locator (http://KEY:SECRET@HOST/BUCKET), or have the engine's operator give the engine credentials for it: %w", doing, where, err)
	}
	return fmt.Errorf("cannot %s %s: %w", doing, where, err)
}

// credentialSource says where a location's credentials come from, without showing the secret.
func credentialSource(l Location) string {
	switch {
	case l.AccessKeyID != "":
		return "access key " + l.AccessKeyID + " from the locator"
	case l.Profile != "":
		return "profile " + l.Profile + " of the engine's AWS config"
	}
	return "the engine's default AWS credentials"
}
