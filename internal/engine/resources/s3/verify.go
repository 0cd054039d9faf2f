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
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
)

// VerifyRestored checks a bucket a whole-snapshot restore wrote against the snapshot: the same
// object count, and every object of the snapshot present with its size and content. Where both
// ETags are single-part MD5s, equal ETags prove the content; a multipart ETag ("...-N") depends
// on how the object was uploaded, not only on its bytes, so such an object is read back and each
// of its pieces hashed against the chunk IDs the snapshot records. It returns what it checked.
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
		o, refs, err := cur.Next()
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
		case singlePart(o.ETag) && singlePart(got.etag):
			if !strings.EqualFold(strings.Trim(got.etag, `"`), strings.Trim(o.ETag, `"`)) {
				return "", fmt.Errorf("object %q has ETag %s in restored bucket %s, %s in the recovery point: its content differs", o.Key, got.etag, b.Name(), o.ETag)
			}
		default:
			if err := b.verifyContent(ctx, repo, o.Key, refs); err != nil {
				return "", err
			}
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

// singlePart reports whether an ETag is a single-part upload's: the MD5 of the content.
func singlePart(etag string) bool { return !strings.Contains(etag, "-") }

// verifyContent reads a restored object and checks each piece against the snapshot's chunk IDs.
func (b *Bucket) verifyContent(ctx context.Context, repo *content.Repository, key string, refs []chunk.Ref) error {
	out, err := b.api.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(b.Loc.Bucket), Key: aws.String(key)})
	if err != nil {
		return b.explain(fmt.Sprintf("read object %q of", key), err)
	}
	defer func() { _ = out.Body.Close() }()
	var off int64
	var buf []byte
	for i, ref := range refs {
		if int64(cap(buf)) < ref.Len {
			buf = make([]byte, ref.Len)
		}
		data := buf[:ref.Len]
		if _, err := io.ReadFull(out.Body, data); err != nil {
			return fmt.Errorf("read object %q of restored bucket %s at %d: %w", key, b.Name(), off, err)
		}
		if ref.IsHole() {
			if strings.Trim(string(data), "\x00") != "" {
				return fmt.Errorf("object %q: bytes %d to %d should be zeros and are not", key, off, off+ref.Len)
			}
		} else if repo.ChunkID(data) != ref.ID {
			return fmt.Errorf("object %q: piece %d (bytes %d to %d) does not hash to the recovery point's content hash: the restored bytes differ", key, i, off, off+ref.Len)
		}
		off += ref.Len
	}
	return nil
}
