package s3

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

// BackupOptions tune a backup.
type BackupOptions struct {
	// Workers is how many objects are read at once; default 4.
	Workers int
	// Progress, if set, is called as objects are stored, possibly from several goroutines.
	Progress func(content.Progress)
	// SkipObjectTags leaves object tags out of the backup, and SkipACLs object ACLs: AWS
	// Backup's S3 options BackupObjectTags and BackupACLs "disabled". Both are kept by default.
	SkipObjectTags, SkipACLs bool
}

// Result is what a backup stored.
type Result struct {
	Snapshot content.Snapshot
	// Objects and Bytes are the bucket's objects and their total size, as backed up.
	Objects, Bytes int64
	// Downloaded and DownloadedBytes count the objects whose content was read from the
	// endpoint; the others were unchanged since the parent snapshot and reuse its data.
	Downloaded, DownloadedBytes int64
	// Warnings say what the backup could not capture (objects deleted while it ran).
	Warnings []string
}

// listed is an object as ListObjectsV2 reported it.
type listed struct {
	key          string
	size         int64
	etag         string
	modified     time.Time
	storageClass string
}

// maxAttempts bounds how often one object's download is tried when its stream breaks.
const maxAttempts = 3

// Backup stores the bucket's objects, with their metadata and tags and the bucket's tags, as a
// new snapshot in repo.
//
// Consistency: the bucket is listed first, then each object is read (GetObject streams straight
// into the repository, never held whole in memory; Workers at a time). An object is recorded as
// its GetObject returned it, so an object rewritten during the backup is captured at its state
// when fetched, and one deleted after the listing is left out with a warning. A versioned
// bucket's current versions are backed up; older versions and delete markers are not.
//
// Incremental: an object whose ETag, size and LastModified equal its record in the parent
// snapshot is not downloaded again; its content and metadata come from the parent. Its tags are
// read again (GetObjectTagging), because tags change without changing the object.
func Backup(ctx context.Context, repo *content.Repository, b *Bucket, parent content.SnapshotID, opt BackupOptions) (Result, error) {
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	bk := &backup{b: b, opt: opt}
	bucketTags, err := b.Tags(ctx)
	if err != nil {
		if code(err) != "NotImplemented" {
			return Result{}, err
		}
		bk.warn("the endpoint does not keep bucket tags; none were recorded")
		bucketTags = map[string]string{}
	}
	versioning, err := b.versioning(ctx)
	if err != nil {
		return Result{}, err
	}
	objects, err := b.list(ctx)
	if err != nil {
		return Result{}, err
	}
	bk.objectsTotal = int64(len(objects))
	for _, o := range objects {
		bk.bytesTotal += o.size
	}
	if parent != "" {
		cur, err := OpenSnapshot(ctx, repo, parent)
		switch {
		case errors.Is(err, content.ErrSnapshotNotFound) || errors.Is(err, ErrNotBucketSnapshot):
			bk.warn(fmt.Sprintf("the parent snapshot %s cannot be used (%v): every object was read", parent, err))
			parent = ""
		case ctx.Err() != nil:
			return Result{}, context.Cause(ctx)
		case err != nil:
			// A damaged parent never blocks a backup: it only saves reading unchanged objects.
			bk.warn(fmt.Sprintf("the parent snapshot %s cannot be read (%v): every object was read", parent, err))
			parent = ""
		default:
			bk.parent = cur
		}
	}
	sess, err := repo.StartSession(ctx)
	if err != nil {
		return Result{}, err
	}
	bk.sess = sess
	tags, err := json.Marshal(bucketTags)
	if err != nil {
		sess.Abort()
		return Result{}, err
	}
	meta := map[string]string{
		MetaFormat: Format, MetaBucket: b.Loc.Bucket, MetaEndpoint: b.Loc.Endpoint, MetaRegion: b.Loc.SigningRegion(),
		MetaBucketTags: string(tags), MetaVersioning: versioning,
	}
	res, err := bk.run(ctx, objects, parent, meta)
	if err != nil {
		sess.Abort()
		return Result{}, err
	}
	return res, nil
}

