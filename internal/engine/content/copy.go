package content

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/varint"
)

// Copying a snapshot from one repository to another (a copy job: another vault, region or
// account).
//
// Chunk IDs are keyed per repository: an ID is the BLAKE3 hash of the content under a key derived
// from the repository's data key, and the chunker's gear table is derived from it too (keyring).
// The same bytes therefore have unrelated IDs in two vaults, and a source ID tells nothing about
// whether the destination holds the content. Two designs were weighed:
//
//  1. Re-chunk: restore the source data through the destination's chunker, as a new backup
//     would. Every copy decompresses, re-cuts, re-hashes and recompresses every byte, and must
//     read all of it from the source, even when the destination already has almost everything
//     (the nightly copy of a file system that changed a little).
//  2. Translate: keep the source's chunk boundaries. Each source chunk is stored in the
//     destination under the destination's ID of the same content (the destination's keyed hash
//     of the plaintext), and its envelope (the flag byte and the compressed content) is
//     decrypted under the source's key and sealed again under the destination's, without
//     recompressing. The snapshot's node list (or chunk list) is rewritten with the new IDs and
//     stored with the destination's metadata chunker.
//
// This file does 2. Repositories made with one namespace key (keyring; the engine gives one to
// all the vaults of an account) give the same content the same ID, so between them there is
// nothing to translate: a copy reads only the chunks the destination lacks, and re-seals each
// under the destination's key without decompressing or re-hashing it. Otherwise a copy
// deduplicates against everything the destination holds whose
// content is the same chunk (earlier copies from the same source, and any whole small file, which
// is one chunk whatever the gear table), and it never recompresses. To also avoid reading chunks
// the destination already has, the destination keeps a translation map per source repository,
// "copymaps/<source repository ID>/<random>": source ID → destination ID pairs learned by earlier
// copies, sealed under the destination's key (so the map reveals nothing and cannot be forged).
// A pair is used only if the destination's index (as a backup session sees it: packs GC has
// condemned do not count) still holds the destination ID; otherwise the chunk is read and
// translated again. The map is a cache: losing it costs reads, never correctness. What option 2
// gives up is deduplication between a copy and the destination's own backups of the same large
// files (their boundaries differ); copies of one source into one vault deduplicate fully.
//
// Atomicity and concurrency. The copy writes through an ordinary Session of the destination, so
// it holds a lock there for its whole life, deduplicates only against packs no GC has condemned,
// and writes its snapshot last, after every pack and index file is durable (Session.Commit): a
// copy that fails or is killed leaves no snapshot, only unreferenced packs that GC removes. In
// the source it holds a lock of its own while it reads, so a GC of the source running meanwhile
// (which may repack the chunks the copy is about to read) does not delete a pack before the copy
// is done with it.

// copyRunMax bounds one read of adjacent source chunks.
const copyRunMax = 8 << 20

// CopySnapshot copies snapshot id of src into dst and returns the new snapshot of dst: the same
// kind, metadata, size and content, encrypted under dst's data key. Only chunks dst lacks are
// stored (and, thanks to dst's translation map, only those are read from src). The snapshot
// appears in dst only when the copy is complete. progress, if not nil, is called with the number
// of the snapshot's logical bytes copied so far (reaching its Size), one call at a time.
//
// The result's StoredBytes is what the copy added to dst. src and dst may be the same
// repository, in which case the copy is a new snapshot sharing all data with the original, or
// share a namespace key, in which case only chunks dst lacks are read and none is re-hashed.
func CopySnapshot(ctx context.Context, src, dst *Repository, id SnapshotID, progress func(bytes int64)) (Snapshot, error) {
	sf, err := src.loadSnapshot(ctx, id)
	if err != nil {
		return Snapshot{}, err
	}
	if src.cfg.DataChunking.Max > dst.cfg.DataChunking.Max {
		return Snapshot{}, fmt.Errorf("copy snapshot %s: the source's chunks (up to %d bytes) are larger than the destination accepts (%d)", id, src.cfg.DataChunking.Max, dst.cfg.DataChunking.Max)
	}
	// Read lock in the source first (see above), then refresh its index so every chunk of the
	// snapshot is located in a pack that lock protects.
	srcLock, err := src.locks.Backup(ctx)
	if err != nil {
		return Snapshot{}, fmt.Errorf("copy snapshot %s: %w", id, err)
	}
	defer srcLock.Release()
	if err := src.refresh(ctx); err != nil {
		return Snapshot{}, fmt.Errorf("copy snapshot %s: %w", id, err)
	}
	s, err := dst.StartSession(ctx)
	if err != nil {
		return Snapshot{}, fmt.Errorf("copy snapshot %s: %w", id, err)
	}
	c := &copier{src: src, dst: dst, s: s, sf: sf, progress: progress, chunks: map[chunk.ID]*copyChunk{}}
	snap, err := c.run(ctx, id)
	if err != nil {
		s.Abort()
		return Snapshot{}, fmt.Errorf("copy snapshot %s: %w", id, err)
	}
	return snap, nil
}

