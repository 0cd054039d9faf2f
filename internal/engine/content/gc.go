package content

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

// GC deletes data no snapshot references. It is safe while backups into the same repository run,
// in this process or another. The hazard is a backup that deduplicated against a chunk (or
// wrote a pack) that GC, seeing no snapshot refer to it yet, deletes before the backup commits.
// GC therefore deletes in two steps (after Duplicacy's "fossil collection"):
//
//  1. Condemn. GC marks every chunk reachable from the snapshots, and condemns the packs that
//     hold none (and packs no index lists, such as those of crashed backups); packs mostly
//     unused are first repacked (their live chunks copied, still sealed, into new packs that are
//     indexed) and then condemned. It writes "condemned/<ID>" listing the packs, then lists the
//     live backup locks and writes them to "condemned/<ID>.locks". Nothing is deleted yet.
//  2. Delete. A record is ripe when none of the sessions it names still runs. GC then marks
//     again from the snapshots as they are now; a condemned pack still needed (a backup that ran
//     across step 1 used it) is kept, and the rest are deleted, after a new index that leaves
//     them out has replaced the old index files. The record is removed last.
//
// Why that is safe: a backup writes its lock before it reads the condemned records and then the
// index (StartSession, refresh), and it never deduplicates against a condemned pack. So a backup
// either read the index before a record existed, in which case its lock was already written and
// step 1's lock listing (made after the record was written) names it, and the record ripens
// only after that backup committed its snapshot (which step 2's fresh mark then sees); or it
// started after the record existed and never uses those packs. A crashed backup's lock dies
// (its PID is gone, or it is not refreshed), so its record ripens too.
//
// One GC call runs both steps, so with no backup running a GC reclaims space at once; packs a
// running backup might still use are deleted by the first GC after it ends.

// GCStats says what GC removed.
type GCStats struct {
	PacksRemoved, BytesRemoved int64
	// PacksRepacked were mostly unused packs whose live chunks were copied out before they were
	// condemned; PacksDeferred were condemned but not deleted yet because backups were running.
	PacksRepacked, PacksDeferred int64
}

type condemnedRecord struct {
	Packs []PackID `json:"packs"`
}

type condemnedLocks struct {
	Sessions []string `json:"sessions"`
}

func (p PackID) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

func (p *PackID) UnmarshalText(b []byte) error {
	id, ok := parsePackName("packs/" + string(b[:min(2, len(b))]) + "/" + string(b))
	if !ok {
		return fmt.Errorf("invalid pack ID %q", b)
	}
	*p = id
	return nil
}

// readCondemned returns every pack named by a condemned record.
func (r *Repository) readCondemned(ctx context.Context) (map[PackID]bool, error) {
	recs, err := r.readRecords(ctx)
	if err != nil {
		return nil, err
	}
	out := map[PackID]bool{}
	for _, rec := range recs {
		for _, p := range rec.packs {
			out[p] = true
		}
	}
	return out, nil
}

type record struct {
	id       string
	packs    []PackID
	sessions []string
	hasLocks bool
}

func (r *Repository) readRecords(ctx context.Context) ([]*record, error) {
	var names []string
	if err := r.st.List(ctx, "condemned/", func(name string, _ int64) error {
		names = append(names, name)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("list condemned packs: %w", err)
	}
	byID := map[string]*record{}
	var recs []*record
	for _, name := range names {
		base := strings.TrimPrefix(name, "condemned/")
		id, isLocks := strings.CutSuffix(base, ".locks")
		rec := byID[id]
		if rec == nil {
			rec = &record{id: id}
			byID[id] = rec
			recs = append(recs, rec)
		}
		b, err := blob.ReadAll(ctx, r.st, name)
		if errors.Is(err, blob.ErrNotFound) {
			continue // removed by a GC finishing it
		}
		if err != nil {
			return nil, err
		}
		if isLocks {
			var l condemnedLocks
			if err := json.Unmarshal(b, &l); err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
			}
			rec.sessions, rec.hasLocks = l.Sessions, true
		} else {
			var c condemnedRecord
			if err := json.Unmarshal(b, &c); err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
			}
			rec.packs = c.Packs
		}
	}
	return recs, nil
}

