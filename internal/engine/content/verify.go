package content

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunker"
)

// VerifyOptions say what Check checks beyond the repository's structure.
type VerifyOptions struct {
	// ReadData decrypts and re-hashes every chunk of every pack.
	ReadData bool
	// Expected are snapshots that must exist (those of the vault's recovery points), each with
	// the label reports name it by (e.g. "recovery point ARN"). One that is missing is a problem
	// even though nothing in the repository refers to it.
	Expected map[SnapshotID]string
}

// VerifyResult is what Check found.
type VerifyResult struct {
	Problems int
	// Broken are the snapshots that cannot be restored whole, each with the first reason found:
	// the snapshot is missing or unreadable, or a chunk it uses is in no index or has no copy
	// that is not damaged.
	Broken map[SnapshotID]string
	// Superseded counts damaged chunk copies that are recorded and no longer indexed, or that
	// have a good copy elsewhere: not problems, but bytes GC will remove.
	Superseded int
}

// Verify checks the repository's structure and, with readData, decrypts and re-hashes every
// chunk. It calls report once per problem, naming the object at fault (index file, pack, chunk
// and offset, snapshot and path), and returns an error wrapping ErrCorrupt if it reported any
// (or another error if it could not run at all). See Check.
func (r *Repository) Verify(ctx context.Context, readData bool, report func(problem string)) error {
	_, err := r.Check(ctx, VerifyOptions{ReadData: readData}, report)
	return err
}

