// Package selection decides which resources a backup selection (AWS Backup's resource
// assignment) covers. It is a pure function of the selection and the resource's ARN and tags, so
// the API validates selections with it and the scheduler evaluates them with it.
//
// # How the parts combine
//
// AWS documents each part separately; together they give:
//
//	selected = included AND NOT excluded AND conditions
//	included = (Resources is empty AND ListOfTags is empty)
//	           OR the ARN matches any Resources pattern
//	           OR the resource has any ListOfTags tag
//	excluded = the ARN matches any NotResources pattern
//	conditions = every entry of StringEquals, StringLike, StringNotEquals and StringNotLike holds
//
// Sources:
//   - Resources are ORed: "If you specify multiple ARNs, the resources much match any of the ARNs
//     (OR logic)" (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupSelection.html).
//     "The wildcard * represents zero or more non-whitespace characters", and "*" alone selects
//     every resource (https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources-json.html).
//   - ListOfTags entries are ORed: "When you specify more than one condition, you assign all
//     resources that match AT LEAST ONE condition (using OR logic)"; Conditions are ANDed: "you
//     only assign the resources that match ALL conditions (using AND logic)"
//     (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-backup-backupselection-backupselectionresourcetype.html).
//   - Resources and ListOfTags add to each other, and Conditions then restrict the result: the
//     assigning-resources-json page selects "all Amazon FSx file systems, the Aurora cluster
//     my-aurora-cluster, and all resources tagged with backup:true, except resources tagged with
//     stage:test" with Resources + ListOfTags + a StringNotEquals condition, and says "The Boolean
//     arithmetic is similar to that in IAM policies, with those in Resources combined using a
//     Boolean OR and those in Conditions combined with a Boolean AND".
//   - NotResources removes resources: "Select all resources in my account, but exclude EBS
//     volumes" is Resources ["*"] with NotResources ["arn:aws:ec2:*:*:volume/*"] (same page).
//   - With neither Resources nor ListOfTags, "Backup attempts to select all supported and
//     opted-in storage resources" (API_BackupSelection), which NotResources and Conditions then
//     narrow.
//   - A condition on a tag the resource lacks is false, except the negated operators, which are
//     true, as in IAM: "If the policy condition requires that the key is not matched, such as
//     StringNotLike ..., and the right key is not present, the condition is true"
//     (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
//   - Operators are case sensitive; StringLike and ARN patterns take * (any run of characters) and
//     ? (one character), as IAM's StringLike and ArnLike do.
//
// A Selection is compiled once; Match allocates nothing, so the scheduler can test every resource
// against every selection on each run.
package selection

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Tag is one key and value of ListOfTags or of a condition operator.
type Tag struct {
	Key   string
	Value string
}

// Conditions are the Conditions member of a selection.
type Conditions struct {
	StringEquals    []Tag
	StringLike      []Tag
	StringNotEquals []Tag
	StringNotLike   []Tag
}

// Spec is what a selection says, as in the API's BackupSelection.
type Spec struct {
	Resources    []string
	NotResources []string
	// ListOfTags keys may be a bare tag key ("Backup") or "aws:ResourceTag/Backup"; AWS's own
	// examples use both.
	ListOfTags []Tag
	// Conditions keys must be "aws:ResourceTag/KEY".
	Conditions Conditions
}

// Resource is a protected resource as the scheduler sees it. Type (EFS, RDS, S3) is carried for
// callers; AWS matches selections on ARNs and tags only.
type Resource struct {
	ARN  string
	Type string
	Tags map[string]string
}

// ResourceTagPrefix is the condition-key prefix that names a resource tag.
const ResourceTagPrefix = "aws:ResourceTag/"

// AWS's limits on ARNs in a selection: "The maximum number of ARNs is 500 without wildcards, or
// 30 ARNs with wildcards."
const (
	MaxARNs         = 500
	MaxWildcardARNs = 30
)

// FieldError names the member of the selection that is wrong and says why. Limit is set when the
// fault is exceeding a quota rather than a malformed value.
type FieldError struct {
	Field string
	Msg   string
	Limit bool
}

func (e *FieldError) Error() string { return e.Field + " " + e.Msg }

// Selection is a compiled Spec.
type Selection struct {
	everything   bool
	resources    []pattern
	notResources []pattern
	anyTags      []Tag
	conditions   []condition
}

type op uint8

const (
	opEquals op = iota
	opLike
	opNotEquals
	opNotLike
)

type condition struct {
	op    op
	key   string // the tag key, without aws:ResourceTag/
	value pattern
}

// Compile checks spec and prepares it for matching.
func Compile(spec Spec) (*Selection, error) {
	s := &Selection{everything: len(spec.Resources) == 0 && len(spec.ListOfTags) == 0}
	var err error
	if s.resources, err = compileARNs("Resources", spec.Resources); err != nil {
		return nil, err
	}
	if s.notResources, err = compileARNs("NotResources", spec.NotResources); err != nil {
		return nil, err
	}
	for i, t := range spec.ListOfTags {
		key := strings.TrimPrefix(t.Key, ResourceTagPrefix)
		if key == "" {
			return nil, &FieldError{Field: fmt.Sprintf("ListOfTags[%d].ConditionKey", i), Msg: "must name a tag key, such as Backup"}
		}
		s.anyTags = append(s.anyTags, Tag{Key: key, Value: t.Value})
	}
	for _, group := range []struct {
		name string
		op   op
		tags []Tag
	}{
		{"StringEquals", opEquals, spec.Conditions.StringEquals},
		{"StringLike", opLike, spec.Conditions.StringLike},
		{"StringNotEquals", opNotEquals, spec.Conditions.StringNotEquals},
		{"StringNotLike", opNotLike, spec.Conditions.StringNotLike},
	} {
		for i, t := range group.tags {
			field := fmt.Sprintf("Conditions.%s[%d].ConditionKey", group.name, i)
			key, ok := strings.CutPrefix(t.Key, ResourceTagPrefix)
			if !ok || key == "" {
				return nil, &FieldError{Field: field, Msg: fmt.Sprintf("%q must be %sKEY, naming a resource tag (for example %sbackup)", t.Key, ResourceTagPrefix, ResourceTagPrefix)}
			}
			v := literal(t.Value)
			if group.op == opLike || group.op == opNotLike {
				v = compilePattern(t.Value)
			}
			s.conditions = append(s.conditions, condition{op: group.op, key: key, value: v})
		}
	}
	return s, nil
}

