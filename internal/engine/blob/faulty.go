package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"sync"
	"syscall"
	"time"
)

// Faulty wraps a Store and injects failures on demand, so tests can prove that every failure
// path leaves what was already stored intact. Faults are set while the store is in use; all
// methods are safe for concurrent use. A failed Save stores nothing (it fails before passing
// the object on), just as a real backend's failed Save leaves no object behind.
//
// Faulty forwards every optional interface (optionalInterfaces) of the store it wraps, with the
// same faults as the base methods, so code over it takes the route it takes over the wrapped store:
// AsDeferred and ReadRange see a DeferredStore and the range-read fast path exactly when the
// wrapped store has them.
type Faulty struct {
	inner Store

	mu          sync.Mutex
	saves       int   // Saves attempted so far
	savedBytes  int64 // bytes of successful Saves
	failAt      map[int]error
	failMatch   []nameFault
	spaceLeft   int64 // < 0: unlimited
	corrupt     func(name string) bool
	latency     time.Duration
	hook        func(op, name string) error
	removeFault []nameFault
}

type nameFault struct {
	match func(name string) bool
	err   error
}

// NewFaulty wraps s with no faults set.
func NewFaulty(s Store) *Faulty { return &Faulty{inner: s, failAt: map[int]error{}, spaceLeft: -1} }

// Inner is the wrapped store.
func (f *Faulty) Inner() Store { return f.inner }

// FailSave makes the nth Save from now (1 = the next one) fail with err.
func (f *Faulty) FailSave(nth int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAt[f.saves+nth] = err
}

// FailSaves makes every Save of a name for which match returns true fail with err, until Reset.
func (f *Faulty) FailSaves(match func(name string) bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failMatch = append(f.failMatch, nameFault{match, err})
}

// FailRemoves makes every Remove of a matching name fail with err, until Reset.
func (f *Faulty) FailRemoves(match func(name string) bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removeFault = append(f.removeFault, nameFault{match, err})
}

// NoSpaceAfter lets n more bytes be saved; the Save that would go past them, and every Save
// after it, fails with an error for which errors.Is(err, syscall.ENOSPC) holds, as a full disk
// would.
func (f *Faulty) NoSpaceAfter(n int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.spaceLeft = n
}

// CorruptReads makes reads (Open) of every object whose name matches return its bytes with the
// first byte of the range flipped, as a failing disk would, until Reset.
func (f *Faulty) CorruptReads(match func(name string) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.corrupt = match
}

// SetLatency delays every operation by d (a slow disk or network).
func (f *Faulty) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// SetHook calls hook before every operation ("save", "open", "stat", "remove", "list", "sync",
// and "retain" for an Object Lock change) with the object's name (or the prefix, for list; once
// per name, for sync and retain); an error from hook fails the operation. A deferred save is a "save" and a range read an "open", as on a store
// without those paths. Tests use it to pause an operation or to observe the order of operations.
func (f *Faulty) SetHook(hook func(op, name string) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hook = hook
}

// Reset clears every fault.
func (f *Faulty) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAt = map[int]error{}
	f.failMatch = nil
	f.removeFault = nil
	f.spaceLeft = -1
	f.corrupt = nil
	f.latency = 0
	f.hook = nil
}

// Saves is the number of Saves attempted so far.
func (f *Faulty) Saves() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.saves
}

// SavedBytes is the number of bytes stored by successful Saves.
func (f *Faulty) SavedBytes() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.savedBytes
}

