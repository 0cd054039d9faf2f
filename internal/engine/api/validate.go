package api

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

// validate checks a decoded input document against its shape the way AWS's front end does:
// a missing required member is MissingParameterValueException, and a value outside the model's
// length, range, pattern or enum is InvalidParameterValueException. Messages name the member by
// its full path (BackupPlan.Rules[1].RuleName) so users can find the fault.
//
// Members the model does not have are ignored, as AWS does, and removed from v, at every depth:
// the operation's input struct is decoded from v, so a name the model lacks (or spells
// differently; encoding/json matches names case-insensitively) never reaches the domain.
func (m *Model) validate(shapeName string, v any) error {
	return m.check(shapeName, "", v)
}

func (m *Model) check(shapeName, path string, v any) error {
	s := m.Shapes[shapeName]
	if s == nil || v == nil {
		return nil
	}
	where := path
	if where == "" {
		where = "the request"
	}
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			return typeError(where, "an object", v)
		}
		for _, req := range s.Required {
			if val, ok := obj[req]; !ok || val == nil {
				return apierr.Missing("missing required parameter %s", join(path, req))
			}
		}
		names := make([]string, 0, len(obj))
		for k := range obj {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			mem, ok := s.Members[k]
			if !ok {
				delete(obj, k) // unknown members are ignored, as AWS does
				continue
			}
			if err := m.check(mem.Shape, join(path, k), obj[k]); err != nil {
				return err
			}
			if c, ok := documentedConstraints[k]; ok {
				if err := c.check(join(path, k), obj[k]); err != nil {
					return err
				}
			}
		}
	case "list":
		arr, ok := v.([]any)
		if !ok {
			return typeError(where, "a list", v)
		}
		if err := checkRange(where, "items", float64(len(arr)), s); err != nil {
			return err
		}
		for i, e := range arr {
			if e == nil {
				return apierr.New(apierr.SerializationException, "%s[%d] must not be null", where, i)
			}
			if err := m.check(s.Member.Shape, fmt.Sprintf("%s[%d]", path, i), e); err != nil {
				return err
			}
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			return typeError(where, "a map", v)
		}
		if err := checkRange(where, "entries", float64(len(obj)), s); err != nil {
			return err
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := m.check(s.Key.Shape, fmt.Sprintf("%s key %q", where, k), k); err != nil {
				return err
			}
			if obj[k] == nil {
				return apierr.New(apierr.SerializationException, "%s[%q] must not be null", where, k)
			}
			if err := m.check(s.Value.Shape, fmt.Sprintf("%s[%q]", path, k), obj[k]); err != nil {
				return err
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return typeError(where, "a string", v)
		}
		if !utf8.ValidString(str) { // a URI label, query or header value; bodies are checked whole
			return apierr.New(apierr.SerializationException, "%s is not valid UTF-8", where)
		}
		if err := checkRange(where, "characters", float64(utf8.RuneCountInString(str)), s); err != nil {
			return err
		}
		if s.pattern != nil && !s.pattern.MatchString(str) {
			return apierr.InvalidParameter("invalid value %q for %s: it must match the pattern %s", abbreviate(str), where, s.Pattern)
		}
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			return apierr.InvalidParameter("invalid value %q for %s: it must be one of %s", abbreviate(str), where, strings.Join(s.Enum, ", "))
		}
	case "integer", "long":
		n, ok := v.(json.Number)
		if !ok {
			return typeError(where, "a number", v)
		}
		i, err := n.Int64()
		if err != nil {
			return apierr.New(apierr.SerializationException, "%s must be a whole number, got %s", where, n)
		}
		if s.Min != nil && float64(i) < *s.Min {
			return apierr.InvalidParameter("invalid value %d for %s: it must be at least %v", i, where, *s.Min)
		}
		if s.Max != nil && float64(i) > *s.Max {
			return apierr.InvalidParameter("invalid value %d for %s: it must be at most %v", i, where, *s.Max)
		}
	case "double", "float":
		n, ok := v.(json.Number)
		if !ok {
			return typeError(where, "a number", v)
		}
		f, err := n.Float64()
		if err != nil {
			return apierr.New(apierr.SerializationException, "%s must be a number, got %s", where, n)
		}
		if s.Min != nil && f < *s.Min {
			return apierr.InvalidParameter("invalid value %v for %s: it must be at least %v", f, where, *s.Min)
		}
		if s.Max != nil && f > *s.Max {
			return apierr.InvalidParameter("invalid value %v for %s: it must be at most %v", f, where, *s.Max)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return typeError(where, "true or false", v)
		}
	case "timestamp":
		switch v.(type) {
		case json.Number, string:
		default:
			return typeError(where, "a timestamp", v)
		}
	}
	return nil
}

// documentedConstraint is a string constraint AWS documents for a member whose model shape lacks
// it (the member's shape is the plain "string").
type documentedConstraint struct {
	pattern *regexp.Regexp
	rule    string
}

func (c documentedConstraint) check(where string, v any) error {
	if str, ok := v.(string); ok && !c.pattern.MatchString(str) {
		return apierr.InvalidParameter("invalid value %q for %s: it must be %s", abbreviate(str), where, c.rule)
	}
	return nil
}

// documentedConstraints are keyed by member name, wherever the member appears in an input.
var documentedConstraints = map[string]documentedConstraint{
	// "If used, this parameter must contain 1 to 50 alphanumeric or '-_.' characters." (the
	// model's documentation of CreatorRequestId)
	"CreatorRequestId": {regexp.MustCompile(`^[a-zA-Z0-9\-_.]{1,50}$`), "1 to 50 letters, digits, '-', '_' or '.'"},
}

// abbreviate shortens a value quoted in an error message, which need not echo a huge input.
func abbreviate(s string) string {
	const keep = 64
	if len(s) <= keep {
		return s
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func checkRange(where, unit string, n float64, s *Shape) error {
	if s.Min != nil && n < *s.Min {
		return apierr.InvalidParameter("%s must have at least %v %s, got %v", where, *s.Min, unit, n)
	}
	if s.Max != nil && n > *s.Max {
		return apierr.InvalidParameter("%s must have at most %v %s, got %v", where, *s.Max, unit, n)
	}
	return nil
}

func typeError(where, want string, got any) error {
	return apierr.New(apierr.SerializationException, "%s must be %s, got %s", where, want, jsonKind(got))
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	default:
		return "null"
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
