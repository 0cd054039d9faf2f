package service

import (
	"context"
	"errors"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/scheduler"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// The engine clock, as the extension API shows and moves it (/_engine/v1/clock).

// Clock modes.
const (
	ClockModeFake = "fake"
	ClockModeReal = "real"
)

// errWallClock explains why a real-clock engine cannot be moved.
func errWallClock() error {
	return apierr.InvalidReq("the engine runs on the wall clock, which cannot be moved: start it on a fake clock (`engine serve --fake-clock 2025-01-01T00:00:00Z`, or fake_clock in the provider block for the embedded engine) to drive time")
}

func (s *Service) clockState() wire.ClockState {
	st := wire.ClockState{Mode: ClockModeReal, Now: s.clock.Now().Format(time.RFC3339Nano)}
	if f, ok := s.clock.(*clock.Fake); ok {
		st.Mode, st.Persistent = ClockModeFake, f.Persistent()
	} else if _, ok := s.clock.(clock.Settable); ok {
		st.Mode = ClockModeFake
	}
	return st
}

// ShowClock returns the engine clock.
func (s *Service) ShowClock(ctx context.Context, _ *struct{}) (*wire.ClockState, error) {
	if _, err := CallerFrom(ctx); err != nil {
		return nil, err
	}
	st := s.clockState()
	return &st, nil
}

// MoveClock moves a fake clock forward, doing everything that comes due on the way, in time
// order: rules fire and their jobs run to completion, windows close, lifecycles act. It returns
// when the target time is reached and the work is done.
func (s *Service) MoveClock(ctx context.Context, in *wire.MoveClockInput) (*wire.MoveClockOutput, error) {
	if _, err := CallerFrom(ctx); err != nil {
		return nil, err
	}
	if _, ok := s.sched.Settable(); !ok {
		return nil, errWallClock()
	}
	now := s.clock.Now()
	var target time.Time
	var by time.Duration
	switch {
	case in.Set != "" && in.Advance != "":
		return nil, apierr.InvalidParameter("give either Set (a time) or Advance (a duration), not both")
	case in.Set != "":
		t, err := time.Parse(time.RFC3339Nano, in.Set)
		if err != nil {
			return nil, apierr.InvalidParameter("Set %q is not an RFC 3339 time such as 2025-01-02T03:00:00Z", in.Set)
		}
		target = t
	case in.Advance != "":
		d, err := clock.ParseDuration(in.Advance)
		if err != nil {
			return nil, apierr.InvalidParameter("Advance %v", err)
		}
		by, target = d, now.Add(d)
	default:
		return nil, apierr.Missing("give Set (an RFC 3339 time) or Advance (a duration such as 24h or 400d)")
	}
	if target.Before(now) {
		return nil, apierr.InvalidParameter("Set %s is before the engine clock (%s): the clock only moves forward, because jobs and recovery points already carry later dates",
			target.UTC().Format(time.RFC3339), now.Format(time.RFC3339))
	}
	var maxWait time.Duration
	if in.MaxWaitSeconds != nil {
		if *in.MaxWaitSeconds < 0 {
			return nil, apierr.InvalidParameter("MaxWaitSeconds must not be negative, got %d", *in.MaxWaitSeconds)
		}
		maxWait = time.Duration(*in.MaxWaitSeconds) * time.Second
	}
	var res scheduler.AdvanceResult
	var err error
	if in.Advance != "" {
		res, err = s.sched.AdvanceBy(ctx, by, maxWait)
	} else {
		res, err = s.sched.AdvanceTo(ctx, target, maxWait)
	}
	switch {
	case errors.Is(err, scheduler.ErrRealClock):
		return nil, errWallClock()
	case errors.Is(err, scheduler.ErrBackwards):
		return nil, apierr.InvalidParameter("%v", err)
	case err != nil:
		return nil, internal("move the clock", err)
	}
	return &wire.MoveClockOutput{ClockState: s.clockState(), From: res.From.Format(time.RFC3339Nano), Steps: res.Steps, Unfinished: res.Unfinished}, nil
}

// Scheduler is the scheduler as the domain sees it (the assembly's scheduler.Scheduler): woken
// when what it waits for changes (a plan, a job, a point's lifecycle), and moved by MoveClock on a
// fake clock.
type Scheduler interface {
	Wake()
	Settable() (clock.Settable, bool)
	AdvanceTo(ctx context.Context, target time.Time, maxWait time.Duration) (scheduler.AdvanceResult, error)
	AdvanceBy(ctx context.Context, d, maxWait time.Duration) (scheduler.AdvanceResult, error)
}

// noScheduler is the Scheduler of a service built without one: nothing is scheduled, and the
// clock is the wall clock's.
type noScheduler struct{}

func (noScheduler) Wake()                            {}
func (noScheduler) Settable() (clock.Settable, bool) { return nil, false }
func (noScheduler) AdvanceTo(context.Context, time.Time, time.Duration) (scheduler.AdvanceResult, error) {
	return scheduler.AdvanceResult{}, scheduler.ErrRealClock
}
func (noScheduler) AdvanceBy(context.Context, time.Duration, time.Duration) (scheduler.AdvanceResult, error) {
	return scheduler.AdvanceResult{}, scheduler.ErrRealClock
}

// Scheduler returns the service's scheduler (for tests and benchmarks that drive it directly).
func (s *Service) Scheduler() Scheduler { return s.sched }
