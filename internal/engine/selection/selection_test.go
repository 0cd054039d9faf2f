package selection

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const (
	efsProd  = "arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/fs-prod"
	efsEU    = "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-eu"
	rdsOrder = "arn:aws:rds:us-east-1:111122223333:db:orders"
	s3Logs   = "arn:aws:s3:::app-logs"
)

func res(arn string, tags ...string) Resource {
	r := Resource{ARN: arn, Tags: map[string]string{}}
	for i := 0; i+1 < len(tags); i += 2 {
		r.Tags[tags[i]] = tags[i+1]
	}
	return r
}

func TestMatch(t *testing.T) {
	backupTrue := []Tag{{Key: "Backup", Value: "true"}}
	cases := []struct {
		name string
		spec Spec
		in   []Resource
		out  []Resource
	}{
		{
			name: "the guide's selection: ListOfTags Backup=true",
			spec: Spec{ListOfTags: backupTrue},
			in:   []Resource{res(efsProd, "Backup", "true"), res(rdsOrder, "Backup", "true", "env", "prod")},
			out:  []Resource{res(efsEU), res(s3Logs, "Backup", "false"), res(rdsOrder, "backup", "true"), res(rdsOrder, "Backup", "True")},
		},
		{
			name: "ListOfTags keys may carry aws:ResourceTag/",
			spec: Spec{ListOfTags: []Tag{{Key: "aws:ResourceTag/Backup", Value: "true"}}},
			in:   []Resource{res(efsProd, "Backup", "true")},
			out:  []Resource{res(efsEU)},
		},
		{
			name: "ListOfTags entries are ORed",
			spec: Spec{ListOfTags: []Tag{{Key: "Backup", Value: "true"}, {Key: "tier", Value: "gold"}}},
			in:   []Resource{res(efsProd, "Backup", "true"), res(efsEU, "tier", "gold")},
			out:  []Resource{res(rdsOrder, "tier", "silver")},
		},
		{
			name: "an empty tag value matches only an empty value",
			spec: Spec{ListOfTags: []Tag{{Key: "Backup", Value: ""}}},
			in:   []Resource{res(efsProd, "Backup", "")},
			out:  []Resource{res(efsEU), res(rdsOrder, "Backup", "x")},
		},
		{
			name: "Resources with service wildcard",
			spec: Spec{Resources: []string{"arn:aws:elasticfilesystem:*:*:file-system/*"}},
			in:   []Resource{res(efsProd), res(efsEU)},
			out:  []Resource{res(rdsOrder), res(s3Logs)},
		},
		{
			name: "Resources star selects everything",
			spec: Spec{Resources: []string{"*"}},
			in:   []Resource{res(efsProd), res(rdsOrder), res(s3Logs)},
		},
		{
			name: "Resources exact ARNs are ORed",
			spec: Spec{Resources: []string{rdsOrder, s3Logs}},
			in:   []Resource{res(rdsOrder), res(s3Logs)},
			out:  []Resource{res(efsProd), res(rdsOrder + "-replica")},
		},
		{
			name: "Resources question mark matches one character",
			spec: Spec{Resources: []string{"arn:aws:rds:us-east-?:*:db:*"}},
			in:   []Resource{res(rdsOrder)},
			out:  []Resource{res("arn:aws:rds:eu-west-1:111122223333:db:orders")},
		},
		{
			name: "Resources patterns are case sensitive",
			spec: Spec{Resources: []string{"arn:aws:s3:::App-*"}},
			out:  []Resource{res(s3Logs)},
		},
		{
			name: "Resources OR ListOfTags: either includes",
			spec: Spec{Resources: []string{"arn:aws:s3:::*"}, ListOfTags: backupTrue},
			in:   []Resource{res(s3Logs), res(efsProd, "Backup", "true")},
			out:  []Resource{res(efsEU), res(rdsOrder, "Backup", "no")},
		},
		{
			name: "nothing listed selects every resource",
			spec: Spec{},
			in:   []Resource{res(efsProd), res(s3Logs)},
		},
		{
			name: "NotResources excludes from star",
			spec: Spec{Resources: []string{"*"}, NotResources: []string{"arn:aws:rds:*:*:db:*"}},
			in:   []Resource{res(efsProd), res(s3Logs)},
			out:  []Resource{res(rdsOrder)},
		},
		{
			name: "NotResources excludes what tags included",
			spec: Spec{ListOfTags: backupTrue, NotResources: []string{efsProd}},
			in:   []Resource{res(efsEU, "Backup", "true")},
			out:  []Resource{res(efsProd, "Backup", "true")},
		},
		{
			name: "NotResources alone narrows everything",
			spec: Spec{NotResources: []string{"arn:aws:s3:::*"}},
			in:   []Resource{res(efsProd)},
			out:  []Resource{res(s3Logs)},
		},
		{
			name: "Conditions restrict Resources (AND)",
			spec: Spec{Resources: []string{"arn:aws:elasticfilesystem:*:*:file-system/*"}, Conditions: Conditions{
				StringEquals: []Tag{{Key: "aws:ResourceTag/backup", Value: "yes"}, {Key: "aws:ResourceTag/owner", Value: "example"}}}},
			in:  []Resource{res(efsProd, "backup", "yes", "owner", "example")},
			out: []Resource{res(efsEU, "backup", "yes"), res(efsProd, "owner", "example"), res(rdsOrder, "backup", "yes", "owner", "example")},
		},
		{
			name: "Conditions alone filter every resource",
			spec: Spec{Conditions: Conditions{StringEquals: []Tag{{Key: "aws:ResourceTag/backup", Value: "true"}}}},
			in:   []Resource{res(s3Logs, "backup", "true")},
			out:  []Resource{res(s3Logs), res(efsProd, "backup", "TRUE")},
		},
		{
			name: "Conditions restrict ListOfTags too: FSx, the cluster and backup=true, except stage=test",
			spec: Spec{
				Resources:  []string{"arn:aws:fsx:*:*:file-system/*", "arn:aws:rds:*:*:cluster:my-aurora-cluster"},
				ListOfTags: []Tag{{Key: "backup", Value: "true"}},
				Conditions: Conditions{StringNotEquals: []Tag{{Key: "aws:ResourceTag/stage", Value: "test"}}},
			},
			in: []Resource{
				res("arn:aws:fsx:us-east-1:111122223333:file-system/fs-1"),
				res("arn:aws:rds:us-east-1:111122223333:cluster:my-aurora-cluster", "stage", "prod"),
				res(efsProd, "backup", "true"),
			},
			out: []Resource{
				res("arn:aws:fsx:us-east-1:111122223333:file-system/fs-1", "stage", "test"),
				res(efsProd, "backup", "true", "stage", "test"),
				res(efsEU),
			},
		},
		{
			name: "StringLike with wildcards anywhere",
			spec: Spec{Conditions: Conditions{StringLike: []Tag{{Key: "aws:ResourceTag/env", Value: "*rod*"}}}},
			in:   []Resource{res(efsProd, "env", "production"), res(efsEU, "env", "prod")},
			out:  []Resource{res(rdsOrder, "env", "staging"), res(s3Logs), res(efsProd, "env", "PROD")},
		},
		{
			name: "StringLike star matches any value of a present tag",
			spec: Spec{Conditions: Conditions{StringLike: []Tag{{Key: "aws:ResourceTag/backup", Value: "*"}}}},
			in:   []Resource{res(efsProd, "backup", ""), res(efsEU, "backup", "anything")},
			out:  []Resource{res(rdsOrder)},
		},
		{
			name: "StringNotEquals holds when the tag is absent",
			spec: Spec{Conditions: Conditions{StringNotEquals: []Tag{{Key: "aws:ResourceTag/stage", Value: "test"}}}},
			in:   []Resource{res(efsProd), res(efsEU, "stage", "prod")},
			out:  []Resource{res(rdsOrder, "stage", "test")},
		},
		{
			name: "StringNotLike excludes matches, keeps untagged",
			spec: Spec{Conditions: Conditions{StringNotLike: []Tag{{Key: "aws:ResourceTag/key2", Value: "*exclude*"}}}},
			in:   []Resource{res(efsProd), res(efsEU, "key2", "keep")},
			out:  []Resource{res(rdsOrder, "key2", "please-exclude-me")},
		},
		{
			name: "all four operators are ANDed",
			spec: Spec{Resources: []string{"*"}, Conditions: Conditions{
				StringEquals:    []Tag{{Key: "aws:ResourceTag/backup", Value: "true"}},
				StringLike:      []Tag{{Key: "aws:ResourceTag/key1", Value: "include*"}},
				StringNotEquals: []Tag{{Key: "aws:ResourceTag/stage", Value: "test"}},
				StringNotLike:   []Tag{{Key: "aws:ResourceTag/key2", Value: "*exclude*"}},
			}},
			in: []Resource{res(efsProd, "backup", "true", "key1", "include-this")},
			out: []Resource{
				res(efsProd, "backup", "true"),
				res(efsProd, "backup", "true", "key1", "include-this", "stage", "test"),
				res(efsProd, "backup", "true", "key1", "include-this", "key2", "do-exclude"),
				res(efsProd, "key1", "include-this"),
			},
		},
		{
			name: "StringEquals does not treat wildcards specially",
			spec: Spec{Conditions: Conditions{StringEquals: []Tag{{Key: "aws:ResourceTag/env", Value: "prod*"}}}},
			in:   []Resource{res(efsProd, "env", "prod*")},
			out:  []Resource{res(efsProd, "env", "production")},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Compile(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tc.in {
				if !s.Match(r) {
					t.Errorf("%s %v not selected, want selected", r.ARN, r.Tags)
				}
			}
			for _, r := range tc.out {
				if s.Match(r) {
					t.Errorf("%s %v selected, want not selected", r.ARN, r.Tags)
				}
			}
		})
	}
}