// copyChunk is one distinct chunk of the snapshot being copied.
type copyChunk struct {
	dst chunk.ID
	// weight is the logical bytes of the snapshot that use the chunk (a chunk used twice counts
	// twice), so progress adds up to the snapshot's size.
	weight int64
	done   bool
}

type copier struct {
	src, dst *Repository
	s        *Session
	sf       snapshotFile
	progress func(int64)

	mu     sync.Mutex
	chunks map[chunk.ID]*copyChunk
	// learned are the translations this copy worked out, for the map.
	learned map[chunk.ID]chunk.ID
	done    atomic.Int64
	// progressMu makes progress calls one at a time.
	progressMu sync.Mutex
}

func (c *copier) report(n int64) {
	total := c.done.Add(n)
	if c.progress == nil || n == 0 {
		return
	}
	c.progressMu.Lock()
	c.progress(total)
	c.progressMu.Unlock()
}

// identity reports whether a chunk has the same ID in both repositories: the same repository, or
// two made with one namespace key (the vaults of one account, in the engine). Then no translation
// is needed, and chunks the destination has are never read.
func (c *copier) identity() bool { return c.src.keys.IDKey == c.dst.keys.IDKey }

func (c *copier) run(ctx context.Context, id SnapshotID) (Snapshot, error) {
	// 1. The distinct chunks the snapshot uses, and the bytes of holes (which copy for free).
	var holes int64
	err := c.src.walkRefs(ctx, c.sf, func(_ string, ref chunk.Ref) {
		if ref.IsHole() {
			holes += ref.Len
			return
		}
		ch := c.chunks[ref.ID]
		if ch == nil {
			ch = &copyChunk{}
			c.chunks[ref.ID] = ch
		}
		ch.weight += ref.Len
	})
	if err != nil {
		return Snapshot{}, fmt.Errorf("read the source's %s list: %w", c.sf.Kind, err)
	}
	c.report(holes)

	// 2. Chunks the destination already has under a known translation need no reading.
	var known map[chunk.ID]chunk.ID
	var mapNames []string
	if !c.identity() {
		known, mapNames = c.dst.loadCopyMap(ctx, c.src.cfg.ID)
	}
	var todo []chunk.ID
	for sid, ch := range c.chunks {
		did, ok := sid, c.identity()
		if !ok {
			did, ok = known[sid]
		}
		if ok && c.dst.has(did) {
			ch.dst, ch.done = did, true
			c.report(ch.weight)
			continue
		}
		todo = append(todo, sid)
	}

	// 3. Read the rest from the source, translate, and store what the destination lacks.
	c.learned = make(map[chunk.ID]chunk.ID, len(todo))
	if err := c.transfer(ctx, todo); err != nil {
		return Snapshot{}, err
	}

	// 4. The snapshot's list, rewritten with the destination's IDs.
	tree, err := c.rewriteList(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	snap, err := c.s.Commit(ctx, CommitSpec{Kind: c.sf.Kind, Meta: c.sf.Meta, Size: c.sf.Size, Tree: tree, Files: c.sf.Files, Dirs: c.sf.Dirs})
	if err != nil {
		return Snapshot{}, err
	}
	// The translations are a cache: a copy that cannot save them has still succeeded.
	if !c.identity() && len(c.learned) > 0 {
		_ = c.dst.saveCopyMap(context.WithoutCancel(ctx), c.src.cfg.ID, c.learned, known, mapNames)
	}
	return snap, nil
}

// transfer reads the chunks ids from the source, grouped into runs of adjacent chunks of one
// pack, and stores each in the destination under its destination ID unless the destination has
// it. Reading (I/O) and translating (decrypt, decompress to hash, seal) overlap across workers.
func (c *copier) transfer(ctx context.Context, ids []chunk.ID) error {
	if len(ids) == 0 {
		return nil
	}
	type item struct {
		id  chunk.ID
		loc location
	}
	items := make([]item, 0, len(ids))
	for _, id := range ids {
		loc, err := c.src.locateFresh(ctx, id)
		if err != nil {
			return err
		}
		items = append(items, item{id, loc})
	}
	slices.SortFunc(items, func(a, b item) int {
		if x := bytes.Compare(a.loc.pack[:], b.loc.pack[:]); x != 0 {
			return x
		}
		return int(int64(a.loc.off) - int64(b.loc.off))
	})
	type run struct {
		pack     PackID
		off, end int64
		items    []item
	}
	var runs []*run
	for _, it := range items {
		off, end := int64(it.loc.off), int64(it.loc.off)+int64(it.loc.length)
		if n := len(runs); n > 0 {
			last := runs[n-1]
			if last.pack == it.loc.pack && off >= last.end && off-last.end <= 256<<10 && end-last.off <= copyRunMax {
				last.end = end
				last.items = append(last.items, it)
				continue
			}
		}
		runs = append(runs, &run{pack: it.loc.pack, off: off, end: end, items: []item{it}})
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan *run)
	var wg sync.WaitGroup
	workers := c.dst.opt.workers + 1 // one more than the CPUs: a worker waiting on a read or a full pack leaves the CPUs busy
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf, plain, sealed []byte
			for rn := range work {
				if ctx.Err() != nil {
					continue
				}
				if err := c.s.Err(); err != nil {
					cancel(err)
					continue
				}
				name := rn.pack.name()
				data, err := blob.ReadRange(ctx, c.src.st, name, rn.off, rn.end-rn.off, buf)
				if err != nil {
					c.src.noteBadChunk(ctx, rn.pack, rn.items[0].id, err)
					cancel(fmt.Errorf("read %s of the source: %w", name, err))
					continue
				}
				if cap(data) > cap(buf) {
					buf = data
				}
				for _, it := range rn.items {
					lo := int64(it.loc.off) - rn.off
					if err := c.translate(it.id, it.loc, data[lo:lo+int64(it.loc.length)], &plain, &sealed); err != nil {
						err = fmt.Errorf("chunk %s in %s of the source at %d: %w", it.id.Short(), name, it.loc.off, err)
						// A chunk that does not authenticate is damaged in the source: record it
						// there (its next backup stores it again), and copy nothing of it.
						c.src.noteBadChunk(ctx, rn.pack, it.id, err)
						cancel(err)
						break
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

// translate turns one sealed source chunk (decrypted in place) into a destination chunk.
func (c *copier) translate(sid chunk.ID, loc location, sealed []byte, plain, out *[]byte) error {
	pt, err := c.src.keys.Open(sealed, sid[:])
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if len(pt) == 0 {
		return fmt.Errorf("%w: empty chunk envelope", ErrCorrupt)
	}
	if c.identity() {
		// The ID is the same in both repositories, and the decryption under it authenticated
		// the envelope: it only needs sealing under the destination's key.
		return c.stored(sid, sid, c.s.storeEnvelope(sid, pt, int(loc.raw), out))
	}
	content := pt[1:]
	if pt[0]&flagCompressed != 0 {
		if cap(*plain) < int(loc.raw) {
			*plain = make([]byte, 0, loc.raw)
		}
		if content, err = c.src.comp.dec.DecodeAll(pt[1:], (*plain)[:0]); err != nil {
			return fmt.Errorf("%w: decompress: %w", ErrCorrupt, err)
		}
	}
	if len(content) != int(loc.raw) {
		return fmt.Errorf("%w: content is %d bytes, the index says %d", ErrCorrupt, len(content), loc.raw)
	}
	// The destination ID of the content; and, the source's ID being authenticated by the
	// decryption above, the content is exactly the source chunk's.
	did := c.dst.ids.Sum(content)
	return c.stored(sid, did, c.s.storeEnvelope(did, pt, int(loc.raw), out))
}

// stored records that source chunk sid is in the destination as did, unless storing it failed.
func (c *copier) stored(sid, did chunk.ID, err error) error {
	if err != nil {
		return err
	}
	c.mu.Lock()
	ch := c.chunks[sid]
	ch.dst, ch.done = did, true
	c.learned[sid] = did
	c.mu.Unlock()
	c.report(ch.weight)
	return nil
}

// storeEnvelope stores a chunk given its ID and its plaintext envelope (flag byte and, possibly
// compressed, content) unless the repository or this session already has it: Session.store
// without the hashing and compressing, for content that arrives already compressed. scratch is
// the caller's buffer for the sealed form.
func (s *Session) storeEnvelope(id chunk.ID, envelope []byte, raw int, scratch *[]byte) error {
	if s.r.has(id) {
		return nil
	}
	s.mu.Lock()
	if _, ok := s.known[id]; ok {
		s.mu.Unlock()
		return nil
	}
	s.known[id] = struct{}{}
	s.mu.Unlock()
	*scratch = s.r.keys.Seal((*scratch)[:0], envelope, id[:])
	if err := s.addToPack(id, *scratch, raw); err != nil {
		return err
	}
	s.newChunks.Add(1)
	return nil
}

// rewriteList writes the snapshot's node list (or chunk list) with destination IDs into the
// session and returns its chunks.
func (c *copier) rewriteList(ctx context.Context) ([]chunk.ID, error) {
	w := c.s.NewStreamWriter()
	rd := c.src.openStream(ctx, c.sf.Tree)
	translate := func(ref chunk.Ref) (chunk.Ref, error) {
		if ref.IsHole() {
			return ref, nil
		}
		ch := c.chunks[ref.ID]
		if ch == nil || !ch.done {
			return ref, fmt.Errorf("%w: chunk %s of the source's list changed while it was copied", ErrCorrupt, ref.ID.Short())
		}
		return chunk.Ref{ID: ch.dst, Len: ref.Len}, nil
	}
	var rec []byte
	switch c.sf.Kind {
	case KindTree:
		nr := tree.NewReader(rd)
		var enc tree.Encoder
		for {
			n, err := nr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("read the source's node list: %w", err)
			}
			for i, ref := range n.Refs {
				if n.Refs[i], err = translate(ref); err != nil {
					return nil, err
				}
			}
			rec = enc.Append(rec[:0], n)
			if _, err := w.Write(rec); err != nil {
				return nil, err
			}
		}
	default:
		br := &byteReader{r: rd}
		for {
			ref, err := readRef(br, br)
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("read the source's chunk list: %w", err)
			}
			if ref, err = translate(ref); err != nil {
				return nil, err
			}
			rec = appendRef(rec[:0], ref)
			if _, err := w.Write(rec); err != nil {
				return nil, err
			}
		}
	}
	return w.Close()
}

// The translation map of one source repository: objects "copymaps/<source ID>/<16 random bytes in
// hex>", each sealed as an object (magic copyMapMagic) with body
//
//	uvarint version (1), uvarint count, per pair: 32-byte source ID, 32-byte destination ID
const (
	copyMapMagic = "SRCM"
	// copyMapConsolidateAt is how many map objects a copy reads before it merges them into one.
	copyMapConsolidateAt = 16
)

func copyMapPrefix(srcRepoID string) string { return "copymaps/" + srcRepoID + "/" }

func validRepoID(id string) bool {
	return len(id) == 32 && strings.Trim(id, "0123456789abcdef") == ""
}

// loadCopyMap reads the translations learned from source repository srcRepoID and the names of
// the objects holding them. Objects that cannot be read are skipped: the map is a cache.
func (r *Repository) loadCopyMap(ctx context.Context, srcRepoID string) (map[chunk.ID]chunk.ID, []string) {
	out := map[chunk.ID]chunk.ID{}
	if !validRepoID(srcRepoID) {
		return out, nil
	}
	var names []string
	if err := r.st.List(ctx, copyMapPrefix(srcRepoID), func(name string, _ int64) error {
		names = append(names, name)
		return nil
	}); err != nil {
		return out, nil
	}
	var read []string
	for _, name := range names {
		b, err := blob.ReadAll(ctx, r.st, name)
		if err != nil {
			continue
		}
		body, err := r.openObject(copyMapMagic, name, b)
		if err != nil {
			continue
		}
		if err := decodeCopyMap(body, out); err != nil {
			continue
		}
		read = append(read, name)
	}
	return out, read
}

func decodeCopyMap(b []byte, into map[chunk.ID]chunk.ID) error {
	d := varint.NewDecoder(b)
	if v := d.Uvarint("version"); d.Err() == nil && v != 1 {
		return fmt.Errorf("copy map format version %d is not supported", v)
	}
	n := d.Count(64, "pair count")
	for i := 0; i < n && d.Err() == nil; i++ {
		var s, t chunk.ID
		copy(s[:], d.Bytes(32, "source ID"))
		copy(t[:], d.Bytes(32, "destination ID"))
		if d.Err() == nil {
			into[s] = t
		}
	}
	if d.Err() == nil && d.Len() != 0 {
		d.Fail("trailing bytes")
	}
	return d.Err()
}

func encodeCopyMap(m map[chunk.ID]chunk.ID) []byte {
	b := binary.AppendUvarint(make([]byte, 0, 16+64*len(m)), 1)
	b = binary.AppendUvarint(b, uint64(len(m)))
	for s, t := range m {
		b = append(b, s[:]...)
		b = append(b, t[:]...)
	}
	return b
}

// saveCopyMap records the translations a copy learned. When the map has grown to many objects,
// it writes one merged object instead (keeping only pairs whose destination chunk is still
// indexed) and then removes the objects it merged; a concurrent copy doing the same at worst
// leaves a duplicate.
func (r *Repository) saveCopyMap(ctx context.Context, srcRepoID string, learned, known map[chunk.ID]chunk.ID, names []string) error {
	if !validRepoID(srcRepoID) {
		return errors.New("content: invalid source repository ID")
	}
	pairs, merge := learned, len(names)+1 > copyMapConsolidateAt
	if merge {
		pairs = make(map[chunk.ID]chunk.ID, len(known)+len(learned))
		for s, t := range known {
			if r.has(t) {
				pairs[s] = t
			}
		}
		for s, t := range learned {
			pairs[s] = t
		}
	}
	name := copyMapPrefix(srcRepoID) + randomHex(16)
	if err := r.st.Save(ctx, name, bytes.NewReader(r.sealObject(copyMapMagic, name, encodeCopyMap(pairs)))); err != nil {
		return fmt.Errorf("store copy map: %w", err)
	}
	if merge {
		for _, old := range names {
			if err := r.st.Remove(ctx, old); err != nil && !errors.Is(err, blob.ErrNotFound) {
				return fmt.Errorf("remove merged copy map %s: %w", old, err)
			}
		}
	}
	return nil
}
