package content

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunker"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/locks"
)

// Session is one backup writing into the repository. It holds a lock object for its whole life
// (so GC knows it runs), deduplicates against the index as it was when the session started plus
// what the session itself stored, compresses and encrypts chunks on a pool of workers, and
// writes packs and index files as it goes. Nothing it stores is visible as a snapshot until
// Commit; if the session fails or is aborted, the packs already written stay in the store
// (indexed, so later backups reuse them) and GC removes what no snapshot uses.
//
// WriteData, NewStreamWriter and friends are safe for concurrent use; Commit and Abort are not
// concurrent with them.
//
// The work is bounded at each step: a writer cutting a large input hands each chunk to a worker
// (up to 16 in flight per input, 3 per worker plus 2 over all inputs, each waiting for a free
// slot), the workers append sealed chunks to the one pack being filled, which streams to the
// store through a pipe of 4 buffers, and at most 3 packs are being stored at once.
type Session struct {
	r      *Repository
	ctx    context.Context
	cancel context.CancelCauseFunc
	lock   *locks.Held

	jobs          chan *chunkJob
	tokens        chan struct{}
	packSlots     chan struct{}
	workers       sync.WaitGroup
	packsInFlight sync.WaitGroup
	storedPacks   atomic.Int64

	mu sync.Mutex
	// known are chunks stored by this session that are not yet in the repository's index:
	// in a pack being filled or uploaded, or in an uploaded pack not yet listed in an index file.
	known     map[chunk.ID]struct{}
	cur       *packWriter
	pending   []indexPack
	pendingN  int
	indexes   []string
	finished  bool
	indexLock sync.Mutex // serialises index file writes
	flushOnce sync.Once
	flushErr  error

	storedBytes atomic.Int64 // sealed bytes of new chunks
	newChunks   atomic.Int64
}

type chunkJob struct {
	buf *[]byte // content in (*buf)[1:]
	fut *future
}

type future struct {
	done chan struct{}
	id   chunk.ID
	n    int
	err  error
}

// StartSession begins a backup: it takes a lock and brings the index up to date.
func (r *Repository) StartSession(ctx context.Context) (*Session, error) {
	lock, err := r.locks.Backup(ctx)
	if err != nil {
		return nil, err
	}
	// The lock is visible before the index is read: see gc.go for why the order matters.
	if err := r.refresh(ctx); err != nil {
		lock.Release()
		return nil, err
	}
	sctx, cancel := context.WithCancelCause(context.Background())
	s := &Session{
		r: r, ctx: sctx, cancel: cancel, lock: lock,
		jobs:      make(chan *chunkJob),
		tokens:    make(chan struct{}, 3*r.opt.workers+2),
		packSlots: make(chan struct{}, 3),
		known:     map[chunk.ID]struct{}{},
	}
	// The caller's ctx bounds the session too.
	stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	go func() { <-sctx.Done(); stop() }()
	for range r.opt.workers {
		s.workers.Add(1)
		go s.worker()
	}
	return s, nil
}

// Err is the error that failed the session, if any.
func (s *Session) Err() error {
	if s.ctx.Err() != nil {
		return context.Cause(s.ctx)
	}
	return nil
}

func (s *Session) fail(err error) { s.cancel(err) }

// Workers is how many goroutines compress and encrypt the session's chunks (WithWorkers); a
// connector sizes the stages that feed them from it.
func (s *Session) Workers() int { return s.r.opt.workers }

// StoredBytes is what the session has added to the repository so far (sealed chunk bytes).
func (s *Session) StoredBytes() int64 { return s.storedBytes.Load() }

var (
	chunkBufs      = sync.Pool{New: func() any { b := make([]byte, 0, chunker.DataParams.Max+1); return &b }}
	splitBufs      = sync.Pool{New: func() any { b := make([]byte, 2*chunker.DataParams.Max); return &b }}
	smallSplitBufs = sync.Pool{New: func() any { b := make([]byte, smallSplitBuf); return &b }}
	scratchPool    = sync.Pool{New: func() any { return &scratch{} }}
)

type scratch struct{ z []byte }