func TestCompile_refusesNamingTheField(t *testing.T) {
	many := func(n int, f string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf(f, i)
		}
		return out
	}
	cases := []struct {
		name  string
		spec  Spec
		want  string
		limit bool
	}{
		{"resource that is not an ARN", Spec{Resources: []string{rdsOrder, "fs-123"}}, `Resources[1] "fs-123" is not an ARN or ARN pattern`, false},
		{"short ARN", Spec{Resources: []string{"arn:aws:s3"}}, `Resources[0] "arn:aws:s3" is not an ARN`, false},
		{"not-resource that is not an ARN", Spec{NotResources: []string{"**"}}, `NotResources[0] "**" is not an ARN`, false},
		{"white space", Spec{Resources: []string{"arn:aws:s3::: bucket"}}, "contains white space", false},
		{"condition key without prefix", Spec{Conditions: Conditions{StringLike: []Tag{{Key: "backup", Value: "*"}}}},
			`Conditions.StringLike[0].ConditionKey "backup" must be aws:ResourceTag/KEY`, false},
		{"condition key with empty tag", Spec{Conditions: Conditions{StringNotEquals: []Tag{{Key: "aws:ResourceTag/", Value: "x"}}}},
			"Conditions.StringNotEquals[0].ConditionKey", false},
		{"empty ListOfTags key", Spec{ListOfTags: []Tag{{Key: "aws:ResourceTag/", Value: "x"}}}, "ListOfTags[0].ConditionKey must name a tag key", false},
		{"too many ARNs", Spec{Resources: many(501, "arn:aws:s3:::bucket-%d")}, "lists 501 ARNs; a selection can list at most 500", true},
		{"too many wildcard ARNs", Spec{NotResources: many(31, "arn:aws:s3:::bucket-%d-*")}, "NotResources lists 31 ARN patterns with wildcards; a selection can list at most 30", true},
	}
	for _, tc := range cases {
		_, err := Compile(tc.spec)
		fe, ok := err.(*FieldError)
		if !ok || !strings.Contains(err.Error(), tc.want) || fe.Limit != tc.limit {
			t.Errorf("%s: err = %v, want a FieldError (limit=%v) containing %q", tc.name, err, tc.limit, tc.want)
		}
	}
	if _, err := Compile(Spec{Resources: many(500, "arn:aws:s3:::bucket-%d")}); err != nil {
		t.Errorf("500 exact ARNs: %v", err)
	}
}

