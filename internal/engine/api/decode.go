package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

func unescape(s string) (string, error) { return url.PathUnescape(s) }

// decodeInput turns an HTTP request into the operation's input document: the JSON body's members,
// plus the members the model binds to the URI, the query string and headers, each converted to the
// JSON type its shape has. The result is what the SDK would have serialised had it used a JSON body
// for everything, which is what the domain's input structs decode.
func (m *Model) decodeInput(op *Operation, labels map[string]string, r *http.Request, body []byte) (map[string]any, error) {
	doc := map[string]any{}
	if op.Input == nil {
		return doc, nil
	}
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, apierr.New(apierr.SerializationException, "the request body is not a JSON object: %v", err)
		}
		if doc == nil {
			doc = map[string]any{}
		}
	}
	in := m.Shapes[op.Input.Shape]
	query := r.URL.Query()
	for name, mem := range in.Members {
		switch mem.Location {
		case "":
			continue
		case "uri":
			if v, ok := labels[mem.LocationName]; ok {
				doc[name] = v
			}
		case "querystring":
			vals, ok := query[mem.LocationName]
			if !ok {
				continue
			}
			v, err := m.fromText(name, m.Shapes[mem.Shape], vals)
			if err != nil {
				return nil, err
			}
			doc[name] = v
		case "header":
			if v := r.Header.Get(mem.LocationName); v != "" {
				conv, err := m.fromText(name, m.Shapes[mem.Shape], []string{v})
				if err != nil {
					return nil, err
				}
				doc[name] = conv
			}
		}
	}
	return doc, nil
}

// fromText converts query-string or header text to the JSON value of the member's shape.
func (m *Model) fromText(name string, s *Shape, vals []string) (any, error) {
	if s.Type == "list" {
		elem := m.Shapes[s.Member.Shape]
		out := make([]any, 0, len(vals))
		for _, v := range vals {
			c, err := scalarFromText(name, elem, v)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	if len(vals) == 0 {
		return nil, nil
	}
	return scalarFromText(name, s, vals[0])
}

func scalarFromText(name string, s *Shape, v string) (any, error) {
	switch s.Type {
	case "integer", "long":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return nil, apierr.InvalidParameter("%s must be an integer, got %q", name, v)
		}
		return json.Number(v), nil
	case "boolean":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, apierr.InvalidParameter("%s must be true or false, got %q", name, v)
		}
		return b, nil
	case "timestamp":
		t, err := parseTimestampText(v)
		if err != nil {
			return nil, apierr.InvalidParameter("%s must be an ISO 8601 timestamp or epoch seconds, got %q", name, v)
		}
		return json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)), nil
	default:
		return v, nil
	}
}

func parseTimestampText(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02", http.TimeFormat} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return time.UnixMilli(int64(f * 1000)), nil
	}
	return time.Time{}, fmt.Errorf("not a timestamp: %q", v)
}
