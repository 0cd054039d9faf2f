package s3blob

import "testing"

func TestLocationRoundTripsThroughItsURL(t *testing.T) {
	for _, s := range []string{
		"s3://bucket",
		"s3://bucket/a/b?endpoint=http://127.0.0.1:7070&region=eu-west-1&profile=ops&conditional=false",
	} {
		loc, err := ParseLocation(s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseLocation(loc.String())
		if err != nil || again != loc {
			t.Errorf("%s: String() = %s parses to %+v (%v), want %+v", s, loc.String(), again, err, loc)
		}
	}
	loc, _ := ParseLocation("s3://bucket/base")
	if sub := loc.Sub("111122223333", "us-east-1", "Main"); sub.Prefix != "base/111122223333/us-east-1/Main/" {
		t.Errorf("Sub prefix = %q", sub.Prefix)
	}
}