func (s *Session) worker() {
	defer s.workers.Done()
	for j := range s.jobs {
		content := (*j.buf)[1:]
		j.fut.n = len(content)
		j.fut.id, j.fut.err = s.store(*j.buf)
		chunkBufs.Put(j.buf)
		<-s.tokens
		close(j.fut.done)
	}
}

// store stores one chunk whose content is buf[1:] (buf[0] is room for the flag byte) unless the
// repository or this session already has it, and returns its ID.
func (s *Session) store(buf []byte) (chunk.ID, error) {
	content := buf[1:]
	id := s.r.ids.Sum(content)
	if s.r.has(id) {
		return id, nil
	}
	s.mu.Lock()
	if _, ok := s.known[id]; ok {
		s.mu.Unlock()
		return id, nil
	}
	s.known[id] = struct{}{}
	s.mu.Unlock()

	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	if cap(sc.z) < len(content)+64 {
		sc.z = make([]byte, 0, len(content)+len(content)/8+64)
	}
	pt := buf
	pt[0] = 0
	z := s.r.comp.enc.EncodeAll(content, append(sc.z[:0], flagCompressed))
	if compressPays(len(content), len(z)-1) {
		pt = z
	}
	sc.z = z[:0]
	// Sealed into a buffer of the pack pipe's pool: a large chunk is handed to the pack as it
	// is, not copied into the pack's staging buffer (see packWriter.addOwned).
	sealed := stageBufs.Get().(*[]byte)
	*sealed = s.r.keys.Seal((*sealed)[:0], pt, id[:])
	if err := s.addToPackOwned(id, sealed, len(content)); err != nil {
		return id, err
	}
	s.newChunks.Add(1)
	return id, nil
}

// addToPack appends a copy of sealed to the pack being filled.
func (s *Session) addToPack(id chunk.ID, sealed []byte, raw int) error {
	return s.appendToPack(len(sealed), func(p *packWriter) error { return p.add(id, sealed, raw) })
}

// addToPackOwned appends sealed, a buffer from stageBufs, to the pack being filled; it takes
// the buffer over whatever it returns.
func (s *Session) addToPackOwned(id chunk.ID, sealed *[]byte, raw int) error {
	taken := false
	err := s.appendToPack(len(*sealed), func(p *packWriter) error {
		taken = true
		return p.addOwned(id, sealed, raw)
	})
	if !taken {
		stageBufs.Put(sealed)
	}
	return err
}

func (s *Session) appendToPack(n int, add func(*packWriter) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return errors.New("content: session already committed or aborted")
	}
	if s.cur == nil {
		p, err := s.openPack()
		if err != nil {
			return err
		}
		s.cur = p
	}
	if err := add(s.cur); err != nil {
		s.fail(err)
		return err
	}
	s.storedBytes.Add(int64(n))
	if s.cur.size >= packTargetSize {
		p := s.cur
		s.cur = nil
		if err := p.finish(s.r.keys); err != nil {
			s.fail(err)
			return err
		}
	}
	return nil
}

// packStored queues a stored pack's entries for the next index file, writing one when enough
// have accumulated.
func (s *Session) packStored(id PackID, entries []packEntry) {
	s.mu.Lock()
	s.pending = append(s.pending, indexPack{id: id, entries: entries})
	s.pendingN += len(entries)
	var batch []indexPack
	// An index file every 64k chunks or 256 packs (~4 GiB): that bounds what the session keeps
	// in memory and what a crash would leave unindexed.
	if s.pendingN >= s.r.opt.indexFlushAt || len(s.pending) >= 256 {
		batch, s.pending, s.pendingN = s.pending, nil, 0
	}
	s.mu.Unlock()
	if batch != nil {
		if err := s.writeIndex(context.Background(), batch); err != nil {
			s.fail(err)
		}
	}
}

