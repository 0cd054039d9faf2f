package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParse_acceptsAWSDialect(t *testing.T) {
	for _, expr := range []string{
		"cron(0 2 * * ? *)",   // the guide's daily rule
		"cron(0 3 ? * SUN *)", // the guide's weekly rule
		"cron(0 5 ? * * *)",   // AWS Backup's default
		"cron(15 12 * * ? *)", // EventBridge examples
		"cron(0 18 ? * MON-FRI *)",
		"cron(0 8 1 * ? *)",
		"cron(0/15 * * * ? *)",
		"cron(0/5 8-17 ? * MON-FRI *)",
		"cron(0 9 ? * 2#1 *)",
		"cron(0 0 L * ? *)",
		"cron(0 0 L-3 * ? *)",
		"cron(0 0 LW * ? *)",
		"cron(0 0 15W * ? *)",
		"cron(0 0 ? * 6L *)",
		"cron(0 0 ? * FRIL *)",
		"cron(0 0 ? * L *)",
		"cron(0 0 1 JAN,jul ? 2025-2030)",
		"cron(0 0 1 1/3 ? *)",
		"cron(0 22-2 * * ? *)",
		"cron(0 0 ? * FRI-MON *)",
		"  cron( 0  2 * * ? * )  ",
		"rate(1 hour)",
		"rate(60 minutes)",
		"rate(12 hours)",
		"rate(1 day)",
		"rate(7 days)",
	} {
		if _, err := Parse(expr, ""); err != nil {
			t.Errorf("Parse(%q): %v", expr, err)
		}
	}
}

// The hint for a Unix-style or half-converted cron names an expression that works, so following
// it never leads to a second error.
func TestParse_hintsNameAWorkingExpression(t *testing.T) {
	cases := []struct{ expr, fix string }{
		{"cron(0 2 * * *)", "cron(0 2 * * ? *)"},
		{"cron(0 2 * * 1-5)", "cron(0 2 ? * 2-6 *)"}, // Unix Monday-Friday is AWS 2-6
		{"cron(0 2 * * 0,6)", "cron(0 2 ? * 1,7 *)"},
		{"cron(0 2 1 * *)", "cron(0 2 1 * ? *)"},
		{"cron(30 4 1 * MON)", "cron(30 4 1 * ? *)"},
		{"cron(0 2 * * * *)", "cron(0 2 * * ? *)"},
		{"cron(0 2 * * MON *)", "cron(0 2 ? * MON *)"},
		{"cron(0 2 1 * MON *)", "cron(0 2 1 * ? *)"},
		{"cron(0 2 ? * ? *)", "cron(0 2 * * ? *)"},
	}
	for _, tc := range cases {
		_, err := Parse(tc.expr, "")
		if err == nil || !strings.HasSuffix(err.Error(), "; use "+tc.fix) {
			t.Errorf("Parse(%q) = %v, want a hint naming %s", tc.expr, err, tc.fix)
			continue
		}
		s, err := Parse(tc.fix, "")
		if err != nil {
			t.Errorf("the hint %s for %q does not parse: %v", tc.fix, tc.expr, err)
		} else if ok, why := s.AtMostHourly(); !ok {
			t.Errorf("the hint %s for %q runs too often: %s", tc.fix, tc.expr, why)
		}
	}
	// A five-field line that runs more often than hourly gets no "use": AWS would refuse the
	// six-field form too.
	if _, err := Parse("cron(*/30 * * * *)", ""); err == nil || strings.Contains(err.Error(), "; use") {
		t.Errorf("Parse(cron(*/30 * * * *)) = %v, want no suggestion", err)
	}
}