// list lists every object of the bucket (current versions), in byte order of their keys.
func (b *Bucket) list(ctx context.Context) ([]listed, error) {
	var out []listed
	p := awss3.NewListObjectsV2Paginator(b.api, &awss3.ListObjectsV2Input{Bucket: aws.String(b.Loc.Bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, b.explain("list the objects of", err)
		}
		for _, o := range page.Contents {
			out = append(out, listed{key: aws.ToString(o.Key), size: aws.ToInt64(o.Size), etag: aws.ToString(o.ETag),
				modified: aws.ToTime(o.LastModified), storageClass: string(o.StorageClass)})
		}
	}
	// S3 lists in UTF-8 byte order; not every compatible server does, and the snapshot needs it.
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	for i := 1; i < len(out); i++ {
		if out[i].key == out[i-1].key {
			return nil, fmt.Errorf("the listing of bucket %s at %s has key %q twice", b.Loc.Bucket, b.Loc.Endpoint, out[i].key)
		}
	}
	return out, nil
}

type backup struct {
	b    *Bucket
	opt  BackupOptions
	sess *content.Session

	// parent is the previous snapshot, read forward as the objects are visited in key order.
	parent     *Cursor
	parentNext *Object
	parentRefs []chunk.Ref

	objectsTotal, bytesTotal    int64
	objectsDone, bytesDone      atomic.Int64
	downloaded, downloadedBytes atomic.Int64
	noObjectTags                atomic.Bool
	noObjectACLs                atomic.Bool

	warnMu   sync.Mutex
	warnings []string
}

func (bk *backup) warn(msg string) {
	bk.warnMu.Lock()
	defer bk.warnMu.Unlock()
	bk.warnings = append(bk.warnings, msg)
}

func (bk *backup) report() {
	if bk.opt.Progress != nil {
		bk.opt.Progress(content.Progress{
			ItemsDone: bk.objectsDone.Load(), ItemsTotal: bk.objectsTotal,
			BytesDone: bk.bytesDone.Load(), BytesTotal: bk.bytesTotal, BytesTransferred: bk.sess.StoredBytes(),
		})
	}
}

// fromParent returns the parent's record of key if the listed object is unchanged since.
func (bk *backup) fromParent(o listed) (*Object, []chunk.Ref) {
	for bk.parent != nil {
		if bk.parentNext == nil {
			next, refs, err := bk.parent.Next()
			if err == io.EOF {
				bk.parent = nil
				break
			}
			if err != nil {
				bk.warn(fmt.Sprintf("the parent snapshot could not be read to the end (%v): the objects after %q were read again", err, o.key))
				bk.parent = nil
				break
			}
			bk.parentNext, bk.parentRefs = next, refs
		}
		switch {
		case bk.parentNext.Key < o.key:
			bk.parentNext = nil // gone since the parent
			continue
		case bk.parentNext.Key == o.key && bk.parentNext.unchanged(o.etag, o.size, o.modified) && bk.sess.Reusable(bk.parentRefs):
			// (Refs whose chunks were found damaged since are not reused: the object is read.)
			prev, refs := bk.parentNext, bk.parentRefs
			bk.parentNext = nil
			return prev, refs
		}
		break
	}
	return nil, nil
}

// task is one object on its way into the snapshot.
type task struct {
	obj  listed
	prev *Object
	refs []chunk.Ref
	rec  Object
	gone bool
	err  error
	done chan struct{}
}

func (bk *backup) run(ctx context.Context, objects []listed, parent content.SnapshotID, meta map[string]string) (Result, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	// Objects are captured by Workers goroutines and written to the snapshot in key order: the
	// queue is that order, and bounds how far capture runs ahead of writing.
	queue := make(chan *task, 4*bk.opt.Workers)
	slots := make(chan struct{}, bk.opt.Workers)
	go func() {
		defer close(queue)
		for _, o := range objects {
			t := &task{obj: o, done: make(chan struct{})}
			t.prev, t.refs = bk.fromParent(o)
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case queue <- t:
			case <-ctx.Done():
				<-slots
				return
			}
			go func() {
				defer func() { <-slots; close(t.done) }()
				bk.capture(ctx, t)
			}()
		}
	}()

	// The manifest is written as a data stream alongside the node list.
	pr, pw := io.Pipe()
	type written struct {
		refs []chunk.Ref
		err  error
	}
	manifestDone := make(chan written, 1)
	go func() {
		refs, err := bk.sess.WriteData(ctx, pr, -1, nil)
		closeErr := err
		if closeErr == nil {
			closeErr = io.ErrClosedPipe // nothing more is read: a later write must not block
		}
		pr.CloseWithError(closeErr)
		manifestDone <- written{refs, err}
	}()
	mw := bufio.NewWriterSize(pw, 64<<10)
	enc := json.NewEncoder(mw)
	enc.SetEscapeHTML(false)

	nodes := bk.sess.NewStreamWriter()
	var ne tree.Encoder
	var rec []byte
	writeNode := func(n *tree.Node) error {
		rec = ne.Append(rec[:0], n)
		_, err := nodes.Write(rec)
		return err
	}
	var res Result
	firstErr := writeNode(&tree.Node{Path: "", Type: tree.NodeDir, Mode: 0o755})
	if firstErr == nil {
		firstErr = writeNode(&tree.Node{Path: dataDir, Type: tree.NodeDir, Mode: 0o755})
	}
	for t := range queue {
		<-t.done
		if firstErr != nil {
			continue // drain, so every capture finishes
		}
		if t.err != nil {
			firstErr = t.err
			cancel(t.err)
			continue
		}
		if t.gone {
			bk.warn(fmt.Sprintf("object %q was deleted after the bucket was listed; it is not in the recovery point", t.obj.key))
			continue
		}
		n := &tree.Node{Path: nodePath(t.rec.Key), Type: tree.NodeFile, Mode: 0o644,
			MTime: t.rec.LastModified.UnixNano(), Size: t.rec.Size, Refs: t.refs}
		if err := writeNode(n); err != nil {
			firstErr = err
			cancel(err)
			continue
		}
		if err := enc.Encode(&t.rec); err != nil {
			firstErr = fmt.Errorf("write the manifest: %w", err)
			cancel(firstErr)
			continue
		}
		res.Objects++
		res.Bytes += t.rec.Size
	}
	if firstErr == nil {
		if err := mw.Flush(); err != nil {
			firstErr = fmt.Errorf("write the manifest: %w", err)
		}
	}
	pw.CloseWithError(firstErr)
	manifest := <-manifestDone
	if firstErr == nil && manifest.err != nil {
		firstErr = fmt.Errorf("store the manifest: %w", manifest.err)
	}
	if firstErr == nil {
		firstErr = context.Cause(ctx)
	}
	if firstErr != nil {
		return Result{}, firstErr
	}
	var manifestSize int64
	for _, r := range manifest.refs {
		manifestSize += r.Len
	}
	if err := writeNode(&tree.Node{Path: manifestPath, Type: tree.NodeFile, Mode: 0o644, Size: manifestSize, Refs: manifest.refs}); err != nil {
		return Result{}, err
	}
	tree, err := nodes.Close()
	if err != nil {
		return Result{}, err
	}
	meta[MetaObjects] = fmt.Sprint(res.Objects)
	meta[MetaObjectACLs] = bk.objectACLsMeta()
	snap, err := bk.sess.Commit(ctx, content.CommitSpec{Kind: content.KindTree, Meta: meta, Size: res.Bytes,
		Parent: parent, Tree: tree, Files: res.Objects, Dirs: 2})
	if err != nil {
		return Result{}, err
	}
	bk.report()
	res.Snapshot = snap
	res.Downloaded, res.DownloadedBytes = bk.downloaded.Load(), bk.downloadedBytes.Load()
	res.Warnings = bk.warnings
	return res, nil
}

