package service

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Timestamp is a time on the wire: AWS's rest-json protocol sends timestamps as epoch seconds
// with a fractional part.
type Timestamp time.Time

// NewTimestamp returns t as a *Timestamp, or nil for the zero time.
func NewTimestamp(t time.Time) *Timestamp {
	if t.IsZero() {
		return nil
	}
	ts := Timestamp(t.UTC())
	return &ts
}

// Time returns the timestamp as a time.Time; the zero time for nil.
func (t *Timestamp) Time() time.Time {
	if t == nil {
		return time.Time{}
	}
	return time.Time(*t)
}

// MarshalJSON writes epoch seconds with millisecond precision.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

// UnmarshalJSON reads epoch seconds, or an RFC 3339 string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		f, err := n.Float64()
		if err != nil {
			return fmt.Errorf("timestamp %s: %w", b, err)
		}
		*t = Timestamp(time.UnixMilli(int64(f * 1000)).UTC())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("timestamp must be epoch seconds or an RFC 3339 string, got %s", b)
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", s, err)
	}
	*t = Timestamp(v.UTC())
	return nil
}

// ptr returns a pointer to v; for optional wire members.
func ptr[T any](v T) *T { return &v }

// deref returns *p, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
