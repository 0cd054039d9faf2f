// Package tree is the node list of a tree snapshot: one record per file, directory, link or
// device, in walk order, with prefix-compressed paths, so an unchanged tree encodes to the same
// bytes (hence the same chunks).
package tree

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/varint"
)

// NodeType is the kind of a tree entry.
type NodeType uint8

// Node types (the letters of ls -l).
const (
	NodeDir      NodeType = 'd'
	NodeFile     NodeType = 'f'
	NodeSymlink  NodeType = 'l'
	NodeFIFO     NodeType = 'p'
	NodeCharDev  NodeType = 'c'
	NodeBlockDev NodeType = 'b'
	NodeSocket   NodeType = 's'
)

func (t NodeType) valid() bool {
	switch t {
	case NodeDir, NodeFile, NodeSymlink, NodeFIFO, NodeCharDev, NodeBlockDev, NodeSocket:
		return true
	}
	return false
}

// Node is one entry of a tree snapshot.
type Node struct {
	// Path is relative to the tree's root, "/"-separated; the root itself is "".
	Path string
	Type NodeType
	// Mode holds the permission bits and setuid, setgid and sticky (07777).
	Mode     uint32
	UID, GID uint32
	// MTime and CTime are nanoseconds since the Unix epoch. CTime is kept only to detect change.
	MTime, CTime int64
	// Inode, Dev and NLink identify the file for incremental backups and hard links.
	Inode, Dev, NLink uint64
	// Size is a file's length (holes included).
	Size int64
	// Target is a symlink's target.
	Target string
	// RDev is a device node's device number.
	RDev uint64
	// Refs are a file's content, in order; their lengths add up to Size.
	Refs []chunk.Ref
}

// Name is the last element of the path.
func (n *Node) Name() string { return n.Path[strings.LastIndexByte(n.Path, '/')+1:] }

// ComparePaths orders node paths the way a tree is walked: depth first, the entries of a
// directory in byte-wise order of their names, a directory directly followed by its contents.
// That is byte-wise order with "/" sorting before every other byte.
func ComparePaths(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca == '/' {
			return -1
		}
		if cb == '/' {
			return 1
		}
		if ca < cb {
			return -1
		}
		return 1
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// ValidPath reports whether p can be a node's path: relative, "/"-separated, no empty, "."
// or ".." elements, no NUL. Restores rely on it never to leave the destination.
func ValidPath(p string) error {
	if p == "" {
		return nil
	}
	if strings.IndexByte(p, 0) >= 0 {
		return fmt.Errorf("path %q contains NUL", p)
	}
	for _, el := range strings.Split(p, "/") {
		if el == "" || el == "." || el == ".." {
			return fmt.Errorf("path %q has an empty, \".\" or \"..\" element", p)
		}
	}
	return nil
}

// The node list of a tree snapshot is a stream of records, one per node, in ComparePaths order:
//
//	uvarint length of the record, then:
//	type byte
//	uvarint bytes shared with the previous node's path, uvarint suffix length, suffix
//	uvarint mode, uid, gid; varint mtime, ctime; uvarint inode, dev, nlink; varint size
//	symlink: uvarint length, target          device: uvarint rdev
//	file:    uvarint count, per ref: uvarint (length << 1 | hole), 32-byte ID unless a hole
//
// Prefix-compressed paths keep a million-file list small, and a list that has not changed
// encodes to the same bytes, hence the same chunks: an unchanged tree costs no new storage.

// Encoder appends records; it remembers the previous path.
type Encoder struct{ prev string }

// Append appends n's record to b.
func (e *Encoder) Append(b []byte, n *Node) []byte {
	shared := 0
	for shared < len(e.prev) && shared < len(n.Path) && e.prev[shared] == n.Path[shared] {
		shared++
	}
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0) // room for the length; moved below if shorter
	body := len(b)
	b = append(b, byte(n.Type))
	b = binary.AppendUvarint(b, uint64(shared))
	b = binary.AppendUvarint(b, uint64(len(n.Path)-shared))
	b = append(b, n.Path[shared:]...)
	b = binary.AppendUvarint(b, uint64(n.Mode))
	b = binary.AppendUvarint(b, uint64(n.UID))
	b = binary.AppendUvarint(b, uint64(n.GID))
	b = binary.AppendVarint(b, n.MTime)
	b = binary.AppendVarint(b, n.CTime)
	b = binary.AppendUvarint(b, n.Inode)
	b = binary.AppendUvarint(b, n.Dev)
	b = binary.AppendUvarint(b, n.NLink)
	b = binary.AppendVarint(b, n.Size)
	switch n.Type {
	case NodeSymlink:
		b = binary.AppendUvarint(b, uint64(len(n.Target)))
		b = append(b, n.Target...)
	case NodeCharDev, NodeBlockDev:
		b = binary.AppendUvarint(b, n.RDev)
	case NodeFile:
		b = binary.AppendUvarint(b, uint64(len(n.Refs)))
		for _, r := range n.Refs {
			if r.IsHole() {
				b = binary.AppendUvarint(b, uint64(r.Len)<<1|1)
			} else {
				b = binary.AppendUvarint(b, uint64(r.Len)<<1)
				b = append(b, r.ID[:]...)
			}
		}
	}
	// Write the length as a uvarint in front of the body, closing the gap.
	var lb [binary.MaxVarintLen64]byte
	ln := binary.PutUvarint(lb[:], uint64(len(b)-body))
	if ln > body-start {
		panic("node record too long")
	}
	copy(b[start:], lb[:ln])
	copy(b[start+ln:], b[body:])
	e.prev = n.Path
	return b[:len(b)-(body-start-ln)]
}