// GC deletes data no snapshot references (see above). It returns ErrGCRunning if another GC
// runs, and refuses (with an error wrapping ErrCorrupt or ErrChunkMissing) to delete anything
// while the repository is damaged in a way that could make it delete data still needed.
func (r *Repository) GC(ctx context.Context) (GCStats, error) {
	var stats GCStats
	release, err := r.locks.GC(ctx)
	if err != nil {
		return stats, err
	}
	defer release()
	if err := r.gcCondemn(ctx, &stats); err != nil {
		return stats, fmt.Errorf("gc: %w", err)
	}
	if err := r.gcDelete(ctx, &stats); err != nil {
		return stats, fmt.Errorf("gc: %w", err)
	}
	return stats, r.refresh(ctx)
}

// gcView is GC's own copy of the index, read fresh from the store.
type gcView struct {
	ix        chunkIndex
	packs     []PackID
	packNum   map[PackID]uint32
	packFile  []string // an index file listing the pack
	files     []string
	condemned map[PackID]bool
	damage    damageSet
}

// live accepts a copy in a pack that is not condemned and that is not known to be damaged.
func (v *gcView) live(e *indexEntry) bool {
	p := v.packs[e.pack]
	return !v.condemned[p] && !v.damage.bad(p, e.id)
}

func (v *gcView) undamaged(e *indexEntry) bool { return !v.damage.bad(v.packs[e.pack], e.id) }

func (r *Repository) loadView(ctx context.Context) (*gcView, error) {
	condemned, err := r.readCondemned(ctx)
	if err != nil {
		return nil, err
	}
	damage, err := r.readDamage(ctx)
	if err != nil {
		return nil, err
	}
	v := &gcView{packNum: map[PackID]uint32{}, condemned: condemned, damage: damage}
	if err := r.st.List(ctx, "index/", func(name string, _ int64) error {
		v.files = append(v.files, name)
		return nil
	}); err != nil {
		return nil, err
	}
	for _, name := range v.files {
		packs, err := r.readIndexFile(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("index file %s cannot be read, so GC cannot know which packs are in use (run `engine verify`): %w", name, err)
		}
		for _, p := range packs {
			if _, seen := v.packNum[p.id]; seen {
				continue
			}
			n := uint32(len(v.packs))
			v.packs = append(v.packs, p.id)
			v.packFile = append(v.packFile, name)
			v.packNum[p.id] = n
			for _, e := range p.entries {
				v.ix.add(indexEntry{id: e.id, pack: n, off: e.off, length: e.length, raw: e.raw})
			}
		}
	}
	return v, nil
}

// mark returns a bitset of the index entries the snapshots ids need: for each chunk, the first
// entry accept allows, else the first not known to be damaged, else any entry. So when a damaged
// chunk was stored again, the good copy is the one kept. ids must have been listed before v was
// loaded.
func (r *Repository) mark(ctx context.Context, v *gcView, ids []SnapshotID, accept func(e *indexEntry) bool) ([]uint64, error) {
	bits := make([]uint64, (v.ix.len()+63)/64)
	missing := 0
	var firstMissing string
	markID := func(id chunk.ID, where string) {
		n, ok := v.ix.find(id, accept)
		if !ok {
			n, ok = v.ix.find(id, v.undamaged)
		}
		if !ok {
			n, ok = v.ix.find(id, nil)
		}
		if !ok {
			if missing == 0 {
				firstMissing = fmt.Sprintf("chunk %s of %s", id, where)
			}
			missing++
			return
		}
		bits[n/64] |= 1 << (n % 64)
	}
	for _, sid := range ids {
		sf, err := r.loadSnapshot(ctx, sid)
		if errors.Is(err, ErrSnapshotNotFound) {
			continue // forgotten meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("snapshot %s cannot be read, so GC cannot know what it uses: %w", sid, err)
		}
		where := "snapshot " + string(sid)
		for _, id := range sf.Tree {
			markID(id, where)
		}
		if err := r.walkRefs(ctx, sf, func(path string, ref chunk.Ref) {
			if !ref.IsHole() {
				markID(ref.ID, where)
			}
		}); err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", sid, err)
		}
	}
	if missing > 0 {
		return nil, fmt.Errorf("%w: %d chunks used by snapshots are in no index (first: %s); GC deletes nothing until `engine verify` is clean", ErrChunkMissing, missing, firstMissing)
	}
	return bits, nil
}

