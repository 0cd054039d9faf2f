package rds

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/rds/pgtest"
)

func newRepo(t *testing.T) *content.Repository {
	t.Helper()
	var mk keyring.MasterKey
	copy(mk[:], "0123456789abcdef0123456789abcdef")
	repo, err := content.Init(context.Background(), blob.NewMemory(), mk, "test-key")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { repo.Close() })
	return repo
}

func sql(t *testing.T, url string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// fingerprint summarises a database's contents so two databases can be compared.
func fingerprint(t *testing.T, url string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, sum, seq, viewRows string
	q := `SELECT count(*)::text, md5(string_agg(id || ':' || email || ':' || encode(avatar, 'hex'), ',' ORDER BY id)) FROM users`
	if err := conn.QueryRow(ctx, q).Scan(&rows, &sum); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT last_value::text FROM users_id_seq`).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*)::text FROM active_users`).Scan(&viewRows); err != nil {
		t.Fatal(err)
	}
	return strings.Join([]string{rows, sum, seq, viewRows}, "|")
}

func TestBackupThenRestoreToANewIdentifierReproducesTheDatabase(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Start(t)
	sql(t, pg.URL, `CREATE DATABASE "prod-mysql"`)
	prod := pg.DatabaseURL("prod-mysql")
	sql(t, prod,
		`CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE NOT NULL, avatar bytea NOT NULL, active bool NOT NULL DEFAULT true)`,
		`INSERT INTO users (email, avatar, active) SELECT 'user' || g || '@example.com', decode(md5(g::text), 'hex'), g % 3 <> 0 FROM generate_series(1, 2000) g`,
		`CREATE VIEW active_users AS SELECT * FROM users WHERE active`,
	)
	before := fingerprint(t, prod)
	repo := newRepo(t)

	var progressed int64
	res, err := Backup(ctx, repo, prod, "prod-mysql", func(n int64) { progressed = n })
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if res.Bytes == 0 || res.Snapshot.Kind != "stream" {
		t.Errorf("Backup result: %+v", res)
	}
	if progressed == 0 {
		t.Errorf("no progress reported")
	}
	meta := RestoreMetadata(res.Snapshot)
	if meta["DBInstanceIdentifier"] != "prod-mysql" || meta["Engine"] != "postgres" || meta["DBName"] != "prod-mysql" || !strings.HasPrefix(meta["EngineVersion"], "15") {
		t.Errorf("restore metadata %v", meta)
	}

	// The original keeps changing after the backup; the restore must show the backup's state.
	sql(t, prod, `DELETE FROM users WHERE id <= 100`, `INSERT INTO users (email, avatar) VALUES ('late@example.com', '\x00')`)

	out, err := Restore(ctx, repo, res.Snapshot.ID, pg.URL, "prod-mysql-restored-20240117")
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if got := fingerprint(t, out.URL); got != before {
		t.Errorf("restored database %s, backed-up database %s", got, before)
	}
	if got := fingerprint(t, prod); got == before {
		t.Errorf("the original was expected to have moved on")
	}
}

func TestRestoreRefusesAnIdentifierThatExistsAndLeavesItAlone(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Start(t)
	sql(t, pg.URL, `CREATE DATABASE app`)
	app := pg.DatabaseURL("app")
	sql(t, app, `CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, avatar bytea NOT NULL, active bool NOT NULL DEFAULT true)`,
		`CREATE VIEW active_users AS SELECT * FROM users WHERE active`,
		`INSERT INTO users (email, avatar) VALUES ('a@example.com', '\x01')`)
	repo := newRepo(t)
	res, err := Backup(ctx, repo, app, "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	sql(t, app, `INSERT INTO users (email, avatar) VALUES ('b@example.com', '\x02')`)
	before := fingerprint(t, app)
	_, err = Restore(ctx, repo, res.Snapshot.ID, pg.URL, "app")
	if !errors.Is(err, ErrDatabaseExists) {
		t.Fatalf("restore onto an existing database: err = %v, want ErrDatabaseExists", err)
	}
	if after := fingerprint(t, app); after != before {
		t.Errorf("the existing database changed: %s -> %s", before, after)
	}
}

func TestFailedDumpIsNeverCommitted(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Start(t)
	sql(t, pg.URL, `CREATE DATABASE locked`, `CREATE ROLE reader LOGIN`)
	sql(t, pg.DatabaseURL("locked"), `CREATE TABLE secrets (v text)`, `INSERT INTO secrets VALUES ('x')`, `REVOKE ALL ON secrets FROM PUBLIC`)
	repo := newRepo(t)
	asReader := strings.Replace(pg.DatabaseURL("locked"), "postgres@", "reader@", 1)
	_, err := Backup(ctx, repo, asReader, "locked", nil)
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("dump without read permission: err = %v, want pg_dump's permission error", err)
	}
}

func TestDumpReaderReportsTheDumpFailureInsteadOfEOF(t *testing.T) {
	boom := errors.New("pg_dump exited 1")
	d := &dumpReader{r: strings.NewReader("partial"), wait: func() error { return boom }}
	b, err := io.ReadAll(d)
	if !errors.Is(err, boom) {
		t.Fatalf("ReadAll err = %v, want the dump failure", err)
	}
	if string(b) != "partial" {
		t.Errorf("read %q", b)
	}
	ok := &dumpReader{r: strings.NewReader("whole"), wait: func() error { return nil }}
	if b, err := io.ReadAll(ok); err != nil || string(b) != "whole" {
		t.Errorf("successful dump: %q, %v", b, err)
	}
}

func TestValidateIdentifier(t *testing.T) {
	for id, ok := range map[string]bool{
		"prod-mysql-restored-20240117": true, "a": true, "db1": true,
		"": false, "1db": false, "db-": false, "db--x": false, "db_x": false, strings.Repeat("a", 64): false, strings.Repeat("a", 63): true,
	} {
		if err := ValidateIdentifier(id); (err == nil) != ok {
			t.Errorf("ValidateIdentifier(%q) = %v, want ok=%v", id, err, ok)
		}
	}
}