// maxNodeRecord bounds one record (a file of ~100 TB has ~100 M refs... far beyond; 1 GiB of
// refs is a 30 TB file at the average chunk size).
const maxNodeRecord = 1 << 30

// Reader decodes a node list.
type Reader struct {
	r    *bufio.Reader
	prev string
	buf  []byte
	// checkOrder makes Next fail when paths are not in ComparePaths order.
	started bool
}

// NewReader reads a node list from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the next node, or io.EOF after the last. Paths are checked to be valid and in
// strictly increasing ComparePaths order.
func (nr *Reader) Next() (*Node, error) {
	ln, err := binary.ReadUvarint(nr.r)
	if err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("%w: node record length: %v", varint.ErrMalformed, err)
	}
	if ln == 0 || ln > maxNodeRecord {
		return nil, fmt.Errorf("%w: node record length %d", varint.ErrMalformed, ln)
	}
	// Grow the buffer as bytes arrive, so a corrupt length cannot allocate a gigabyte.
	nr.buf = nr.buf[:0]
	for uint64(len(nr.buf)) < ln {
		want := min(ln-uint64(len(nr.buf)), 1<<20)
		off := len(nr.buf)
		nr.buf = append(nr.buf, make([]byte, want)...)
		if _, err := io.ReadFull(nr.r, nr.buf[off:]); err != nil {
			return nil, fmt.Errorf("%w: node record truncated", varint.ErrMalformed)
		}
	}
	n, err := decodeNode(nr.buf, nr.prev)
	if err != nil {
		return nil, err
	}
	if nr.started && ComparePaths(nr.prev, n.Path) >= 0 {
		return nil, fmt.Errorf("%w: node %q is out of order after %q", varint.ErrMalformed, n.Path, nr.prev)
	}
	nr.started = true
	nr.prev = n.Path
	return n, nil
}

func decodeNode(b []byte, prev string) (*Node, error) {
	d := varint.NewDecoder(b)
	n := &Node{}
	t := d.Bytes(1, "type")
	if d.Err() != nil {
		return nil, d.Err()
	}
	n.Type = NodeType(t[0])
	if !n.Type.valid() {
		return nil, fmt.Errorf("%w: unknown node type %q", varint.ErrMalformed, t[0])
	}
	shared := d.Uvarint("path prefix")
	if d.Err() == nil && shared > uint64(len(prev)) {
		return nil, fmt.Errorf("%w: path shares %d bytes with a %d-byte predecessor", varint.ErrMalformed, shared, len(prev))
	}
	suffix := d.Bytes(d.Count(1, "path length"), "path")
	if d.Err() != nil {
		return nil, d.Err()
	}
	n.Path = prev[:shared] + string(suffix)
	if err := ValidPath(n.Path); err != nil {
		return nil, fmt.Errorf("%w: %v", varint.ErrMalformed, err)
	}
	n.Mode = d.U32("mode")
	n.UID = d.U32("uid")
	n.GID = d.U32("gid")
	n.MTime = d.Varint("mtime")
	n.CTime = d.Varint("ctime")
	n.Inode = d.Uvarint("inode")
	n.Dev = d.Uvarint("dev")
	n.NLink = d.Uvarint("nlink")
	n.Size = d.Varint("size")
	if d.Err() == nil && n.Size < 0 {
		d.Fail("negative size")
	}
	switch n.Type {
	case NodeSymlink:
		n.Target = string(d.Bytes(d.Count(1, "target length"), "target"))
	case NodeCharDev, NodeBlockDev:
		n.RDev = d.Uvarint("rdev")
	case NodeFile:
		cnt := d.Count(1, "ref count")
		n.Refs = make([]chunk.Ref, 0, cnt)
		var total int64
		for i := 0; i < cnt && d.Err() == nil; i++ {
			v := d.Uvarint("ref length")
			r := chunk.Ref{Len: int64(v >> 1)}
			if v&1 == 0 {
				copy(r.ID[:], d.Bytes(32, "ref ID"))
				if d.Err() == nil && r.ID.IsZero() {
					d.Fail("zero chunk ID")
				}
			}
			if r.Len <= 0 || r.Len > 1<<62 {
				d.Fail("ref length")
			}
			total += r.Len
			n.Refs = append(n.Refs, r)
		}
		if d.Err() == nil && total != n.Size {
			d.Fail(fmt.Sprintf("refs add up to %d bytes, size is %d", total, n.Size))
		}
	}
	if d.Err() == nil && d.Len() != 0 {
		d.Fail("trailing bytes in node record")
	}
	if d.Err() != nil {
		return nil, d.Err()
	}
	return n, nil
}
