package content

import (
	"context"
	"slices"
)

// ObjectsOf returns the names of the objects snapshot id needs to be read back: the repository's
// config (which wraps the data key), the snapshot, every pack holding a chunk it uses, and an
// index file listing each of those packs. A store with object lock retains exactly these for a
// locked recovery point.
func (r *Repository) ObjectsOf(ctx context.Context, id SnapshotID) ([]string, error) {
	if _, err := r.loadSnapshot(ctx, id); err != nil {
		return nil, err
	}
	v, err := r.loadView(ctx)
	if err != nil {
		return nil, err
	}
	bits, err := r.mark(ctx, v, []SnapshotID{id}, v.undamaged)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{configName: true, snapshotName(id): true}
	for i := 0; i < v.ix.len(); i++ {
		if isMarked(bits, i) {
			n := v.ix.at(i).pack
			names[v.packs[n].name()] = true
			names[v.packFile[n]] = true
		}
	}
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}
