package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
)

// RestoreOptions say how a restore writes.
type RestoreOptions struct {
	// NewBucket makes the restore create the destination bucket, which must not exist yet;
	// otherwise it must exist.
	NewBucket bool
	// Items, when set, restores only the objects whose key is an item, and, for an item ending
	// in "/", the objects whose key begins with it.
	Items []string
	// JobID marks a bucket the restore creates until the restore completes, so that Abandon can
	// tell it from anyone else's.
	JobID string
	// Workers is how many objects are written at once; default 4.
	Workers int
	// Progress, if set, is called as objects are written.
	Progress func(content.Progress)
}

// RestoreResult is what a restore wrote.
type RestoreResult struct {
	Objects, Bytes int64
	// Skipped counts the objects not restored because the destination already had an object
	// with that key; SkippedKeys names the first of them.
	Skipped     int64
	SkippedKeys []string
}

// restoreMarkerTag tags a bucket a restore is creating, with the restore job's ID as value,
// until the restore completes and the bucket gets the tags it had when it was backed up.
const restoreMarkerTag = "backup-engine:restore-job"

// Upload sizes: objects up to partSize are one PutObject, larger ones multipart uploads of
// partSize parts, uploadConcurrency at a time; memory per object written is bounded by
// (uploadConcurrency+2) parts.
const (
	partSize          = 8 << 20
	uploadConcurrency = 2
	shownSkipped      = 10
)

// ErrItemNotFound is wrapped by Restore's error when an item matches no object.
var ErrItemNotFound = errors.New("not in the recovery point")

// Restore writes snapshot snap of repo into the bucket dest, as AWS Backup restores S3 data: it
// never replaces an object the bucket already has (such objects are skipped and counted, and
// every write is conditional on the key being free, If-None-Match: *), and it deletes nothing
// the bucket had. Each object gets its content, metadata headers, user metadata and tags back; a
// bucket the restore creates also gets the bucket tags of the backup.
//
// If the restore fails, the objects it wrote are deleted again, and a bucket it created is
// removed, so a failed restore leaves the destination as it found it.
func Restore(ctx context.Context, repo *content.Repository, snap content.SnapshotID, dest *Bucket, opt RestoreOptions) (RestoreResult, error) {
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	// First pass: what is restored, and is every item there?
	cur, err := OpenSnapshot(ctx, repo, snap)
	if err != nil {
		return RestoreResult{}, err
	}
	matched := make([]bool, len(opt.Items))
	var total content.Progress
	for {
		o, _, err := cur.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return RestoreResult{}, err
		}
		if selected(o.Key, opt.Items, matched) {
			total.ItemsTotal++
			total.BytesTotal += o.Size
		}
	}
	for i, ok := range matched {
		if !ok {
			return RestoreResult{}, fmt.Errorf("ItemsToRestore lists %q, which is %w (bucket %s): nothing was restored; list keys, or prefixes ending in /, that were in the bucket when it was backed up",
				opt.Items[i], ErrItemNotFound, cur.Meta[MetaBucket])
		}
	}
	var bucketTags map[string]string
	if err := json.Unmarshal([]byte(cur.Meta[MetaBucketTags]), &bucketTags); err != nil {
		return RestoreResult{}, fmt.Errorf("%w: the snapshot's bucket tags: %w", content.ErrCorrupt, err)
	}

	if opt.NewBucket {
		if err := dest.create(ctx, opt.JobID); err != nil {
			return RestoreResult{}, err
		}
	} else if err := dest.Check(ctx); err != nil {
		return RestoreResult{}, err
	}
	r := &restorer{dest: dest, opt: opt, total: total}
	r.tm = transfermanager.New(dest.api, func(o *transfermanager.Options) {
		o.PartSizeBytes = partSize
		o.MultipartUploadThreshold = partSize
		o.Concurrency = uploadConcurrency
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	})
	res, err := r.run(ctx, repo, snap)
	if err == nil && opt.NewBucket {
		err = dest.setTags(ctx, bucketTags)
	}
	if err != nil {
		if rerr := r.rollBack(context.WithoutCancel(ctx)); rerr != nil {
			err = fmt.Errorf("%w; removing what the restore wrote also failed: %v", err, rerr)
		}
		return RestoreResult{}, err
	}
	return res, nil
}