func TestParse_refusesWithFieldAndReason(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"0 2 * * ? *", "neither cron("},
		{"cron(0 2 * * ? *", `does not end with ")"`},
		{"cron(0 2 * * ?)", "has 5 fields; AWS cron has 6"},
		{"cron(0 0 2 * * ? *)", "has 7 fields; AWS cron has 6 and no seconds"},
		{"cron(61 2 * * ? *)", `minutes field "61": 61 is out of range 0-59`},
		{"cron(0 24 * * ? *)", `hours field "24": 24 is out of range 0-23`},
		{"cron(0 2 0 * ? *)", `day-of-month field "0": 0 is out of range 1-31`},
		{"cron(0 2 * 13 ? *)", `month field "13": 13 is out of range 1-12`},
		{"cron(0 2 ? * 8 *)", `day-of-week field "8": 8 is out of range 1-7`},
		{"cron(0 2 ? * 0 *)", `day-of-week field "0": 0 is out of range 1-7`},
		{"cron(0 2 * * ? 1969)", `year field "1969": 1969 is out of range 1970-2199`},
		{"cron(0 2 * * ? 2200)", `year field "2200"`},
		{"cron(0 2 * * * *)", "sets both day-of-month (*) and day-of-week (*); AWS requires ? in one of them"},
		{"cron(0 2 1 * MON *)", "sets both day-of-month"},
		{"cron(0 2 ? * ? *)", "? in both day-of-month and day-of-week"},
		{"cron(? 2 * * ? *)", `minutes field "?": "?" is not allowed here`},
		{"cron(0 2 * * ? ?)", `year field "?"`},
		{"cron(0 2 * * MON/2 *)", `day-of-week field "MON/2": "/" is not allowed here`},
		{"cron(0 2 ? * 3#1,6#3 *)", "# can only be used alone in the day-of-week field"},
		{"cron(0 2 ? * 2#6 *)", "must be day#n with n from 1 to 5"},
		{"cron(0 2 L-31 * ? *)", "must be L-n with n from 1 to 30"},
		{"cron(0 2 32W * ? *)", "must be nW with n from 1 to 31"},
		{"cron(0 2 W * ? *)", "must be nW"},
		{"cron(0 2 * FOO ? *)", `"FOO" is neither a number 1-12 nor one of JAN,FEB`},
		{"cron(0 2 ? * FUN *)", `"FUN" is neither a number 1-7 nor one of SUN,MON`},
		{"cron(JAN 2 * * ? *)", `minutes field "JAN": "JAN" is not a number 0-59`},
		{"cron(0/0 2 * * ? *)", `the step "0" must be a whole number from 1 to 60`},
		{"cron(0/61 2 * * ? *)", `the step "61"`},
		{"cron(1- 2 * * ? *)", "a value is missing"},
		{"cron(, 2 * * ? *)", "a value is missing"},
		{"cron(0 2 *,? * ? *)", "? must stand alone"},
		{"cron(0 2 ? * 5LW *)", "L is used alone (Saturday) or after a day"},
		{"cron(0 2 ? * LX *)", "L is used alone"},
		{"cron(0;5 2 * * ? *)", `";" is not allowed here`},
		{"rate(30 minutes)x", `does not end with ")"`},
		{"rate(1 hours)", "must say rate(1 hour)"},
		{"rate(2 hour)", "must say rate(2 hours)"},
		{"rate(0 hours)", "must be a positive whole number"},
		{"rate(-1 hours)", "must be a positive whole number"},
		{"rate(5 weeks)", "must be minute(s), hour(s) or day(s)"},
		{"rate(5)", "must be rate(value unit)"},
		{"rate(99999999 days)", "longer than 100 years"},
	}
	for _, tc := range cases {
		_, err := Parse(tc.expr, "")
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want an error containing %q", tc.expr, tc.want)
			continue
		}
		var se *Error
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error %T is not *Error", tc.expr, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %q, want it to contain %q", tc.expr, err, tc.want)
		}
	}
}

func TestParse_timezoneMustBeIANA(t *testing.T) {
	for _, tz := range []string{"", "Etc/UTC", "UTC", "America/New_York", "Europe/Paris", "Australia/Lord_Howe"} {
		if _, err := Parse("cron(0 2 * * ? *)", tz); err != nil {
			t.Errorf("timezone %q: %v", tz, err)
		}
	}
	for _, tz := range []string{"Local", "EST5EDTX", "Mars/Olympus", "Europe/ Paris", "../../etc/passwd"} {
		_, err := Parse("cron(0 2 * * ? *)", tz)
		if err == nil || !strings.Contains(err.Error(), "is not an IANA time zone name") {
			t.Errorf("timezone %q: err = %v, want an IANA refusal", tz, err)
		}
	}
}

