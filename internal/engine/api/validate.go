package api

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

// validate checks a decoded input document against its shape the way AWS's front end does:
// a missing required member is MissingParameterValueException, and a value outside the model's
// length, range, pattern or enum is InvalidParameterValueException. Messages name the member by
// its full path (BackupPlan.Rules[1].RuleName) so users can find the fault.
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
				continue // unknown members are ignored, as AWS does
			}
			if err := m.check(mem.Shape, join(path, k), obj[k]); err != nil {
				return err
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
			if err := m.check(s.Value.Shape, fmt.Sprintf("%s[%q]", path, k), obj[k]); err != nil {
				return err
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return typeError(where, "a string", v)
		}
		if err := checkRange(where, "characters", float64(utf8.RuneCountInString(str)), s); err != nil {
			return err
		}
		if s.pattern != nil && !s.pattern.MatchString(str) {
			return apierr.InvalidParameter("invalid value %q for %s: it must match the pattern %s", str, where, s.Pattern)
		}
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			return apierr.InvalidParameter("invalid value %q for %s: it must be one of %s", str, where, strings.Join(s.Enum, ", "))
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
		if _, ok := v.(json.Number); !ok {
			return typeError(where, "a number", v)
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
