package clock

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration parses how far to move a clock: a Go duration ("90m", "24h", "1h30m") optionally
// preceded by whole days ("400d", "1d12h"), since lifecycles are counted in days. Negative
// durations are refused: the clock does not go back.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("empty duration: give one such as 24h, 90m or 400d")
	}
	var d time.Duration
	rest := in
	if days, after, ok := strings.Cut(in, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 || n > 100*366 {
			return 0, fmt.Errorf("%q: %q is not a number of days from 0 to 36600; durations look like 24h, 90m, 400d or 1d12h", s, days)
		}
		d, rest = time.Duration(n)*24*time.Hour, after
	}
	if rest != "" {
		t, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration such as 24h, 90m, 400d or 1d12h", s)
		}
		if t < 0 {
			return 0, fmt.Errorf("%q is negative: the clock only moves forward", s)
		}
		d += t
	}
	return d, nil
}