// walkRefs calls fn for every content ref of a snapshot.
func (r *Repository) walkRefs(ctx context.Context, sf snapshotFile, fn func(path string, ref chunk.Ref)) error {
	sr := r.openStream(ctx, sf.Tree)
	switch sf.Kind {
	case KindTree:
		nr := tree.NewReader(sr)
		for {
			n, err := nr.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			for _, ref := range n.Refs {
				fn(n.Path, ref)
			}
		}
	default:
		br := &byteReader{r: sr}
		for {
			ref, err := readRef(br, br)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			fn("", ref)
		}
	}
}

func isMarked(bits []uint64, n int) bool { return bits[n/64]&(1<<(n%64)) != 0 }

func (r *Repository) gcCondemn(ctx context.Context, stats *GCStats) error {
	// Snapshots are listed before the index is read: a backup that commits after the listing
	// is not marked here (its packs are newer than the view, or kept by the backup locks and the
	// delete pass's fresh mark), while one listed is certain to have its chunks in the view.
	ids, err := r.SnapshotIDs(ctx)
	if err != nil {
		return err
	}
	v, err := r.loadView(ctx)
	if err != nil {
		return err
	}
	bits, err := r.mark(ctx, v, ids, v.live)
	if err != nil {
		return err
	}
	// Per pack: bytes of all entries, and of needed ones.
	total := make([]int64, len(v.packs))
	needed := make([]int64, len(v.packs))
	// A pack holding the only copy of a needed chunk, and that copy damaged, is never repacked:
	// a repack would copy the bad bytes into a pack no damage record names.
	holdsDamage := make([]bool, len(v.packs))
	for i := 0; i < v.ix.len(); i++ {
		e := v.ix.at(i)
		total[e.pack] += int64(e.length)
		if isMarked(bits, i) {
			needed[e.pack] += int64(e.length)
			if !v.undamaged(e) {
				holdsDamage[e.pack] = true
			}
		}
	}
	var condemn []PackID
	var repack []uint32
	for n, id := range v.packs {
		if v.condemned[id] {
			continue
		}
		switch {
		case needed[n] == 0:
			condemn = append(condemn, id)
		case needed[n]*2 < total[n] && !holdsDamage[n]:
			repack = append(repack, uint32(n))
		}
	}
	// Packs no index lists: left by crashed or failed backups, or being written right now.
	if err := r.st.List(ctx, "packs/", func(name string, _ int64) error {
		id, ok := parsePackName(name)
		if !ok {
			return nil
		}
		if _, indexed := v.packNum[id]; !indexed && !v.condemned[id] {
			condemn = append(condemn, id)
		}
		return nil
	}); err != nil {
		return err
	}
	if len(repack) > 0 {
		if err := r.repack(ctx, v, bits, repack); err != nil {
			return err
		}
		for _, n := range repack {
			condemn = append(condemn, v.packs[n])
		}
		stats.PacksRepacked += int64(len(repack))
	}
	if len(condemn) == 0 {
		return nil
	}
	id := randomHex(16)
	rec, _ := json.Marshal(condemnedRecord{Packs: condemn})
	if err := r.st.Save(ctx, "condemned/"+id, bytes.NewReader(rec)); err != nil {
		return err
	}
	// Only now, with the record visible, list the locks (see the comment at the top).
	return r.saveRecordLocks(ctx, id)
}