func TestNext(t *testing.T) {
	utc := time.UTC
	ny := mustLoc(t, "America/New_York")
	london := mustLoc(t, "Europe/London")
	lordHowe := mustLoc(t, "Australia/Lord_Howe")
	kathmandu := mustLoc(t, "Asia/Kathmandu")
	at := func(loc *time.Location, y int, m time.Month, d, h, mi int) time.Time {
		return time.Date(y, m, d, h, mi, 0, 0, loc)
	}
	cases := []struct {
		name  string
		expr  string
		tz    string
		after time.Time
		want  []time.Time // successive firings
	}{
		{"daily at 02:00 UTC", "cron(0 2 * * ? *)", "", at(utc, 2024, 1, 16, 12, 0),
			[]time.Time{at(utc, 2024, 1, 17, 2, 0), at(utc, 2024, 1, 18, 2, 0)}},
		{"strictly after: a firing time is not its own next", "cron(0 2 * * ? *)", "", at(utc, 2024, 1, 17, 2, 0),
			[]time.Time{at(utc, 2024, 1, 18, 2, 0)}},
		{"seconds past a firing minute move on", "cron(0 2 * * ? *)", "", at(utc, 2024, 1, 17, 2, 0).Add(30 * time.Second),
			[]time.Time{at(utc, 2024, 1, 18, 2, 0)}},
		{"Sundays at 03:00", "cron(0 3 ? * SUN *)", "", at(utc, 2024, 1, 16, 0, 0),
			[]time.Time{at(utc, 2024, 1, 21, 3, 0), at(utc, 2024, 1, 28, 3, 0)}},
		{"1 is Sunday in day-of-week", "cron(0 3 ? * 1 *)", "", at(utc, 2024, 1, 16, 0, 0),
			[]time.Time{at(utc, 2024, 1, 21, 3, 0)}},
		{"every 15 minutes", "cron(0/15 * * * ? *)", "", at(utc, 2024, 1, 1, 10, 7),
			[]time.Time{at(utc, 2024, 1, 1, 10, 15), at(utc, 2024, 1, 1, 10, 30), at(utc, 2024, 1, 1, 10, 45), at(utc, 2024, 1, 1, 11, 0)}},
		{"step from an offset", "cron(1/20 * * * ? *)", "", at(utc, 2024, 1, 1, 10, 50),
			[]time.Time{at(utc, 2024, 1, 1, 11, 1), at(utc, 2024, 1, 1, 11, 21)}},
		{"range with step", "cron(0 8-17/4 * * ? *)", "", at(utc, 2024, 1, 1, 0, 0),
			[]time.Time{at(utc, 2024, 1, 1, 8, 0), at(utc, 2024, 1, 1, 12, 0), at(utc, 2024, 1, 1, 16, 0), at(utc, 2024, 1, 2, 8, 0)}},
		{"hour range wraps midnight", "cron(0 22-1 * * ? *)", "", at(utc, 2024, 1, 1, 12, 0),
			[]time.Time{at(utc, 2024, 1, 1, 22, 0), at(utc, 2024, 1, 1, 23, 0), at(utc, 2024, 1, 2, 0, 0), at(utc, 2024, 1, 2, 1, 0), at(utc, 2024, 1, 2, 22, 0)}},
		{"weekday range wraps the week", "cron(0 0 ? * FRI-MON *)", "", at(utc, 2024, 1, 1, 1, 0), // Monday
			[]time.Time{at(utc, 2024, 1, 5, 0, 0), at(utc, 2024, 1, 6, 0, 0), at(utc, 2024, 1, 7, 0, 0), at(utc, 2024, 1, 8, 0, 0), at(utc, 2024, 1, 12, 0, 0)}},
		{"weekdays only", "cron(0 18 ? * MON-FRI *)", "", at(utc, 2024, 1, 5, 19, 0), // Friday evening
			[]time.Time{at(utc, 2024, 1, 8, 18, 0)}},
		{"last day of month, leap February", "cron(0 0 L * ? *)", "", at(utc, 2024, 1, 31, 0, 0),
			[]time.Time{at(utc, 2024, 2, 29, 0, 0), at(utc, 2024, 3, 31, 0, 0), at(utc, 2024, 4, 30, 0, 0)}},
		{"three days before the last", "cron(0 0 L-3 * ? *)", "", at(utc, 2023, 2, 1, 0, 0),
			[]time.Time{at(utc, 2023, 2, 25, 0, 0), at(utc, 2023, 3, 28, 0, 0)}},
		{"last weekday of month", "cron(0 0 LW * ? *)", "", at(utc, 2024, 3, 1, 0, 0), // 31 Mar 2024 is a Sunday
			[]time.Time{at(utc, 2024, 3, 29, 0, 0), at(utc, 2024, 4, 30, 0, 0), at(utc, 2024, 5, 31, 0, 0), at(utc, 2024, 6, 28, 0, 0)}},
		{"nearest weekday: Saturday 15th moves to Friday", "cron(0 0 15W * ? *)", "", at(utc, 2024, 6, 1, 0, 0),
			[]time.Time{at(utc, 2024, 6, 14, 0, 0), at(utc, 2024, 7, 15, 0, 0)}},
		{"nearest weekday: Sunday 15th moves to Monday", "cron(0 0 15W * ? *)", "", at(utc, 2024, 9, 1, 0, 0),
			[]time.Time{at(utc, 2024, 9, 16, 0, 0)}},
		{"1W on a Saturday stays in the month (Monday 3rd)", "cron(0 0 1W * ? *)", "", at(utc, 2024, 5, 31, 0, 0),
			[]time.Time{at(utc, 2024, 6, 3, 0, 0)}},
		{"31W skips months without a 31st", "cron(0 0 31W * ? *)", "", at(utc, 2024, 3, 1, 0, 0), // 31 Mar is a Sunday
			[]time.Time{at(utc, 2024, 3, 29, 0, 0), at(utc, 2024, 5, 31, 0, 0)}},
		{"first Monday of the month", "cron(0 9 ? * 2#1 *)", "", at(utc, 2024, 1, 2, 0, 0),
			[]time.Time{at(utc, 2024, 2, 5, 9, 0), at(utc, 2024, 3, 4, 9, 0)}},
		{"fifth Monday only in months that have one", "cron(0 0 ? * MON#5 *)", "", at(utc, 2024, 1, 1, 0, 0),
			[]time.Time{at(utc, 2024, 1, 29, 0, 0), at(utc, 2024, 4, 29, 0, 0), at(utc, 2024, 7, 29, 0, 0)}},
		{"last Friday of the month", "cron(0 0 ? * 6L *)", "", at(utc, 2024, 1, 1, 0, 0),
			[]time.Time{at(utc, 2024, 1, 26, 0, 0), at(utc, 2024, 2, 23, 0, 0), at(utc, 2024, 3, 29, 0, 0)}},
		{"L alone in day-of-week is Saturday", "cron(0 0 ? * L *)", "", at(utc, 2024, 1, 1, 0, 0),
			[]time.Time{at(utc, 2024, 1, 6, 0, 0), at(utc, 2024, 1, 13, 0, 0)}},
		{"month names and year list", "cron(0 0 1 JAN,JUL ? 2025,2027)", "", at(utc, 2024, 6, 1, 0, 0),
			[]time.Time{at(utc, 2025, 1, 1, 0, 0), at(utc, 2025, 7, 1, 0, 0), at(utc, 2027, 1, 1, 0, 0), at(utc, 2027, 7, 1, 0, 0), {}}},
		{"29 February waits for a leap year", "cron(0 0 29 2 ? *)", "", at(utc, 2025, 3, 1, 0, 0),
			[]time.Time{at(utc, 2028, 2, 29, 0, 0)}},
		{"30 February never fires", "cron(0 0 30 2 ? *)", "", at(utc, 2025, 1, 1, 0, 0),
			[]time.Time{{}}},
		{"past the last year never fires", "cron(0 0 * * ? 2020)", "", at(utc, 2021, 1, 1, 0, 0),
			[]time.Time{{}}},

		// The rule's time zone, and EventBridge Scheduler's DST behaviour.
		{"02:00 in New York is 07:00 UTC in winter", "cron(0 2 * * ? *)", "America/New_York", at(utc, 2024, 1, 16, 12, 0),
			[]time.Time{at(utc, 2024, 1, 17, 7, 0)}},
		{"spring forward: 02:30 does not exist on 10 March and is skipped", "cron(30 2 * * ? *)", "America/New_York", at(ny, 2024, 3, 9, 12, 0),
			[]time.Time{at(ny, 2024, 3, 11, 2, 30)}},
		{"spring forward: 01:30 and 03:30 are an hour apart", "cron(30 1,3 * * ? *)", "America/New_York", at(ny, 2024, 3, 10, 0, 0),
			[]time.Time{at(ny, 2024, 3, 10, 1, 30), at(ny, 2024, 3, 10, 3, 30)}},
		{"fall back: 01:30 happens twice and fires once", "cron(30 1 * * ? *)", "America/New_York", at(ny, 2024, 11, 3, 0, 0),
			[]time.Time{time.Date(2024, 11, 3, 5, 30, 0, 0, utc), time.Date(2024, 11, 4, 6, 30, 0, 0, utc)}},
		{"fall back: from the repeated hour, next is never in the past", "cron(30 1 * * ? *)", "America/New_York", time.Date(2024, 11, 3, 6, 30, 0, 0, utc), // 01:30 EST
			[]time.Time{time.Date(2024, 11, 4, 6, 30, 0, 0, utc)}},
		{"fall back: hourly rule does not repeat the 01:00 hour", "cron(0 * * * ? *)", "America/New_York", time.Date(2024, 11, 3, 4, 30, 0, 0, utc), // 00:30 EDT
			[]time.Time{time.Date(2024, 11, 3, 5, 0, 0, 0, utc), time.Date(2024, 11, 3, 7, 0, 0, 0, utc), time.Date(2024, 11, 3, 8, 0, 0, 0, utc)}},
		{"London summer time", "cron(0 2 * * ? *)", "Europe/London", at(london, 2024, 7, 1, 12, 0),
			[]time.Time{time.Date(2024, 7, 2, 1, 0, 0, 0, utc)}},
		{"half-hour DST shift (Lord Howe): 02:15 is skipped", "cron(15 2 * * ? *)", "Australia/Lord_Howe", at(lordHowe, 2024, 10, 5, 12, 0),
			[]time.Time{at(lordHowe, 2024, 10, 7, 2, 15)}},
		{"quarter-hour offset zone", "cron(0 0 * * ? *)", "Asia/Kathmandu", at(utc, 2024, 1, 1, 0, 0),
			[]time.Time{time.Date(2024, 1, 1, 18, 15, 0, 0, utc)}},
		{"rate keeps its cadence from the previous firing", "rate(12 hours)", "", at(utc, 2024, 1, 1, 0, 7),
			[]time.Time{at(utc, 2024, 1, 1, 12, 7), at(utc, 2024, 1, 2, 0, 7)}},
		{"rate days are 24-hour spans across DST", "rate(1 day)", "America/New_York", at(ny, 2024, 3, 9, 12, 0),
			[]time.Time{time.Date(2024, 3, 10, 17, 0, 0, 0, utc)}},
		{"kathmandu offset has no effect on rates", "rate(90 minutes)", "Asia/Kathmandu", at(kathmandu, 2024, 1, 1, 0, 0),
			[]time.Time{at(kathmandu, 2024, 1, 1, 1, 30)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.expr, tc.tz)
			if err != nil {
				t.Fatal(err)
			}
			prev := tc.after
			for i, want := range tc.want {
				got := s.Next(prev)
				if !got.Equal(want) || got.IsZero() != want.IsZero() {
					t.Fatalf("firing %d after %v: got %v, want %v", i+1, prev, got, want)
				}
				if got.IsZero() {
					return
				}
				if !got.After(prev) {
					t.Fatalf("Next(%v) = %v is not after it", prev, got)
				}
				prev = got
			}
		})
	}
}

