// Package schedule parses AWS Backup schedule expressions — cron() in AWS's six-field dialect and
// rate() — and computes when a rule fires in its time zone.
//
// # Why hand-written
//
// AWS's cron dialect (the one EventBridge documents: six fields minutes, hours, day-of-month,
// month, day-of-week and year; `?`, `L`, `W` and `#`; day-of-week 1-7 = SUN-SAT; exactly one of the
// two day fields is `?`) is not the Unix one. The common Go libraries do not speak it:
// robfig/cron has no `L`, `W`, `#` or year field; gorhill/cronexpr is archived, numbers
// day-of-week 0-6 and does not enforce the `?` rule. The one library written for this dialect,
// winebarrel/cronplan, parses it, but its Next computes wall-clock candidates with time.Date and
// so, in a rule's time zone, fires at the wrong instant on a spring-forward day and can return a
// time before the one it was given on a fall-back day; and the module proxy here serves only
// v1.10.5, whose `31W` handling its author has since called a bug. The scheduler needs Next to be
// right across DST, so this package parses the dialect itself into bit sets and searches the
// calendar directly. The parser is fuzzed (FuzzParse, seeds in testdata/fuzz) against a
// minute-by-minute brute-force search.
//
// # Semantics
//
// Field syntax follows https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html:
// minutes and hours take `, - * /`; day-of-month `, - * ? / L W` (with `L-n` and `LW` as in
// Quartz, whose syntax AWS's derives from); month `, - * /` and JAN-DEC; day-of-week
// `, - * ? L #` and SUN-SAT; year 1970-2199 with `, - * /`. A range whose start is after its end
// wraps around (FRI-MON, 22-2). `nW` fires on the weekday nearest day n without leaving the month,
// and not at all in a month that has no day n (as plain `n` does not).
//
// Daylight saving time follows EventBridge Scheduler
// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time):
// a cron time that does not exist because clocks move forward is skipped, and a time that occurs
// twice because clocks move back fires once, at its first occurrence. A rate() of days is a span
// of 24-hour days, not calendar days.
package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // IANA names must resolve on hosts without /usr/share/zoneinfo (CGO_ENABLED=0 builds).
)

// DefaultTimezone is the zone AWS Backup evaluates a rule in when it names none.
const DefaultTimezone = "Etc/UTC"

// Schedule is a parsed expression bound to a time zone.
type Schedule struct {
	expr string
	loc  *time.Location
	// Exactly one of rate and cron is set.
	rate time.Duration
	cron *cronSpec
}

// Error says what is wrong with an expression. Field is the cron field at fault ("minutes",
// "day-of-week", ...) or "" when the expression as a whole is malformed.
type Error struct {
	Expr  string
	Field string
	Value string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s field %q: %s", e.Field, e.Value, e.Msg)
}

// Parse parses expr, a cron(...) or rate(...) expression, to be evaluated in the IANA time zone
// timezone ("" means DefaultTimezone).
func Parse(expr, timezone string) (*Schedule, error) {
	loc, err := LoadLocation(timezone)
	if err != nil {
		return nil, err
	}
	s := &Schedule{expr: expr, loc: loc}
	inner, kind, err := unwrap(expr)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "rate":
		s.rate, err = parseRate(expr, inner)
	case "cron":
		s.cron, err = parseCron(expr, inner)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// LoadLocation resolves an IANA time zone name such as "Europe/Paris" or "Etc/UTC". It refuses
// "Local", whose meaning depends on the machine, and "" only means DefaultTimezone.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTimezone
	}
	if name == "Local" || strings.ContainsAny(name, " \t") {
		return nil, fmt.Errorf("%q is not an IANA time zone name such as Etc/UTC or Europe/Paris", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IANA time zone name such as Etc/UTC or Europe/Paris", name)
	}
	return loc, nil
}

func unwrap(expr string) (inner, kind string, err error) {
	s := strings.TrimSpace(expr)
	for _, k := range []string{"cron", "rate"} {
		if rest, ok := strings.CutPrefix(s, k+"("); ok {
			body, ok := strings.CutSuffix(rest, ")")
			if !ok {
				return "", "", &Error{Expr: expr, Msg: fmt.Sprintf("%q does not end with \")\"", expr)}
			}
			return strings.TrimSpace(body), k, nil
		}
	}
	return "", "", &Error{Expr: expr, Msg: fmt.Sprintf("%q is neither cron(minutes hours day-of-month month day-of-week year) nor rate(value unit)", expr)}
}

