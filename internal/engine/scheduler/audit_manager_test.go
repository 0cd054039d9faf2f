package scheduler

import (
	"testing"
	"time"
)

// A report plan keeps its time of day, and after downtime runs once for the time missed.
func TestNextDailyKeepsTheTimeOfDay(t *testing.T) {
	at := time.Date(2024, 1, 16, 9, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		now, want time.Time
	}{
		{at, at.Add(24 * time.Hour)},
		{at.Add(time.Hour), at.Add(24 * time.Hour)},
		{at.Add(24 * time.Hour), at.Add(48 * time.Hour)},
		{at.Add(5*24*time.Hour + time.Minute), at.Add(6 * 24 * time.Hour)},
	} {
		if got := nextDaily(at, tc.now); !got.Equal(tc.want) {
			t.Errorf("nextDaily(%s, now %s) = %s, want %s", at, tc.now, got, tc.want)
		}
	}
}
