package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
)

// VerifyRestored checks a bucket a whole-snapshot restore wrote against the snapshot: the same
// object count, and every object of the snapshot present with its size and ETag. An ETag of a
// multipart upload ("...-N") depends on how the object was uploaded, not only on its bytes, so a
// restored single-part object is held to its size alone. It returns what it checked.
func VerifyRestored(ctx context.Context, repo *content.Repository, snap content.SnapshotID, b *Bucket) (string, error) {
	cur, err := OpenSnapshot(ctx, repo, snap)
	if err != nil {
		return "", err
	}
	restored, err := b.list(ctx)
	if err != nil {
		return "", err
	}
	byKey := make(map[string]listed, len(restored))
	for _, o := range restored {
		byKey[o.key] = o
	}
	var want int
	var bytes int64
	for {
		o, _, err := cur.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		want++
		bytes += o.Size
		got, ok := byKey[o.Key]
		switch {
		case !ok:
			return "", fmt.Errorf("object %q of the recovery point is missing from restored bucket %s", o.Key, b.Name())
		case got.size != o.Size:
			return "", fmt.Errorf("object %q is %d bytes in restored bucket %s, %d in the recovery point", o.Key, got.size, b.Name(), o.Size)
		case !strings.Contains(o.ETag, "-") && !strings.EqualFold(strings.Trim(got.etag, `"`), strings.Trim(o.ETag, `"`)):
			return "", fmt.Errorf("object %q has ETag %s in restored bucket %s, %s in the recovery point: its content differs", o.Key, got.etag, b.Name(), o.ETag)
		}
	}
	if len(restored) != want {
		return "", fmt.Errorf("restored bucket %s has %d objects, the recovery point %d", b.Name(), len(restored), want)
	}
	return fmt.Sprintf("%d objects (%d bytes) match the recovery point's keys, sizes and ETags", want, bytes), nil
}

// DeleteBucket deletes a bucket and every object in it: a restore test's scratch bucket. A
// bucket that is already gone is not an error.
func DeleteBucket(ctx context.Context, b *Bucket) error {
	objects, err := b.list(ctx)
	if errors.Is(err, ErrNoSuchBucket) {
		return nil
	}
	if err != nil {
		return err
	}
	keys := make([]string, len(objects))
	for i, o := range objects {
		keys[i] = o.key
	}
	if err := b.deleteObjects(ctx, keys); err != nil {
		return err
	}
	if _, err := b.api.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(b.Loc.Bucket)}); err != nil {
		return b.explain("delete the restored", err)
	}
	return nil
}
