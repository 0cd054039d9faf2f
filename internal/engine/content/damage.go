package content

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
)

// Damage records ("damaged/<random>") say which stored data is known to be bad: whole packs
// (missing, or with a table that does not open) and single chunks of a pack (their bytes do not
// authenticate, or their content does not hash to their ID). Verify writes them, and so does
// any read (a restore, a backup reading its parent's node list, a copy) that meets bad data.
//
// Why a record, and not just an error: deduplication finds chunks through the index, and the
// index still lists a damaged chunk. Without the record, every later backup of the same data
// would reuse the damaged copy and store nothing, and its point would not restore either. With
// it, a damaged copy does not count: has() misses it, so the next backup stores the chunk again
// from the source (in a new pack), and reads (locate) take the good copy; old snapshots that use
// the same chunk ID heal with it. GC never marks a damaged copy while a good one exists, so the
// good copy is the one it keeps.
//
// Records are immutable objects written with Save (which never overwrites), one per finding, so
// two processes recording damage at once never lose each other's findings; every process reads
// them all when it refreshes its index. A record names a pack and chunk, never just a chunk ID:
// the re-stored copy of the same ID in a new pack is good.
type damageRecord struct {
	Time   time.Time      `json:"time"`
	Packs  []damagedPack  `json:"packs,omitempty"`
	Chunks []damagedChunk `json:"chunks,omitempty"`
}

type damagedPack struct {
	Pack   PackID `json:"pack"`
	Reason string `json:"reason"`
}

type damagedChunk struct {
	Pack   PackID   `json:"pack"`
	Chunk  chunk.ID `json:"chunk"`
	Reason string   `json:"reason"`
}

// chunkAt is one copy of a chunk: the chunk in a given pack.
type chunkAt struct {
	pack PackID
	id   chunk.ID
}

// damageSet is what the damage records say, merged.
type damageSet struct {
	packs  map[PackID]string
	chunks map[chunkAt]string
}

func newDamageSet() damageSet {
	return damageSet{packs: map[PackID]string{}, chunks: map[chunkAt]string{}}
}

// bad reports whether the copy of chunk id in pack is known to be damaged.
func (d damageSet) bad(pack PackID, id chunk.ID) bool {
	if _, ok := d.packs[pack]; ok {
		return true
	}
	if len(d.chunks) == 0 {
		return false
	}
	_, ok := d.chunks[chunkAt{pack, id}]
	return ok
}

func (d damageSet) addRecord(rec damageRecord) {
	for _, p := range rec.Packs {
		d.packs[p.Pack] = p.Reason
	}
	for _, c := range rec.Chunks {
		d.chunks[chunkAt{c.Pack, c.Chunk}] = c.Reason
	}
}

const damagePrefix = "damaged/"

// readDamage reads every damage record.
func (r *Repository) readDamage(ctx context.Context) (damageSet, error) {
	d := newDamageSet()
	var names []string
	if err := r.st.List(ctx, damagePrefix, func(name string, _ int64) error {
		names = append(names, name)
		return nil
	}); err != nil {
		return d, fmt.Errorf("list damage records: %w", err)
	}
	for _, name := range names {
		b, err := blob.ReadAll(ctx, r.st, name)
		if errors.Is(err, blob.ErrNotFound) {
			continue
		}
		if err != nil {
			return d, fmt.Errorf("read damage record %s: %w", name, err)
		}
		var rec damageRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			// A damage record that does not parse is itself damage; what it said is lost, and
			// the worst that costs is a backup reusing a bad chunk until the next verify.
			continue
		}
		d.addRecord(rec)
	}
	return d, nil
}

// recordDamage persists findings not already recorded and applies them to the in-memory index
// at once (so this process stops deduplicating against them before it next refreshes).
func (r *Repository) recordDamage(ctx context.Context, rec damageRecord) error {
	r.mu.RLock()
	rec.Packs = slices.DeleteFunc(rec.Packs, func(p damagedPack) bool {
		_, known := r.damage.packs[p.Pack]
		return known
	})
	rec.Chunks = slices.DeleteFunc(rec.Chunks, func(c damagedChunk) bool { return r.damage.bad(c.Pack, c.Chunk) })
	r.mu.RUnlock()
	if len(rec.Packs) == 0 && len(rec.Chunks) == 0 {
		return nil
	}
	rec.Time = clock.Wall()
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := r.st.Save(ctx, damagePrefix+randomHex(16), bytes.NewReader(b)); err != nil {
		return fmt.Errorf("record damage: %w", err)
	}
	r.mu.Lock()
	r.damage.addRecord(rec)
	r.applyDamageLocked()
	r.mu.Unlock()
	return nil
}

// noteBadChunk records, as well as it can, that reading chunk id from pack failed with err.
// Only damage is recorded: a missing pack, or bytes that do not authenticate or parse. A read
// that failed for another reason (a network error, a cancelled context) says nothing about the
// data.
func (r *Repository) noteBadChunk(ctx context.Context, pack PackID, id chunk.ID, err error) {
	ctx = context.WithoutCancel(ctx)
	switch {
	case errors.Is(err, blob.ErrNotFound):
		_ = r.recordDamage(ctx, damageRecord{Packs: []damagedPack{{Pack: pack, Reason: "missing: " + err.Error()}}})
	case errors.Is(err, ErrCorrupt):
		_ = r.recordDamage(ctx, damageRecord{Chunks: []damagedChunk{{Pack: pack, Chunk: id, Reason: err.Error()}}})
	}
}

// applyDamageLocked marks damaged packs in r.packs. r.mu must be held for writing.
func (r *Repository) applyDamageLocked() {
	for i := range r.packs {
		_, r.packs[i].damaged = r.damage.packs[r.packs[i].id]
	}
}

// DamageSummary describes what the repository's damage records name.
type DamageSummary struct {
	Packs  []string // "packs/xx/ID: reason"
	Chunks []string // "chunk ID in packs/xx/ID: reason"
}

// Damage returns what the repository's damage records name, read fresh from the store.
func (r *Repository) Damage(ctx context.Context) (DamageSummary, error) {
	d, err := r.readDamage(ctx)
	if err != nil {
		return DamageSummary{}, err
	}
	var s DamageSummary
	for p, why := range d.packs {
		s.Packs = append(s.Packs, p.name()+": "+why)
	}
	for c, why := range d.chunks {
		s.Chunks = append(s.Chunks, "chunk "+c.id.String()+" in "+c.pack.name()+": "+why)
	}
	slices.Sort(s.Packs)
	slices.Sort(s.Chunks)
	return s, nil
}
