package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadMissingFileIsEmpty(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), FileName))
	if err != nil || len(c.Accounts) != 0 || c.StorageDir("eu-west-1", "/d") != "/d" {
		t.Fatalf("Load of a missing file: %+v, %v", c, err)
	}
}

func TestParseAcceptsAFullConfiguration(t *testing.T) {
	dir := t.TempDir()
	doc := `{
  "accounts": [{"access_key_id": "AKIADR00000000000000", "secret_access_key": "s", "account_id": "222222222222"}],
  "regions": {"eu-west-1": {"storage_dir": "dr-disk"}, "us-east-1": {"storage_dir": "/abs/primary"}},
  "notifications": {"topics": {"arn:aws:sns:us-east-1:123456789012:backup-alerts": {"url": "http://127.0.0.1:9/hook"}}}
}`
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if c.Accounts[0].AccountID != "222222222222" {
		t.Errorf("accounts: %+v", c.Accounts)
	}
	if got := c.StorageDir("eu-west-1", "x"); got != filepath.Join(dir, "dr-disk") {
		t.Errorf("relative storage dir resolved to %q", got)
	}
	if got := c.StorageDir("us-east-1", "x"); got != "/abs/primary" {
		t.Errorf("absolute storage dir = %q", got)
	}
	if got := c.Notifications.Topics["arn:aws:sns:us-east-1:123456789012:backup-alerts"].MaxAttempts; got != 5 {
		t.Errorf("default max_attempts = %d, want 5", got)
	}
}

func TestParseRefusesMistakesByName(t *testing.T) {
	cases := map[string]string{
		`{"acounts": []}`: `unknown field "acounts"`,
		`{"accounts": [{"access_key_id": "A", "secret_access_key": "s", "account_id": "12"}]}`:                                                                                           "must be 12 digits",
		`{"accounts": [{"access_key_id": "A", "secret_access_key": "s", "account_id": "222222222222"}, {"access_key_id": "A", "secret_access_key": "t", "account_id": "333333333333"}]}`: "listed twice",
		`{"regions": {"Europe": {}}}`:                                                                                      "not a region name",
		`{"notifications": {"topics": {"backup-alerts": {"url": "http://x"}}}}`:                                            "not an SNS topic ARN",
		`{"notifications": {"topics": {"arn:aws:sns:us-east-1:123456789012:t": {"url": "ftp://x"}}}}`:                      "must be an http(s) URL",
		`{"notifications": {"topics": {"arn:aws:sns:us-east-1:123456789012:t": {"url": "http://x", "max_attempts": -1}}}}`: "must not be negative",
	}
	for doc, want := range cases {
		if _, err := Parse([]byte(doc), "/"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", doc, err, want)
		}
	}
}

func TestParseAllowedPaths(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	doc := `{"filesystem": {"allowed_paths": ["` + dir + `/./", "` + dir + `"]},
  "accounts": [{"access_key_id": "AKIADR00000000000000", "secret_access_key": "s", "account_id": "222222222222", "allowed_paths": ["` + dir + `//sub/.."]}]}`
	c, err := Parse([]byte(doc), "/")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Filesystem.AllowedPaths; len(got) != 1 || got[0] != dir {
		t.Errorf("filesystem.allowed_paths = %q, want [%s] (cleaned, once)", got, dir)
	}
	if got := c.Accounts[0].AllowedPaths; len(got) != 1 || got[0] != dir {
		t.Errorf("accounts[0].allowed_paths = %q, want [%s]", got, dir)
	}

	cases := map[string]string{
		`{"filesystem": {"allowed_paths": ["srv/data"]}}`:                                                                          `filesystem.allowed_paths[0] "srv/data" must be an absolute path`,
		`{"filesystem": {"allowed_paths": ["` + dir + `/missing"]}}`:                                                               "filesystem.allowed_paths[0] " + dir + "/missing: ",
		`{"filesystem": {"allowed_paths": ["` + dir + `", "` + file + `"]}}`:                                                       "filesystem.allowed_paths[1] " + file + " is not a directory",
		`{"filesystem": {"alowed_paths": []}}`:                                                                                     `unknown field "alowed_paths"`, //nolint:misspell // the misspelt key is what is tested
		`{"accounts": [{"access_key_id": "A", "secret_access_key": "s", "account_id": "222222222222", "allowed_paths": ["rel"]}]}`: `accounts[0].allowed_paths[0] "rel" must be an absolute path`,
	}
	for doc, want := range cases {
		if _, err := Parse([]byte(doc), "/"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", doc, err, want)
		}
	}
}

