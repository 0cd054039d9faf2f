package awsbackup

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// StatusFunc reads the current status of something that changes over time. It returns the
// object, its status, and an error; a NotFoundError ends the wait with that error.
type StatusFunc[T any] func(ctx context.Context) (T, string, error)

// Waiter polls a StatusFunc until the status is one of Target, leaves Pending, or Timeout passes.
type Waiter[T any] struct {
	Pending []string
	Target  []string
	Refresh StatusFunc[T]
	Timeout time.Duration
	// Interval between polls; it grows to MaxInterval.
	Interval, MaxInterval time.Duration
	// Progress, if set, is called after each poll (for tflog progress lines).
	Progress func(v T, status string)
}

// UnexpectedStateError is returned when the status leaves Pending without reaching Target.
type UnexpectedStateError struct {
	Status   string
	Expected []string
}

func (e *UnexpectedStateError) Error() string {
	return fmt.Sprintf("unexpected state %q, wanted one of %v", e.Status, e.Expected)
}

// Wait polls until done, returning the last object read.
func (w Waiter[T]) Wait(ctx context.Context) (T, error) {
	interval, maxInterval := w.Interval, w.MaxInterval
	if interval <= 0 {
		interval = 200 * time.Millisecond
	}
	if maxInterval <= 0 {
		maxInterval = 5 * time.Second
	}
	if w.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, w.Timeout)
		defer cancel()
	}
	var last T
	for {
		v, status, err := w.Refresh(ctx)
		if err != nil {
			return v, err
		}
		last = v
		if w.Progress != nil {
			w.Progress(v, status)
		}
		if slices.Contains(w.Target, status) {
			return v, nil
		}
		if !slices.Contains(w.Pending, status) {
			return v, &UnexpectedStateError{Status: status, Expected: w.Target}
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return last, fmt.Errorf("timed out waiting for state %v (last state %q): %w", w.Target, status, ctx.Err())
		case <-t.C:
		}
		interval = min(interval*3/2, maxInterval)
	}
}
