// Package policy parses and validates the IAM policy documents AWS Backup accepts as backup vault
// access policies, into a typed form, and evaluates requests against them (evaluate.go: Allow and
// Deny, Principal, Action, Resource and Condition, with wildcards, explicit deny winning).
//
// It is hand-written on encoding/json; so is evaluation: the maintained IAM evaluators are Node
// (cloud-copilot/iam-simulate) and Rust (iam-rs) packages, and none in Go evaluates a
// resource-based policy with IAM's documented semantics. Libraries that decode IAM documents exist
// (github.com/liamg/iamgo, github.com/micahhausler/aws-iam-policy), but they decode permissively: an
// unknown element, a lowercase "allow" or a statement without a Principal decodes without
// complaint, and a fault is never located in the document. Validation with located errors is
// this package's point; github.com/hashicorp/awspolicyequivalence only compares two documents. The
// grammar followed is the IAM JSON policy element reference
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html) restricted to
// what a resource-based policy on a backup vault may say: every statement names a Principal (or
// NotPrincipal), its actions are AWS Backup's (backup:…), and its resources are ARNs.
//
// Errors point at the fault by path, as "Statement[1].Effect", so a user can find it in a long
// document. Parse keeps nothing of the original text: the caller stores the document as written.
package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// Versions of the IAM policy language. 2012-10-17 is current; 2008-10-17 is the original and is
// still accepted by AWS.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// ActionPrefix is the service prefix of AWS Backup's IAM actions.
const ActionPrefix = "backup:"

// Effect is what a statement does when it matches: allow or deny the request.
type Effect string

// The two effects. IAM spells them with a capital letter and compares them case-sensitively.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Document is a parsed access policy.
type Document struct {
	// Version is the policy language version: Version2012 or Version2008.
	Version string
	// ID is the optional Id element.
	ID string
	// Statements in document order. A document whose Statement is a single object has one.
	Statements []Statement
}

// Statement is one statement of a policy: whether it allows or denies, whom it applies to, which
// actions on which resources, and under what conditions.
//
// Evaluation (Document.Evaluate) reads it like IAM does: a request matches a statement when
// its principal matches Principal (or does not match NotPrincipal), its action matches one of
// Actions (or none of NotActions), its resource matches one of Resources (or none of
// NotResources), and every condition holds. Any matching Deny wins over any matching Allow; with
// no matching Allow the request is implicitly denied.
type Statement struct {
	// Sid is the optional statement ID; unique within the document when set.
	Sid    string
	Effect Effect
	// Exactly one of Principal and NotPrincipal is set.
	Principal    *Principal
	NotPrincipal *Principal
	// Exactly one of Actions and NotActions is non-empty. Entries are as written ("backup:*",
	// "backup:Describe*", "backup:DeleteRecoveryPoint"): IAM action names are case-insensitive and
	// may contain the wildcards * and ?, so match them with MatchAction.
	Actions    []string
	NotActions []string
	// Exactly one of Resources and NotResources is non-empty. Entries are "*" or ARNs, which may
	// contain wildcards; match them with MatchResource.
	Resources    []string
	NotResources []string
	// Conditions maps a condition operator ("StringEquals", "ForAnyValue:StringLike",
	// "DateGreaterThanIfExists", …) to condition keys and their values. Values are kept as the
	// strings IAM compares (numbers and booleans in their JSON spelling).
	Conditions map[string]map[string][]string
}

// Principal says whom a statement applies to.
type Principal struct {
	// Anyone is true for "Principal": "*" (and for {"AWS": "*"}).
	Anyone bool
	// AWS lists account IDs and IAM/STS ARNs from the "AWS" key, as written.
	AWS []string
	// Service lists service principals such as "backup.amazonaws.com" from the "Service" key.
	Service []string
}

// Error is a fault in a policy document: where it is, and what is wrong.
type Error struct {
	// Path locates the fault, e.g. "Statement[1].Effect"; empty for the document as a whole.
	Path string
	// Problem says what is wrong and what is expected.
	Problem string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Problem
	}
	return e.Path + " " + e.Problem
}

