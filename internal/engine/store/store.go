// Package store persists the engine's metadata.
//
// The engine keeps every entity (vaults, plans, jobs, recovery points, ...) as a JSON document in a
// named collection under a string key. Keys sort bytewise, and the domain encodes the scope into
// them ("{account}/{region}/{name}") so a prefix scan lists one region's entities in a stable order,
// which is what AWS pagination needs.
//
// Implementations: SQLite (the default, pure Go, WAL, safe for several processes on one data dir)
// and an in-memory store for fast domain tests. Both pass the conformance suite in storetest.
package store

import (
	"context"
	"errors"
)

// The sentinel errors below may come back wrapped (with the collection and key, say): compare
// them with errors.Is, never with ==.

// ErrNotFound is returned by Get and Delete when no document has the key.
var ErrNotFound = errors.New("store: not found")

// ErrExists is returned by Insert when a document already has the key.
var ErrExists = errors.New("store: already exists")

// ErrClosed is returned by every call after Close.
var ErrClosed = errors.New("store: closed")

// Store runs transactions over the documents.
type Store interface {
	// View runs fn in a read-only transaction over a consistent snapshot. Writes inside fn fail
	// with ErrReadOnly.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction. Update transactions are serialised, across
	// processes too. If fn returns an error (or panics) nothing fn wrote is kept, and that error is
	// returned. Once Update returns nil the writes are durable: a killed process does not lose them.
	Update(ctx context.Context, fn func(Tx) error) error
	// Close releases the store. Transactions still running may fail.
	Close() error
}

// Tx reads and writes documents inside one transaction. A Tx must not be used after its
// function returns, nor from several goroutines at once.
type Tx interface {
	// Get returns the document under key in collection, or ErrNotFound.
	Get(collection, key string) ([]byte, error)
	// Put stores doc under key, replacing any document already there.
	Put(collection, key string, doc []byte) error
	// Insert stores doc under key, or returns ErrExists if the key is taken.
	Insert(collection, key string, doc []byte) error
	// Delete removes the document under key, or returns ErrNotFound.
	Delete(collection, key string) error
	// Scan returns up to limit documents of collection whose keys start with prefix and sort
	// strictly after the key after ("" starts from the beginning), in ascending key order.
	// limit <= 0 means no limit.
	Scan(collection, prefix, after string, limit int) ([]Doc, error)
}

// Doc is one document and its key.
type Doc struct {
	Key   string
	Value []byte
}

// Counter is a Tx that counts documents without reading them.
type Counter interface {
	// Count returns how many documents of collection have keys that start with prefix.
	Count(collection, prefix string) (int, error)
}

// Count returns how many documents of collection have keys that start with prefix: through the
// Tx's own Count where it has one (SQLite counts in the index, copying no document), else by
// scanning them.
func Count(tx Tx, collection, prefix string) (int, error) {
	if c, ok := tx.(Counter); ok {
		return c.Count(collection, prefix)
	}
	docs, err := tx.Scan(collection, prefix, "", 0)
	return len(docs), err
}
