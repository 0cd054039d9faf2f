// Package region says which region names the engine accepts.
//
// A region is more than a label here: it scopes every record and names a directory of the data
// dir (repos/ACCOUNT/REGION/VAULT). So the engine holds it to AWS's own list, as AWS does when it
// refuses a credential scoped to an invalid region, plus the regions the operator declares in the
// engine config. A pattern alone would let "zz-fake-9" in.
//
// The list is kept by hand because the SDK's copy (aws-sdk-go-v2's partitions.json) sits in an
// internal package that cannot be imported. region_test.go compares the two, so an SDK upgrade
// that brings a new region fails the test until the region is added here.
package region

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// standard maps each region of AWS's standard partitions (aws, aws-cn, aws-us-gov) to its
// partition. Source: aws-sdk-go-v2 v1.47.6, internal/endpoints/awsrulesfn/partitions.json, read
// 2026-12-03; the "*-global" pseudo-regions are left out (they are signing aliases, not regions).
var standard = map[string]string{
	"af-south-1":     "aws",
	"ap-east-1":      "aws",
	"ap-east-2":      "aws",
	"ap-northeast-1": "aws",
	"ap-northeast-2": "aws",
	"ap-northeast-3": "aws",
	"ap-south-1":     "aws",
	"ap-south-2":     "aws",
	"ap-southeast-1": "aws",
	"ap-southeast-2": "aws",
	"ap-southeast-3": "aws",
	"ap-southeast-4": "aws",
	"ap-southeast-5": "aws",
	"ap-southeast-6": "aws",
	"ap-southeast-7": "aws",
	"ca-central-1":   "aws",
	"ca-west-1":      "aws",
	"eu-central-1":   "aws",
	"eu-central-2":   "aws",
	"eu-north-1":     "aws",
	"eu-south-1":     "aws",
	"eu-south-2":     "aws",
	"eu-west-1":      "aws",
	"eu-west-2":      "aws",
	"eu-west-3":      "aws",
	"il-central-1":   "aws",
	"me-central-1":   "aws",
	"me-south-1":     "aws",
	"mx-central-1":   "aws",
	"sa-east-1":      "aws",
	"us-east-1":      "aws",
	"us-east-2":      "aws",
	"us-west-1":      "aws",
	"us-west-2":      "aws",
	"cn-north-1":     "aws-cn",
	"cn-northwest-1": "aws-cn",
	"us-gov-east-1":  "aws-us-gov",
	"us-gov-west-1":  "aws-us-gov",
}

// Partitions are the partitions whose regions the engine knows without being told.
var Partitions = []string{"aws", "aws-cn", "aws-us-gov"}

// ErrUnknown matches (errors.Is) every refusal of ValidName, NewSet and Set.Check.
var ErrUnknown = errors.New("not a known region")

// refusal is a refusal whose message says what to do; it is ErrUnknown without repeating it.
type refusal struct{ msg string }

func (r *refusal) Error() string        { return r.msg }
func (r *refusal) Is(target error) bool { return target == ErrUnknown }

func refuse(format string, args ...any) error { return &refusal{msg: fmt.Sprintf(format, args...)} }

// namePattern is the form of a region name: what an operator may declare. It admits no dot,
// slash, colon, space or upper-case letter, so a declared region is one safe path element too.
var namePattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// ValidName reports whether name has the form of a region name, such as eu-west-1.
func ValidName(name string) error {
	if !namePattern.MatchString(name) {
		return refuse("%q is not a region name (lower-case words joined by hyphens, ending in a number, such as eu-west-1)", name)
	}
	return nil
}

// Partition returns the standard partition of an AWS region.
func Partition(name string) (string, bool) {
	p, ok := standard[name]
	return p, ok
}

// Standard returns the regions of the standard partitions, sorted.
func Standard() []string {
	names := make([]string, 0, len(standard))
	for n := range standard {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Set is the regions one engine accepts: the standard ones and those its config declares. The
// nil Set accepts the standard regions only.
type Set struct {
	declared map[string]bool
}

// NewSet returns the standard regions plus declared; each declared name must have a region
// name's form.
func NewSet(declared ...string) (*Set, error) {
	s := &Set{declared: map[string]bool{}}
	for _, name := range declared {
		if err := ValidName(name); err != nil {
			return nil, fmt.Errorf("declared region: %w", err)
		}
		s.declared[name] = true
	}
	return s, nil
}

// Known reports whether s accepts name.
func (s *Set) Known(name string) bool {
	if _, ok := standard[name]; ok {
		return true
	}
	return s != nil && s.declared[name]
}

// Check returns nil for a region s accepts, else an error (wrapping ErrUnknown) that says what to
// do instead.
func (s *Set) Check(name string) error {
	if s.Known(name) {
		return nil
	}
	if err := ValidName(name); err != nil {
		return err
	}
	return refuse("%q is not a region of the %s partitions, and the engine config declares no such region: use a region such as us-east-1, or declare it in the engine config (\"regions\": {%q: {}})",
		name, strings.Join(Partitions, ", "), name)
}