func fault(path, format string, args ...any) *Error {
	return &Error{Path: path, Problem: fmt.Sprintf(format, args...)}
}

// Options tune what Parse accepts.
type Options struct {
	// Actions are the AWS Backup operation names an action may name ("DescribeBackupVault", …),
	// without the "backup:" prefix. Every action of a statement, wildcards included, must match at
	// least one of them. When nil, any "backup:" action name made of letters is accepted.
	Actions []string
}

// Parse parses and validates an access policy document. The error, when not nil, is an *Error
// that says where the document is wrong.
func Parse(text string, o Options) (*Document, error) {
	p := parser{known: o.Actions}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, fault("", "is not valid JSON: %s", jsonProblem(text, err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fault("", "is not valid JSON: there is more text after the policy's closing brace")
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fault("", "must be a JSON object with Version and Statement, not %s", kind(raw))
	}
	return p.document(obj)
}

// jsonProblem describes a JSON syntax error with its line and column.
func jsonProblem(text string, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(text, se.Offset)
		return fmt.Sprintf("%s (line %d, column %d)", se.Error(), line, col)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "the document is empty or ends early"
	}
	return err.Error()
}

func position(text string, offset int64) (line, col int) {
	if offset > int64(len(text)) {
		offset = int64(len(text))
	}
	before := text[:offset]
	line = strings.Count(before, "\n") + 1
	col = int(offset) - strings.LastIndexByte(before, '\n')
	return line, col
}

type parser struct {
	known []string
}

var documentKeys = []string{"Version", "Id", "Statement"}

func (p *parser) document(obj map[string]any) (*Document, error) {
	if err := onlyKeys("", obj, documentKeys); err != nil {
		return nil, err
	}
	d := &Document{}
	// IAM's grammar lets Version be omitted (it then means 2008-10-17, which has no policy
	// variables). A vault policy here must state it, so evaluation never guesses the grammar; the
	// refusal says what to add.
	v, ok := obj["Version"]
	if !ok {
		return nil, fault("Version", "is missing: add \"Version\": %q", Version2012)
	}
	s, ok := v.(string)
	if !ok || (s != Version2012 && s != Version2008) {
		return nil, fault("Version", "must be %q (or the older %q), got %s", Version2012, Version2008, show(v))
	}
	d.Version = s
	if id, ok := obj["Id"]; ok {
		s, ok := id.(string)
		if !ok {
			return nil, fault("Id", "must be a string, got %s", kind(id))
		}
		d.ID = s
	}
	st, ok := obj["Statement"]
	if !ok {
		return nil, fault("Statement", "is missing: a policy needs at least one statement")
	}
	var items []any
	single := false
	switch t := st.(type) {
	case map[string]any:
		items, single = []any{t}, true
	case []any:
		if len(t) == 0 {
			return nil, fault("Statement", "is empty: a policy needs at least one statement")
		}
		items = t
	default:
		return nil, fault("Statement", "must be an object or a list of objects, got %s", kind(st))
	}
	sids := map[string]int{}
	for i, it := range items {
		path := fmt.Sprintf("Statement[%d]", i)
		if single {
			path = "Statement"
		}
		so, ok := it.(map[string]any)
		if !ok {
			return nil, fault(path, "must be an object, got %s", kind(it))
		}
		stmt, err := p.statement(path, so)
		if err != nil {
			return nil, err
		}
		if stmt.Sid != "" {
			if j, dup := sids[stmt.Sid]; dup {
				return nil, fault(path+".Sid", "%q is also the Sid of Statement[%d]: statement IDs must be unique", stmt.Sid, j)
			}
			sids[stmt.Sid] = i
		}
		d.Statements = append(d.Statements, stmt)
	}
	return d, nil
}

var statementKeys = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

