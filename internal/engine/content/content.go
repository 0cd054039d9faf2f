// Package content is the vault repository format: content-defined chunking, keyed chunk IDs,
// zstd compression, AES-256-GCM encryption under a per-vault data key, chunks packed into pack
// files with an in-memory index, and snapshots that name what a recovery point contains.
//
// The API below is the contract the job runner codes against; the data path behind it belongs to
// this package alone.
package content

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
)

var errNotBuilt = errors.New("content: not built yet")

// MasterKey wraps every vault's data key. It lives in the engine's data dir.
type MasterKey [32]byte

// LoadOrCreateMasterKey reads the master key at path, making one (mode 0600) if there is none.
func LoadOrCreateMasterKey(path string) (MasterKey, error) { return MasterKey{}, errNotBuilt }

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

// Repository is one vault's store of deduplicated, compressed, encrypted data.
type Repository struct{}

// Init creates a repository in st with a fresh data key wrapped by mk; keyID names that key
// (the vault's EncryptionKeyArn carries it). It fails if st already holds a repository.
func Init(ctx context.Context, st blob.Store, mk MasterKey, keyID string) (*Repository, error) {
	return nil, errNotBuilt
}

// Open opens the repository in st.
func Open(ctx context.Context, st blob.Store, mk MasterKey) (*Repository, error) {
	return nil, errNotBuilt
}

// KeyID is the ID of the repository's data key.
func (r *Repository) KeyID() string { return "" }

// Snapshot returns a snapshot's description.
func (r *Repository) Snapshot(ctx context.Context, id SnapshotID) (Snapshot, error) {
	return Snapshot{}, errNotBuilt
}

// Forget removes a snapshot. Its data stays until GC.
func (r *Repository) Forget(ctx context.Context, id SnapshotID) error { return errNotBuilt }

// GC deletes data no snapshot references. It is safe while backups into the same repository
// run, in this process or another.
func (r *Repository) GC(ctx context.Context) (GCStats, error) { return GCStats{}, errNotBuilt }

// GCStats says what GC removed.
type GCStats struct{ PacksRemoved, BytesRemoved int64 }

// Verify checks the repository's structure (every snapshot's chunks are indexed, every index
// entry points into an existing pack) and, with readData, decrypts and re-hashes every chunk.
func (r *Repository) Verify(ctx context.Context, readData bool, report func(problem string)) error {
	return errNotBuilt
}

// BackupStream stores the bytes of src as a "stream" snapshot (for database dumps and the like).
func (r *Repository) BackupStream(ctx context.Context, src io.Reader, meta map[string]string, progress func(bytes int64)) (Snapshot, error) {
	return Snapshot{}, errNotBuilt
}

// RestoreStream writes a stream snapshot's bytes to w.
func (r *Repository) RestoreStream(ctx context.Context, id SnapshotID, w io.Writer) error {
	return errNotBuilt
}

// Close releases the repository.
func (r *Repository) Close() error { return nil }
