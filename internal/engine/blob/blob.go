// Package blob is where vault data lives: named, immutable objects in a flat namespace with
// "/"-separated prefixes ("packs/ab/abcdef…", "index/…", "snapshots/…").
//
// Implementations: a local directory (Local, the default) and an in-memory store for tests
// (Memory); both pass the conformance suite in blobtest. Faulty wraps any store to inject
// failures, so job tests can prove that no failure loses data that was already stored.
//
// The interface is deliberately small (five methods) so that an object store (S3) can implement
// it later without emulating file-system semantics: objects are written once, whole, and never
// modified; deletion is the only mutation.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
)

// ErrNotFound is returned when no object has the name.
var ErrNotFound = errors.New("blob: not found")

// ErrExists is returned by Save when an object already has the name: objects are never
// overwritten.
var ErrExists = errors.New("blob: already exists")

// ErrRetained is returned by Remove for an object the backend keeps against deletion until a
// retention date or while a legal hold is on (S3 Object Lock): GC defers it.
var ErrRetained = errors.New("blob: retained by object lock")

// ErrInvalidName is returned for a name that ValidName rejects.
var ErrInvalidName = errors.New("blob: invalid name")

// Store holds immutable objects. Every method is safe for concurrent use, by goroutines of one
// process and by several processes sharing the same backing storage.
type Store interface {
	// Save stores the object name with the content of r, read to EOF. It is atomic (readers and
	// List see the whole object or none of it) and durable once it returns nil (for Local: the
	// data and the directory entry are fsynced). It never overwrites: if name exists it returns
	// an error wrapping ErrExists and leaves the existing object untouched; of several concurrent
	// Saves of one name exactly one succeeds. If r fails, or ctx is cancelled, or the backend
	// fails (a full disk gives an error for which errors.Is(err, syscall.ENOSPC) holds), nothing
	// is stored under name. An invalid name gives ErrInvalidName.
	Save(ctx context.Context, name string, r io.Reader) error
	// Open returns a reader of exactly length bytes of the object from offset off (length < 0:
	// to the end). It returns an error wrapping ErrNotFound if there is no such object, and one
	// wrapping io.ErrUnexpectedEOF if off+length lies beyond the object's end. The caller closes
	// the reader. An object removed while a reader is open stays readable through it on Local.
	Open(ctx context.Context, name string, off, length int64) (io.ReadCloser, error)
	// Stat returns the object's size, or an error wrapping ErrNotFound.
	Stat(ctx context.Context, name string) (int64, error)
	// Remove deletes the object, durably once it returns nil, or returns an error wrapping
	// ErrNotFound.
	Remove(ctx context.Context, name string) error
	// List calls fn with the name and size of every object whose name starts with prefix, in
	// lexical (byte-wise) order of names. Objects saved or removed while List runs may or may not
	// be seen. It stops, returning fn's error, if fn returns one.
	List(ctx context.Context, prefix string, fn func(name string, size int64) error) error
}

// DeferredStore is an optional extension of Store (find it with AsDeferred) for writers of many large objects (the
// repository's packs): SaveDeferred stores an object like Save but without waiting for it to
// reach stable storage, and Sync then makes a set of objects durable at once, so the waiting for
// the disk overlaps with producing the next objects instead of stalling after each one.
//
// Until Sync returns, a crash of the machine (not of the process: the kernel keeps what was
// written) may lose an object saved deferred, or leave it with partial content. Callers must not
// let a durable object refer to one before Sync of it returned nil.
type DeferredStore interface {
	Store
	// SaveDeferred is Save without durability: atomic towards readers, never overwriting.
	SaveDeferred(ctx context.Context, name string, r io.Reader) error
	// Sync makes the named objects durable; a name that does not exist gives ErrNotFound.
	Sync(ctx context.Context, names ...string) error
}

// RetentionStore is an optional extension of Store (find it with AsRetention) for a store whose
// objects can be locked against deletion (S3 Object Lock): Remove of such an object fails with
// ErrRetained, and Retained says so beforehand, so GC can defer a pack without first dropping
// it from the index.
type RetentionStore interface {
	Store
	// Retained reports whether Remove of name would be refused now: a retention date not yet
	// reached, or a legal hold. A missing object gives ErrNotFound.
	Retained(ctx context.Context, name string) (bool, error)
}

// AsRetention returns s as a RetentionStore if it is one: itself, or a wrapper of one.
func AsRetention(s Store) (RetentionStore, bool) { return optional[RetentionStore](s) }

// Object Lock retention modes, as S3 names them.
const (
	// RetentionCompliance: nobody can delete the object or shorten its retention before it ends.
	RetentionCompliance = "COMPLIANCE"
	// RetentionGovernance: only a caller allowed to bypass governance retention can.
	RetentionGovernance = "GOVERNANCE"
)

// Retention is an Object Lock retention: the object cannot be deleted before Until, in Mode
// (RetentionCompliance or RetentionGovernance).
type Retention struct {
	Mode  string
	Until time.Time
}

