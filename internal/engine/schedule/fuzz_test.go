package schedule

import (
	"errors"
	"testing"
	"time"
)

// fuzzZones are the zones the fuzz target evaluates in: UTC, whole-hour DST in both hemispheres,
// a half-hour DST shift, and fixed half- and quarter-hour offsets.
var fuzzZones = []string{"Etc/UTC", "America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Kathmandu"}

// FuzzParse checks that Parse never panics, that every refusal is an *Error or a time zone error,
// and that for every expression it accepts, Next agrees with a brute-force search that walks real
// time minute by minute and applies the DST rule independently: fire at a matching wall time,
// unless an earlier instant already showed the same wall time.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, expr string, zone uint8, minutes int64) {
		tz := fuzzZones[int(zone)%len(fuzzZones)]
		s, err := Parse(expr, tz)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) || err.Error() == "" {
				t.Fatalf("Parse(%q) refused with %T %q, want a non-empty *Error", expr, err, err)
			}
			return
		}
		// A start between 2000 and 2100, at any second.
		span := int64(100 * 366 * 24 * 60)
		m := minutes % span
		if m < 0 {
			m += span
		}
		after := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(m)*time.Minute + time.Duration(minutes%59)*time.Second)
		next := s.Next(after)
		if !next.IsZero() && !next.After(after) {
			t.Fatalf("%s in %s: Next(%v) = %v is not after it", expr, tz, after, next)
		}
		if s.cron == nil {
			return
		}
		const horizon = 8 * 24 * time.Hour
		want := bruteNext(s.cron, after, s.loc, horizon)
		switch {
		case !want.IsZero() && !want.Equal(next):
			t.Fatalf("%s in %s after %v: Next = %v, brute force = %v", expr, tz, after, next, want)
		case want.IsZero() && !next.IsZero() && next.Sub(after) <= horizon:
			t.Fatalf("%s in %s after %v: Next = %v, but brute force found nothing within %v", expr, tz, after, next, horizon)
		}
	})
}

func bruteNext(c *cronSpec, after time.Time, loc *time.Location, horizon time.Duration) time.Time {
	u := after.Truncate(time.Minute)
	if !u.After(after) {
		u = u.Add(time.Minute)
	}
	for end := after.Add(horizon); !u.After(end); u = u.Add(time.Minute) {
		w := u.In(loc)
		y, mo, d := w.Date()
		if !c.hasYear(y) || c.months&(1<<mo) == 0 || c.hours&(1<<w.Hour()) == 0 || c.minutes&(1<<w.Minute()) == 0 {
			continue
		}
		if !c.dayMatches(d, daysIn(y, mo), time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC).Weekday()) {
			continue
		}
		if repeatsEarlierWallTime(u, w) {
			continue
		}
		return u
	}
	return time.Time{}
}

// repeatsEarlierWallTime reports whether some instant up to three hours before u read the same
// wall clock (clocks moved back).
func repeatsEarlierWallTime(u, w time.Time) bool {
	for back := 15 * time.Minute; back <= 3*time.Hour; back += 15 * time.Minute {
		e := u.Add(-back).In(w.Location())
		if e.Year() == w.Year() && e.YearDay() == w.YearDay() && e.Hour() == w.Hour() && e.Minute() == w.Minute() {
			return true
		}
	}
	return false
}
