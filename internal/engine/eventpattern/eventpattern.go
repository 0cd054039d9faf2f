// Package eventpattern compiles and matches Amazon EventBridge event patterns: the filter of an
// event rule. It covers what the engine's event rules need, with EventBridge's documented
// semantics (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
// eb-create-pattern-operators.html): a pattern is a JSON object whose fields must all match
// (AND), so the event must have every field the pattern names (only {"exists": false} matches a
// missing one); a field's value is either a nested pattern or an array of conditions of which
// one must match (OR); a condition matched against an array in the event matches when it
// matches any of its elements. Conditions are exact values (string, number, boolean, null),
// {"prefix": s}, {"suffix": s}, {"anything-but": value | [values] | {"prefix": s} |
// {"suffix": s}}, {"exists": bool} and {"numeric": [op, n] | [op, n, op, n]}.
//
// It is hand-written: the maintained Go implementation, github.com/timbray/quamina (now
// quamina.net/go/quamina), is not served by the module proxy this project builds from, and a
// matcher for one pattern at a time over a decoded event is a couple of hundred lines.
package eventpattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Pattern is a compiled event pattern.
type Pattern struct {
	fields map[string]field
}

// field is what one pattern field asks of the event's field of that name: a nested pattern, or
// conditions of which one must match.
type field struct {
	nested *Pattern
	conds  []condition
}

type condKind int

const (
	condExact condKind = iota
	condPrefix
	condSuffix
	condAnythingBut
	condAnythingButPrefix
	condAnythingButSuffix
	condExists
	condNumeric
)

// condition is one element of a pattern field's array.
type condition struct {
	kind condKind
	// value is an exact value (string, float64, bool or nil), a prefix or a suffix.
	value any
	// values are anything-but's excluded values.
	values []any
	exists bool
	ranges []numericBound
}

type numericBound struct {
	op string
	n  float64
}

// Compile parses an event pattern. The error names the field and what is wrong with it.
func Compile(raw []byte) (*Pattern, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("event pattern is not JSON: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok || len(obj) == 0 {
		return nil, fmt.Errorf("event pattern must be a non-empty JSON object")
	}
	return compileObject(obj, "")
}

