package content

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunker"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

// StreamWriter stores a metadata stream (a node list, a chunk list) as chunks cut with the tree
// chunker, so a long list never has to be held in memory and an unchanged run of it
// deduplicates. Close returns the chunks in order.
type StreamWriter struct {
	s   *Session
	buf []byte
	ids []chunk.ID
	err error
}

// NewStreamWriter starts a metadata stream.
func (s *Session) NewStreamWriter() *StreamWriter {
	return &StreamWriter{s: s, buf: make([]byte, 0, 2*s.r.tree.Max())}
}

// Write implements io.Writer.
func (w *StreamWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.buf = append(w.buf, p...)
	if len(w.buf) >= 2*w.s.r.tree.Max() {
		w.cut(false)
	}
	return len(p), w.err
}

// cut stores chunks from the buffer; unless final, it keeps at least one maximum chunk's worth
// so cut points do not depend on how the stream was split into writes.
func (w *StreamWriter) cut(final bool) {
	start := 0
	for w.err == nil && start < len(w.buf) && (final || len(w.buf)-start >= w.s.r.tree.Max()) {
		n := w.s.r.tree.Cut(w.buf[start:])
		var id chunk.ID
		id, w.err = w.s.storeInline(w.buf[start : start+n])
		w.ids = append(w.ids, id)
		start += n
	}
	w.buf = w.buf[:copy(w.buf, w.buf[start:])]
}

// Close stores the rest of the stream and returns its chunks.
func (w *StreamWriter) Close() ([]chunk.ID, error) {
	w.cut(true)
	return w.ids, w.err
}

// streamReader reads a metadata stream back, fetching the next chunk while the current one is
// consumed.
type streamReader struct {
	ctx  context.Context
	r    *Repository
	ids  []chunk.ID
	cur  []byte
	next chan chunkResult
	err  error
}

type chunkResult struct {
	data []byte
	err  error
}

func (r *Repository) openStream(ctx context.Context, ids []chunk.ID) *streamReader {
	sr := &streamReader{ctx: ctx, r: r, ids: ids}
	sr.prefetch()
	return sr
}

func (sr *streamReader) prefetch() {
	if len(sr.ids) == 0 {
		sr.next = nil
		return
	}
	id := sr.ids[0]
	sr.ids = sr.ids[1:]
	ch := make(chan chunkResult, 1)
	sr.next = ch
	go func() {
		data, err := sr.r.ReadChunk(sr.ctx, id, nil, nil)
		ch <- chunkResult{data, err}
	}()
}

func (sr *streamReader) Read(p []byte) (int, error) {
	for len(sr.cur) == 0 {
		if sr.err != nil {
			return 0, sr.err
		}
		if sr.next == nil {
			return 0, io.EOF
		}
		res := <-sr.next
		if res.err != nil {
			sr.err = res.err
			return 0, res.err
		}
		sr.cur = res.data
		sr.prefetch()
	}
	n := copy(p, sr.cur)
	sr.cur = sr.cur[n:]
	return n, nil
}

// Nodes reads the node list of tree snapshot id.
func (r *Repository) Nodes(ctx context.Context, id SnapshotID) (*tree.Reader, error) {
	sf, err := r.loadSnapshot(ctx, id)
	if err != nil {
		return nil, err
	}
	if sf.Kind != KindTree {
		return nil, fmt.Errorf("snapshot %s is a %s, not a tree", id, sf.Kind)
	}
	return tree.NewReader(r.openStream(ctx, sf.Tree)), nil
}

// A stream snapshot's chunk list: per chunk, uvarint raw length then the 32-byte ID.
func appendRef(b []byte, ref chunk.Ref) []byte {
	b = binary.AppendUvarint(b, uint64(ref.Len))
	return append(b, ref.ID[:]...)
}

func readRef(br io.ByteReader, r io.Reader) (chunk.Ref, error) {
	var ref chunk.Ref
	n, err := binary.ReadUvarint(br)
	if err != nil {
		if err == io.EOF {
			return ref, io.EOF
		}
		return ref, fmt.Errorf("%w: chunk list: %v", errFormat, err)
	}
	if n == 0 || n > uint64(chunker.DataParams.Max) {
		return ref, fmt.Errorf("%w: chunk list: chunk length %d", errFormat, n)
	}
	ref.Len = int64(n)
	if _, err := io.ReadFull(r, ref.ID[:]); err != nil {
		return ref, fmt.Errorf("%w: chunk list truncated", errFormat)
	}
	return ref, nil
}