// capture fills t: from the parent when the object is unchanged, else from the endpoint.
func (bk *backup) capture(ctx context.Context, t *task) {
	defer bk.report()
	if t.prev != nil {
		t.rec = *t.prev
		t.rec.StorageClass = t.obj.storageClass
		t.rec.Tags, t.gone, t.err = bk.objectTags(ctx, t.obj.key, nil)
		if t.err == nil && !t.gone {
			t.rec.ACL, t.gone, t.err = bk.objectACL(ctx, t.obj.key)
		}
		if t.err == nil && !t.gone {
			bk.objectsDone.Add(1)
			bk.bytesDone.Add(t.rec.Size)
		}
		return
	}
	for attempt := 1; ; attempt++ {
		var done int64
		t.err = bk.download(ctx, t, &done)
		if t.err == nil || t.gone || ctx.Err() != nil || attempt == maxAttempts {
			if t.err != nil && !t.gone {
				t.err = fmt.Errorf("back up object %q of bucket %s: %w", t.obj.key, bk.b.Loc.Bucket, t.err)
			}
			return
		}
		bk.bytesDone.Add(-done) // read again from the start
	}
}

// download reads one object into the session.
func (bk *backup) download(ctx context.Context, t *task, done *int64) error {
	out, err := bk.b.api.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bk.b.Loc.Bucket), Key: aws.String(t.obj.key),
		ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		if code(err) == "NoSuchKey" || httpStatus(err) == 404 {
			t.gone = true
			return nil
		}
		return bk.b.explain(fmt.Sprintf("read object %q of", t.obj.key), err)
	}
	defer out.Body.Close()
	size := aws.ToInt64(out.ContentLength)
	refs, err := bk.sess.WriteData(ctx, out.Body, size, func(n int64) {
		*done += n
		bk.bytesDone.Add(n)
		bk.report()
	})
	if err != nil {
		return err
	}
	var got int64
	for _, r := range refs {
		got += r.Len
	}
	if out.ContentLength != nil && got != size {
		return fmt.Errorf("read %d bytes, the endpoint announced %d", got, size)
	}
	modified := t.obj.modified
	if out.LastModified != nil {
		modified = *out.LastModified
	}
	t.refs = refs
	t.rec = Object{
		Key: t.obj.key, Size: got, ETag: aws.ToString(out.ETag), LastModified: modified.UTC(),
		VersionID: aws.ToString(out.VersionId), StorageClass: t.obj.storageClass,
		ContentType: aws.ToString(out.ContentType), CacheControl: aws.ToString(out.CacheControl),
		ContentEncoding: aws.ToString(out.ContentEncoding), ContentDisposition: aws.ToString(out.ContentDisposition),
		ContentLanguage: aws.ToString(out.ContentLanguage), Expires: aws.ToString(out.ExpiresString),
	}
	if len(out.Metadata) > 0 {
		t.rec.Metadata = out.Metadata
	}
	t.rec.Tags, t.gone, err = bk.objectTags(ctx, t.obj.key, out.TagCount)
	if err != nil || t.gone {
		return err
	}
	t.rec.ACL, t.gone, err = bk.objectACL(ctx, t.obj.key)
	if err != nil || t.gone {
		return err
	}
	bk.objectsDone.Add(1)
	bk.downloaded.Add(1)
	bk.downloadedBytes.Add(got)
	return nil
}