func (r *Repository) saveRecordLocks(ctx context.Context, id string) error {
	live, err := r.locks.LiveSessions(ctx)
	if err != nil {
		return err
	}
	l := condemnedLocks{Sessions: []string{}}
	for s := range live {
		l.Sessions = append(l.Sessions, s)
	}
	b, _ := json.Marshal(l)
	if err := r.st.Save(ctx, "condemned/"+id+".locks", bytes.NewReader(b)); err != nil && !errors.Is(err, blob.ErrExists) {
		return err
	}
	return nil
}

// repack copies the needed chunks of the given packs, still sealed, into new packs, and indexes
// them.
func (r *Repository) repack(ctx context.Context, v *gcView, bits []uint64, packs []uint32) error {
	want := map[uint32]bool{}
	for _, n := range packs {
		want[n] = true
	}
	// Needed entries per pack, in pack order.
	entries := map[uint32][]*indexEntry{}
	for i := 0; i < v.ix.len(); i++ {
		e := v.ix.at(i)
		if want[e.pack] && isMarked(bits, i) {
			entries[e.pack] = append(entries[e.pack], e)
		}
	}
	var out []indexPack
	var cur *packBuf
	save := func() error {
		if cur == nil || len(cur.entries) == 0 {
			return nil
		}
		cur.finish(r.keys)
		if err := r.st.Save(ctx, cur.id.name(), bytes.NewReader(cur.data)); err != nil {
			return fmt.Errorf("store repacked pack: %w", err)
		}
		out = append(out, indexPack{id: cur.id, entries: cur.entries})
		cur = nil
		return nil
	}
	for _, n := range packs {
		name := v.packs[n].name()
		for _, e := range entries[n] {
			sealed, err := blob.ReadRange(ctx, r.st, name, int64(e.off), int64(e.length), nil)
			if err != nil {
				return fmt.Errorf("repack %s: %w", name, err)
			}
			if cur == nil {
				cur = newPackBuf(nil)
			}
			cur.add(e.id, sealed, int(e.raw))
			if len(cur.data) >= packTargetSize {
				if err := save(); err != nil {
					return err
				}
			}
		}
	}
	if err := save(); err != nil {
		return err
	}
	if len(out) == 0 {
		return nil
	}
	name := "index/" + randomHex(16)
	if err := r.st.Save(ctx, name, bytes.NewReader(r.sealObject(indexMagic, name, encodeIndex(out)))); err != nil {
		return fmt.Errorf("store index of repacked packs: %w", err)
	}
	return nil
}