func (p *parser) statement(path string, obj map[string]any) (Statement, error) {
	var s Statement
	if err := onlyKeys(path, obj, statementKeys); err != nil {
		return s, err
	}
	if v, ok := obj["Sid"]; ok {
		sid, ok := v.(string)
		if !ok {
			return s, fault(path+".Sid", "must be a string, got %s", kind(v))
		}
		s.Sid = sid
	}
	eff, ok := obj["Effect"]
	if !ok {
		return s, fault(path+".Effect", "is missing: set it to \"Allow\" or \"Deny\"")
	}
	switch eff {
	case string(Allow):
		s.Effect = Allow
	case string(Deny):
		s.Effect = Deny
	default:
		return s, fault(path+".Effect", "must be \"Allow\" or \"Deny\", got %s", show(eff))
	}

	var err error
	switch pr, npr := obj["Principal"], obj["NotPrincipal"]; {
	case pr != nil && npr != nil:
		return s, fault(path, "has both Principal and NotPrincipal: use one")
	case pr != nil:
		s.Principal, err = principal(path+".Principal", pr)
	case npr != nil:
		s.NotPrincipal, err = principal(path+".NotPrincipal", npr)
	default:
		return s, fault(path+".Principal", "is missing: a vault access policy must say whom each statement applies to (\"*\" or {\"AWS\": \"arn:aws:iam::ACCOUNT:root\"})")
	}
	if err != nil {
		return s, err
	}

	switch a, na := obj["Action"], obj["NotAction"]; {
	case a != nil && na != nil:
		return s, fault(path, "has both Action and NotAction: use one")
	case a != nil:
		s.Actions, err = p.actions(path+".Action", a)
	case na != nil:
		s.NotActions, err = p.actions(path+".NotAction", na)
	default:
		return s, fault(path+".Action", "is missing: name the AWS Backup actions, e.g. \"backup:DeleteRecoveryPoint\" or \"backup:*\"")
	}
	if err != nil {
		return s, err
	}

	switch r, nr := obj["Resource"], obj["NotResource"]; {
	case r != nil && nr != nil:
		return s, fault(path, "has both Resource and NotResource: use one")
	case r != nil:
		s.Resources, err = resources(path+".Resource", r)
	case nr != nil:
		s.NotResources, err = resources(path+".NotResource", nr)
	default:
		return s, fault(path+".Resource", "is missing: use \"*\" or the ARNs the statement covers")
	}
	if err != nil {
		return s, err
	}

	if c, ok := obj["Condition"]; ok {
		s.Conditions, err = conditions(path+".Condition", c)
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// principal parses "*" or an object keyed by principal type.
func principal(path string, v any) (*Principal, error) {
	if s, ok := v.(string); ok {
		if s != "*" {
			return nil, fault(path, "must be \"*\" or an object such as {\"AWS\": \"arn:aws:iam::123456789012:root\"}, got %q", s)
		}
		return &Principal{Anyone: true}, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fault(path, "must be \"*\" or an object such as {\"AWS\": \"arn:aws:iam::123456789012:root\"}, got %s", kind(v))
	}
	if len(obj) == 0 {
		return nil, fault(path, "is empty: name at least one principal under \"AWS\" or \"Service\"")
	}
	if err := onlyKeys(path, obj, []string{"AWS", "Service"}); err != nil {
		return nil, err
	}
	pr := &Principal{}
	if a, ok := obj["AWS"]; ok {
		ids, err := stringOrList(path+".AWS", a)
		if err != nil {
			return nil, err
		}
		for i, id := range ids {
			if id == "*" {
				pr.Anyone = true
				continue
			}
			if !awsPrincipal.MatchString(id) {
				return nil, fault(elem(path+".AWS", i, len(ids), a), "%q is not an AWS principal: use a 12-digit account ID, an IAM ARN such as arn:aws:iam::123456789012:role/NAME, or \"*\"", id)
			}
		}
		pr.AWS = ids
	}
	if sv, ok := obj["Service"]; ok {
		svcs, err := stringOrList(path+".Service", sv)
		if err != nil {
			return nil, err
		}
		for i, s := range svcs {
			if !servicePrincipal.MatchString(s) {
				return nil, fault(elem(path+".Service", i, len(svcs), sv), "%q is not a service principal: use a name such as backup.amazonaws.com", s)
			}
		}
		pr.Service = svcs
	}
	return pr, nil
}

var (
	// awsPrincipal: an account ID, or an IAM or STS ARN in that account.
	awsPrincipal     = regexp.MustCompile(`^(\d{12}|arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/*-]+)$`)
	servicePrincipal = regexp.MustCompile(`^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$`)
	actionName       = regexp.MustCompile(`^[A-Za-z*?]+$`)
	resourceARN      = regexp.MustCompile(`^arn:[a-z*?-]+:[a-z0-9*?-]+:[a-z0-9*?-]*:(\d{12}|[*?]+|\d*[*?][\d*?]*)?:.+$`)
)

func (p *parser) actions(path string, v any) ([]string, error) {
	acts, err := stringOrList(path, v)
	if err != nil {
		return nil, err
	}
	for i, a := range acts {
		where := elem(path, i, len(acts), v)
		if a == "*" {
			continue
		}
		service, name, ok := strings.Cut(a, ":")
		if !ok || name == "" {
			return nil, fault(where, "%q is not an action: write it as backup:ACTION, e.g. backup:DeleteRecoveryPoint", a)
		}
		if !strings.EqualFold(service+":", ActionPrefix) {
			return nil, fault(where, "%q is not an AWS Backup action: a backup vault access policy can only name backup: actions", a)
		}
		if !actionName.MatchString(name) {
			return nil, fault(where, "%q is not a valid action name: use letters and the wildcards * and ?", a)
		}
		if p.known != nil && !matchesAny(name, p.known) {
			return nil, fault(where, "%q matches no AWS Backup action: check the spelling (for example backup:DeleteRecoveryPoint)", a)
		}
	}
	return acts, nil
}

func matchesAny(pattern string, names []string) bool {
	for _, n := range names {
		if wildcardMatch(strings.ToLower(pattern), strings.ToLower(n)) {
			return true
		}
	}
	return false
}

func resources(path string, v any) ([]string, error) {
	rs, err := stringOrList(path, v)
	if err != nil {
		return nil, err
	}
	for i, r := range rs {
		if r == "*" {
			continue
		}
		if !resourceARN.MatchString(r) {
			return nil, fault(elem(path, i, len(rs), v), "%q is not a resource: use \"*\" or an ARN such as arn:aws:backup:us-east-1:123456789012:backup-vault:NAME", r)
		}
	}
	return rs, nil
}

// conditionOperators are IAM's condition operators, before the IfExists suffix and the
// ForAnyValue:/ForAllValues: set qualifiers.
var conditionOperators = map[string]bool{
	"StringEquals": true, "StringNotEquals": true, "StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
	"StringLike": true, "StringNotLike": true,
	"NumericEquals": true, "NumericNotEquals": true, "NumericLessThan": true, "NumericLessThanEquals": true,
	"NumericGreaterThan": true, "NumericGreaterThanEquals": true,
	"DateEquals": true, "DateNotEquals": true, "DateLessThan": true, "DateLessThanEquals": true,
	"DateGreaterThan": true, "DateGreaterThanEquals": true,
	"Bool": true, "BinaryEquals": true, "IpAddress": true, "NotIpAddress": true,
	"ArnEquals": true, "ArnLike": true, "ArnNotEquals": true, "ArnNotLike": true,
	"Null": true,
}

func conditions(path string, v any) (map[string]map[string][]string, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fault(path, "must be an object of condition operators, e.g. {\"StringEquals\": {\"aws:PrincipalAccount\": \"123456789012\"}}, got %s", kind(v))
	}
	out := map[string]map[string][]string{}
	for _, op := range sortedKeys(obj) {
		opPath := path + "." + op
		base := op
		if q, rest, ok := strings.Cut(op, ":"); ok && (q == "ForAnyValue" || q == "ForAllValues") {
			base = rest
		}
		base = strings.TrimSuffix(base, "IfExists")
		if !conditionOperators[base] {
			return nil, fault(opPath, "is not an IAM condition operator: use one such as StringEquals, StringLike, ArnLike, Bool, NumericLessThan or DateGreaterThan")
		}
		keys, ok := obj[op].(map[string]any)
		if !ok {
			return nil, fault(opPath, "must be an object of condition keys and values, got %s", kind(obj[op]))
		}
		if len(keys) == 0 {
			return nil, fault(opPath, "is empty: give at least one condition key")
		}
		out[op] = map[string][]string{}
		for _, k := range sortedKeys(keys) {
			vals, err := conditionValues(opPath+"."+k, keys[k])
			if err != nil {
				return nil, err
			}
			out[op][k] = vals
		}
	}
	return out, nil
}

func conditionValues(path string, v any) ([]string, error) {
	scalar := func(p string, x any) (string, error) {
		switch t := x.(type) {
		case string:
			return t, nil
		case json.Number:
			return t.String(), nil
		case bool:
			if t {
				return "true", nil
			}
			return "false", nil
		}
		return "", fault(p, "must be a string, number or boolean, got %s", kind(x))
	}
	if list, ok := v.([]any); ok {
		if len(list) == 0 {
			return nil, fault(path, "is an empty list: give at least one value")
		}
		out := make([]string, 0, len(list))
		for i, x := range list {
			s, err := scalar(fmt.Sprintf("%s[%d]", path, i), x)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := scalar(path, v)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

// stringOrList reads IAM's "a string or a list of strings".
func stringOrList(path string, v any) ([]string, error) {
	switch t := v.(type) {
	case string:
		if t == "" {
			return nil, fault(path, "is empty")
		}
		return []string{t}, nil
	case []any:
		if len(t) == 0 {
			return nil, fault(path, "is an empty list: give at least one value")
		}
		out := make([]string, 0, len(t))
		for i, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, fault(fmt.Sprintf("%s[%d]", path, i), "must be a string, got %s", kind(e))
			}
			if s == "" {
				return nil, fault(fmt.Sprintf("%s[%d]", path, i), "is empty")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fault(path, "must be a string or a list of strings, got %s", kind(v))
}

// elem is the path of the i-th value of a string-or-list element: the element itself when it was
// written as a single string.
func elem(path string, i, n int, raw any) string {
	if _, isList := raw.([]any); !isList && n == 1 {
		return path
	}
	return fmt.Sprintf("%s[%d]", path, i)
}

func onlyKeys(path string, obj map[string]any, allowed []string) error {
	for _, k := range sortedKeys(obj) {
		found := false
		for _, a := range allowed {
			if k == a {
				found = true
				break
			}
		}
		if !found {
			where := k
			if path != "" {
				where = path + "." + k
			}
			for _, a := range allowed {
				if strings.EqualFold(a, k) {
					return fault(where, "is not a policy element: element names are case-sensitive, write %q", a)
				}
			}
			return fault(where, "is not a policy element here: expected one of %s", strings.Join(allowed, ", "))
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func kind(v any) string {
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

func show(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(v)
	return kind(v) + " " + strings.TrimSpace(b.String())
}

// MatchAction reports whether an action as written in a policy ("backup:*", "backup:Delete*",
// "*") covers the AWS Backup operation name (e.g. "DeleteRecoveryPoint"). IAM compares action
// names case-insensitively.
func MatchAction(pattern, operation string) bool {
	if pattern == "*" {
		return true
	}
	service, name, ok := strings.Cut(pattern, ":")
	if !ok || !strings.EqualFold(service+":", ActionPrefix) {
		return false
	}
	return wildcardMatch(strings.ToLower(name), strings.ToLower(operation))
}

// MatchResource reports whether a resource as written in a policy ("*", or an ARN with * and ?
// wildcards) covers the ARN. ARN matching is case-sensitive.
func MatchResource(pattern, arn string) bool {
	return wildcardMatch(pattern, arn)
}

// wildcardMatch matches IAM wildcards: * is any run of characters, ? exactly one.
func wildcardMatch(pattern, s string) bool {
	// Iterative matcher with backtracking to the last star: linear in practice, never exponential.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
