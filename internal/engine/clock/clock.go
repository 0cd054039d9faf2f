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

// Fake is a Clock that moves only when told to.
type Fake struct {
	mu       sync.Mutex
	now      time.Time
	watchers []chan struct{}
}

// NewFake returns a Fake clock that reads t.
func NewFake(t time.Time) *Fake { return &Fake{now: t.UTC()} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Set moves the clock to t. Moving backwards is allowed; watchers are told either way.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.now = t.UTC()
	ws := f.watchers
	f.mu.Unlock()
	for _, w := range ws {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// Advance moves the clock forward by d and returns the new time.
func (f *Fake) Advance(d time.Duration) time.Time {
	t := f.Now().Add(d)
	f.Set(t)
	return t
}

// Watch returns a channel that receives (coalesced) notifications whenever the clock is moved.
func (f *Fake) Watch() <-chan struct{} {
	ch := make(chan struct{}, 1)
	f.mu.Lock()
	f.watchers = append(f.watchers, ch)
	f.mu.Unlock()
	return ch
}
