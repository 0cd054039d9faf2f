package s3blob

import (
	"crypto/md5"
	"errors"
	"io"
	"sync"
)

// blockBuffer holds an object's body in fixed-size blocks from a shared pool. A body then takes
// its own size rounded up to a block, where a bytes.Buffer grows by doubling: a pack of a little
// over 16 MiB would hold 32 MiB, once per pack being uploaded, for as long as the pool kept it.
// The blocks go back to the pool when the upload is done.
type blockBuffer struct {
	blocks []*[]byte
	size   int64
}

const blockSize = 1 << 20

var blockPool = sync.Pool{New: func() any { b := make([]byte, blockSize); return &b }}

// fill reads r until its end or until limit bytes are held, and reports how many are held.
func (b *blockBuffer) fill(r io.Reader, limit int64) (int64, error) {
	for b.size < limit {
		off := int(b.size % blockSize)
		if off == 0 {
			b.blocks = append(b.blocks, blockPool.Get().(*[]byte))
		}
		blk := *b.blocks[len(b.blocks)-1]
		end := blockSize
		if rest := limit - b.size; rest < int64(end-off) {
			end = off + int(rest)
		}
		n, err := r.Read(blk[off:end])
		b.size += int64(n)
		if errors.Is(err, io.EOF) {
			return b.size, nil
		}
		if err != nil {
			return b.size, err
		}
	}
	return b.size, nil
}

// md5 is the MD5 of the held bytes, for a Content-MD5 header.
func (b *blockBuffer) md5() [md5.Size]byte {
	h := md5.New()
	_, _ = io.Copy(h, b.reader())
	var sum [md5.Size]byte
	h.Sum(sum[:0])
	return sum
}

// release gives the blocks back to the pool; the buffer and its readers must not be used after.
func (b *blockBuffer) release() {
	for _, blk := range b.blocks {
		blockPool.Put(blk)
	}
	b.blocks, b.size = nil, 0
}

// reader returns a reader of the held bytes that can seek, as the SDK needs to hash the body
// for the signature and to send it again on a retry.
func (b *blockBuffer) reader() *blockReader { return &blockReader{b: b} }

type blockReader struct {
	b   *blockBuffer
	off int64
}

func (r *blockReader) Read(p []byte) (int, error) {
	if r.off >= r.b.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.off < r.b.size {
		blk := *r.b.blocks[r.off/blockSize]
		i := int(r.off % blockSize)
		end := blockSize
		if rest := r.b.size - (r.off - int64(i)); rest < int64(end) {
			end = int(rest)
		}
		c := copy(p[n:], blk[i:end])
		n += c
		r.off += int64(c)
	}
	return n, nil
}

func (r *blockReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.b.size
	default:
		return 0, errors.New("s3blob: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("s3blob: seek before the start")
	}
	r.off = offset
	return offset, nil
}

// Len is the number of bytes not yet read, as bytes.Reader's (the SDK uses it for the length).
func (r *blockReader) Len() int {
	if r.off >= r.b.size {
		return 0
	}
	return int(r.b.size - r.off)
}