func (f *Faulty) before(ctx context.Context, op, name string) error {
	f.mu.Lock()
	lat, hook := f.latency, f.hook
	f.mu.Unlock()
	if lat > 0 {
		t := time.NewTimer(lat)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	if hook != nil {
		if err := hook(op, name); err != nil {
			return err
		}
	}
	return nil
}

// Save implements Store.
func (f *Faulty) Save(ctx context.Context, name string, r io.Reader) error {
	return f.save(ctx, name, r, f.inner.Save)
}

// SaveDeferred implements DeferredStore, with the faults of Save (it counts as one), when the
// wrapped store is a DeferredStore; over another store it is Save.
func (f *Faulty) SaveDeferred(ctx context.Context, name string, r io.Reader) error {
	if ds, ok := AsDeferred(f.inner); ok {
		return f.save(ctx, name, r, ds.SaveDeferred)
	}
	return f.save(ctx, name, r, f.inner.Save)
}

// Sync implements DeferredStore when the wrapped store is a DeferredStore; over another store,
// whose objects are durable once saved, it only checks that they exist.
func (f *Faulty) Sync(ctx context.Context, names ...string) error {
	for _, name := range names {
		if err := f.before(ctx, "sync", name); err != nil {
			return err
		}
	}
	if ds, ok := AsDeferred(f.inner); ok {
		return ds.Sync(ctx, names...)
	}
	for _, name := range names {
		if _, err := f.inner.Stat(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// Retained implements RetentionStore when the wrapped store is one, with the faults of Stat;
// over another store nothing is retained.
func (f *Faulty) Retained(ctx context.Context, name string) (bool, error) {
	if err := f.before(ctx, "stat", name); err != nil {
		return false, err
	}
	if rs, ok := AsRetention(f.inner); ok {
		return rs.Retained(ctx, name)
	}
	if _, err := f.inner.Stat(ctx, name); err != nil {
		return false, err
	}
	return false, nil
}

// errNoObjectLock is what Faulty's ObjectLockStore methods answer over a store without Object
// Lock (AsObjectLock never offers them there).
var errNoObjectLock = errors.New("blob: the store cannot lock objects")

// ObjectLockEnabled implements ObjectLockStore when the wrapped store is one, with the faults of
// Stat (on the name ""); over another store objects cannot be locked.
func (f *Faulty) ObjectLockEnabled(ctx context.Context) (bool, error) {
	if err := f.before(ctx, "stat", ""); err != nil {
		return false, err
	}
	if ls, ok := AsObjectLock(f.inner); ok {
		return ls.ObjectLockEnabled(ctx)
	}
	return false, nil
}

// Retain implements ObjectLockStore when the wrapped store is one; the hook sees a "retain" of
// each name.
func (f *Faulty) Retain(ctx context.Context, mode string, until time.Time, names ...string) error {
	ls, err := f.beforeLock(ctx, names)
	if err != nil {
		return err
	}
	return ls.Retain(ctx, mode, until, names...)
}

// SetLegalHold implements ObjectLockStore when the wrapped store is one; the hook sees a "retain"
// of each name.
func (f *Faulty) SetLegalHold(ctx context.Context, on bool, names ...string) error {
	ls, err := f.beforeLock(ctx, names)
	if err != nil {
		return err
	}
	return ls.SetLegalHold(ctx, on, names...)
}

// RetainWrites implements ObjectLockStore when the wrapped store is one: Faulty's saves reach
// the wrapped store's Save, which applies it. Over another store it does nothing.
func (f *Faulty) RetainWrites(r Retention, applies func(name string) bool) (release func()) {
	if ls, ok := AsObjectLock(f.inner); ok {
		return ls.RetainWrites(r, applies)
	}
	return func() {}
}

// RetainedUntil implements ObjectLockStore when the wrapped store is one, with the faults of
// Stat; over another store nothing is retained.
func (f *Faulty) RetainedUntil(ctx context.Context, name string) (time.Time, bool, error) {
	if err := f.before(ctx, "stat", name); err != nil {
		return time.Time{}, false, err
	}
	if ls, ok := AsObjectLock(f.inner); ok {
		return ls.RetainedUntil(ctx, name)
	}
	_, err := f.inner.Stat(ctx, name)
	return time.Time{}, false, err
}

// beforeLock runs the hook for a "retain" of each name and returns the wrapped ObjectLockStore.
func (f *Faulty) beforeLock(ctx context.Context, names []string) (ObjectLockStore, error) {
	for _, name := range names {
		if err := f.before(ctx, "retain", name); err != nil {
			return nil, err
		}
	}
	ls, ok := AsObjectLock(f.inner)
	if !ok {
		return nil, errNoObjectLock
	}
	return ls, nil
}

// forwards implements forwarder: Faulty offers an optional interface when its store does.
func (f *Faulty) forwards(iface reflect.Type) bool { return supports(f.inner, iface) }

// save is Save and SaveDeferred, storing through put.
func (f *Faulty) save(ctx context.Context, name string, r io.Reader, put func(context.Context, string, io.Reader) error) error {
	if err := f.before(ctx, "save", name); err != nil {
		return err
	}
	f.mu.Lock()
	f.saves++
	err, failNow := f.failAt[f.saves]
	delete(f.failAt, f.saves)
	if !failNow {
		for _, m := range f.failMatch {
			if m.match(name) {
				err, failNow = m.err, true
				break
			}
		}
	}
	limited := f.spaceLeft >= 0
	f.mu.Unlock()
	if failNow {
		return fmt.Errorf("save %s: %w", name, err)
	}
	// Read the object first, as a backend would while writing it, so a limit applies to its size.
	data, rerr := io.ReadAll(r)
	if rerr != nil {
		return fmt.Errorf("save %s: %w", name, rerr)
	}
	if limited {
		f.mu.Lock()
		if f.spaceLeft >= 0 && int64(len(data)) > f.spaceLeft {
			f.spaceLeft = 0
			f.mu.Unlock()
			return fmt.Errorf("save %s: %w", name, &fs.PathError{Op: "write", Path: name, Err: syscall.ENOSPC})
		}
		if f.spaceLeft >= 0 {
			f.spaceLeft -= int64(len(data))
		}
		f.mu.Unlock()
	}
	if err := put(ctx, name, bytes.NewReader(data)); err != nil {
		if limited {
			f.mu.Lock()
			if f.spaceLeft >= 0 {
				f.spaceLeft += int64(len(data))
			}
			f.mu.Unlock()
		}
		return err
	}
	f.mu.Lock()
	f.savedBytes += int64(len(data))
	f.mu.Unlock()
	return nil
}

// Open implements Store.
func (f *Faulty) Open(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	if err := f.before(ctx, "open", name); err != nil {
		return nil, err
	}
	rc, err := f.inner.Open(ctx, name, off, length)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	corrupt := f.corrupt != nil && f.corrupt(name)
	f.mu.Unlock()
	if !corrupt {
		return rc, nil
	}
	return &flipFirst{ReadCloser: rc}, nil
}

// readRange is the range-read fast path of the wrapped store, with the faults of Open.
func (f *Faulty) readRange(ctx context.Context, name string, off, length int64, buf []byte) ([]byte, error) {
	if err := f.before(ctx, "open", name); err != nil {
		return nil, err
	}
	var data []byte
	var err error
	if rr, ok := optional[rangeReader](f.inner); ok {
		data, err = rr.readRange(ctx, name, off, length, buf)
	} else {
		data, err = readRangeByOpen(ctx, f.inner, name, off, length, buf)
	}
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	corrupt := f.corrupt != nil && f.corrupt(name)
	f.mu.Unlock()
	if corrupt && len(data) > 0 {
		data[0] ^= 0x40 // as flipFirst does to a reader
	}
	return data, nil
}

type flipFirst struct {
	io.ReadCloser
	done bool
}

func (r *flipFirst) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if n > 0 && !r.done {
		p[0] ^= 0x40
		r.done = true
	}
	return n, err
}

// Stat implements Store.
func (f *Faulty) Stat(ctx context.Context, name string) (int64, error) {
	if err := f.before(ctx, "stat", name); err != nil {
		return 0, err
	}
	return f.inner.Stat(ctx, name)
}

// Remove implements Store.
func (f *Faulty) Remove(ctx context.Context, name string) error {
	if err := f.before(ctx, "remove", name); err != nil {
		return err
	}
	f.mu.Lock()
	for _, m := range f.removeFault {
		if m.match(name) {
			f.mu.Unlock()
			return fmt.Errorf("remove %s: %w", name, m.err)
		}
	}
	f.mu.Unlock()
	return f.inner.Remove(ctx, name)
}

// List implements Store.
func (f *Faulty) List(ctx context.Context, prefix string, fn func(name string, size int64) error) error {
	if err := f.before(ctx, "list", prefix); err != nil {
		return err
	}
	return f.inner.List(ctx, prefix, fn)
}
