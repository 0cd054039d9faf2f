package wire

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimestampIsEpochSecondsWithMillisecondsOnTheWire(t *testing.T) {
	at := time.Date(2026, 12, 3, 11, 41, 5, 123_456_789, time.UTC)
	b, err := json.Marshal(NewTimestamp(at))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "1796298065.123" {
		t.Fatalf("encoded %s, want epoch seconds with milliseconds", b)
	}
	var back Timestamp
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got := back.Time(); !got.Equal(at.Truncate(time.Millisecond)) {
		t.Fatalf("decoded %v, want %v", got, at.Truncate(time.Millisecond))
	}
}

func TestTimestampAcceptsRFC3339AndRefusesOtherText(t *testing.T) {
	var ts Timestamp
	if err := json.Unmarshal([]byte(`"2026-12-03T11:41:05Z"`), &ts); err != nil {
		t.Fatalf("RFC 3339: %v", err)
	}
	if got := ts.Time(); !got.Equal(time.Date(2026, 12, 3, 11, 41, 5, 0, time.UTC)) {
		t.Fatalf("decoded %v", got)
	}
	if err := json.Unmarshal([]byte(`"yesterday"`), &ts); err == nil {
		t.Fatal("a timestamp of \"yesterday\" was accepted")
	}
}

func TestZeroTimeIsNoTimestamp(t *testing.T) {
	if NewTimestamp(time.Time{}) != nil {
		t.Fatal("the zero time became a timestamp; optional members would be sent as 1970")
	}
	var nilTS *Timestamp
	if !nilTS.Time().IsZero() {
		t.Fatal("a nil timestamp is not the zero time")
	}
}
