package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

func unescape(s string) (string, error) { return url.PathUnescape(s) }

// jsonSpace is the whitespace JSON allows around values.
const jsonSpace = " \t\r\n"

// DecodeJSON decodes a request body into v as strictly as the AWS API's bodies: one JSON object,
// valid UTF-8 with no unpaired surrogate escapes, no duplicate member names, nothing after it,
// and no member v has no field for. Errors are SerializationException. The extension API uses it.
func DecodeJSON(body []byte, v any) error {
	return decodeStrict(body, v, true)
}

// decodeStrict checks body with jsontext, the JSON v2 tokenizer (github.com/go-json-experiment),
// which enforces RFC 7493 (I-JSON: UTF-8, valid escapes, unique names); encoding/json alone
// replaces invalid UTF-8 silently, keeps the last of duplicate names and, as a stream decoder,
// ignores what follows the first value. It then decodes with encoding/json, keeping numbers
// exact (json.Number) for validation.
func decodeStrict(body []byte, v any, disallowUnknown bool) error {
	d := jsontext.NewDecoder(bytes.NewReader(body))
	if kind := d.PeekKind(); kind != '{' {
		if _, err := d.ReadValue(); err != nil {
			return serializationError(err)
		}
		return apierr.New(apierr.SerializationException, "the request body must be a JSON object, got %s", kindName(kind))
	}
	if _, err := d.ReadValue(); err != nil {
		return serializationError(err)
	}
	if _, err := d.ReadToken(); err != io.EOF {
		return apierr.New(apierr.SerializationException, "the request body has data after the JSON object (at byte %d): send exactly one JSON object", d.InputOffset())
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if disallowUnknown {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return apierr.New(apierr.SerializationException, "cannot read the request body: %v", err)
	}
	return nil
}

func serializationError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "jsontext: ")
	return apierr.New(apierr.SerializationException, "the request body is not valid JSON: %s", msg)
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "no value"
	}
}

// decodeInput turns an HTTP request into the operation's input document: the JSON body's members,
// plus the members the model binds to the URI, the query string and headers, each converted to the
// JSON type its shape has. The result is what the SDK would have serialised had it used a JSON body
// for everything, which is what the domain's input structs decode.
func (m *Model) decodeInput(op *Operation, labels map[string]string, r *http.Request, body []byte) (map[string]any, error) {
	doc := map[string]any{}
	if op.Input == nil {
		return doc, nil
	}
	if len(bytes.Trim(body, jsonSpace)) > 0 {
		if err := decodeStrict(body, &doc, false); err != nil {
			return nil, err
		}
	}
	in := m.Shapes[op.Input.Shape]
	query := r.URL.Query()
	for name, mem := range in.Members {
		if mem.Location == "" {
			continue
		}
		// A member bound to the URI, query or a header is taken only from there, never from the
		// body.
		delete(doc, name)
		switch mem.Location {
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