func TestAtMostHourly_isExactForRatesAndMinuteLists(t *testing.T) {
	cases := []struct {
		expr string
		ok   bool
		why  string
	}{
		{"cron(0 2 * * ? *)", true, ""},
		{"cron(0 * * * ? *)", true, ""},
		{"cron(59 0/2 * * ? *)", true, ""},
		{"cron(0 3 ? * SUN *)", true, ""},
		{"cron(0,30 * * * ? *)", false, "names 2 minutes of the hour (0,30)"},
		{"cron(0/15 2 * * ? *)", false, "names 4 minutes of the hour (0,15,30,45)"},
		{"cron(5-6 2 * * ? *)", false, "names 2 minutes"},
		{"cron(* 2 1 * ? *)", false, "names 60 minutes"},
		{"cron(0/59 * * * ? *)", false, "names 2 minutes of the hour (0,59)"},
		{"rate(1 hour)", true, ""},
		{"rate(60 minutes)", true, ""},
		{"rate(61 minutes)", true, ""},
		{"rate(59 minutes)", false, "fires every 59m0s"},
		{"rate(1 minute)", false, "fires every 1m0s"},
	}
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range cases {
		s, err := Parse(tc.expr, "")
		if err != nil {
			t.Fatal(err)
		}
		ok, why := s.AtMostHourly()
		if ok != tc.ok || !strings.Contains(why, tc.why) {
			t.Errorf("%s: AtMostHourly = %v, %q; want %v, %q", tc.expr, ok, why, tc.ok, tc.why)
		}
		// The structural answer agrees with walking the schedule for a year.
		if gap, found := s.MinInterval(from, from.AddDate(1, 0, 0)); found && (gap >= time.Hour) != tc.ok {
			t.Errorf("%s: shortest gap over a year is %v, but AtMostHourly = %v", tc.expr, gap, ok)
		}
	}
}

