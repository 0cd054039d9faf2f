// Package content is the vault repository format: content-defined chunking, keyed chunk IDs,
// zstd compression, AES-256-GCM encryption under a per-vault data key, chunks packed into pack
// files with an in-memory index, and snapshots that name what a recovery point contains.
//
// A repository is a set of immutable objects in a blob.Store:
//
//	config                    repository ID, format version, the data key wrapped by the master key
//	packs/<xx>/<pack ID>      ~16 MiB of sealed chunks and a sealed table of them (pack.go)
//	index/<ID>                which chunks are in which packs; one or more per backup (index.go)
//	snapshots/<snapshot ID>   one per recovery point: kind, metadata, and the chunks of its
//	                          node list (a tree) or chunk list (a stream) (snapshot.go, tree)
//	locks/<session>.<n>       one per running backup, refreshed while it runs (locks)
//	locks/gc                  held while GC runs
//	condemned/<ID>[.locks]    packs GC will delete once no backup that could use them runs (gc.go)
//	damaged/<ID>              packs and chunk copies found damaged, which no backup reuses (damage.go)
//
// The job runner uses Init/Open, Snapshot, Forget, GC, Verify/Check, RebuildIndex and
// BackupStream/RestoreStream; connectors (resources/efs) write through a Session and read
// through tree.Reader and Fetch. The parts with a concern of their own are subpackages: chunk
// (chunk IDs and refs), varint (the bounded decoder of the binary formats), tree (node lists),
// chunker, keyring (keys and sealing) and locks.
//
// Hand-written parts and why: the chunker (faster than the Go FastCDC libraries, and keyed) and
// the repository format itself. The primitives are libraries: klauspost/compress (zstd),
// github.com/zeebo/blake3, and the standard library's AES-GCM and HKDF.
package content

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunker"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/locks"
)

// SnapshotID names one snapshot in a repository.
type SnapshotID string

// Snapshot is what one recovery point holds.
type Snapshot struct {
	ID   SnapshotID
	Time time.Time
	// Kind is "tree" (a directory tree) or "stream" (one byte stream, e.g. a database dump).
	Kind string
	// Meta is connector metadata kept with the snapshot (source path, database name, ...).
	Meta map[string]string
	// Size is the logical size of the data; StoredBytes what this snapshot added to the repository.
	Size, StoredBytes int64
}

// Snapshot kinds.
const (
	KindTree   = "tree"
	KindStream = "stream"
)

// Errors callers can test for with errors.Is.
var (
	ErrSnapshotNotFound = errors.New("content: snapshot not found")
	ErrNotRepository    = errors.New("content: no repository here")
	ErrRepositoryExists = errors.New("content: a repository already exists here")
	// ErrCorrupt is wrapped by Verify's error when it found problems, and by reads of data that
	// fails authentication or does not parse.
	ErrCorrupt = errors.New("content: repository damaged")
	// ErrChunkMissing means a snapshot refers to a chunk that no index lists.
	ErrChunkMissing = errors.New("content: chunk not in the index")
)

const configName = "config"

// repoConfig is the plaintext "config" object. It holds no secret: the data key is wrapped.
type repoConfig struct {
	Version    int    `json:"version"`
	ID         string `json:"id"`
	KeyID      string `json:"keyId"`
	WrappedKey []byte `json:"wrappedKey"`
	// WrappedNamespaceKey, if set, is the namespace key (keyring) chunk IDs and boundaries are
	// derived from, wrapped like the data key.
	WrappedNamespaceKey []byte `json:"wrappedNamespaceKey,omitempty"`
	// Chunking parameters are recorded so a future default change does not silently stop
	// deduplication against existing data.
	DataChunking chunker.Params `json:"dataChunking"`
	TreeChunking chunker.Params `json:"treeChunking"`
}

const formatVersion = 1

// Option adjusts how a repository is opened.
type Option func(*options)