// objectTags reads an object's tags; count, when the endpoint said, saves the request for an
// object without any.
func (bk *backup) objectTags(ctx context.Context, key string, count *int32) (tags []Tag, gone bool, err error) {
	if (count != nil && *count == 0) || bk.noObjectTags.Load() || bk.opt.SkipObjectTags {
		return nil, false, nil
	}
	out, err := bk.b.api.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String(bk.b.Loc.Bucket), Key: aws.String(key)})
	if err != nil {
		switch {
		case code(err) == "NoSuchKey" || httpStatus(err) == 404 && code(err) != "NoSuchBucket":
			return nil, true, nil
		case code(err) == "NotImplemented":
			if bk.noObjectTags.CompareAndSwap(false, true) {
				bk.warn("the endpoint does not keep object tags; none were recorded")
			}
			return nil, false, nil
		}
		return nil, false, bk.b.explain(fmt.Sprintf("read the tags of object %q of", key), err)
	}
	for _, t := range out.TagSet {
		tags = append(tags, Tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)})
	}
	return tags, false, nil
}

// objectACL reads an object's ACL (GetObjectAcl), unless SkipACLs. An endpoint that keeps no
// object ACLs (NotImplemented: versitygw's POSIX backend, for one) has none to keep; the
// snapshot's MetaObjectACLs says so.
func (bk *backup) objectACL(ctx context.Context, key string) (acl *ACL, gone bool, err error) {
	if bk.opt.SkipACLs || bk.noObjectACLs.Load() {
		return nil, false, nil
	}
	out, err := bk.b.api.GetObjectAcl(ctx, &awss3.GetObjectAclInput{Bucket: aws.String(bk.b.Loc.Bucket), Key: aws.String(key)})
	if err != nil {
		switch {
		case code(err) == "NoSuchKey" || httpStatus(err) == 404 && code(err) != "NoSuchBucket":
			return nil, true, nil
		case code(err) == "NotImplemented":
			bk.noObjectACLs.Store(true)
			return nil, false, nil
		}
		return nil, false, bk.b.explain(fmt.Sprintf("read the ACL of object %q of", key), err)
	}
	acl = &ACL{}
	if out.Owner != nil {
		acl.Owner = aws.ToString(out.Owner.ID)
	}
	for _, g := range out.Grants {
		gr := Grant{Permission: string(g.Permission)}
		if g.Grantee != nil {
			gr.Type, gr.ID, gr.URI, gr.Email = string(g.Grantee.Type), aws.ToString(g.Grantee.ID), aws.ToString(g.Grantee.URI), aws.ToString(g.Grantee.EmailAddress)
		}
		acl.Grants = append(acl.Grants, gr)
	}
	return acl, false, nil
}

// objectACLsMeta says, for MetaObjectACLs, whether the snapshot holds the objects' ACLs.
func (bk *backup) objectACLsMeta() string {
	switch {
	case bk.opt.SkipACLs:
		return ACLsDisabled
	case bk.noObjectACLs.Load():
		return ACLsNotKeptByEndpoint
	}
	return ACLsKept
}
