// Package delivery puts rendered reports where the operator's configuration says: on an
// S3-compatible server (config.json "reports": {"s3": {"endpoint", "region", "profile"}}), in
// the report plan's bucket, signed with the named profile of the engine's AWS config files or
// else the engine's environment credentials, as S3 resources are; or in a local directory
// ("reports": {"directory": …}, inside the allowed paths), under BUCKET/KEY.
package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3"
)

// Target receives reports.
type Target interface {
	// Put writes body as key in bucket.
	Put(ctx context.Context, bucket, key string, body []byte) error
}

// None is the target of an engine whose operator configured no report delivery: every delivery
// fails, saying what to configure.
type None struct{}

// Put fails.
func (None) Put(context.Context, string, string, []byte) error {
	return errors.New(`the engine has no report destination: its operator sets "reports": {"s3": {"endpoint": …, "region": …, "profile": …}} or "reports": {"directory": …} in config.json`)
}

// S3 delivers to buckets of one S3-compatible server.
type S3 struct {
	Endpoint string // scheme://host[:port]
	Region   string // signing region ("" is us-east-1)
	Profile  string // a profile of the engine's AWS config files; "" uses the engine's environment
}

// Put writes one object.
func (t S3) Put(ctx context.Context, bucket, key string, body []byte) error {
	loc := s3.Location{Endpoint: t.Endpoint, Bucket: bucket, Region: t.Region, Profile: t.Profile}
	// The operator's own configuration: its profile, or the environment, is what it chose.
	policy := s3.Policy{AllowEnvironmentCredentials: true}
	if t.Profile != "" {
		policy.AllowedProfiles = []string{t.Profile}
	}
	b, err := s3.Open(ctx, loc, policy)
	if err != nil {
		return err
	}
	_, err = b.API().PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String(contentType(key))})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s on %s: %w", bucket, key, t.Endpoint, err)
	}
	return nil
}

func contentType(key string) string {
	if strings.HasSuffix(key, ".json") {
		return "application/json"
	}
	return "text/csv"
}

// Directory delivers to DIR/BUCKET/KEY.
type Directory struct{ Dir string }

// Put writes one file, through an os.Root so no key can leave the directory.
func (t Directory) Put(_ context.Context, bucket, key string, body []byte) error {
	root, err := os.OpenRoot(t.Dir)
	if err != nil {
		return fmt.Errorf("open the report directory: %w", err)
	}
	defer func() { _ = root.Close() }()
	name := path.Join(bucket, key)
	if err := root.MkdirAll(filepath.Dir(name), 0o750); err != nil {
		return fmt.Errorf("make %s in the report directory: %w", path.Dir(name), err)
	}
	if err := root.WriteFile(name, body, 0o640); err != nil {
		return fmt.Errorf("write %s in the report directory: %w", name, err)
	}
	return nil
}