func (r *Repository) gcDelete(ctx context.Context, stats *GCStats) error {
	recs, err := r.readRecords(ctx)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return nil
	}
	for _, rec := range recs {
		if !rec.hasLocks {
			// A GC stopped between writing the record and its locks: list them now, which is
			// as safe (every backup that read the index before the record existed is still
			// listed if it runs).
			if err := r.saveRecordLocks(ctx, rec.id); err != nil {
				return err
			}
			return r.gcDelete(ctx, stats)
		}
	}
	live, err := r.locks.LiveSessions(ctx)
	if err != nil {
		return err
	}
	var ripe []*record
	for _, rec := range recs {
		isRipe := true
		for _, s := range rec.sessions {
			if live[s] {
				isRipe = false
				break
			}
		}
		if isRipe {
			ripe = append(ripe, rec)
		} else {
			stats.PacksDeferred += int64(len(rec.packs))
		}
	}
	if len(ripe) == 0 {
		return nil
	}
	// Fresh view and mark, after ripeness was established.
	// Snapshots are listed before the index is read: a backup that commits after the listing
	// is not marked here (its packs are newer than the view, or kept by the backup locks and the
	// delete pass's fresh mark), while one listed is certain to have its chunks in the view.
	ids, err := r.SnapshotIDs(ctx)
	if err != nil {
		return err
	}
	v, err := r.loadView(ctx)
	if err != nil {
		return err
	}
	bits, err := r.mark(ctx, v, ids, v.live)
	if err != nil {
		return err
	}
	toDelete := map[PackID]bool{}
	for _, rec := range ripe {
		for _, p := range rec.packs {
			toDelete[p] = true
		}
	}
	// Resurrect condemned packs that hold a chunk still needed.
	for i := 0; i < v.ix.len(); i++ {
		if isMarked(bits, i) {
			delete(toDelete, v.packs[v.ix.at(i).pack])
		}
	}
	// Packs under object lock (S3 retention or a legal hold) are deleted by the first GC after
	// it ends: they stay indexed, and so do the records that condemn them.
	deferred := map[PackID]bool{}
	if rs, ok := blob.AsRetention(r.st); ok {
		for p := range toDelete {
			held, err := rs.Retained(ctx, p.name())
			if errors.Is(err, blob.ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("ask whether pack %s is retained: %w", p.name(), err)
			}
			if held {
				deferred[p] = true
			}
		}
		// An index file under object lock outlives any rewrite, so the packs it lists stay
		// too: otherwise it would list deleted packs.
		for _, name := range v.files {
			held, err := rs.Retained(ctx, name)
			if err != nil && !errors.Is(err, blob.ErrNotFound) {
				return fmt.Errorf("ask whether index %s is retained: %w", name, err)
			}
			if !held {
				continue
			}
			packs, err := r.readIndexFile(ctx, name)
			if err != nil {
				return err
			}
			for _, ip := range packs {
				if toDelete[ip.id] {
					deferred[ip.id] = true
				}
			}
		}
		for p := range deferred {
			delete(toDelete, p)
			stats.PacksDeferred++
		}
	}
	rewrite := len(v.files) > 64
	for p := range toDelete {
		if _, indexed := v.packNum[p]; indexed {
			rewrite = true
		}
	}
	if rewrite {
		if err := r.rewriteIndex(ctx, v, toDelete); err != nil {
			return err
		}
	}
	sizes := map[PackID]int64{}
	if err := r.st.List(ctx, "packs/", func(name string, size int64) error {
		if id, ok := parsePackName(name); ok && toDelete[id] {
			sizes[id] = size
		}
		return nil
	}); err != nil {
		return err
	}
	for p := range toDelete {
		if err := r.st.Remove(ctx, p.name()); err != nil && !errors.Is(err, blob.ErrNotFound) {
			return fmt.Errorf("delete pack %s: %w", p.name(), err)
		}
		if size, ok := sizes[p]; ok {
			stats.PacksRemoved++
			stats.BytesRemoved += size
		}
	}
	for _, rec := range ripe {
		if slices.ContainsFunc(rec.packs, func(p PackID) bool { return deferred[p] }) {
			continue
		}
		for _, name := range []string{"condemned/" + rec.id + ".locks", "condemned/" + rec.id} {
			if err := r.st.Remove(ctx, name); err != nil && !errors.Is(err, blob.ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// rewriteIndex replaces the index files of v with consolidated ones that leave out the packs in
// drop. New files are written before old ones are removed, so every pack stays indexed.
func (r *Repository) rewriteIndex(ctx context.Context, v *gcView, drop map[PackID]bool) error {
	per := make([][]packEntry, len(v.packs))
	for i := 0; i < v.ix.len(); i++ {
		e := v.ix.at(i)
		per[e.pack] = append(per[e.pack], packEntry{id: e.id, off: e.off, length: e.length, raw: e.raw})
	}
	var batch []indexPack
	entries := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		name := "index/" + randomHex(16)
		if err := r.st.Save(ctx, name, bytes.NewReader(r.sealObject(indexMagic, name, encodeIndex(batch)))); err != nil {
			return fmt.Errorf("store consolidated index: %w", err)
		}
		batch, entries = nil, 0
		return nil
	}
	for n, id := range v.packs {
		if drop[id] {
			continue
		}
		batch = append(batch, indexPack{id: id, entries: per[n]})
		entries += len(per[n])
		if entries >= 256<<10 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	for _, name := range v.files {
		// An index file under object lock stays until its retention ends; the packs it lists
		// were kept above.
		if err := r.st.Remove(ctx, name); err != nil && !errors.Is(err, blob.ErrNotFound) && !errors.Is(err, blob.ErrRetained) {
			return fmt.Errorf("remove replaced index %s: %w", name, err)
		}
	}
	return nil
}