// ObjectLockStore is an optional extension of Store (find it with AsObjectLock) for a store
// that can lock objects against deletion below the engine (S3 Object Lock): a locked vault's
// recovery points then stay even if the engine, or root on its host, tries to delete them.
type ObjectLockStore interface {
	RetentionStore
	// ObjectLockEnabled reports whether objects can be locked at all (an S3 bucket created with
	// Object Lock); when it is false the other methods must not be used.
	ObjectLockEnabled(ctx context.Context) (bool, error)
	// Retain puts the existing objects under retention in mode until until. It never shortens
	// a retention an object already has.
	Retain(ctx context.Context, mode string, until time.Time, names ...string) error
	// SetLegalHold turns the objects' legal holds on or off; a held object cannot be deleted
	// whatever its retention.
	SetLegalHold(ctx context.Context, on bool, names ...string) error
	// RetainWrites makes every object saved from now until release is called, whose name
	// applies accepts, carry retention r from its creation: the retention is part of the write,
	// so there is no moment at which the object exists unlocked. While several are in force,
	// an object gets the earliest Until of those that apply to it (a writer that needs longer
	// extends it with Retain before it relies on the object), in GOVERNANCE mode if any of them
	// is. A retention whose Until has passed on the store's clock is not applied.
	RetainWrites(r Retention, applies func(name string) bool) (release func())
	// RetainedUntil returns the end of the object's retention (zero if it has none) and
	// whether it has a legal hold, as the store keeps them. A missing object gives ErrNotFound.
	RetainedUntil(ctx context.Context, name string) (until time.Time, held bool, err error)
}

// AsObjectLock returns s as an ObjectLockStore if it is one: itself, or a wrapper of one.
func AsObjectLock(s Store) (ObjectLockStore, bool) { return optional[ObjectLockStore](s) }

// ValidName reports whether name can name an object: one or more "/"-separated components, each
// made of ASCII letters, digits, '-', '_' and '.', not starting with '.' (backends keep their own
// bookkeeping in dot-names), and at most 255 bytes long.
func ValidName(name string) error {
	if name == "" || len(name) > 1024 {
		return fmt.Errorf("%w: %q (empty or longer than 1024 bytes)", ErrInvalidName, name)
	}
	for _, c := range strings.Split(name, "/") {
		if c == "" || c[0] == '.' || len(c) > 255 {
			return fmt.Errorf("%w: %q (components must be non-empty, at most 255 bytes and not start with '.')", ErrInvalidName, name)
		}
		for i := 0; i < len(c); i++ {
			b := c[i]
			if !validNameByte(b) {
				return fmt.Errorf("%w: %q (byte %q is not allowed; use letters, digits, '-', '_' and '.')", ErrInvalidName, name, b)
			}
		}
	}
	return nil
}

func validNameByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.'
}

// ReadAll returns the whole content of the object name.
func ReadAll(ctx context.Context, s Store, name string) ([]byte, error) {
	rc, err := s.Open(ctx, name, 0, -1)
	if err != nil {
		return nil, err
	}
	defer closeQuietly(rc)
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}

// ReadRange returns length bytes of the object name from offset off, reading into buf when it is
// large enough.
func ReadRange(ctx context.Context, s Store, name string, off, length int64, buf []byte) ([]byte, error) {
	if ra, ok := optional[rangeReader](s); ok {
		return ra.readRange(ctx, name, off, length, buf)
	}
	return readRangeByOpen(ctx, s, name, off, length, buf)
}

// readRangeByOpen is ReadRange for a store without the rangeReader fast path.
func readRangeByOpen(ctx context.Context, s Store, name string, off, length int64, buf []byte) ([]byte, error) {
	rc, err := s.Open(ctx, name, off, length)
	if err != nil {
		return nil, err
	}
	defer closeQuietly(rc)
	if int64(cap(buf)) < length {
		buf = make([]byte, length)
	}
	buf = buf[:length]
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, fmt.Errorf("read %s [%d, +%d): %w", name, off, length, err)
	}
	return buf, nil
}

// closeQuietly closes what was only read: there is nothing to lose if that fails.
func closeQuietly(c io.Closer) { _ = c.Close() }

// rangeReader is an optional extension of Store, implemented by stores that can read a range
// without an intermediate reader.
type rangeReader interface {
	readRange(ctx context.Context, name string, off, length int64, buf []byte) ([]byte, error)
}

// optionalInterfaces lists every optional extension of Store declared in this package, in one
// place: a store that wraps another (Faulty) must forward each of them, and a test checks both that
// Faulty does and that no interface declared in the package is missing from this list.
var optionalInterfaces = []reflect.Type{
	reflect.TypeFor[DeferredStore](),
	reflect.TypeFor[rangeReader](),
	reflect.TypeFor[RetentionStore](),
	reflect.TypeFor[ObjectLockStore](),
}

// forwarder is implemented by a store that wraps another (Faulty). It has the methods of every
// optional interface, so a type assertion on it always succeeds; forwards reports whether the
// wrapped store really implements iface, so that the wrapper offers exactly what it wraps and the
// code over it takes the same route as over the wrapped store.
type forwarder interface {
	forwards(iface reflect.Type) bool
}

// AsDeferred returns s as a DeferredStore if it is one: itself, or a wrapper of one. Use it rather
// than a type assertion, which a wrapper of a plain store also passes.
func AsDeferred(s Store) (DeferredStore, bool) { return optional[DeferredStore](s) }

// optional returns s as the optional interface T if s implements it and, when s wraps another
// store, that one does too.
func optional[T any](s Store) (T, bool) {
	t, ok := s.(T)
	if !ok || !supports(s, reflect.TypeFor[T]()) {
		var none T
		return none, false
	}
	return t, true
}

// supports reports whether s implements the optional interface iface, through any wrappers.
func supports(s Store, iface reflect.Type) bool {
	if !reflect.TypeOf(s).Implements(iface) {
		return false
	}
	if f, ok := s.(forwarder); ok {
		return f.forwards(iface)
	}
	return true
}