type options struct {
	clock        clock.Clock
	lockStale    time.Duration
	lockRefresh  time.Duration
	workers      int
	indexFlushAt int
	// namespace is the namespace key a new repository is made with (Init only).
	namespace []byte
}

// WithClock sets the clock snapshots are stamped with (default: the wall clock). Locks always
// use wall time, whatever the clock.
func WithClock(c clock.Clock) Option { return func(o *options) { o.clock = c } }

// WithLockTimes sets how often a running backup refreshes its lock and after how long without
// a refresh another process may consider it dead (defaults: 2 and 10 minutes).
func WithLockTimes(refresh, stale time.Duration) Option {
	return func(o *options) { o.lockRefresh, o.lockStale = refresh, stale }
}

// WithNamespaceKey makes Init derive the new repository's chunk IDs and chunk boundaries from key
// rather than from its data key (see keyring.Keys), so that repositories made with the same key
// give the same content the same IDs and copies between them need neither read what the
// destination has nor re-hash what it lacks. The repository records the key, wrapped by the
// master key; Open ignores the option.
func WithNamespaceKey(key [32]byte) Option {
	return func(o *options) { o.namespace = bytes.Clone(key[:]) }
}

// WithWorkers sets how many goroutines compress and encrypt chunks (default GOMAXPROCS).
func WithWorkers(n int) Option { return func(o *options) { o.workers = n } }

// Repository is one vault's store of deduplicated, compressed, encrypted data. It is safe for
// concurrent use; several Repository values, in one process or several, may share a store.
type Repository struct {
	st   blob.Store
	cfg  repoConfig
	keys *keyring.Keys
	ids  *chunk.Hasher
	comp *compressor
	data *chunker.Chunker
	tree *chunker.Chunker
	opt  options
	host string
	// locks are the backup and GC locks in st.
	locks *locks.Locker

	// mu guards the index state below.
	mu sync.RWMutex
	ix chunkIndex
	// packs numbers every pack the index knows; packNum inverts it.
	packs   []packState
	packNum map[PackID]uint32
	// loaded are the index files in ix; loadErrs those that could not be read.
	loaded   map[string]bool
	loadErrs map[string]error
	// condemned packs are excluded from deduplication (see gc.go).
	condemned map[PackID]bool
	// damage is what the damage records say (damage.go): damaged copies are excluded from
	// deduplication and from reads while another copy exists.
	damage damageSet
}

type packState struct {
	id        PackID
	indexed   bool // its entries are in ix
	condemned bool
	damaged   bool // the whole pack is missing or unreadable (damage.go)
}