func TestGlob(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"a*c", "abc", true},
		{"a*c", "ac", true},
		{"a*c", "abcd", false},
		{"*a*b*c*", "xxaxxbxxcxx", true},
		{"*a*b*c*", "xxaxxcxxbxx", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "aéc", true}, // ? is one character, not one byte
		{"é*", "été", true},
		{"*", "", true},
		{"?", "", false},
		{"a**b", "ab", true},
		{"*x", strings.Repeat("a", 1000) + "x", true},
		{"*a*a*a*a*b", strings.Repeat("a", 100), false},
	}
	for _, tc := range cases {
		p := compilePattern(tc.pattern)
		if got := p.match(tc.s); got != tc.want {
			t.Errorf("match(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// benchmarkWorkload is the scheduler's load: 10,000 resources and 100 selections of the kinds
// users write.
func benchmarkWorkload() ([]Resource, []*Selection) {
	resources := make([]Resource, 10000)
	for i := range resources {
		var arn string
		switch i % 3 {
		case 0:
			arn = fmt.Sprintf("arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/fs-%06d", i)
		case 1:
			arn = fmt.Sprintf("arn:aws:rds:us-east-1:111122223333:db:db-%06d", i)
		default:
			arn = fmt.Sprintf("arn:aws:s3:::bucket-%06d", i)
		}
		resources[i] = Resource{ARN: arn, Tags: map[string]string{
			"Backup": []string{"true", "false"}[i%2], "env": []string{"prod", "staging", "dev"}[i%3],
			"team": fmt.Sprintf("team-%d", i%17), "stage": []string{"live", "test"}[i%5/4],
		}}
	}
	selections := make([]*Selection, 100)
	for i := range selections {
		var spec Spec
		switch i % 4 {
		case 0:
			spec = Spec{ListOfTags: []Tag{{Key: "Backup", Value: "true"}}}
		case 1:
			spec = Spec{Resources: []string{"arn:aws:elasticfilesystem:*:*:file-system/*", "arn:aws:rds:*:*:db:*"},
				NotResources: []string{fmt.Sprintf("arn:aws:rds:*:*:db:db-%06d", i)}}
		case 2:
			spec = Spec{Resources: []string{"*"}, Conditions: Conditions{
				StringEquals:    []Tag{{Key: "aws:ResourceTag/Backup", Value: "true"}},
				StringLike:      []Tag{{Key: "aws:ResourceTag/team", Value: fmt.Sprintf("team-%d*", i%10)}},
				StringNotEquals: []Tag{{Key: "aws:ResourceTag/stage", Value: "test"}},
			}}
		case 3:
			spec = Spec{ListOfTags: []Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "team-3"}},
				Conditions: Conditions{StringNotLike: []Tag{{Key: "aws:ResourceTag/env", Value: "*stag*"}}}}
		}
		s, err := Compile(spec)
		if err != nil {
			panic(err)
		}
		selections[i] = s
	}
	return resources, selections
}

// BenchmarkMatch_10kResourcesBy100Selections measures one scheduler pass; the target is under a
// second per pass.
func BenchmarkMatch_10kResourcesBy100Selections(b *testing.B) {
	resources, selections := benchmarkWorkload()
	b.ReportAllocs()
	b.ResetTimer()
	matched := 0
	for n := 0; n < b.N; n++ {
		start := time.Now()
		for _, s := range selections {
			for _, r := range resources {
				if s.Match(r) {
					matched++
				}
			}
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/pass")
	}
	if matched == 0 {
		b.Fatal("nothing matched")
	}
}

func TestMatch_allocatesNothing(t *testing.T) {
	resources, selections := benchmarkWorkload()
	allocs := testing.AllocsPerRun(3, func() {
		for _, s := range selections[:8] {
			for _, r := range resources[:500] {
				s.Match(r)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("Match allocated %.0f times per run, want 0", allocs)
	}
}

// A selection assigns a resource explicitly when a Resources entry narrower than "*" names it;
// a match by "*", by tags or by conditions alone does not (the service opt-in then applies).
func TestAssignsExplicitly(t *testing.T) {
	bucket := Resource{ARN: "arn:aws:s3:::media", Type: "S3", Tags: map[string]string{"Backup": "true"}}
	for name, tc := range map[string]struct {
		spec Spec
		want bool
	}{
		"the ARN":              {Spec{Resources: []string{"arn:aws:s3:::media"}}, true},
		"the type's wildcard":  {Spec{Resources: []string{"arn:aws:s3:::*"}}, true},
		"another type":         {Spec{Resources: []string{"arn:aws:elasticfilesystem:*:*:file-system/*"}}, false},
		"everything":           {Spec{Resources: []string{"*"}}, false},
		"tags only":            {Spec{ListOfTags: []Tag{{Key: "Backup", Value: "true"}}}, false},
		"the ARN and its tags": {Spec{Resources: []string{"arn:aws:s3:::media"}, ListOfTags: []Tag{{Key: "Backup", Value: "true"}}}, true},
	} {
		s, err := Compile(tc.spec)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := s.AssignsExplicitly(bucket); got != tc.want {
			t.Errorf("%s: AssignsExplicitly = %v, want %v", name, got, tc.want)
		}
	}
}
