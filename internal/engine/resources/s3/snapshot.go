package s3

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

// A bucket's snapshot is a "tree" snapshot (content.KindTree), so the repository's GC, verify
// and copy treat it like any other tree:
//
//	""                      the root directory
//	"data"                  a directory
//	"data/<hex of key>"     one file node per object: its content, size and LastModified (as mtime)
//	"manifest"              JSON lines, one Object per object, in key order
//
// Object keys are hex-encoded into node names because S3 keys may hold anything a node path may
// not ("", ".", "..", "//", trailing "/"), and because hex preserves byte order: the data nodes
// are in key order, the manifest's order, so both are read in lockstep. The manifest holds what
// a node cannot: ETag, metadata headers, user metadata and tags.

// Format is the snapshot format this package writes, kept in the snapshot's metadata.
const Format = "s3-bucket/1"

// Snapshot metadata keys.
const (
	MetaFormat     = "format"
	MetaBucket     = "bucket"
	MetaEndpoint   = "endpoint"
	MetaRegion     = "region"
	MetaBucketTags = "bucket_tags"
	// MetaObjectACLs says whether the objects' ACLs are in the snapshot (ACLsKept, ...).
	MetaObjectACLs = "object_acls"
	MetaVersioning = "versioning"
	MetaObjects    = "objects"
)

const (
	dataDir      = "data"
	manifestPath = "manifest"
)

func nodePath(key string) string { return dataDir + "/" + hex.EncodeToString([]byte(key)) }

// Object is one object as a snapshot records it.
type Object struct {
	Key  string `json:"key"`
	Size int64  `json:"size"`
	ETag string `json:"etag"`
	// LastModified is the object's, as the listing reported it when it was backed up.
	LastModified time.Time `json:"last_modified"`
	// VersionID is the current version's ID in a versioned bucket.
	VersionID          string            `json:"version_id,omitempty"`
	StorageClass       string            `json:"storage_class,omitempty"`
	ContentType        string            `json:"content_type,omitempty"`
	CacheControl       string            `json:"cache_control,omitempty"`
	ContentEncoding    string            `json:"content_encoding,omitempty"`
	ContentDisposition string            `json:"content_disposition,omitempty"`
	ContentLanguage    string            `json:"content_language,omitempty"`
	Expires            string            `json:"expires,omitempty"`
	Metadata           map[string]string `json:"metadata,omitempty"`
	Tags               []Tag             `json:"tags,omitempty"`
	// ACL is the object's ACL, when the backup kept ACLs and the endpoint has them.
	ACL *ACL `json:"acl,omitempty"`
}

// ACL is an object's access control list: its owner and grants (GetObjectAcl).
type ACL struct {
	Owner  string  `json:"owner,omitempty"`
	Grants []Grant `json:"grants,omitempty"`
}

// Grant is one grant of an ACL: a grantee (by type: canonical user ID, group URI or e-mail)
// and a permission.
type Grant struct {
	Type       string `json:"type,omitempty"`
	ID         string `json:"id,omitempty"`
	URI        string `json:"uri,omitempty"`
	Email      string `json:"email,omitempty"`
	Permission string `json:"permission"`
}

// MetaObjectACLs values: whether a snapshot holds its objects' ACLs.
const (
	ACLsKept              = "kept"
	ACLsDisabled          = "disabled"             // BackupACLs was "disabled"
	ACLsNotKeptByEndpoint = "not-kept-by-endpoint" // the endpoint answers GetObjectAcl with NotImplemented
)

// Tag is one object tag, in the order the endpoint listed them.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// unchanged reports whether a listed object is the one recorded in o: same ETag and size, and
// the same LastModified to the second (listings carry milliseconds, object headers seconds).
func (o *Object) unchanged(etag string, size int64, modified time.Time) bool {
	return o.ETag == etag && o.Size == size && o.LastModified.Truncate(time.Second).Equal(modified.Truncate(time.Second))
}

// ErrNotBucketSnapshot is returned for a snapshot this package did not write.
var ErrNotBucketSnapshot = errors.New("not an S3 bucket snapshot")

