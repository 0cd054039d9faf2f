// Package wire holds the request and response shapes of the AWS Backup API and of the engine's
// extension API: the members the model names, with json tags that are the model's member names,
// so the API layer decodes and encodes them directly and the domain and records use the same
// shapes. It holds shapes, their encodings, and the mapping of a selection to package
// selection's input; no rules.
package wire

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// NewTimestamp returns t as a *Timestamp, or nil for the zero time.
func NewTimestamp(t time.Time) *Timestamp {
	if t.IsZero() {
		return nil
	}
	ts := Timestamp(t.UTC())
	return &ts
}

// Timestamp is a time on the wire: AWS's rest-json protocol sends timestamps as epoch seconds
// with a fractional part.
type Timestamp time.Time

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
