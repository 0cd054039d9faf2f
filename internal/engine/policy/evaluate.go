package policy

import (
	"encoding/base64"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Evaluation follows IAM's documented logic for a resource-based policy
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
// and .../reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html):
//
//   - A statement applies to a request when its Principal (or NotPrincipal), Action (or NotAction)
//     and Resource (or NotResource) all match, and every condition holds.
//   - "An explicit deny overrides an explicit allow": any applicable Deny statement makes the
//     decision ExplicitDeny, whatever else applies.
//   - Otherwise an applicable Allow makes it Allowed.
//   - "An implicit denial occurs when there is no applicable Deny statement but also no applicable
//     Allow statement": ImplicitDeny.
//
// What an implicit deny means is the caller's business: for a request within the vault's own
// account the account's identity allows it (the engine's keys act as the account), so only an
// explicit deny refuses; a request from another account needs the policy's explicit allow.

// Decision is the outcome of evaluating a request against a policy.
type Decision int

const (
	// ImplicitDeny: no statement applies.
	ImplicitDeny Decision = iota
	// Allowed: an Allow statement applies and no Deny statement does.
	Allowed
	// ExplicitDeny: a Deny statement applies.
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allowed:
		return "Allow"
	case ExplicitDeny:
		return "explicit Deny"
	}
	return "implicit deny"
}

// Request is one request as a resource-based policy judges it.
type Request struct {
	// Account is the 12-digit account of the caller.
	Account string
	// PrincipalARN is the caller's IAM ARN; the engine's keys act as their account, so this is
	// arn:aws:iam::ACCOUNT:root unless the caller says otherwise. Empty means the account's.
	PrincipalARN string
	// Action is the AWS Backup operation (IAM action name without the "backup:" prefix), e.g.
	// "CopyIntoBackupVault".
	Action string
	// Resource is the ARN the action is on: the vault's ARN, or a recovery point's.
	Resource string
	// Context holds the request's condition keys (aws:PrincipalAccount, aws:CurrentTime, …) and
	// their values. Key names are case-insensitive, as in IAM. Keys not here are absent.
	Context map[string][]string
}

// Evaluate decides req against the document.
func (d *Document) Evaluate(req Request) Decision {
	decision, _ := d.Decide(req)
	return decision
}

// Decide is Evaluate, also returning the index of the statement that decided (the first Deny
// that applies, else the first Allow that applies), or -1 for an implicit deny.
func (d *Document) Decide(req Request) (Decision, int) {
	if req.PrincipalARN == "" {
		req.PrincipalARN = "arn:aws:iam::" + req.Account + ":root"
	}
	ctx := make(map[string][]string, len(req.Context))
	for k, v := range req.Context {
		ctx[strings.ToLower(k)] = v
	}
	decision, by := ImplicitDeny, -1
	for i := range d.Statements {
		s := &d.Statements[i]
		if !s.applies(req, ctx) {
			continue
		}
		if s.Effect == Deny {
			return ExplicitDeny, i
		}
		if decision != Allowed {
			decision, by = Allowed, i
		}
	}
	return decision, by
}

func (s *Statement) applies(req Request, ctx map[string][]string) bool {
	switch {
	case s.Principal != nil && !s.Principal.matches(req):
		return false
	case s.NotPrincipal != nil && s.NotPrincipal.matches(req):
		return false
	}
	if len(s.Actions) > 0 && !anyAction(s.Actions, req.Action) || len(s.NotActions) > 0 && anyAction(s.NotActions, req.Action) {
		return false
	}
	if len(s.Resources) > 0 && !anyResource(s.Resources, req.Resource) || len(s.NotResources) > 0 && anyResource(s.NotResources, req.Resource) {
		return false
	}
	for op, keys := range s.Conditions {
		for key, values := range keys {
			if !conditionHolds(op, ctx[strings.ToLower(key)], values) {
				return false
			}
		}
	}
	return true
}

func anyAction(patterns []string, action string) bool {
	for _, p := range patterns {
		if MatchAction(p, action) {
			return true
		}
	}
	return false
}

func anyResource(patterns []string, arn string) bool {
	for _, p := range patterns {
		if MatchResource(p, arn) {
			return true
		}
	}
	return false
}

// matches reports whether the principal element covers the caller. Per the Principal element
// reference (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html):
// "*" (or {"AWS": "*"}) is everyone; an account is named by its ID or by
// arn:aws:iam::ACCOUNT:root, and both "delegate permissions to the account" — they do not limit
// the statement to the root user, so either matches any principal of that account; any other
// IAM ARN names that one principal, exactly (the Principal element takes no wildcards but "*").
// Service principals never match a request signed by an account's key.
func (p *Principal) matches(req Request) bool {
	if p.Anyone {
		return true
	}
	for _, a := range p.AWS {
		switch {
		case a == req.Account:
			return true
		case strings.HasPrefix(a, "arn:") && strings.HasSuffix(a, ":root") && accountOfARN(a) == req.Account:
			return true
		case a == req.PrincipalARN:
			return true
		}
	}
	return false
}

func accountOfARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// conditionHolds evaluates one operator on one key, per the condition operators reference
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
//
//   - With several policy values, a positive operator holds if the request value matches any of
//     them; a negated operator (StringNotEquals, ArnNotLike, NotIpAddress, …) holds if it matches
//     none.
//   - "If the key that you specify in a policy condition is not present in the request context,
//     the values do not match and the condition is false. If the policy condition requires that
//     the key is not matched, such as StringNotLike or ArnNotLike, and the right key is not
//     present, the condition is true." …IfExists holds when the key is absent; Null tests presence.
//   - ForAnyValue: holds if at least one request value satisfies the operator (false when the key
//     is absent); ForAllValues: if every request value does (true when it is absent).
//
// Policy variables (${aws:username}) are not substituted. An operator this package does not know
// never holds, so an unknown condition can make a statement not apply but never widen it.
func conditionHolds(op string, have, want []string) bool {
	qualifier := ""
	if q, rest, ok := strings.Cut(op, ":"); ok && (q == "ForAnyValue" || q == "ForAllValues") {
		qualifier, op = q, rest
	}
	ifExists := false
	if base, ok := strings.CutSuffix(op, "IfExists"); ok {
		op, ifExists = base, true
	}
	if op == "Null" {
		for _, w := range want {
			absent := len(have) == 0
			if strings.EqualFold(w, "true") == absent {
				return true
			}
		}
		return false
	}
	match, negated, known := operator(op)
	if !known {
		return false
	}
	if len(have) == 0 {
		switch {
		case ifExists:
			return true
		case qualifier == "ForAllValues":
			return true
		case qualifier == "ForAnyValue":
			return false
		}
		return negated
	}
	// one is the operator's verdict on a single request value.
	one := func(v string) bool {
		hit := false
		for _, w := range want {
			if match(v, w) {
				hit = true
				break
			}
		}
		return hit != negated
	}
	switch qualifier {
	case "ForAllValues":
		for _, v := range have {
			if !one(v) {
				return false
			}
		}
		return true
	default: // ForAnyValue, or a single-valued key
		for _, v := range have {
			if one(v) {
				return true
			}
		}
		return false
	}
}

// operator returns the comparison of a condition operator (request value, policy value) and
// whether the operator is the negated form.
func operator(op string) (match func(have, want string) bool, negated, known bool) {
	switch op {
	case "StringEquals":
		return func(h, w string) bool { return h == w }, false, true
	case "StringNotEquals":
		return func(h, w string) bool { return h == w }, true, true
	case "StringEqualsIgnoreCase":
		return strings.EqualFold, false, true
	case "StringNotEqualsIgnoreCase":
		return strings.EqualFold, true, true
	case "StringLike":
		return func(h, w string) bool { return wildcardMatch(w, h) }, false, true
	case "StringNotLike":
		return func(h, w string) bool { return wildcardMatch(w, h) }, true, true
	case "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals":
		cmp := map[string]func(a, b float64) bool{
			"NumericEquals": func(a, b float64) bool { return a == b }, "NumericNotEquals": func(a, b float64) bool { return a == b },
			"NumericLessThan": func(a, b float64) bool { return a < b }, "NumericLessThanEquals": func(a, b float64) bool { return a <= b },
			"NumericGreaterThan": func(a, b float64) bool { return a > b }, "NumericGreaterThanEquals": func(a, b float64) bool { return a >= b },
		}[op]
		return func(h, w string) bool {
			a, err1 := strconv.ParseFloat(h, 64)
			b, err2 := strconv.ParseFloat(w, 64)
			return err1 == nil && err2 == nil && !math.IsNaN(a) && cmp(a, b)
		}, op == "NumericNotEquals", true
	case "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals":
		cmp := map[string]func(a, b time.Time) bool{
			"DateEquals": time.Time.Equal, "DateNotEquals": time.Time.Equal,
			"DateLessThan": time.Time.Before, "DateLessThanEquals": func(a, b time.Time) bool { return !a.After(b) },
			"DateGreaterThan": time.Time.After, "DateGreaterThanEquals": func(a, b time.Time) bool { return !a.Before(b) },
		}[op]
		return func(h, w string) bool {
			a, ok1 := parseDate(h)
			b, ok2 := parseDate(w)
			return ok1 && ok2 && cmp(a, b)
		}, op == "DateNotEquals", true
	case "Bool":
		return strings.EqualFold, false, true
	case "BinaryEquals":
		return func(h, w string) bool {
			a, err1 := base64.StdEncoding.DecodeString(h)
			b, err2 := base64.StdEncoding.DecodeString(w)
			return err1 == nil && err2 == nil && string(a) == string(b)
		}, false, true
	case "IpAddress", "NotIpAddress":
		return func(h, w string) bool {
			addr, err := netip.ParseAddr(h)
			if err != nil {
				return false
			}
			if !strings.Contains(w, "/") {
				want, err := netip.ParseAddr(w)
				return err == nil && want == addr
			}
			pfx, err := netip.ParsePrefix(w)
			return err == nil && pfx.Contains(addr)
		}, op == "NotIpAddress", true
	case "ArnEquals", "ArnLike":
		return arnLike, false, true
	case "ArnNotEquals", "ArnNotLike":
		return arnLike, true, true
	}
	return nil, false, false
}

// arnLike compares ARNs component by component ("Each of the six colon-delimited components of the
// ARN is checked separately and each can include multi-character match wildcards (*) or
// single-character match wildcards (?)"); ArnEquals and ArnLike behave the same.
func arnLike(have, want string) bool {
	h, w := strings.SplitN(have, ":", 6), strings.SplitN(want, ":", 6)
	if len(h) != 6 || len(w) != 6 {
		return false
	}
	for i := range h {
		if !wildcardMatch(w[i], h[i]) {
			return false
		}
	}
	return true
}

// parseDate reads the date forms IAM accepts: ISO 8601 (RFC 3339, or a bare date) and epoch
// seconds.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}