// Check is Verify with options and a result.
//
// Structure means: every index file opens and parses; every pack an index lists exists, and its
// own table (read from the pack's tail) opens, parses and agrees with the index; every
// snapshot opens and parses, its node or chunk list reads back, and every chunk it uses is
// indexed in a copy not known to be damaged; every expected snapshot exists. Packs no index
// lists (left by an interrupted backup) are not problems: GC removes them.
//
// What Check finds damaged (a missing pack, a pack whose table does not open, a chunk whose
// bytes do not authenticate or hash to its ID) it records in the repository (damage.go), so
// that the next backup, in any process, stores those chunks again instead of reusing them.
func (r *Repository) Check(ctx context.Context, opt VerifyOptions, report func(problem string)) (VerifyResult, error) {
	res := VerifyResult{Broken: map[SnapshotID]string{}}
	rep := func(format string, args ...any) {
		res.Problems++
		report(fmt.Sprintf(format, args...))
	}
	known, err := r.readDamage(ctx)
	if err != nil {
		return res, fmt.Errorf("verify: %w", err)
	}
	var found damageRecord
	// bad: damage known before this run or found by it.
	bad := newDamageSet()
	for p, why := range known.packs {
		bad.packs[p] = why
	}
	for c, why := range known.chunks {
		bad.chunks[c] = why
	}
	foundPack := func(p PackID, why string) {
		if _, ok := bad.packs[p]; !ok {
			bad.packs[p] = why
		}
		found.Packs = append(found.Packs, damagedPack{Pack: p, Reason: why})
	}
	foundChunk := func(p PackID, id chunk.ID, why string) {
		bad.chunks[chunkAt{p, id}] = why
		found.Chunks = append(found.Chunks, damagedChunk{Pack: p, Chunk: id, Reason: why})
	}

	// Index files.
	v := &gcView{packNum: map[PackID]uint32{}}
	var files []string
	if err := r.st.List(ctx, "index/", func(name string, _ int64) error {
		files = append(files, name)
		return nil
	}); err != nil {
		return res, fmt.Errorf("verify: list index files: %w", err)
	}
	byPack := map[PackID][]packEntry{}
	for _, name := range files {
		packs, err := r.readIndexFile(ctx, name)
		if err != nil {
			rep("index %s: cannot be read (`engine repair` rebuilds the index from the packs): %v", name, err)
			continue
		}
		for _, p := range packs {
			if _, seen := v.packNum[p.id]; seen {
				continue
			}
			n := uint32(len(v.packs))
			v.packs = append(v.packs, p.id)
			v.packFile = append(v.packFile, name)
			v.packNum[p.id] = n
			byPack[p.id] = p.entries
			for _, e := range p.entries {
				v.ix.add(indexEntry{id: e.id, pack: n, off: e.off, length: e.length, raw: e.raw})
			}
		}
	}
	// indexed reports whether an index lists the copy of id in pack.
	indexed := func(pack PackID, id chunk.ID) bool {
		n, ok := v.packNum[pack]
		if !ok {
			return false
		}
		_, ok = v.ix.find(id, func(e *indexEntry) bool { return e.pack == n })
		return ok
	}
	goodCopy := func(e *indexEntry) bool { return !bad.bad(v.packs[e.pack], e.id) }

	// Packs.
	stored := map[PackID]int64{}
	var storedOrder []PackID
	if err := r.st.List(ctx, "packs/", func(name string, size int64) error {
		id, ok := parsePackName(name)
		if !ok {
			rep("%s: not a pack name (stray object in packs/)", name)
			return nil
		}
		stored[id] = size
		storedOrder = append(storedOrder, id)
		return nil
	}); err != nil {
		return res, fmt.Errorf("verify: list packs: %w", err)
	}
	for n, id := range v.packs {
		if _, ok := stored[id]; !ok {
			rep("index %s lists pack %s, which does not exist", v.packFile[n], id.name())
			foundPack(id, "missing")
		}
	}
	var chunkProblems []func()
	for _, id := range storedOrder {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		name := id.name()
		table, size, err := r.readPackTable(ctx, id)
		if err != nil {
			if _, isIndexed := byPack[id]; isIndexed {
				rep("pack %s: %v", name, err)
				foundPack(id, err.Error())
			} else if _, isKnown := known.packs[id]; isKnown {
				res.Superseded++
			} else {
				rep("pack %s (in no index): %v", name, err)
				foundPack(id, err.Error())
			}
			continue
		}
		if idx, ok := byPack[id]; ok {
			inTable := map[chunk.ID]packEntry{}
			for _, e := range table {
				inTable[e.id] = e
			}
			for _, e := range idx {
				t, ok := inTable[e.id]
				switch {
				case !ok:
					rep("index %s: chunk %s is listed in pack %s, whose table does not have it", v.packFile[v.packNum[id]], e.id, name)
					foundChunk(id, e.id, "listed by the index, not in the pack's table")
				case t != e:
					rep("index %s: chunk %s in pack %s: the index says offset %d length %d, the pack's table offset %d length %d", v.packFile[v.packNum[id]], e.id, name, e.off, e.length, t.off, t.length)
					foundChunk(id, e.id, "the index and the pack's table disagree on where it is")
				}
			}
		}
		if !opt.ReadData {
			continue
		}
		end := int64(len(packMagic))
		for _, e := range table {
			end = max(end, int64(e.off)+int64(e.length))
		}
		data, err := blob.ReadRange(ctx, r.st, name, 0, end, nil)
		if err != nil {
			rep("pack %s (%d bytes): cannot be read: %v", name, size, err)
			if errors.Is(err, blob.ErrNotFound) {
				foundPack(id, "missing")
			}
			continue
		}
		dst := make([]byte, 0, chunker.DataParams.Max)
		for _, e := range table {
			sealed := slices.Clone(data[e.off : e.off+e.length])
			var why string
			content, err := r.decodeChunk(e.id, sealed, e.raw, dst)
			if err != nil {
				why = fmt.Sprintf("at offset %d (%d bytes): %v", e.off, e.length, err)
			} else if got := r.ids.Sum(content); got != e.id {
				why = fmt.Sprintf("at offset %d: content hashes to %s", e.off, got)
			} else {
				continue
			}
			foundChunk(id, e.id, why)
			// Whether the damage is superseded (recorded, and either no index lists this
			// copy or another copy is good) is decided once every pack has been read.
			chunkProblems = append(chunkProblems, func() {
				_, recorded := known.chunks[chunkAt{id, e.id}]
				if recorded && (!indexed(id, e.id) || hasGood(v, e.id, goodCopy)) {
					res.Superseded++
					return
				}
				rep("pack %s: chunk %s %s", name, e.id, why)
			})
		}
	}
	for _, f := range chunkProblems {
		f()
	}

	// Snapshots.
	ids, err := r.SnapshotIDs(ctx)
	if err != nil {
		return res, fmt.Errorf("verify: %w", err)
	}
	label := func(sid SnapshotID) string {
		if l, ok := opt.Expected[sid]; ok {
			return fmt.Sprintf("%s (snapshot %s)", l, sid)
		}
		return "snapshot " + string(sid)
	}
	broken := func(sid SnapshotID, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if _, ok := res.Broken[sid]; !ok {
			res.Broken[sid] = msg
		}
		rep("%s: %s", label(sid), msg)
	}
	listed := map[SnapshotID]bool{}
	for _, sid := range ids {
		listed[sid] = true
	}
	expected := make([]SnapshotID, 0, len(opt.Expected))
	for sid := range opt.Expected {
		expected = append(expected, sid)
	}
	slices.Sort(expected)
	for _, sid := range expected {
		if !listed[sid] {
			broken(sid, "the snapshot is missing from the repository")
		}
	}
	for _, sid := range ids {
		sf, err := r.loadSnapshot(ctx, sid)
		if err != nil {
			broken(sid, "the snapshot cannot be read: %v", err)
			continue
		}
		reported := 0
		check := func(id chunk.ID, what string) {
			if reported > 100 {
				return
			}
			if hasGood(v, id, goodCopy) {
				return
			}
			reported++
			if n, ok := v.ix.find(id, nil); !ok {
				broken(sid, "%s: chunk %s is in no index", what, id)
			} else {
				p := v.packs[v.ix.at(n).pack]
				broken(sid, "%s: chunk %s is damaged (in pack %s: %s)", what, id, p.name(), damageReason(bad, p, id))
			}
		}
		for _, id := range sf.Tree {
			check(id, "its "+sf.Kind+" list")
		}
		err = r.walkRefs(ctx, sf, func(path string, ref chunk.Ref) {
			if ref.IsHole() {
				return
			}
			what := "stream"
			if sf.Kind == KindTree {
				what = fmt.Sprintf("file %q", path)
			}
			check(ref.ID, what)
		})
		if err != nil {
			broken(sid, "its %s list cannot be read: %v", sf.Kind, err)
		}
	}
	if len(found.Packs) > 0 || len(found.Chunks) > 0 {
		if err := r.recordDamage(ctx, found); err != nil {
			return res, fmt.Errorf("verify: %w", err)
		}
	}
	if res.Problems > 0 {
		return res, fmt.Errorf("%w: verify found %d problems", ErrCorrupt, res.Problems)
	}
	return res, nil
}

