package content

import (
	"context"
	"fmt"
	"slices"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
)

// Verify checks the repository's structure and, with readData, decrypts and re-hashes every
// chunk. It calls report once per problem, naming the object at fault (index file, pack, chunk
// and offset, snapshot and path), and returns an error wrapping ErrCorrupt if it reported any
// (or another error if it could not run at all).
//
// Structure means: every index file opens and parses; every pack an index lists exists, and its
// own table (read from the pack's tail) opens, parses and agrees with the index; every
// snapshot opens and parses, its node or chunk list reads back, and every chunk it uses is
// indexed. Packs no index lists (left by an interrupted backup) are not problems: GC removes
// them.
func (r *Repository) Verify(ctx context.Context, readData bool, report func(problem string)) error {
	problems := 0
	rep := func(format string, args ...any) {
		problems++
		report(fmt.Sprintf(format, args...))
	}

	// Index files.
	v := &gcView{packNum: map[PackID]uint32{}}
	var files []string
	if err := r.st.List(ctx, "index/", func(name string, _ int64) error {
		files = append(files, name)
		return nil
	}); err != nil {
		return fmt.Errorf("verify: list index files: %w", err)
	}
	byPack := map[PackID][]packEntry{}
	for _, name := range files {
		packs, err := r.readIndexFile(ctx, name)
		if err != nil {
			rep("index %s: cannot be read: %v", name, err)
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
		return fmt.Errorf("verify: list packs: %w", err)
	}
	for n, id := range v.packs {
		if _, ok := stored[id]; !ok {
			rep("index %s lists pack %s, which does not exist", v.packFile[n], id.name())
		}
	}
	damaged := map[ID]string{}
	for _, id := range storedOrder {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := id.name()
		table, size, err := r.readPackTable(ctx, id)
		if err != nil {
			rep("pack %s: %v", name, err)
			for _, e := range byPack[id] {
				damaged[e.id] = name
			}
			continue
		}
		if idx, ok := byPack[id]; ok {
			inTable := map[ID]packEntry{}
			for _, e := range table {
				inTable[e.id] = e
			}
			for _, e := range idx {
				t, ok := inTable[e.id]
				switch {
				case !ok:
					rep("index %s: chunk %s is listed in pack %s, whose table does not have it", v.packFile[v.packNum[id]], e.id, name)
				case t != e:
					rep("index %s: chunk %s in pack %s: the index says offset %d length %d, the pack's table offset %d length %d", v.packFile[v.packNum[id]], e.id, name, e.off, e.length, t.off, t.length)
				}
			}
		}
		if !readData {
			continue
		}
		end := int64(len(packMagic))
		for _, e := range table {
			end = max(end, int64(e.off)+int64(e.length))
		}
		data, err := blob.ReadRange(ctx, r.st, name, 0, end, nil)
		if err != nil {
			rep("pack %s (%d bytes): cannot be read: %v", name, size, err)
			continue
		}
		dst := make([]byte, 0, dataChunking.Max)
		for _, e := range table {
			sealed := slices.Clone(data[e.off : e.off+e.length])
			content, err := r.decodeChunk(e.id, sealed, e.raw, dst)
			if err != nil {
				rep("pack %s: chunk %s at offset %d (%d bytes): %v", name, e.id, e.off, e.length, err)
				damaged[e.id] = name
				continue
			}
			if got := r.ids.sum(content); got != e.id {
				rep("pack %s: chunk %s at offset %d: content hashes to %s", name, e.id, e.off, got)
				damaged[e.id] = name
			}
		}
	}

	// Snapshots.
	ids, err := r.SnapshotIDs(ctx)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	for _, sid := range ids {
		sf, err := r.loadSnapshot(ctx, sid)
		if err != nil {
			rep("snapshot %s: %v", sid, err)
			continue
		}
		check := func(id ID, what string) {
			if _, ok := v.ix.find(id, nil); !ok {
				rep("snapshot %s: %s: chunk %s is in no index", sid, what, id)
			} else if pack, bad := damaged[id]; bad {
				rep("snapshot %s: %s: chunk %s is damaged (in pack %s)", sid, what, id, pack)
			}
		}
		for _, id := range sf.Tree {
			check(id, "its "+sf.Kind+" list")
		}
		reported := 0
		err = r.walkRefs(ctx, sf, func(path string, ref Ref) {
			if ref.IsHole() || reported > 100 {
				return
			}
			before := problems
			what := "stream"
			if sf.Kind == KindTree {
				what = fmt.Sprintf("file %q", path)
			}
			check(ref.ID, what)
			if problems > before {
				reported++
			}
		})
		if err != nil {
			rep("snapshot %s: its %s list cannot be read: %v", sid, sf.Kind, err)
		}
	}
	if problems > 0 {
		return fmt.Errorf("%w: verify found %d problems", ErrCorrupt, problems)
	}
	return nil
}

// RebuildIndex recreates the index from the packs themselves (every pack describes itself in
// its table), for a repository whose index files were lost or damaged: it writes index files
// covering every readable pack, then removes the index files that existed before. It holds the
// GC lock, so no GC runs meanwhile; backups may run (their own index files are kept). Packs
// whose table cannot be read are reported through report and left out.
func (r *Repository) RebuildIndex(ctx context.Context, report func(problem string)) error {
	release, err := r.acquireGCLock(ctx)
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
			v.ix.add(indexEntry{id: e.id, pack: n, off: e.off, length: e.length, raw: e.raw})
		}
	}
	v.files = old
	if err := r.rewriteIndex(ctx, v, nil); err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	return r.refresh(ctx)
}
