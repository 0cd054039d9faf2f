// Package clock is the engine's only source of time.
//
// Every read of "now" in the engine goes through a Clock so that tests and module authors can
// drive time: a Fake clock makes 400 days of lifecycle policy run in seconds. Nothing outside
// this package calls time.Now.
package clock

import (
	"sync"
	"time"
)

// Clock tells the engine what time it is.
type Clock interface {
	// Now returns the current time in UTC.
	Now() time.Time
}

// Settable is a clock that moves only when told to: a Fake. The scheduler drives one through it
// (the extension API's clock endpoints), stepping it to each instant at which work is due.
type Settable interface {
	Clock
	// SetTime moves the clock to t. It fails only when a persisted clock cannot record t; the
	// clock has then not moved.
	SetTime(t time.Time) error
}

// Real is the wall clock.
type Real struct{}

// Now returns the wall-clock time in UTC.
func (Real) Now() time.Time { return time.Now().UTC() }

// Wall returns the wall-clock time in UTC, whatever clock the engine runs on.
//
// Request signatures are stamped by the caller's wall clock, so skew checks must compare against
// the wall clock even while the engine itself runs on a Fake clock years ahead.
func Wall() time.Time { return time.Now().UTC() }

// Since returns the wall time elapsed since t; for measuring durations (logs, progress).
func Since(t time.Time) time.Duration { return time.Since(t) }

// Source persists a Fake clock's time outside the process, so that every process sharing it (the
// daemon and an embedded provider on one data dir) reads the same time, and a restarted process
// continues where the clock was.
type Source interface {
	// Load returns the persisted time.
	Load() (time.Time, error)
	// Store persists t; once it returns nil, Load returns t in every process.
	Store(t time.Time) error
}

// Fake is a Clock that moves only when told to. Its time lives in memory (NewFake), or in a
// Source (NewPersistentFake), which is then read on every Now so that another process's move is
// seen at once.
type Fake struct {
	mu       sync.Mutex
	now      time.Time
	src      Source
	watchers []chan struct{}
}

// NewFake returns an in-memory Fake clock that reads t.
func NewFake(t time.Time) *Fake { return &Fake{now: t.UTC()} }

// NewPersistentFake returns a Fake clock whose time is src's. at is the time src holds (the caller
// has just loaded or stored it), used when a later read fails.
func NewPersistentFake(src Source, at time.Time) *Fake { return &Fake{now: at.UTC(), src: src} }

// Persistent reports whether the clock's time is kept in a Source.
func (f *Fake) Persistent() bool { return f.src != nil }

// Now returns the fake time. A persistent clock whose Source cannot be read returns the last time
// it knew: Now has no way to fail, and the Source is a local database that fails only when it is
// closed.
func (f *Fake) Now() time.Time {
	if f.src != nil {
		if t, err := f.src.Load(); err == nil {
			f.mu.Lock()
			f.now = t.UTC()
			f.mu.Unlock()
			return t.UTC()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// SetTime moves the clock to t (persisting it first, for a persistent clock). Moving backwards is
// allowed here; callers that must not go back check first. Watchers are told.
func (f *Fake) SetTime(t time.Time) error {
	t = t.UTC()
	if f.src != nil {
		if err := f.src.Store(t); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.now = t
	ws := f.watchers
	f.mu.Unlock()
	for _, w := range ws {
		select {
		case w <- struct{}{}:
		default:
		}
	}
	return nil
}

// Set moves the clock to t: SetTime for callers (tests of an in-memory clock) that cannot fail.
// A persistent clock that cannot record t keeps t in memory only.
func (f *Fake) Set(t time.Time) {
	if err := f.SetTime(t); err != nil {
		f.mu.Lock()
		f.now = t.UTC()
		f.mu.Unlock()
	}
}

// Advance moves the clock forward by d and returns the new time.
func (f *Fake) Advance(d time.Duration) time.Time {
	t := f.Now().Add(d)
	f.Set(t)
	return t
}

// Watch returns a channel that receives (coalesced) notifications whenever this process moves
// the clock.
func (f *Fake) Watch() <-chan struct{} {
	ch := make(chan struct{}, 1)
	f.mu.Lock()
	f.watchers = append(f.watchers, ch)
	f.mu.Unlock()
	return ch
}