// BackupStream stores the bytes of src as a "stream" snapshot (for database dumps and the like).
func (r *Repository) BackupStream(ctx context.Context, src io.Reader, meta map[string]string, progress func(bytes int64)) (Snapshot, error) {
	s, err := r.StartSession(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	list := s.NewStreamWriter()
	var size int64
	var rec []byte
	err = s.writeChunks(ctx, src, -1, func(ref chunk.Ref) error {
		size += ref.Len
		rec = appendRef(rec[:0], ref)
		if _, err := list.Write(rec); err != nil {
			return err
		}
		if progress != nil {
			progress(size)
		}
		return nil
	})
	if err != nil {
		s.Abort()
		return Snapshot{}, err
	}
	ids, err := list.Close()
	if err != nil {
		s.Abort()
		return Snapshot{}, err
	}
	return s.Commit(ctx, CommitSpec{Kind: KindStream, Meta: meta, Size: size, Tree: ids})
}

// RestoreStream writes a stream snapshot's bytes to w.
func (r *Repository) RestoreStream(ctx context.Context, id SnapshotID, w io.Writer) error {
	sf, err := r.loadSnapshot(ctx, id)
	if err != nil {
		return err
	}
	if sf.Kind != KindStream {
		return fmt.Errorf("snapshot %s is a %s, not a stream", id, sf.Kind)
	}
	lr := &byteReader{r: r.openStream(ctx, sf.Tree)}
	// Read ahead: up to 8 chunks are fetched and decrypted in parallel; w gets them in order.
	type slot struct {
		done chan struct{}
		data []byte
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	queue := make(chan *slot, 8)
	go func() {
		defer close(queue)
		for {
			ref, err := readRef(lr, lr)
			if err == io.EOF {
				return
			}
			sl := &slot{done: make(chan struct{})}
			if err != nil {
				sl.err = err
				close(sl.done)
				queue <- sl
				return
			}
			go func() {
				defer close(sl.done)
				sl.data, sl.err = r.ReadChunk(ctx, ref.ID, nil, nil)
				if sl.err == nil && int64(len(sl.data)) != ref.Len {
					sl.err = fmt.Errorf("%w: chunk %s is %d bytes, the list says %d", ErrCorrupt, ref.ID.Short(), len(sl.data), ref.Len)
				}
			}()
			select {
			case queue <- sl:
			case <-ctx.Done():
				return
			}
		}
	}()
	var total int64
	for sl := range queue {
		<-sl.done
		if sl.err != nil {
			return sl.err
		}
		if _, err := w.Write(sl.data); err != nil {
			return err
		}
		total += int64(len(sl.data))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if total != sf.Size {
		return fmt.Errorf("%w: stream snapshot %s restored %d bytes, it holds %d", ErrCorrupt, id, total, sf.Size)
	}
	return nil
}

type byteReader struct {
	r   io.Reader
	buf [1]byte
}

func (b *byteReader) ReadByte() (byte, error) {
	_, err := io.ReadFull(b.r, b.buf[:])
	return b.buf[0], err
}

func (b *byteReader) Read(p []byte) (int, error) { return b.r.Read(p) }

const maxRun = 8 << 20

var (
	fetchBufs = sync.Pool{New: func() any { b := make([]byte, 0, maxRun+chunker.DataParams.Max); return &b }}
	chunkOut  = sync.Pool{New: func() any { b := make([]byte, 0, chunker.DataParams.Max); return &b }}
)

// FetchRequest asks Fetch for one chunk; Tag is the caller's, handed back with the content.
type FetchRequest struct {
	ID  chunk.ID
	Tag any
}

// Fetch reads many chunks efficiently: it groups them by pack, reads each run of nearby chunks
// with one read, and decrypts and decompresses on `workers` goroutines, calling fn (possibly
// concurrently) once per request with the chunk's content, valid only during the call. A chunk
// requested several times is read once. The first error (from reading or from fn) stops Fetch.
func (r *Repository) Fetch(ctx context.Context, reqs []FetchRequest, workers int, fn func(tag any, content []byte) error) error {
	type item struct {
		loc  location
		id   chunk.ID
		tags []any
	}
	byID := map[chunk.ID]*item{}
	var items []*item
	for _, q := range reqs {
		if it, ok := byID[q.ID]; ok {
			it.tags = append(it.tags, q.Tag)
			continue
		}
		loc, err := r.locateFresh(ctx, q.ID)
		if err != nil {
			return err
		}
		it := &item{loc: loc, id: q.ID, tags: []any{q.Tag}}
		byID[q.ID] = it
		items = append(items, it)
	}
	slices.SortFunc(items, func(a, b *item) int {
		if c := slices.Compare(a.loc.pack[:], b.loc.pack[:]); c != 0 {
			return c
		}
		return int(int64(a.loc.off) - int64(b.loc.off))
	})
	// Runs: chunks of one pack whose gaps are small, up to maxRun bytes per read.
	type run struct {
		pack     PackID
		off, end int64
		items    []*item
	}
	var runs []*run
	for _, it := range items {
		off, end := int64(it.loc.off), int64(it.loc.off)+int64(it.loc.length)
		if n := len(runs); n > 0 {
			last := runs[n-1]
			if last.pack == it.loc.pack && off >= last.off && off-last.end <= 256<<10 && end-last.off <= maxRun {
				last.end = max(last.end, end)
				last.items = append(last.items, it)
				continue
			}
		}
		runs = append(runs, &run{pack: it.loc.pack, off: off, end: end, items: []*item{it}})
	}
	if workers < 1 {
		workers = 1
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan *run)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bufp, dstp := fetchBufs.Get().(*[]byte), chunkOut.Get().(*[]byte)
			defer fetchBufs.Put(bufp)
			defer chunkOut.Put(dstp)
			buf, dst := *bufp, *dstp
			for rn := range work {
				if ctx.Err() != nil {
					continue
				}
				name := rn.pack.name()
				data, err := blob.ReadRange(ctx, r.st, name, rn.off, rn.end-rn.off, buf)
				if err != nil {
					r.noteBadChunk(ctx, rn.pack, rn.items[0].id, err)
					cancel(fmt.Errorf("read %s: %w", name, err))
					continue
				}
				if cap(data) > cap(buf) {
					buf = data
					*bufp = buf
				}
				for _, it := range rn.items {
					lo := int64(it.loc.off) - rn.off
					sealed := data[lo : lo+int64(it.loc.length)]
					content, err := r.decodeChunk(it.id, sealed, it.loc.raw, dst)
					if err != nil {
						err = fmt.Errorf("chunk %s in %s at %d: %w: %w", it.id.Short(), name, it.loc.off, ErrCorrupt, err)
						r.noteBadChunk(ctx, rn.pack, it.id, err)
						cancel(err)
						break
					}
					for _, tag := range it.tags {
						if err := fn(tag, content); err != nil {
							cancel(err)
							break
						}
					}
				}
			}
		}()
	}
	for _, rn := range runs {
		select {
		case work <- rn:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}