func TestParseEventRules(t *testing.T) {
	seed := `{"source":["aws.backup"],"detail-type":["Backup Job State Change"],"detail":{"state":["FAILED","ABORTED","EXPIRED"]}}`
	c, err := Parse([]byte(`{"event_rules":[{"name":"failed-backups","event_pattern":`+seed+`,"url":"http://127.0.0.1:9/hook"}]}`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := c.EventRules[0]
	if r.MaxAttempts != 5 || r.Pattern == nil {
		t.Fatalf("rule not defaulted and compiled: %+v", r)
	}
	if !r.Pattern.Match(map[string]any{"source": "aws.backup", "detail-type": "Backup Job State Change", "detail": map[string]any{"state": "ABORTED"}}) {
		t.Error("the seed's pattern does not match an aborted backup job")
	}
}

func TestParseRefusesMalformedEventRules(t *testing.T) {
	for doc, want := range map[string]string{
		`{"event_rules":[{"name":"r","event_pattern":{"detail":{"state":"FAILED"}},"url":"http://h/"}]}`:                                                    `event_rules[0] (r).event_pattern: InvalidEventPatternException: event pattern field "detail.state": a value must be an array`,
		`{"event_rules":[{"name":"r","event_pattern":{"state":[{"numeric":[">","x"]}]},"url":"http://h/"}]}`:                                                `"numeric" operator ">" needs a number`,
		`{"event_rules":[{"name":"r","url":"http://h/"}]}`:                                                                                                  "event_pattern: InvalidEventPatternException",
		`{"event_rules":[{"name":"r","event_pattern":{"source":["aws.backup"]},"url":"ftp://h/"}]}`:                                                         `event_rules[0] (r).url "ftp://h/" must be an http(s) URL`,
		`{"event_rules":[{"name":"bad name","event_pattern":{"source":["aws.backup"]},"url":"http://h/"}]}`:                                                 `event_rules[0].name "bad name"`,
		`{"event_rules":[{"name":"r","event_pattern":{"source":["a"]},"url":"http://h/"},{"name":"r","event_pattern":{"source":["a"]},"url":"http://h/"}]}`: `event_rules[1].name "r" is used by another rule`,
	} {
		_, err := Parse([]byte(doc), t.TempDir())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", doc, err, want)
		}
	}
}

// The reports section: an S3 server or a directory, each checked, never both.
func TestParseReports(t *testing.T) {
	c, err := Parse([]byte(`{"reports": {"s3": {"endpoint": "http://127.0.0.1:7070", "region": "us-east-1", "profile": "audit"}}}`), "/")
	if err != nil || c.Reports.S3 == nil || c.Reports.S3.Profile != "audit" || c.Reports.S3.Endpoint != "http://127.0.0.1:7070" {
		t.Fatalf("Parse = %+v, %v", c, err)
	}
	for doc, want := range map[string]string{
		`{"reports": {"s3": {"endpoint": "ftp://x"}}}`:                         "reports.s3.endpoint",
		`{"reports": {"s3": {"endpoint": "http://x", "region": "Europe"}}}`:    "reports.s3.region",
		`{"reports": {"directory": "relative/dir"}}`:                           "must be an absolute path",
		`{"reports": {"s3": {"endpoint": "http://x"}, "directory": "/srv/r"}}`: "either s3 or directory",
	} {
		if _, err := Parse([]byte(doc), "/"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", doc, err, want)
		}
	}
}

func TestStorageIsPerVaultThenPerRegion(t *testing.T) {
	c, err := Parse([]byte(`{"storage": "s3://everywhere", "regions": {
  "us-east-1": {"storage": "s3://backups/engine?endpoint=https://minio.lan:9000&region=us-east-1&profile=backup",
                "vaults": {"Compliance": {"storage": "s3://worm-bucket?endpoint=https://minio.lan:9000"}}},
  "eu-west-1": {"storage_dir": "/disk"}}}`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	loc, ok := c.VaultStorage("us-east-1", "Default")
	if !ok || loc.Bucket != "backups" || loc.Prefix != "engine/" || loc.Profile != "backup" || loc.Endpoint != "https://minio.lan:9000" {
		t.Errorf("region storage: %+v, %t", loc, ok)
	}
	loc, ok = c.VaultStorage("us-east-1", "Compliance")
	if !ok || loc.Bucket != "worm-bucket" || loc.Prefix != "" || loc.Profile != "" {
		t.Errorf("vault storage: %+v, %t", loc, ok)
	}
	if loc, ok := c.VaultStorage("eu-west-1", "Default"); ok {
		t.Errorf("a storage_dir region got S3 storage %+v", loc)
	}
	if loc, ok := c.VaultStorage("ap-south-1", "Default"); !ok || loc.Bucket != "everywhere" {
		t.Errorf("a region without settings got %+v, %t; want the engine-wide storage", loc, ok)
	}
}

func TestStorageRefusesMistakesByName(t *testing.T) {
	cases := map[string]string{
		`{"regions": {"us-east-1": {"storage": "https://bucket"}}}`:                     "regions.us-east-1.storage",
		`{"regions": {"us-east-1": {"storage": "s3://AKIA:secret@bucket"}}}`:            "plain text",
		`{"regions": {"us-east-1": {"storage": "s3://b?endpoint=ftp://x"}}}`:            "endpoint=",
		`{"regions": {"us-east-1": {"storage": "s3://b?bucket=x"}}}`:                    `unknown parameter "bucket"`,
		`{"regions": {"us-east-1": {"vaults": {"a b": {"storage": "s3://b"}}}}}`:        "not a vault name",
		`{"regions": {"us-east-1": {"vaults": {"Main": {"storage": "s3:///prefix"}}}}}`: "regions.us-east-1.vaults.Main.storage",
		`{"regions": {"us-east-1": {"storage": "s3://b/../x"}}}`:                        "'..'",
		`{"regions": {"us-east-1": {"storage": "s3://b?conditional=maybe"}}}`:           "conditional=",
	}
	for doc, want := range cases {
		_, err := Parse([]byte(doc), t.TempDir())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error naming %q", doc, err, want)
		}
	}
}
