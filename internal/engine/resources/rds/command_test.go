package rds

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// A password reaches pg_dump and pg_restore in PGPASSWORD, never on their command lines, which
// every user of the machine can read in /proc.
func TestToolCommandKeepsThePasswordOffTheCommandLine(t *testing.T) {
	for raw, password := range map[string]string{
		"postgres://app:s3cr%2Ft@db:5432/orders?sslmode=disable": "s3cr/t",
		"postgres://app@db:5432/orders?password=s3cr%26t":        "s3cr&t",
		"postgres://app@db:5432/orders":                          "",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		cmd := toolCommand(context.Background(), u, "pg_dump", "--format=custom")
		line := strings.Join(cmd.Args, " ")
		if password != "" && strings.Contains(line, strings.Split(password, "/")[0]) || strings.Contains(line, "password") {
			t.Errorf("%s: command line %q holds the password", raw, line)
		}
		if !strings.Contains(line, "--dbname=postgres://app@db:5432/orders") {
			t.Errorf("%s: command line %q does not name the database", raw, line)
		}
		has := slices.Contains(cmd.Env, "PGPASSWORD="+password)
		if password != "" && !has || password == "" && cmd.Env != nil {
			t.Errorf("%s: environment %v, want PGPASSWORD=%s only when the URL has a password", raw, cmd.Env, password)
		}
	}
}