// selected reports whether key is restored, marking the items it matches.
func selected(key string, items []string, matched []bool) bool {
	if len(items) == 0 {
		return true
	}
	hit := false
	for i, it := range items {
		if key == it || strings.HasSuffix(it, "/") && strings.HasPrefix(key, it) {
			matched[i], hit = true, true
		}
	}
	return hit
}

// create makes the bucket and marks it as job's.
func (b *Bucket) create(ctx context.Context, jobID string) error {
	in := &awss3.CreateBucketInput{Bucket: aws.String(b.Loc.Bucket)}
	if region := b.Loc.SigningRegion(); region != DefaultRegion {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	if _, err := b.api.CreateBucket(ctx, in); err != nil {
		if c := code(err); c == "BucketAlreadyOwnedByYou" || c == "BucketAlreadyExists" {
			return fmt.Errorf("bucket %s at %s exists now (it was created after the restore was accepted): nothing was restored; restore into another new bucket, or into this one with NewBucket=false", b.Loc.Bucket, b.Loc.Endpoint)
		}
		return b.explain("create", err)
	}
	if jobID != "" {
		if err := b.setTags(ctx, map[string]string{restoreMarkerTag: jobID}); err != nil {
			_, _ = b.api.DeleteBucket(context.WithoutCancel(ctx), &awss3.DeleteBucketInput{Bucket: aws.String(b.Loc.Bucket)})
			return err
		}
	}
	return nil
}

type restorer struct {
	dest  *Bucket
	opt   RestoreOptions
	tm    *transfermanager.Client
	total content.Progress

	objectsDone, bytesDone atomic.Int64
	noObjectACLs           atomic.Bool

	mu      sync.Mutex
	created []string
	res     RestoreResult
}

type restoreItem struct {
	obj  *Object
	refs []chunk.Ref
}

func (r *restorer) run(ctx context.Context, repo *content.Repository, snap content.SnapshotID) (RestoreResult, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	cur, err := OpenSnapshot(ctx, repo, snap)
	if err != nil {
		return RestoreResult{}, err
	}
	items := make(chan restoreItem)
	var wg sync.WaitGroup
	for range r.opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range items {
				if ctx.Err() != nil {
					continue
				}
				if err := r.put(ctx, repo, it); err != nil {
					cancel(fmt.Errorf("restore object %q into bucket %s: %w", it.obj.Key, r.dest.Loc.Bucket, err))
				}
			}
		}()
	}
	matched := make([]bool, len(r.opt.Items))
	var readErr error
	for ctx.Err() == nil {
		o, refs, err := cur.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		if !selected(o.Key, r.opt.Items, matched) {
			continue
		}
		select {
		case items <- restoreItem{o, refs}:
		case <-ctx.Done():
		}
	}
	close(items)
	wg.Wait()
	if readErr != nil {
		return RestoreResult{}, readErr
	}
	if err := context.Cause(ctx); err != nil {
		return RestoreResult{}, err
	}
	return r.res, nil
}

// put writes one object unless the destination has one under its key.
func (r *restorer) put(ctx context.Context, repo *content.Repository, it restoreItem) error {
	o := it.obj
	if !r.opt.NewBucket {
		_, err := r.dest.api.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(r.dest.Loc.Bucket), Key: aws.String(o.Key)})
		switch {
		case err == nil:
			r.skip(o)
			return nil
		case httpStatus(err) != http.StatusNotFound:
			return r.dest.explain(fmt.Sprintf("look for object %q in", o.Key), err)
		}
	}
	in := &transfermanager.UploadObjectInput{
		Bucket: aws.String(r.dest.Loc.Bucket), Key: aws.String(o.Key),
		Body:          NewRefReader(ctx, repo, it.refs),
		ContentLength: aws.Int64(o.Size),
		// Never replace an object: the write fails if the key was taken meanwhile.
		IfNoneMatch:        aws.String("*"),
		ContentType:        nz(o.ContentType),
		CacheControl:       nz(o.CacheControl),
		ContentEncoding:    nz(o.ContentEncoding),
		ContentDisposition: nz(o.ContentDisposition),
		ContentLanguage:    nz(o.ContentLanguage),
		Metadata:           o.Metadata,
	}
	if o.Expires != "" {
		if t, err := http.ParseTime(o.Expires); err == nil {
			in.Expires = &t
		}
	}
	if len(o.Tags) > 0 {
		q := url.Values{}
		for _, t := range o.Tags {
			q.Add(t.Key, t.Value)
		}
		in.Tagging = aws.String(q.Encode())
	}
	// Progress is counted per object: parts of one object upload concurrently.
	if _, err := r.tm.UploadObject(ctx, in); err != nil {
		if code(err) == "PreconditionFailed" || httpStatus(err) == http.StatusPreconditionFailed {
			r.skip(o)
			return nil
		}
		return r.dest.explain(fmt.Sprintf("write object %q into", o.Key), err)
	}
	r.mu.Lock()
	r.created = append(r.created, o.Key)
	r.mu.Unlock()
	if err := r.putACL(ctx, o); err != nil {
		return err
	}
	r.bytesDone.Add(o.Size)
	r.objectsDone.Add(1)
	r.mu.Lock()
	r.res.Objects++
	r.res.Bytes += o.Size
	r.mu.Unlock()
	r.report()
	return nil
}

