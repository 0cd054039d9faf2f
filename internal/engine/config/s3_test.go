package config

import (
	"slices"
	"strings"
	"testing"
)

func TestS3SectionIsCheckedAndCanonical(t *testing.T) {
	c, err := Parse([]byte(`{"s3": {"allow_environment_credentials": true, "allowed_profiles": ["minio"],
		"allowed_endpoints": ["HTTPS://S3.Example.com:443/", "http://127.0.0.1:9000"]}}`), "/")
	if err != nil {
		t.Fatal(err)
	}
	p := c.S3.Policy()
	if !p.AllowEnvironmentCredentials || !slices.Equal(p.AllowedProfiles, []string{"minio"}) ||
		!slices.Equal(p.AllowedEndpoints, []string{"https://s3.example.com", "http://127.0.0.1:9000"}) {
		t.Errorf("policy = %+v", p)
	}
	if p := (&Config{}).S3.Policy(); p.AllowEnvironmentCredentials || len(p.AllowedEndpoints) != 0 || len(p.AllowedProfiles) != 0 {
		t.Errorf("the default policy lends or limits something: %+v", p)
	}
	for doc, want := range map[string]string{
		`{"s3": {"allowed_endpoints": ["s3.example.com"]}}`:                          "s3.allowed_endpoints[0]: endpoint \"s3.example.com\" must begin with http:// or https://",
		`{"s3": {"allowed_endpoints": ["https://ok.example.com", "https://h/bkt"]}}`: "s3.allowed_endpoints[1]",
		`{"s3": {"allowed_endpoints": ["https://AK:top-secret@h"]}}`:                 "must not hold credentials",
		`{"s3": {"allowed_endpoints": ["https://h", "HTTPS://H:443"]}}`:              "listed twice",
		`{"s3": {"allowed_profiles": [""]}}`:                                         "s3.allowed_profiles[0]",
		`{"s3": {"allow_env_credentials": true}}`:                                    `unknown field "allow_env_credentials"`,
	} {
		_, err := Parse([]byte(doc), "/")
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "top-secret") {
			t.Errorf("Parse(%s) = %v, want an error containing %q", doc, err, want)
		}
	}
}
