package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// serviceModel is the AWS Backup API model (botocore's service-2.json). The engine routes,
// decodes and validates requests from it, so the wire contract has one source of truth.
//
//go:embed model/service-2.json
var serviceModel []byte

// Model is the part of service-2.json the engine needs.
type Model struct {
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
}

// Operation is one API operation: its HTTP binding and its input shape.
type Operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input *struct {
		Shape string `json:"shape"`
	} `json:"input"`

	// Parsed from RequestURI.
	segments []segment
	// query literals the URI requires, e.g. "delete" in "...?delete".
	queryLiterals []string
}

// Shape is a model shape with the constraints the engine enforces.
type Shape struct {
	Type     string             `json:"type"`
	Required []string           `json:"required"`
	Members  map[string]*Member `json:"members"`
	Member   *Member            `json:"member"`
	Key      *Member            `json:"key"`
	Value    *Member            `json:"value"`
	Enum     []string           `json:"enum"`
	Pattern  string             `json:"pattern"`
	Min      *float64           `json:"min"`
	Max      *float64           `json:"max"`
	// Sensitive marks a shape whose values are secrets: the audit trail redacts them.
	Sensitive bool `json:"sensitive"`

	pattern *regexp.Regexp
}

// Member is a reference from a structure, list or map to a shape, with its HTTP binding.
type Member struct {
	Shape        string `json:"shape"`
	Location     string `json:"location"`
	LocationName string `json:"locationName"`
}

type segment struct {
	literal string
	label   string // set when the segment is {label}
}

// LoadModel parses the embedded service model.
func LoadModel() (*Model, error) {
	var m Model
	if err := json.Unmarshal(serviceModel, &m); err != nil {
		return nil, fmt.Errorf("parse service model: %w", err)
	}
	for name, op := range m.Operations {
		op.Name = name
		uri := op.HTTP.RequestURI
		if i := strings.IndexByte(uri, '?'); i >= 0 {
			for _, q := range strings.Split(uri[i+1:], "&") {
				op.queryLiterals = append(op.queryLiterals, strings.SplitN(q, "=", 2)[0])
			}
			uri = uri[:i]
		}
		// Clients differ on trailing slashes (the Go SDK drops them, botocore keeps them), and no two
		// operations differ only by one, so templates and paths are compared without them.
		uri = strings.TrimRight(uri, "/")
		for _, s := range strings.Split(strings.TrimPrefix(uri, "/"), "/") {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				op.segments = append(op.segments, segment{label: strings.TrimSuffix(s[1:len(s)-1], "+")})
			} else {
				op.segments = append(op.segments, segment{literal: s})
			}
		}
	}
	for name, s := range m.Shapes {
		if s.Pattern == "" {
			continue
		}
		re, err := regexp.Compile(s.Pattern)
		if err != nil {
			return nil, fmt.Errorf("shape %s: pattern %q: %w", name, s.Pattern, err)
		}
		s.pattern = re
	}
	return &m, nil
}

// loadedModel is the embedded model, parsed once for OperationNames.
var loadedModel = sync.OnceValues(LoadModel)

// OperationNames lists the operations of the AWS Backup API model, sorted: the names IAM actions
// (backup:NAME) refer to.
func OperationNames() ([]string, error) {
	m, err := loadedModel()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m.Operations))
	for name := range m.Operations {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// router finds the operation for a method and an escaped path.
type router struct {
	byMethod map[string][]*Operation
}

func newRouter(m *Model) *router {
	r := &router{byMethod: map[string][]*Operation{}}
	for _, op := range m.Operations {
		r.byMethod[op.HTTP.Method] = append(r.byMethod[op.HTTP.Method], op)
	}
	// More literal segments first, so /backup-vaults/{name}/access-policy never loses to a label,
	// and operations with query literals (…?delete) are tried before their plain twin.
	for _, ops := range r.byMethod {
		sort.Slice(ops, func(i, j int) bool {
			li, lj := literalCount(ops[i]), literalCount(ops[j])
			if li != lj {
				return li > lj
			}
			if len(ops[i].queryLiterals) != len(ops[j].queryLiterals) {
				return len(ops[i].queryLiterals) > len(ops[j].queryLiterals)
			}
			return ops[i].Name < ops[j].Name
		})
	}
	return r
}

func literalCount(op *Operation) int {
	n := 0
	for _, s := range op.segments {
		if s.label == "" {
			n++
		}
	}
	return n
}

// match returns the operation and its unescaped URI labels.
func (r *router) match(method, escapedPath string, query map[string][]string) (*Operation, map[string]string, bool) {
	parts := strings.Split(strings.TrimPrefix(strings.TrimRight(escapedPath, "/"), "/"), "/")
next:
	for _, op := range r.byMethod[method] {
		if len(op.segments) != len(parts) {
			continue
		}
		for _, q := range op.queryLiterals {
			if _, ok := query[q]; !ok {
				continue next
			}
		}
		var labels map[string]string
		for i, s := range op.segments {
			if s.label == "" {
				if s.literal != parts[i] {
					continue next
				}
				continue
			}
			if parts[i] == "" {
				continue next
			}
			v, err := unescape(parts[i])
			if err != nil {
				continue next
			}
			if labels == nil {
				labels = map[string]string{}
			}
			labels[s.label] = v
		}
		return op, labels, true
	}
	return nil, nil, false
}
