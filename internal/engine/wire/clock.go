package wire

// ClockState is the engine clock.
type ClockState struct {
	// Mode is "fake" (moved only by MoveClock) or "real" (the wall clock).
	Mode string `json:"Mode"`
	// Now is the engine's time, RFC 3339 with nanoseconds.
	Now string `json:"Now"`
	// Persistent is set when the fake clock's time is kept in the data dir, shared by every
	// process on it.
	Persistent bool `json:"Persistent"`
}

// MoveClockInput moves a fake clock: to a time (Set) or by a duration (Advance).
type MoveClockInput struct {
	// Set is an RFC 3339 time, not before the clock's.
	Set string `json:"Set,omitempty"`
	// Advance is a duration such as 24h, 90m, 400d or 1d12h.
	Advance string `json:"Advance,omitempty"`
	// MaxWaitSeconds bounds how long each step waits for the jobs it started (0 or absent: as
	// long as they take). A step whose jobs are still running after it moves on; a job still
	// running at the end of its completion window is then stopped.
	MaxWaitSeconds *int64 `json:"MaxWaitSeconds,omitempty"`
}

// MoveClockOutput is the clock after a move, and what the move did.
type MoveClockOutput struct {
	ClockState
	// From is the time before the move.
	From string `json:"From"`
	// Steps counts the instants the clock stopped at to do work that came due.
	Steps int `json:"Steps"`
	// Unfinished is set when some step moved on with jobs still running (MaxWaitSeconds).
	Unfinished bool `json:"Unfinished"`
}