func compileObject(obj map[string]any, path string) (*Pattern, error) {
	p := &Pattern{fields: map[string]field{}}
	for name, v := range obj {
		at := name
		if path != "" {
			at = path + "." + name
		}
		switch v := v.(type) {
		case map[string]any:
			if len(v) == 0 {
				return nil, fmt.Errorf("event pattern field %q: an object must hold at least one field", at)
			}
			nested, err := compileObject(v, at)
			if err != nil {
				return nil, err
			}
			p.fields[name] = field{nested: nested}
		case []any:
			if len(v) == 0 {
				return nil, fmt.Errorf("event pattern field %q: the array of values must not be empty", at)
			}
			var conds []condition
			for i, e := range v {
				c, err := compileCondition(e)
				if err != nil {
					return nil, fmt.Errorf("event pattern field %q[%d]: %w", at, i, err)
				}
				conds = append(conds, c)
			}
			p.fields[name] = field{conds: conds}
		default:
			return nil, fmt.Errorf("event pattern field %q: a value must be an array of conditions or an object, not %s (write [%s])", at, jsonOf(v), jsonOf(v))
		}
	}
	return p, nil
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// scalar converts a decoded JSON scalar to the form events are compared in.
func scalar(v any) (any, bool) {
	switch v := v.(type) {
	case nil, string, bool:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	}
	return nil, false
}

func compileCondition(e any) (condition, error) {
	if s, ok := scalar(e); ok {
		return condition{kind: condExact, value: s}, nil
	}
	obj, ok := e.(map[string]any)
	if !ok || len(obj) != 1 {
		return condition{}, fmt.Errorf("a condition must be a value or an object with one operator, not %s", jsonOf(e))
	}
	for op, arg := range obj {
		switch op {
		case "prefix", "suffix":
			s, ok := arg.(string)
			if !ok {
				return condition{}, fmt.Errorf("%q takes a string, not %s", op, jsonOf(arg))
			}
			kind := condPrefix
			if op == "suffix" {
				kind = condSuffix
			}
			return condition{kind: kind, value: s}, nil
		case "anything-but":
			return compileAnythingBut(arg)
		case "exists":
			b, ok := arg.(bool)
			if !ok {
				return condition{}, fmt.Errorf(`"exists" takes true or false, not %s`, jsonOf(arg))
			}
			return condition{kind: condExists, exists: b}, nil
		case "numeric":
			return compileNumeric(arg)
		default:
			return condition{}, fmt.Errorf("unknown operator %q (supported: prefix, suffix, anything-but, exists, numeric)", op)
		}
	}
	panic("unreachable")
}

func compileAnythingBut(arg any) (condition, error) {
	if s, ok := scalar(arg); ok {
		return condition{kind: condAnythingBut, values: []any{s}}, nil
	}
	switch arg := arg.(type) {
	case []any:
		if len(arg) == 0 {
			return condition{}, fmt.Errorf(`"anything-but" needs at least one value`)
		}
		var vals []any
		for _, e := range arg {
			s, ok := scalar(e)
			if !ok {
				return condition{}, fmt.Errorf(`"anything-but" takes values, not %s`, jsonOf(e))
			}
			vals = append(vals, s)
		}
		return condition{kind: condAnythingBut, values: vals}, nil
	case map[string]any:
		if p, ok := arg["prefix"].(string); ok && len(arg) == 1 {
			return condition{kind: condAnythingButPrefix, value: p}, nil
		}
		if p, ok := arg["suffix"].(string); ok && len(arg) == 1 {
			return condition{kind: condAnythingButSuffix, value: p}, nil
		}
	}
	return condition{}, fmt.Errorf(`"anything-but" takes a value, an array of values, {"prefix": "..."} or {"suffix": "..."}, not %s`, jsonOf(arg))
}

func compileNumeric(arg any) (condition, error) {
	list, ok := arg.([]any)
	if !ok || (len(list) != 2 && len(list) != 4) {
		return condition{}, fmt.Errorf(`"numeric" takes [op, number] or [op, number, op, number], not %s`, jsonOf(arg))
	}
	var c condition
	c.kind = condNumeric
	lower, upper := false, false
	for i := 0; i < len(list); i += 2 {
		op, ok := list[i].(string)
		if !ok || !slices.Contains([]string{"=", "<", "<=", ">", ">="}, op) {
			return condition{}, fmt.Errorf(`"numeric" operator %s must be one of "=", "<", "<=", ">", ">="`, jsonOf(list[i]))
		}
		n, ok := list[i+1].(json.Number)
		f, err := n.Float64()
		if !ok || err != nil {
			return condition{}, fmt.Errorf(`"numeric" operator %q needs a number, not %s`, op, jsonOf(list[i+1]))
		}
		switch {
		case op == "=" && len(list) == 4:
			return condition{}, fmt.Errorf(`"numeric" "=" cannot be combined with a second comparison`)
		case strings.HasPrefix(op, ">"):
			if lower {
				return condition{}, fmt.Errorf(`"numeric" has two lower bounds`)
			}
			lower = true
		case strings.HasPrefix(op, "<"):
			if upper {
				return condition{}, fmt.Errorf(`"numeric" has two upper bounds`)
			}
			upper = true
		}
		c.ranges = append(c.ranges, numericBound{op: op, n: f})
	}
	return c, nil
}

// Match reports whether event (decoded JSON: an object) matches the pattern.
func (p *Pattern) Match(event map[string]any) bool {
	for name, f := range p.fields {
		v, present := event[name]
		if f.nested != nil {
			obj, _ := v.(map[string]any)
			if !f.nested.Match(obj) {
				return false
			}
			continue
		}
		if !f.matches(v, present) {
			return false
		}
	}
	return true
}

// matches reports whether one of f's conditions matches the event's value v (or, for an array,
// one of its elements).
func (f field) matches(v any, present bool) bool {
	for _, c := range f.conds {
		if c.kind == condExists {
			if c.exists == present {
				return true
			}
			continue
		}
		if !present {
			continue // every other condition needs the field
		}
		if arr, ok := v.([]any); ok {
			if slices.ContainsFunc(arr, c.matchesValue) {
				return true
			}
			continue
		}
		if c.matchesValue(v) {
			return true
		}
	}
	return false
}

func (c condition) matchesValue(raw any) bool {
	v, ok := scalar(raw)
	if !ok {
		return false // an object is matched by nested patterns, not by conditions
	}
	switch c.kind {
	case condExact:
		return v == c.value
	case condPrefix:
		s, ok := v.(string)
		return ok && strings.HasPrefix(s, c.value.(string))
	case condSuffix:
		s, ok := v.(string)
		return ok && strings.HasSuffix(s, c.value.(string))
	case condAnythingBut:
		return !slices.Contains(c.values, v)
	case condAnythingButPrefix:
		s, ok := v.(string)
		return ok && !strings.HasPrefix(s, c.value.(string))
	case condAnythingButSuffix:
		s, ok := v.(string)
		return ok && !strings.HasSuffix(s, c.value.(string))
	case condNumeric:
		n, ok := v.(float64)
		if !ok {
			return false
		}
		for _, b := range c.ranges {
			if !compare(n, b.op, b.n) {
				return false
			}
		}
		return true
	}
	return false
}

func compare(a float64, op string, b float64) bool {
	switch op {
	case "=":
		return a == b
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	case ">=":
		return a >= b
	}
	return false
}