// Cursor reads a bucket snapshot's objects in key order, each with its content refs.
type Cursor struct {
	nodes    *tree.Reader
	manifest *json.Decoder
	// Meta is the snapshot's metadata (bucket, endpoint, bucket tags, ...).
	Meta map[string]string
}

// OpenSnapshot opens snapshot id of repo for reading.
func OpenSnapshot(ctx context.Context, repo *content.Repository, id content.SnapshotID) (*Cursor, error) {
	snap, err := repo.Snapshot(ctx, id)
	if err != nil {
		return nil, err
	}
	if snap.Kind != content.KindTree || snap.Meta[MetaFormat] != Format {
		return nil, fmt.Errorf("snapshot %s: %w (kind %s, format %q)", id, ErrNotBucketSnapshot, snap.Kind, snap.Meta[MetaFormat])
	}
	// The manifest is the last node; find it, then read the data nodes from the start.
	nr, err := repo.Nodes(ctx, id)
	if err != nil {
		return nil, err
	}
	var manifest *tree.Node
	for {
		n, err := nr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", id, err)
		}
		if n.Path == manifestPath {
			manifest = n
		}
	}
	if manifest == nil {
		return nil, fmt.Errorf("snapshot %s: %w: it has no manifest", id, content.ErrCorrupt)
	}
	nodes, err := repo.Nodes(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Cursor{
		nodes:    nodes,
		manifest: json.NewDecoder(bufio.NewReaderSize(NewRefReader(ctx, repo, manifest.Refs), 256<<10)),
		Meta:     snap.Meta,
	}, nil
}

// Next returns the next object and the refs of its content, or io.EOF after the last.
func (c *Cursor) Next() (*Object, []chunk.Ref, error) {
	var o Object
	if err := c.manifest.Decode(&o); err != nil {
		if err == io.EOF {
			return nil, nil, io.EOF
		}
		return nil, nil, fmt.Errorf("%w: the snapshot's manifest: %w", content.ErrCorrupt, err)
	}
	want := nodePath(o.Key)
	for {
		n, err := c.nodes.Next()
		if err == io.EOF {
			return nil, nil, fmt.Errorf("%w: the manifest lists %q, which has no data node", content.ErrCorrupt, o.Key)
		}
		if err != nil {
			return nil, nil, err
		}
		if n.Type != tree.NodeFile || len(n.Path) <= len(dataDir)+1 || n.Path[:len(dataDir)+1] != dataDir+"/" {
			continue // the root and data directories
		}
		if n.Path != want || n.Size != o.Size {
			return nil, nil, fmt.Errorf("%w: the manifest lists %q (%d bytes) where the data nodes have %s (%d bytes)", content.ErrCorrupt, o.Key, o.Size, n.Path, n.Size)
		}
		return &o, n.Refs, nil
	}
}

// RefReader reads content given by refs, in order, one chunk at a time.
type RefReader struct {
	ctx  context.Context
	repo *content.Repository
	refs []chunk.Ref
	cur  []byte
}

// NewRefReader reads the content refs describe from repo.
func NewRefReader(ctx context.Context, repo *content.Repository, refs []chunk.Ref) *RefReader {
	return &RefReader{ctx: ctx, repo: repo, refs: refs}
}

// Read implements io.Reader.
func (r *RefReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if len(r.refs) == 0 {
			return 0, io.EOF
		}
		ref := r.refs[0]
		r.refs = r.refs[1:]
		if ref.IsHole() {
			// Snapshots of buckets have no holes; zero bytes are what a hole means anyway.
			r.cur = make([]byte, ref.Len)
			continue
		}
		data, err := r.repo.ReadChunk(r.ctx, ref.ID, nil, nil)
		if err != nil {
			return 0, err
		}
		if int64(len(data)) != ref.Len {
			return 0, fmt.Errorf("%w: chunk %s is %d bytes, the snapshot says %d", content.ErrCorrupt, ref.ID.Short(), len(data), ref.Len)
		}
		r.cur = data
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}