// putACL gives a restored object the ACL its backup kept, if any. An endpoint that keeps no
// object ACLs (NotImplemented) has none to set, so the rest of the restore does not try.
func (r *restorer) putACL(ctx context.Context, o *Object) error {
	if o.ACL == nil || r.noObjectACLs.Load() {
		return nil
	}
	policy := &types.AccessControlPolicy{}
	if o.ACL.Owner != "" {
		policy.Owner = &types.Owner{ID: aws.String(o.ACL.Owner)}
	}
	for _, g := range o.ACL.Grants {
		policy.Grants = append(policy.Grants, types.Grant{Permission: types.Permission(g.Permission), Grantee: &types.Grantee{
			Type: types.Type(g.Type), ID: nz(g.ID), URI: nz(g.URI), EmailAddress: nz(g.Email)}})
	}
	_, err := r.dest.api.PutObjectAcl(ctx, &awss3.PutObjectAclInput{Bucket: aws.String(r.dest.Loc.Bucket), Key: aws.String(o.Key), AccessControlPolicy: policy})
	switch {
	case err == nil:
		return nil
	case code(err) == "NotImplemented":
		r.noObjectACLs.Store(true)
		return nil
	}
	return r.dest.explain(fmt.Sprintf("set the ACL of object %q in", o.Key), err)
}

func (r *restorer) skip(o *Object) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Skipped++
	if len(r.res.SkippedKeys) < shownSkipped {
		r.res.SkippedKeys = append(r.res.SkippedKeys, o.Key)
	}
	r.objectsDone.Add(1)
	r.bytesDone.Add(o.Size)
}

func (r *restorer) report() {
	if r.opt.Progress != nil {
		p := r.total
		p.ItemsDone, p.BytesDone = r.objectsDone.Load(), r.bytesDone.Load()
		r.opt.Progress(p)
	}
}

// rollBack deletes the objects the restore wrote, and the bucket if it made it.
func (r *restorer) rollBack(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	r.mu.Lock()
	keys := slices.Clone(r.created)
	r.mu.Unlock()
	if err := r.dest.deleteObjects(ctx, keys); err != nil {
		return err
	}
	if r.opt.NewBucket {
		if _, err := r.dest.api.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(r.dest.Loc.Bucket)}); err != nil {
			return r.dest.explain("remove the half-restored", err)
		}
	}
	return nil
}

// deleteObjects deletes the objects with the given keys.
func (b *Bucket) deleteObjects(ctx context.Context, keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		ids := make([]types.ObjectIdentifier, n)
		for i, k := range keys[:n] {
			ids[i] = types.ObjectIdentifier{Key: aws.String(k)}
		}
		out, err := b.api.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String(b.Loc.Bucket), Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			return b.explain("delete objects from", err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete object %q from bucket %s: %s: %s", aws.ToString(e.Key), b.Loc.Bucket, aws.ToString(e.Code), aws.ToString(e.Message))
		}
		keys = keys[n:]
	}
	return nil
}

// Abandon cleans up after a restore job that died while it wrote into a bucket it created: if
// the bucket still carries that job's marker, its objects and the bucket are removed. A bucket
// without the marker (a completed restore, or someone else's) is left alone.
func Abandon(ctx context.Context, b *Bucket, jobID string) error {
	if jobID == "" {
		return nil
	}
	tags, err := b.Tags(ctx)
	if errors.Is(err, ErrNoSuchBucket) {
		return nil
	}
	if err != nil {
		return err
	}
	if tags[restoreMarkerTag] != jobID {
		return nil
	}
	objects, err := b.list(ctx)
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
		return b.explain("remove the half-restored", err)
	}
	return nil
}

func nz(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