// writeIndex writes an index file for batch, then makes its chunks part of the repository's
// index (where the session's later lookups, and other sessions of this process, find them).
func (s *Session) writeIndex(ctx context.Context, batch []indexPack) error {
	if len(batch) == 0 {
		return nil
	}
	s.indexLock.Lock()
	defer s.indexLock.Unlock()
	if ds, ok := blob.AsDeferred(s.r.st); ok {
		names := make([]string, len(batch))
		for i, p := range batch {
			names[i] = p.id.name()
		}
		if err := ds.Sync(ctx, names...); err != nil {
			return fmt.Errorf("make packs durable: %w", err)
		}
	}
	name := "index/" + randomHex(16)
	if err := s.r.st.Save(ctx, name, bytes.NewReader(s.r.sealObject(indexMagic, name, encodeIndex(batch)))); err != nil {
		return fmt.Errorf("store index %s: %w", name, err)
	}
	s.r.mu.Lock()
	s.r.addPacksLocked(batch)
	s.r.loaded[name] = true
	s.r.mu.Unlock()
	s.mu.Lock()
	for _, p := range batch {
		for _, e := range p.entries {
			delete(s.known, e.id)
		}
	}
	s.indexes = append(s.indexes, name)
	s.mu.Unlock()
	return nil
}

// Reusable reports whether a backup may reference refs without reading their source again:
// every chunk is in the repository in a copy that is neither condemned by GC nor known to be
// damaged, or was stored by this session. A backup that would reuse an unchanged file's refs
// from its parent snapshot asks first; if the answer is no, it reads the file again, which
// stores the damaged or missing chunks anew.
func (s *Session) Reusable(refs []chunk.Ref) bool {
	for _, ref := range refs {
		if ref.IsHole() || s.r.has(ref.ID) {
			continue
		}
		s.mu.Lock()
		_, ok := s.known[ref.ID]
		s.mu.Unlock()
		if !ok {
			return false
		}
	}
	return true
}

// submit queues buf (content in (*buf)[1:]) for a worker, waiting for a free slot.
func (s *Session) submit(ctx context.Context, buf *[]byte) (*future, error) {
	select {
	case s.tokens <- struct{}{}:
	case <-ctx.Done():
		chunkBufs.Put(buf)
		return nil, context.Cause(ctx)
	case <-s.ctx.Done():
		chunkBufs.Put(buf)
		return nil, s.Err()
	}
	f := &future{done: make(chan struct{})}
	s.jobs <- &chunkJob{buf: buf, fut: f}
	return f, nil
}

// storeInline stores a chunk on the calling goroutine (small files and metadata, where a hand-off
// would cost more than it saves).
func (s *Session) storeInline(content []byte) (chunk.ID, error) {
	bp := chunkBufs.Get().(*[]byte)
	defer chunkBufs.Put(bp)
	b := append((*bp)[:0], 0)
	b = append(b, content...)
	*bp = b
	return s.store(b)
}

// WriteData chunks r with the data chunker, stores the chunks the repository does not have, and
// returns the refs of r's content in order. sizeHint (or -1) is the expected length: small
// inputs then need no large buffer. progress, if not nil, is called with the size of each chunk
// once stored.
func (s *Session) WriteData(ctx context.Context, r io.Reader, sizeHint int64, progress func(n int64)) ([]chunk.Ref, error) {
	var refs []chunk.Ref
	err := s.writeChunks(ctx, r, sizeHint, func(ref chunk.Ref) error {
		refs = append(refs, ref)
		if progress != nil {
			progress(ref.Len)
		}
		return nil
	})
	return refs, err
}

const (
	maxWindow     = 16
	smallSplitBuf = 128 << 10
)

