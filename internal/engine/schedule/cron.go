package schedule

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// AWS's year field spans 1970-2199.
const (
	minYear = 1970
	maxYear = 2199
)

// cronSpec is a compiled cron(): one bit per value each field accepts.
type cronSpec struct {
	minutes uint64 // bit m for minute m
	hours   uint32 // bit h for hour h
	months  uint16 // bit m for month m (1-12)
	years   [4]uint64

	// Day of month; ignored when domAny ("?").
	domAny         bool
	domDays        uint64 // bit d for day d
	domFromLast    uint32 // bit n for L-n (bit 0 for L): n days before the last day
	domNearest     uint64 // bit n for nW
	domLastWeekday bool   // LW

	// Day of week; ignored when dowAny ("?").
	dowAny  bool
	dowDays uint8 // bit w for time.Weekday w
	dowLast uint8 // bit w for "wL": the last such weekday of the month
	nthDay  time.Weekday
	nth     int // n of "w#n"; 0 when unused
}

type fieldDef struct {
	name     string
	min, max int
	names    []string // names[i] is min+i
	wild     string   // the special characters AWS allows besides digits
}

var (
	minutesField = fieldDef{name: "minutes", min: 0, max: 59, wild: ",-*/"}
	hoursField   = fieldDef{name: "hours", min: 0, max: 23, wild: ",-*/"}
	domField     = fieldDef{name: "day-of-month", min: 1, max: 31, wild: ",-*?/LW"}
	monthField   = fieldDef{name: "month", min: 1, max: 12, wild: ",-*/",
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	dowField = fieldDef{name: "day-of-week", min: 1, max: 7, wild: ",-*?L#",
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
	yearField = fieldDef{name: "year", min: minYear, max: maxYear, wild: ",-*/"}
)

type fieldParser struct {
	expr string
	def  fieldDef
	raw  string
}

func (p fieldParser) fail(format string, args ...any) error {
	return &Error{Expr: p.expr, Field: p.def.name, Value: p.raw, Msg: fmt.Sprintf(format, args...)}
}

func parseCron(expr, body string) (*cronSpec, error) {
	fields := strings.Fields(body)
	switch {
	case len(fields) == 5:
		return nil, &Error{Expr: expr, Msg: fmt.Sprintf("%q has 5 fields; AWS cron has 6: minutes hours day-of-month month day-of-week year%s", expr, suggestion(fromFiveFields(fields)))}
	case len(fields) == 7:
		return nil, &Error{Expr: expr, Msg: fmt.Sprintf("%q has 7 fields; AWS cron has 6 and no seconds: minutes hours day-of-month month day-of-week year", expr)}
	case len(fields) != 6:
		return nil, &Error{Expr: expr, Msg: fmt.Sprintf("%q has %d fields; AWS cron has 6: minutes hours day-of-month month day-of-week year", expr, len(fields))}
	}
	c := &cronSpec{}
	var err error
	p := func(def fieldDef, i int) fieldParser { return fieldParser{expr: expr, def: def, raw: fields[i]} }
	var v uint64
	if v, err = p(minutesField, 0).plain(); err != nil {
		return nil, err
	}
	c.minutes = v
	if v, err = p(hoursField, 1).plain(); err != nil {
		return nil, err
	}
	c.hours = uint32(v)
	if err = p(domField, 2).dayOfMonth(c); err != nil {
		return nil, err
	}
	if v, err = p(monthField, 3).plain(); err != nil {
		return nil, err
	}
	c.months = uint16(v << 1) // plain() numbers bits from the field minimum; months start at 1
	if err = p(dowField, 4).dayOfWeek(c); err != nil {
		return nil, err
	}
	if err = p(yearField, 5).year(c); err != nil {
		return nil, err
	}
	switch {
	case c.domAny && c.dowAny:
		return nil, &Error{Expr: expr, Msg: fmt.Sprintf("%q has ? in both day-of-month and day-of-week; exactly one of them must be ?, and the other says which days, such as *%s",
			expr, suggestion(withFields(fields, 2, "*")))}
	case !c.domAny && !c.dowAny:
		fix := withFields(fields, 4, "?") // every day of the month, or the days it names
		if fields[2] == "*" && fields[4] != "*" {
			fix = withFields(fields, 2, "?") // the weekdays named
		}
		return nil, &Error{Expr: expr, Msg: fmt.Sprintf("%q sets both day-of-month (%s) and day-of-week (%s); AWS requires ? in one of them%s", expr, fields[2], fields[4], suggestion(fix))}
	}
	return c, nil
}

// fromFiveFields turns a Unix crontab line (minutes hours day-of-month month day-of-week) into
// AWS's six fields: a year of *, ? for the day field the line leaves open, and Unix's 0-6
// weekday numbers (Sunday 0) as AWS's 1-7 (Sunday 1).
func fromFiveFields(f []string) string {
	dom, dow := f[2], f[4]
	switch {
	case dow == "*" || dow == "?":
		dow = "?"
		if dom == "?" {
			dom = "*"
		}
	case dom == "*" || dom == "?":
		dom = "?"
		dow = unixWeekdays(dow)
	default:
		// Unix runs on either day field; AWS cannot say "or", so keep the day of the month.
		dow = "?"
	}
	return "cron(" + strings.Join([]string{f[0], f[1], dom, f[3], dow, "*"}, " ") + ")"
}

// unixWeekdays shifts every number in a Unix day-of-week field by one (0 and 7 are Sunday).
func unixWeekdays(field string) string {
	var b strings.Builder
	for i := 0; i < len(field); {
		j := i
		for j < len(field) && field[j] >= '0' && field[j] <= '9' {
			j++
		}
		if j == i {
			b.WriteByte(field[i])
			i++
			continue
		}
		n, _ := strconv.Atoi(field[i:j])
		if i > 0 && (field[i-1] == '/' || field[i-1] == '#') {
			b.WriteString(field[i:j]) // a step or an nth, not a weekday
		} else {
			b.WriteString(strconv.Itoa(n%7 + 1))
		}
		i = j
	}
	return b.String()
}

func withFields(fields []string, i int, v string) string {
	f := append([]string(nil), fields...)
	f[i] = v
	return "cron(" + strings.Join(f, " ") + ")"
}

// suggestion names fix as the expression to use, if AWS Backup accepts it (valid, and at most
// hourly): a hint must never lead to a second error.
func suggestion(fix string) string {
	inner, _, err := unwrap(fix)
	if err != nil {
		return ""
	}
	c, err := parseCron(fix, inner)
	if err != nil {
		return ""
	}
	if ok, _ := (&Schedule{expr: fix, loc: time.UTC, cron: c}).AtMostHourly(); !ok {
		return ""
	}
	return "; use " + fix
}

// checkChars refuses characters AWS does not allow in the field.
func (p fieldParser) checkChars() error {
	for _, r := range p.raw {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case strings.ContainsRune(p.def.wild, r):
		default:
			return p.fail("%q is not allowed here; the %s field takes digits and %s", string(r), p.def.name, spaced(p.def.wild))
		}
	}
	return nil
}

func spaced(chars string) string {
	parts := make([]string, 0, len(chars))
	for _, r := range chars {
		parts = append(parts, string(r))
	}
	return strings.Join(parts, " ")
}

// value parses a number or, where the field has them, a name (JAN, SUN), case-insensitively.
func (p fieldParser) value(s string) (int, error) {
	if s == "" {
		return 0, p.fail("a value is missing")
	}
	if s[0] >= '0' && s[0] <= '9' {
		if len(s) > 4 {
			return 0, p.fail("%s is out of range %d-%d", s, p.def.min, p.def.max)
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, p.fail("%q is not a number", s)
		}
		if n < p.def.min || n > p.def.max {
			return 0, p.fail("%d is out of range %d-%d", n, p.def.min, p.def.max)
		}
		return n, nil
	}
	for i, name := range p.def.names {
		if strings.EqualFold(s, name) {
			return p.def.min + i, nil
		}
	}
	if len(p.def.names) > 0 {
		return 0, p.fail("%q is neither a number %d-%d nor one of %s", s, p.def.min, p.def.max, strings.Join(p.def.names, ","))
	}
	return 0, p.fail("%q is not a number %d-%d", s, p.def.min, p.def.max)
}

// element parses one list element of the common grammar — *, n, a-b, with an optional /step —
// into a set of offsets from the field minimum.
func (p fieldParser) element(e string, set func(int)) error {
	base, stepText, hasStep := strings.Cut(e, "/")
	span := p.def.max - p.def.min + 1
	step := 1
	if hasStep {
		if !strings.Contains(p.def.wild, "/") {
			return p.fail("the %s field does not take / steps", p.def.name)
		}
		n, err := strconv.Atoi(stepText)
		if err != nil || len(stepText) > 4 || n < 1 || n > span {
			return p.fail("the step %q must be a whole number from 1 to %d", stepText, span)
		}
		step = n
	}
	var from, to int
	switch {
	case base == "*":
		from, to = p.def.min, p.def.max
	case strings.Contains(base, "-"):
		a, b, _ := strings.Cut(base, "-")
		var err error
		if from, err = p.value(a); err != nil {
			return err
		}
		if to, err = p.value(b); err != nil {
			return err
		}
	default:
		v, err := p.value(base)
		if err != nil {
			return err
		}
		from, to = v, v
		if hasStep { // n/step runs from n to the end of the field
			to = p.def.max
		}
	}
	// A range that ends before it starts wraps around the field (22-2 in hours is 22,23,0,1,2).
	count := (to-from+span)%span + 1
	for i := 0; i < count; i += step {
		set((from - p.def.min + i) % span)
	}
	return nil
}

// plain parses a field with only the common grammar (minutes, hours, month), returning bits
// numbered from the field minimum.
func (p fieldParser) plain() (uint64, error) {
	if err := p.checkChars(); err != nil {
		return 0, err
	}
	var bitsSet uint64
	for _, e := range strings.Split(p.raw, ",") {
		if err := p.element(e, func(i int) { bitsSet |= 1 << i }); err != nil {
			return 0, err
		}
	}
	return bitsSet, nil
}

func (p fieldParser) dayOfMonth(c *cronSpec) error {
	if err := p.checkChars(); err != nil {
		return err
	}
	if p.raw == "?" {
		c.domAny = true
		return nil
	}
	for _, e := range strings.Split(p.raw, ",") {
		switch {
		case e == "?":
			return p.fail("? must stand alone in the field")
		case e == "L":
			c.domFromLast |= 1
		case e == "LW":
			c.domLastWeekday = true
		case strings.HasPrefix(e, "L-"):
			n, err := strconv.Atoi(e[2:])
			if err != nil || len(e) > 4 || n < 1 || n > 30 {
				return p.fail("%q must be L-n with n from 1 to 30 (days before the last day of the month)", e)
			}
			c.domFromLast |= 1 << n
		case strings.HasSuffix(e, "W"):
			n, err := strconv.Atoi(strings.TrimSuffix(e, "W"))
			if err != nil || len(e) > 3 || n < 1 || n > 31 {
				return p.fail("%q must be nW with n from 1 to 31 (the weekday nearest day n)", e)
			}
			c.domNearest |= 1 << n
		case strings.ContainsAny(e, "LW"):
			return p.fail("%q: L and W are used as L, L-n, nW or LW", e)
		default:
			if err := p.element(e, func(i int) { c.domDays |= 1 << (i + 1) }); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p fieldParser) dayOfWeek(c *cronSpec) error {
	if err := p.checkChars(); err != nil {
		return err
	}
	if p.raw == "?" {
		c.dowAny = true
		return nil
	}
	elems := strings.Split(p.raw, ",")
	for _, e := range elems {
		switch {
		case e == "?":
			return p.fail("? must stand alone in the field")
		case strings.Contains(e, "#"):
			// AWS: "If you use the '#' character, you can define only one expression in the
			// day-of-week field."
			if len(elems) > 1 {
				return p.fail("# can only be used alone in the day-of-week field: %q lists %d expressions", p.raw, len(elems))
			}
			d, n, _ := strings.Cut(e, "#")
			w, err := p.value(d)
			if err != nil {
				return err
			}
			k, err := strconv.Atoi(n)
			if err != nil || len(n) > 1 || k < 1 || k > 5 {
				return p.fail("%q must be day#n with n from 1 to 5 (the nth such day of the month)", e)
			}
			c.nthDay, c.nth = time.Weekday(w-1), k
		case e == "L":
			c.dowDays |= 1 << time.Saturday // L alone is the last day of the week
		case strings.HasSuffix(e, "L"):
			w, err := p.value(strings.TrimSuffix(e, "L"))
			if err != nil {
				return err
			}
			c.dowLast |= 1 << (w - 1)
		case strings.Contains(e, "L"):
			return p.fail("%q: L is used alone (Saturday) or after a day, as 6L or FRIL (the last Friday of the month)", e)
		default:
			if err := p.element(e, func(i int) { c.dowDays |= 1 << i }); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p fieldParser) year(c *cronSpec) error {
	if err := p.checkChars(); err != nil {
		return err
	}
	for _, e := range strings.Split(p.raw, ",") {
		if err := p.element(e, func(i int) { c.years[i/64] |= 1 << (i % 64) }); err != nil {
			return err
		}
	}
	return nil
}

func (c *cronSpec) hasYear(y int) bool {
	if y < minYear || y > maxYear {
		return false
	}
	i := y - minYear
	return c.years[i/64]&(1<<(i%64)) != 0
}

func (c *cronSpec) minuteCount() int { return bits.OnesCount64(c.minutes) }

func (c *cronSpec) minuteList() string {
	var parts []string
	for m := 0; m < 60; m++ {
		if c.minutes&(1<<m) != 0 {
			parts = append(parts, strconv.Itoa(m))
		}
	}
	return strings.Join(parts, ",")
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dayMatches reports whether day d of month m in year y fires; first is the weekday of day 1.
func (c *cronSpec) dayMatches(d, dim int, first time.Weekday) bool {
	wd := time.Weekday((int(first) + d - 1) % 7)
	if !c.dowAny {
		if c.dowDays&(1<<wd) != 0 {
			return true
		}
		if c.dowLast&(1<<wd) != 0 && d+7 > dim {
			return true
		}
		return c.nth > 0 && wd == c.nthDay && (d-1)/7+1 == c.nth
	}
	if c.domDays&(1<<d) != 0 {
		return true
	}
	if c.domFromLast != 0 && dim-d <= 30 && c.domFromLast&(1<<(dim-d)) != 0 {
		return true
	}
	if c.domLastWeekday && nearestWeekday(dim, dim, first) == d {
		return true
	}
	if c.domNearest != 0 {
		for n := max(1, d-2); n <= min(dim, d+2); n++ {
			if c.domNearest&(1<<n) != 0 && nearestWeekday(n, dim, first) == d {
				return true
			}
		}
	}
	return false
}

// nearestWeekday is the Monday-to-Friday day nearest day n of a month of dim days whose day 1 is
// first, without leaving the month (Quartz's W).
func nearestWeekday(n, dim int, first time.Weekday) int {
	switch time.Weekday((int(first) + n - 1) % 7) {
	case time.Saturday:
		if n == 1 {
			return 3 // Monday the 3rd
		}
		return n - 1
	case time.Sunday:
		if n == dim {
			return n - 2 // Friday
		}
		return n + 1
	}
	return n
}

// next searches the calendar in loc from the wall-clock minute of after.
func (c *cronSpec) next(after time.Time, loc *time.Location) time.Time {
	start := after.In(loc)
	sy, sm, sd := start.Date()
	sh, smin := start.Hour(), start.Minute()
	for y := max(sy, minYear); y <= maxYear; y++ {
		if !c.hasYear(y) {
			continue
		}
		m0 := time.January
		if y == sy {
			m0 = sm
		}
		for m := m0; m <= time.December; m++ {
			if c.months&(1<<m) == 0 {
				continue
			}
			dim := daysIn(y, m)
			first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Weekday()
			d0 := 1
			if y == sy && m == sm {
				d0 = sd
			}
			for d := d0; d <= dim; d++ {
				if !c.dayMatches(d, dim, first) {
					continue
				}
				today := y == sy && m == sm && d == sd
				h0 := 0
				if today {
					h0 = sh
				}
				for h := h0; h < 24; h++ {
					if c.hours&(1<<h) == 0 {
						continue
					}
					mi0 := 0
					if today && h == sh {
						mi0 = smin
					}
					for mi := mi0; mi < 60; mi++ {
						if c.minutes&(1<<mi) == 0 {
							continue
						}
						if t, ok := firstInstant(y, m, d, h, mi, loc); ok && t.After(after) {
							return t
						}
					}
				}
			}
		}
	}
	return time.Time{}
}

// firstInstant returns the earliest instant whose wall clock in loc reads y-m-d h:mi, and false
// if clocks skipped that time. Wall times and first instants rise together, which is what lets
// next walk the calendar in wall-clock order.
func firstInstant(y int, m time.Month, d, h, mi int, loc *time.Location) (time.Time, bool) {
	wall := time.Date(y, m, d, h, mi, 0, 0, time.UTC)
	var best time.Time
	found := false
	// The offsets in force within two days either side cover every transition that can put an
	// instant at this wall time.
	for _, probe := range [...]time.Duration{-48 * time.Hour, -24 * time.Hour, 0, 24 * time.Hour, 48 * time.Hour} {
		_, offset := wall.Add(probe).In(loc).Zone()
		t := wall.Add(-time.Duration(offset) * time.Second)
		lt := t.In(loc)
		ly, lm, ld := lt.Date()
		if ly != y || lm != m || ld != d || lt.Hour() != h || lt.Minute() != mi {
			continue
		}
		if !found || t.Before(best) {
			best, found = t, true
		}
	}
	if !found {
		return time.Time{}, false
	}
	return best.In(loc), true
}
