package eventpattern

import (
	"encoding/json"
	"strings"
	"testing"
)

func event(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func check(t *testing.T, pattern string, cases map[string]bool) {
	t.Helper()
	p, err := Compile([]byte(pattern))
	if err != nil {
		t.Fatalf("Compile(%s): %v", pattern, err)
	}
	for ev, want := range cases {
		if got := p.Match(event(t, ev)); got != want {
			t.Errorf("pattern %s on %s: match = %v, want %v", pattern, ev, got, want)
		}
	}
}

func TestSeedRule(t *testing.T) {
	check(t, `{"source":["aws.backup"],"detail-type":["Backup Job State Change"],"detail":{"state":["FAILED","ABORTED","EXPIRED"]}}`, map[string]bool{
		`{"source":"aws.backup","detail-type":"Backup Job State Change","detail":{"state":"FAILED"}}`:    true,
		`{"source":"aws.backup","detail-type":"Backup Job State Change","detail":{"state":"EXPIRED"}}`:   true,
		`{"source":"aws.backup","detail-type":"Backup Job State Change","detail":{"state":"COMPLETED"}}`: false,
		`{"source":"aws.backup","detail-type":"Copy Job State Change","detail":{"state":"FAILED"}}`:      false,
		`{"source":"aws.s3","detail-type":"Backup Job State Change","detail":{"state":"FAILED"}}`:        false,
		`{"source":"aws.backup","detail-type":"Backup Job State Change"}`:                                false,
	})
}

func TestExactValuesAndArraysInTheEvent(t *testing.T) {
	check(t, `{"resources":["arn:a"],"n":[5],"b":[true],"z":[null]}`, map[string]bool{
		`{"resources":["arn:b","arn:a"],"n":5.0,"b":true,"z":null}`: true,
		`{"resources":["arn:b"],"n":5,"b":true,"z":null}`:           false,
		`{"resources":"arn:a","n":"5","b":true,"z":null}`:           false, // "5" is not 5
		`{"resources":"arn:a","n":5,"b":true}`:                      false, // null needs the field
	})
}

func TestPrefixAndSuffix(t *testing.T) {
	check(t, `{"r":[{"prefix":"arn:aws:backup:"}],"s":[{"suffix":".db"}]}`, map[string]bool{
		`{"r":"arn:aws:backup:us-east-1","s":"x.db"}`:  true,
		`{"r":"arn:aws:s3:::b","s":"x.db"}`:            false,
		`{"r":"arn:aws:backup:us-east-1","s":"x.dbx"}`: false,
		`{"r":["x","arn:aws:backup:eu"],"s":"a.db"}`:   true,
	})
}

func TestAnythingBut(t *testing.T) {
	check(t, `{"state":[{"anything-but":["COMPLETED","RUNNING"]}]}`, map[string]bool{
		`{"state":"FAILED"}`:    true,
		`{"state":"COMPLETED"}`: false,
		`{}`:                    false, // anything-but needs the field
	})
	check(t, `{"state":[{"anything-but":{"prefix":"COMP"}}]}`, map[string]bool{
		`{"state":"COMPLETED"}`: false,
		`{"state":"ABORTED"}`:   true,
	})
	check(t, `{"file":[{"anything-but":{"suffix":".png"}}]}`, map[string]bool{
		`{"file":"a.png"}`: false,
		`{"file":"a.jpg"}`: true,
	})
}

func TestExists(t *testing.T) {
	check(t, `{"detail":{"statusMessage":[{"exists":true}]}}`, map[string]bool{
		`{"detail":{"statusMessage":"boom"}}`: true,
		`{"detail":{}}`:                       false,
		`{}`:                                  false,
	})
	check(t, `{"detail":{"statusMessage":[{"exists":false}]}}`, map[string]bool{
		`{"detail":{"statusMessage":"boom"}}`: false,
		`{"detail":{}}`:                       true,
	})
}

func TestNumericRanges(t *testing.T) {
	check(t, `{"bytes":[{"numeric":[">",0,"<=",100]}],"pct":[{"numeric":["=",100]}]}`, map[string]bool{
		`{"bytes":1,"pct":100}`:   true,
		`{"bytes":100,"pct":100}`: true,
		`{"bytes":0,"pct":100}`:   false,
		`{"bytes":101,"pct":100}`: false,
		`{"bytes":"5","pct":100}`: false,
		`{"bytes":5,"pct":99.5}`:  false,
	})
}

func TestCompileRefusesMalformedPatterns(t *testing.T) {
	for pattern, want := range map[string]string{
		`[]`:                                        "non-empty JSON object",
		`{"source":"aws.backup"}`:                   `field "source": a value must be an array`,
		`{"detail":{"state":[]}}`:                   `field "detail.state": the array of values must not be empty`,
		`{"state":[{"wildcard":"x*"}]}`:             `unknown operator "wildcard"`,
		`{"n":[{"numeric":[">",1,">",2]}]}`:         "two lower bounds",
		`{"n":[{"numeric":["~",1]}]}`:               `operator "~" must be one of`,
		`{"n":[{"numeric":[">","1"]}]}`:             "needs a number",
		`{"e":[{"exists":"yes"}]}`:                  `"exists" takes true or false`,
		`{"p":[{"prefix":1}]}`:                      `"prefix" takes a string`,
		`{"a":[{"anything-but":{"wildcard":"x"}}]}`: `"anything-but" takes`,
		`{"source":["aws.backup"]`:                  "not JSON",
	} {
		_, err := Compile([]byte(pattern))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compile(%s) = %v, want an error containing %q", pattern, err, want)
		}
	}
}