func (s *Session) writeChunks(ctx context.Context, r io.Reader, sizeHint int64, emit func(chunk.Ref) error) error {
	if err := s.Err(); err != nil {
		return err
	}
	// Small inputs (most files) take a small pooled buffer; the splitter grows it if the input
	// turns out larger than announced.
	pool := &splitBufs
	if sizeHint >= 0 && sizeHint < smallSplitBuf-1 {
		pool = &smallSplitBufs
	}
	bp := pool.Get().(*[]byte)
	sp := chunker.NewSplitter(s.r.data, r, *bp)
	defer func() {
		if cap(sp.Buffer()) > cap(*bp) {
			*bp = sp.Buffer() // grown: keep the larger buffer in the pool it fits
			if pool == &smallSplitBufs {
				pool = &splitBufs
			}
		}
		pool.Put(bp)
	}()
	var window []*future
	var firstErr error
	flushHead := func() {
		f := window[0]
		window = window[1:]
		<-f.done
		if firstErr == nil {
			if f.err != nil {
				firstErr = f.err
			} else {
				firstErr = emit(chunk.Ref{ID: f.id, Len: int64(f.n)})
			}
		}
	}
	for firstErr == nil {
		piece, last, err := sp.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			firstErr = err
			break
		}
		if last && len(window) == 0 {
			id, err := s.storeInline(piece)
			if err != nil {
				firstErr = err
			} else {
				firstErr = emit(chunk.Ref{ID: id, Len: int64(len(piece))})
			}
			break
		}
		buf := chunkBufs.Get().(*[]byte)
		*buf = append(append((*buf)[:0], 0), piece...)
		f, err := s.submit(ctx, buf)
		if err != nil {
			firstErr = err
			break
		}
		window = append(window, f)
		for len(window) > 0 && firstErr == nil && (isDone(window[0]) || len(window) >= maxWindow) {
			flushHead()
		}
	}
	for len(window) > 0 {
		flushHead()
	}
	return firstErr
}

func isDone(f *future) bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// CommitSpec describes the snapshot a session commits.
type CommitSpec struct {
	Kind   string
	Meta   map[string]string
	Size   int64
	Parent SnapshotID
	// Tree is the chunks of the snapshot's node list (KindTree) or chunk list (KindStream).
	Tree []chunk.ID
	// Files and Dirs count a tree's entries.
	Files, Dirs int64
}

// flush ships the pack being filled, waits for every upload and writes the last index file.
func (s *Session) flush() error {
	s.flushOnce.Do(func() { s.flushErr = s.doFlush() })
	return s.flushErr
}

func (s *Session) doFlush() error {
	s.mu.Lock()
	s.finished = true
	cur := s.cur
	s.cur = nil
	s.mu.Unlock()
	close(s.jobs)
	s.workers.Wait()
	var err error
	if cur != nil {
		if s.ctx.Err() != nil {
			cur.abandon()
		} else {
			err = cur.finish(s.r.keys)
		}
	}
	s.packsInFlight.Wait()
	if err == nil {
		err = s.Err()
	}
	s.mu.Lock()
	batch := s.pending
	s.pending, s.pendingN = nil, 0
	s.mu.Unlock()
	// The packs that did land are indexed even when the session failed, so later backups reuse
	// them rather than store them again (and GC sees them as indexed, not orphans).
	if ierr := s.writeIndex(context.Background(), batch); err == nil {
		err = ierr
	}
	return err
}

// Commit finishes the session: it stores what is still buffered, writes the index, and only
// then writes the snapshot, so a snapshot is never visible before all its data is durable.
// The session is over whatever Commit returns.
func (s *Session) Commit(ctx context.Context, spec CommitSpec) (Snapshot, error) {
	defer s.lock.Release()
	defer s.cancel(errors.New("content: session finished"))
	if err := s.flush(); err != nil {
		return Snapshot{}, err
	}
	if err := ctxErr(ctx); err != nil {
		return Snapshot{}, err
	}
	sf := snapshotFile{
		Version: formatVersion, Time: s.r.opt.clock.Now().UTC(), Kind: spec.Kind, Meta: spec.Meta,
		Size: spec.Size, StoredBytes: s.storedBytes.Load(), Tree: spec.Tree, Parent: spec.Parent,
		Files: spec.Files, Dirs: spec.Dirs, Host: s.r.host,
	}
	id := SnapshotID(randomHex(16))
	if err := s.r.saveSnapshot(ctx, id, sf); err != nil {
		return Snapshot{}, err
	}
	return sf.snapshot(id), nil
}

// Abort ends the session without a snapshot. What was already stored stays (indexed) for later
// backups to reuse, or for GC to remove.
func (s *Session) Abort() {
	defer s.lock.Release()
	s.cancel(errors.New("content: session aborted"))
	// The session failed already: what flush reports is that (or a failure to index what
	// landed, which GC then treats as unindexed packs).
	_ = s.flush()
}