// String returns the expression as given.
func (s *Schedule) String() string { return s.expr }

// Location is the time zone the schedule is evaluated in.
func (s *Schedule) Location() *time.Location { return s.loc }

// Rate returns the interval of a rate() schedule, and false for cron().
func (s *Schedule) Rate() (time.Duration, bool) { return s.rate, s.cron == nil }

// Next returns the first time strictly after after at which the schedule fires, or the zero time
// if it never fires again (a cron year field ends by 2199).
//
// For rate() it is after plus the interval: the caller passes the previous firing (or, for the
// first one, the time the rule took effect), so firings keep a fixed cadence.
func (s *Schedule) Next(after time.Time) time.Time {
	if s.cron == nil {
		return after.Add(s.rate)
	}
	return s.cron.next(after, s.loc)
}

// AtMostHourly reports whether the schedule can never fire twice within one hour, and if it can,
// why. It is exact for the expression: a rate() is hourly or slower when its interval is at least
// an hour, and a cron() fires at most once in each clock hour exactly when its minutes field names
// one minute (a cron that fires at all fires at every named minute of a firing hour). Like AWS, it
// judges the expression, not the calendar of a zone: where clocks jump forward by less than an
// hour (Australia/Lord_Howe moves 30 minutes), an hourly cron's runs on either side of the jump
// are 30 minutes apart in real time on that one night. MinInterval measures such gaps.
func (s *Schedule) AtMostHourly() (bool, string) {
	if s.cron == nil {
		if s.rate < time.Hour {
			return false, fmt.Sprintf("it fires every %s", s.rate)
		}
		return true, ""
	}
	if n := s.cron.minuteCount(); n > 1 {
		return false, fmt.Sprintf("its minutes field names %d minutes of the hour (%s), so it fires %d times in every hour it fires", n, s.cron.minuteList(), n)
	}
	return true, ""
}

// MinInterval returns the shortest time between consecutive firings in [from, until], found by
// walking Next; ok is false when fewer than two firings fall in the span. The scheduler and the
// tests use it to confirm what AtMostHourly decides structurally.
func (s *Schedule) MinInterval(from, until time.Time) (d time.Duration, ok bool) {
	prev := s.Next(from)
	for !prev.IsZero() && !prev.After(until) {
		next := s.Next(prev)
		if next.IsZero() || next.After(until) {
			break
		}
		if gap := next.Sub(prev); !ok || gap < d {
			d, ok = gap, true
		}
		prev = next
	}
	return d, ok
}

// maxRate bounds rate() values so the interval fits a time.Duration with room to spare.
const maxRate = 100 * 365 * 24 * time.Hour

func parseRate(expr, body string) (time.Duration, error) {
	fields := strings.Fields(body)
	if len(fields) != 2 {
		return 0, &Error{Expr: expr, Msg: fmt.Sprintf("%q must be rate(value unit), for example rate(12 hours)", expr)}
	}
	n, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil || n <= 0 || len(fields[0]) > 9 {
		return 0, &Error{Expr: expr, Msg: fmt.Sprintf("the value %q of %q must be a positive whole number", fields[0], expr)}
	}
	units := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	unit, plural := strings.CutSuffix(fields[1], "s")
	d, known := units[unit]
	if !known {
		return 0, &Error{Expr: expr, Msg: fmt.Sprintf("the unit %q of %q must be minute(s), hour(s) or day(s)", fields[1], expr)}
	}
	// EventBridge's rule: a value of 1 takes the singular unit, anything else the plural.
	if (n == 1) == plural {
		want := unit
		if n != 1 {
			want += "s"
		}
		return 0, &Error{Expr: expr, Msg: fmt.Sprintf("%q must say rate(%d %s): a value of 1 takes a singular unit, other values a plural one", expr, n, want)}
	}
	if n > int64(maxRate/d) {
		return 0, &Error{Expr: expr, Msg: fmt.Sprintf("%q is longer than 100 years", expr)}
	}
	return time.Duration(n) * d, nil
}