// Init creates a repository in st with a fresh data key wrapped by mk; keyID names that key
// (the vault's EncryptionKeyArn carries it). It fails with ErrRepositoryExists if st already
// holds a repository.
func Init(ctx context.Context, st blob.Store, mk keyring.MasterKey, keyID string, opts ...Option) (*Repository, error) {
	if _, err := st.Stat(ctx, configName); err == nil {
		return nil, ErrRepositoryExists
	} else if !errors.Is(err, blob.ErrNotFound) {
		return nil, fmt.Errorf("init repository: %w", err)
	}
	var o options
	for _, f := range opts {
		f(&o)
	}
	var idb [16]byte
	fillRandom(idb[:])
	dataKey := make([]byte, 32)
	fillRandom(dataKey)
	cfg := repoConfig{Version: formatVersion, ID: hex.EncodeToString(idb[:]), KeyID: keyID, DataChunking: chunker.DataParams, TreeChunking: chunker.TreeParams}
	var err error
	if cfg.WrappedKey, err = keyring.WrapDataKey(mk, dataKey, cfg.ID, keyID); err != nil {
		return nil, err
	}
	if o.namespace != nil {
		if cfg.WrappedNamespaceKey, err = keyring.WrapNamespaceKey(mk, o.namespace, cfg.ID); err != nil {
			return nil, err
		}
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := st.Save(ctx, configName, bytes.NewReader(b)); err != nil {
		if errors.Is(err, blob.ErrExists) {
			return nil, ErrRepositoryExists
		}
		return nil, fmt.Errorf("init repository: %w", err)
	}
	return Open(ctx, st, mk, opts...)
}

// Open opens the repository in st. It fails with ErrNotRepository if st holds none, and with
// ErrWrongKey if mk is not the key the repository was made with. Index files that cannot be
// read do not stop Open (Verify reports them; GC refuses to run while they exist).
func Open(ctx context.Context, st blob.Store, mk keyring.MasterKey, opts ...Option) (*Repository, error) {
	o := options{clock: clock.Real{}, lockStale: 10 * time.Minute, lockRefresh: 2 * time.Minute, workers: runtime.GOMAXPROCS(0), indexFlushAt: 64 << 10}
	for _, f := range opts {
		f(&o)
	}
	if o.workers < 1 {
		o.workers = 1
	}
	b, err := blob.ReadAll(ctx, st, configName)
	if err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return nil, ErrNotRepository
		}
		return nil, fmt.Errorf("open repository: %w", err)
	}
	var cfg repoConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("open repository: config: %w: %v", ErrCorrupt, err)
	}
	if cfg.Version != formatVersion {
		return nil, fmt.Errorf("open repository: format version %d is not supported (this engine reads %d)", cfg.Version, formatVersion)
	}
	if err := cfg.DataChunking.Validate(); err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	if err := cfg.TreeChunking.Validate(); err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	dataKey, err := keyring.UnwrapDataKey(mk, cfg.WrappedKey, cfg.ID, cfg.KeyID)
	if err != nil {
		return nil, err
	}
	var namespaceKey []byte
	if cfg.WrappedNamespaceKey != nil {
		if namespaceKey, err = keyring.UnwrapNamespaceKey(mk, cfg.WrappedNamespaceKey, cfg.ID); err != nil {
			return nil, err
		}
	}
	k, err := keyring.Derive(dataKey, namespaceKey)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	r := &Repository{
		st: st, cfg: cfg, keys: k, opt: o, host: host,
		ids:   chunk.NewHasher(k.IDKey),
		locks: locks.New(st, host, o.lockRefresh, o.lockStale),
		comp:  newCompressor(o.workers),
		data:  chunker.New(&k.Gear, cfg.DataChunking),
		tree:  chunker.New(&k.Gear, cfg.TreeChunking),
	}
	r.resetIndex()
	if err := r.refresh(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// KeyID is the ID of the repository's data key.
func (r *Repository) KeyID() string { return r.cfg.KeyID }

// ChunkID is the ID the repository gives content data: what a snapshot's refs name, so data read
// back from a restore can be checked against the snapshot without reading the repository.
func (r *Repository) ChunkID(data []byte) chunk.ID { return r.ids.Sum(data) }

// ID is the repository's random ID.
func (r *Repository) ID() string { return r.cfg.ID }

// Store is the blob store the repository lives in.
func (r *Repository) Store() blob.Store { return r.st }

// Close releases the repository. It holds no goroutines, files or locks between operations
// (sessions release their locks when they end), so there is nothing to release but memory, which
// the garbage collector reclaims; in particular the zstd decoder is not closed, because closing it
// under a concurrent DecodeAll panics.
func (r *Repository) Close() error { return nil }

func (r *Repository) resetIndex() {
	r.ix = chunkIndex{}
	r.packs = nil
	r.packNum = map[PackID]uint32{}
	r.loaded = map[string]bool{}
	r.loadErrs = map[string]error{}
	r.condemned = map[PackID]bool{}
	r.damage = newDamageSet()
}

// refresh brings the in-memory index up to date with the store: it loads index files it has not
// seen, reloads everything if one it had loaded is gone (GC consolidated them), and rereads the
// condemned packs. Condemned records are read before index files: see gc.go for why.
func (r *Repository) refresh(ctx context.Context) error {
	condemned, err := r.readCondemned(ctx)
	if err != nil {
		return err
	}
	damage, err := r.readDamage(ctx)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		err := r.loadIndex(ctx, condemned, damage)
		if err == nil || !errors.Is(err, blob.ErrNotFound) || attempt == 5 {
			return err
		}
		// An index file vanished between listing and reading: a GC replaced it. Start over.
	}
}