func compileARNs(field string, arns []string) ([]pattern, error) {
	wild := 0
	out := make([]pattern, 0, len(arns))
	for i, a := range arns {
		if a != "*" && (!strings.HasPrefix(a, "arn:") || strings.Count(a, ":") < 5) {
			return nil, &FieldError{Field: fmt.Sprintf("%s[%d]", field, i),
				Msg: fmt.Sprintf("%q is not an ARN or ARN pattern such as arn:aws:elasticfilesystem:*:*:file-system/* (or * for every resource)", a)}
		}
		if strings.ContainsAny(a, " \t\n") {
			return nil, &FieldError{Field: fmt.Sprintf("%s[%d]", field, i), Msg: fmt.Sprintf("%q contains white space", a)}
		}
		p := compilePattern(a)
		if p.kind != kindExact {
			wild++
		}
		out = append(out, p)
	}
	if len(arns) > MaxARNs {
		return nil, &FieldError{Field: field, Limit: true, Msg: fmt.Sprintf("lists %d ARNs; a selection can list at most %d (split the resources over several selections, or select them by tag)", len(arns), MaxARNs)}
	}
	if wild > MaxWildcardARNs {
		return nil, &FieldError{Field: field, Limit: true, Msg: fmt.Sprintf("lists %d ARN patterns with wildcards; a selection can list at most %d", wild, MaxWildcardARNs)}
	}
	return out, nil
}

// Match reports whether the selection covers r.
func (s *Selection) Match(r Resource) bool {
	included := s.everything
	for i := 0; !included && i < len(s.resources); i++ {
		included = s.resources[i].match(r.ARN)
	}
	for i := 0; !included && i < len(s.anyTags); i++ {
		v, ok := r.Tags[s.anyTags[i].Key]
		included = ok && v == s.anyTags[i].Value
	}
	if !included {
		return false
	}
	for i := range s.notResources {
		if s.notResources[i].match(r.ARN) {
			return false
		}
	}
	for i := range s.conditions {
		c := &s.conditions[i]
		v, ok := r.Tags[c.key]
		var holds bool
		switch c.op {
		case opEquals, opLike:
			holds = ok && c.value.match(v)
		case opNotEquals, opNotLike:
			holds = !ok || !c.value.match(v)
		}
		if !holds {
			return false
		}
	}
	return true
}

// AssignsExplicitly reports whether one of the selection's Resources names r's ARN, exactly or
// by a pattern narrower than "*" (arn:aws:s3:::* assigns the S3 type). AWS applies the service
// opt-in only to resources a selection reaches by tags alone: "If a resource type is explicitly
// assigned to a backup plan, it will be included in the backup even if the opt-in is not enabled
// for that particular service" (Developer Guide, "Opt in to managing services with AWS Backup").
func (s *Selection) AssignsExplicitly(r Resource) bool {
	for i := range s.resources {
		if s.resources[i].kind != kindAll && s.resources[i].match(r.ARN) {
			return true
		}
	}
	return false
}

// pattern is a compiled wildcard pattern: * matches any run of characters, ? one character.
type pattern struct {
	kind kind
	text string // the literal for kindExact and kindPrefix, the whole pattern for kindGlob
}

type kind uint8

const (
	kindExact  kind = iota // no wildcard
	kindAll                // "*"
	kindPrefix             // "abc*" with no other wildcard
	kindGlob
)

func literal(s string) pattern { return pattern{kind: kindExact, text: s} }

func compilePattern(p string) pattern {
	switch i := strings.IndexAny(p, "*?"); {
	case i < 0:
		return pattern{kind: kindExact, text: p}
	case p == "*":
		return pattern{kind: kindAll}
	case i == len(p)-1 && p[i] == '*':
		return pattern{kind: kindPrefix, text: p[:i]}
	}
	return pattern{kind: kindGlob, text: p}
}

func (p *pattern) match(s string) bool {
	switch p.kind {
	case kindExact:
		return s == p.text
	case kindAll:
		return true
	case kindPrefix:
		return strings.HasPrefix(s, p.text)
	}
	return glob(p.text, s)
}

// glob matches s against pattern with * and ?, backtracking only to the last star, so it runs in
// O(len(pattern) * len(s)) at worst and allocates nothing.
func glob(pattern, s string) bool {
	px, sx := 0, 0
	starPx, starSx := -1, 0
	for sx < len(s) {
		if px < len(pattern) {
			switch pattern[px] {
			case '*':
				starPx, starSx = px, sx
				px++
				continue
			case '?':
				_, n := utf8.DecodeRuneInString(s[sx:])
				px, sx = px+1, sx+n
				continue
			default:
				if pattern[px] == s[sx] {
					px, sx = px+1, sx+1
					continue
				}
			}
		}
		if starPx < 0 {
			return false
		}
		// Let the last star swallow one more character and retry.
		_, n := utf8.DecodeRuneInString(s[starSx:])
		starSx += n
		px, sx = starPx+1, starSx
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}