func hasGood(v *gcView, id chunk.ID, good func(e *indexEntry) bool) bool {
	_, ok := v.ix.find(id, good)
	return ok
}

func damageReason(d damageSet, p PackID, id chunk.ID) string {
	if why, ok := d.packs[p]; ok {
		return why
	}
	return d.chunks[chunkAt{p, id}]
}

// RebuildIndex recreates the index from the packs themselves (every pack describes itself in
// its table), for a repository whose index files were lost or damaged: it writes index files
// covering every readable pack, then removes the index files that existed before. It holds the
// GC lock, so no GC runs meanwhile; backups may run (their own index files are kept). Packs
// whose table cannot be read are reported through report and left out, and so are chunk copies
// the damage records name (run Check with ReadData first to find them all).
func (r *Repository) RebuildIndex(ctx context.Context, report func(problem string)) error {
	release, err := r.locks.GC(ctx)
	if err != nil {
		return err
	}
	defer release()
	var old []string
	if err := r.st.List(ctx, "index/", func(name string, _ int64) error {
		old = append(old, name)
		return nil
	}); err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	var ids []PackID
	if err := r.st.List(ctx, "packs/", func(name string, _ int64) error {
		if id, ok := parsePackName(name); ok {
			ids = append(ids, id)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	damage, err := r.readDamage(ctx)
	if err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	v := &gcView{packNum: map[PackID]uint32{}}
	for _, id := range ids {
		table, _, err := r.readPackTable(ctx, id)
		if err != nil {
			report(fmt.Sprintf("pack %s: %v (left out of the index)", id.name(), err))
			continue
		}
		n := uint32(len(v.packs))
		v.packs = append(v.packs, id)
		v.packNum[id] = n
		for _, e := range table {
			if _, bad := damage.chunks[chunkAt{id, e.id}]; bad {
				report(fmt.Sprintf("pack %s: chunk %s is damaged (left out of the index)", id.name(), e.id))
				continue
			}
			v.ix.add(indexEntry{id: e.id, pack: n, off: e.off, length: e.length, raw: e.raw})
		}
	}
	v.files = old
	if err := r.rewriteIndex(ctx, v, nil); err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	return r.refresh(ctx)
}
