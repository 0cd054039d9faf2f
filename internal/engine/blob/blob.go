// Package blob is where vault data lives: named, immutable objects in a flat namespace with
// "/"-separated prefixes ("packs/ab/abcdef…", "index/…", "snapshots/…").
//
// Implementations: a local directory (the default) and an in-memory store for tests; both pass the
// conformance suite in blobtest. Faulty wraps any store to inject failures, so job tests can prove
// that no failure loses data that was already stored.
package blob

import (
	"context"
	"errors"
	"io"
)

// ErrNotFound is returned when no object has the name.
var ErrNotFound = errors.New("blob: not found")

// ErrExists is returned by Save when an object already has the name: objects are never
// overwritten.
var ErrExists = errors.New("blob: already exists")

// Store holds immutable objects.
type Store interface {
	// Save stores the object name with the content of r. It is atomic (readers see the whole
	// object or none of it) and durable once it returns nil (fsynced). It never overwrites:
	// if name exists it returns ErrExists and leaves the existing object untouched.
	Save(ctx context.Context, name string, r io.Reader) error
	// Open returns a reader of the object's bytes from offset off, length bytes long (length < 0:
	// to the end). It returns ErrNotFound if there is no such object.
	Open(ctx context.Context, name string, off, length int64) (io.ReadCloser, error)
	// Stat returns the object's size, or ErrNotFound.
	Stat(ctx context.Context, name string) (int64, error)
	// Remove deletes the object, or returns ErrNotFound.
	Remove(ctx context.Context, name string) error
	// List calls fn with the name and size of every object whose name starts with prefix, in
	// lexical order. It stops, returning fn's error, if fn returns one.
	List(ctx context.Context, prefix string, fn func(name string, size int64) error) error
}