func TestMinInterval(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		expr string
		want time.Duration
	}{
		{"cron(0 2 * * ? *)", 24 * time.Hour},
		{"cron(0 3 ? * SUN *)", 7 * 24 * time.Hour},
		{"cron(0 2,3 * * ? *)", time.Hour},
		{"cron(10,50 * * * ? *)", 20 * time.Minute},
		{"rate(8 hours)", 8 * time.Hour},
	}
	for _, tc := range cases {
		s, _ := Parse(tc.expr, "")
		got, ok := s.MinInterval(from, from.AddDate(0, 1, 0))
		if !ok || got != tc.want {
			t.Errorf("%s: MinInterval = %v, %v; want %v", tc.expr, got, ok, tc.want)
		}
	}
	// A DST change shortens a day in the rule's zone: a daily 01:30 rule in New York is 23 hours
	// apart across the spring-forward night.
	s, _ := Parse("cron(30 1 * * ? *)", "America/New_York")
	if got, _ := s.MinInterval(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC)); got != 23*time.Hour {
		t.Errorf("daily rule across spring-forward: MinInterval = %v, want 23h", got)
	}
}

// An hourly rule is hourly by AWS's measure even in a zone whose clocks jump 30 minutes: on that
// night two runs fall 30 minutes apart in real time. The scheduler, not validation, owns that.
func TestAtMostHourly_judgesTheExpressionNotTheZone(t *testing.T) {
	s, _ := Parse("cron(45 * * * ? *)", "Australia/Lord_Howe")
	if ok, _ := s.AtMostHourly(); !ok {
		t.Error("an hourly cron was refused")
	}
	gap, _ := s.MinInterval(time.Date(2024, 10, 5, 0, 0, 0, 0, time.UTC), time.Date(2024, 10, 7, 0, 0, 0, 0, time.UTC))
	if gap != 30*time.Minute {
		t.Errorf("gap across Lord Howe's spring-forward = %v, want 30m", gap)
	}
}

func TestRate(t *testing.T) {
	s, _ := Parse("rate(2 days)", "")
	if d, ok := s.Rate(); !ok || d != 48*time.Hour {
		t.Errorf("Rate = %v, %v", d, ok)
	}
	c, _ := Parse("cron(0 2 * * ? *)", "Europe/Paris")
	if _, ok := c.Rate(); ok {
		t.Error("cron reported as rate")
	}
	if c.Location().String() != "Europe/Paris" || c.String() != "cron(0 2 * * ? *)" {
		t.Errorf("Location/String = %v, %v", c.Location(), c.String())
	}
}