func (r *Repository) loadIndex(ctx context.Context, condemned map[PackID]bool, damage damageSet) error {
	var names []string
	if err := r.st.List(ctx, "index/", func(name string, _ int64) error {
		names = append(names, name)
		return nil
	}); err != nil {
		return fmt.Errorf("list index files: %w", err)
	}
	listed := make(map[string]bool, len(names))
	for _, n := range names {
		listed[n] = true
	}
	r.mu.Lock()
	full := false
	for n := range r.loaded {
		if !listed[n] {
			full = true
			break
		}
	}
	if full {
		r.resetIndex()
	}
	var todo []string
	for _, n := range names {
		if !r.loaded[n] {
			todo = append(todo, n)
		}
	}
	r.mu.Unlock()

	for _, name := range todo {
		packs, err := r.readIndexFile(ctx, name)
		if errors.Is(err, blob.ErrNotFound) {
			return err
		}
		r.mu.Lock()
		if err != nil {
			r.loadErrs[name] = err
		} else {
			delete(r.loadErrs, name)
			r.addPacksLocked(packs)
			r.loaded[name] = true
		}
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.condemned = condemned
	for i := range r.packs {
		r.packs[i].condemned = condemned[r.packs[i].id]
	}
	// Damage found by this process since the records were read stays known.
	for p, why := range r.damage.packs {
		damage.packs[p] = why
	}
	for c, why := range r.damage.chunks {
		damage.chunks[c] = why
	}
	r.damage = damage
	r.applyDamageLocked()
	r.mu.Unlock()
	return nil
}

func (r *Repository) readIndexFile(ctx context.Context, name string) ([]indexPack, error) {
	b, err := blob.ReadAll(ctx, r.st, name)
	if err != nil {
		return nil, err
	}
	body, err := r.openObject(indexMagic, name, b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	packs, err := decodeIndex(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, name, err)
	}
	return packs, nil
}

func (r *Repository) packNumberLocked(id PackID) uint32 {
	if n, ok := r.packNum[id]; ok {
		return n
	}
	n := uint32(len(r.packs))
	_, damaged := r.damage.packs[id]
	r.packs = append(r.packs, packState{id: id, condemned: r.condemned[id], damaged: damaged})
	r.packNum[id] = n
	return n
}

func (r *Repository) addPacksLocked(packs []indexPack) {
	for _, p := range packs {
		n := r.packNumberLocked(p.id)
		if r.packs[n].indexed {
			continue // listed by two index files (a GC consolidation was interrupted)
		}
		r.packs[n].indexed = true
		for _, e := range p.entries {
			r.ix.add(indexEntry{id: e.id, pack: n, off: e.off, length: e.length, raw: e.raw})
		}
	}
}

// has reports whether the index holds a copy of id that is usable: in a pack that is not
// condemned, and not known to be damaged.
func (r *Repository) has(id chunk.ID) bool {
	r.mu.RLock()
	_, ok := r.ix.find(id, r.usable)
	r.mu.RUnlock()
	return ok
}

func (r *Repository) usable(e *indexEntry) bool { return !r.packs[e.pack].condemned && !r.damaged(e) }

// damaged reports whether the damage records name the copy e (its pack, or the chunk in it).
func (r *Repository) damaged(e *indexEntry) bool {
	p := &r.packs[e.pack]
	if p.damaged {
		return true
	}
	if len(r.damage.chunks) == 0 {
		return false
	}
	_, bad := r.damage.chunks[chunkAt{p.id, e.id}]
	return bad
}

func (r *Repository) undamaged(e *indexEntry) bool { return !r.damaged(e) }

type location struct {
	pack             PackID
	off, length, raw uint32
}

// locate finds a chunk, preferring a copy in a pack that is not condemned, and any copy not
// known to be damaged over a damaged one (which is returned only when it is the only copy, so
// that reading it fails loudly, naming the pack).
func (r *Repository) locate(id chunk.ID) (location, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n, ok := r.ix.find(id, r.usable)
	if !ok {
		n, ok = r.ix.find(id, r.undamaged)
	}
	if !ok {
		if n, ok = r.ix.find(id, nil); !ok {
			return location{}, false
		}
	}
	e := r.ix.at(n)
	return location{pack: r.packs[e.pack].id, off: e.off, length: e.length, raw: e.raw}, true
}

// locateFresh is locate, refreshing the index once if the chunk is unknown (another process may
// have indexed it since).
func (r *Repository) locateFresh(ctx context.Context, id chunk.ID) (location, error) {
	if loc, ok := r.locate(id); ok {
		return loc, nil
	}
	if err := r.refresh(ctx); err != nil {
		return location{}, err
	}
	if loc, ok := r.locate(id); ok {
		return loc, nil
	}
	return location{}, fmt.Errorf("chunk %s: %w", id, ErrChunkMissing)
}

// decodeChunk opens a sealed chunk (in place) and returns its plaintext content, decompressed
// into dst if it was compressed (else aliasing sealed).
func (r *Repository) decodeChunk(id chunk.ID, sealed []byte, raw uint32, dst []byte) ([]byte, error) {
	pt, err := r.keys.Open(sealed, id[:])
	if err != nil {
		return nil, err
	}
	if len(pt) == 0 {
		return nil, fmt.Errorf("%w: empty chunk envelope", errFormat)
	}
	content := pt[1:]
	if pt[0]&flagCompressed != 0 {
		if cap(dst) < int(raw) {
			dst = make([]byte, 0, raw)
		}
		if content, err = r.comp.dec.DecodeAll(pt[1:], dst[:0]); err != nil {
			return nil, fmt.Errorf("decompress: %w", err)
		}
	}
	if len(content) != int(raw) {
		return nil, fmt.Errorf("%w: content is %d bytes, the index says %d", errFormat, len(content), raw)
	}
	return content, nil
}

// ReadChunk returns the content of chunk id, using buf (and dst, for decompression) when large
// enough. The result is authenticated: it is exactly what was stored under id.
func (r *Repository) ReadChunk(ctx context.Context, id chunk.ID, buf, dst []byte) ([]byte, error) {
	loc, err := r.locateFresh(ctx, id)
	if err != nil {
		return nil, err
	}
	sealed, err := blob.ReadRange(ctx, r.st, loc.pack.name(), int64(loc.off), int64(loc.length), buf)
	if err != nil {
		r.noteBadChunk(ctx, loc.pack, id, err)
		return nil, fmt.Errorf("chunk %s in %s: %w", id.Short(), loc.pack.name(), err)
	}
	content, err := r.decodeChunk(id, sealed, loc.raw, dst)
	if err != nil {
		err = fmt.Errorf("chunk %s in %s at %d: %w: %w", id.Short(), loc.pack.name(), loc.off, ErrCorrupt, err)
		r.noteBadChunk(ctx, loc.pack, id, err)
		return nil, err
	}
	return content, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	fillRandom(b)
	return hex.EncodeToString(b)
}

// fillRandom fills b from crypto/rand, which never fails (it panics if the OS source does).
func fillRandom(b []byte) { _, _ = rand.Read(b) }

// ctxErr returns the context's cause if it is done.
func ctxErr(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}
