// Package rds backs up and restores PostgreSQL databases, the engine's RDS-like resources.
//
// A resource is one database on a PostgreSQL server, named by a connection URL. A backup is a
// consistent pg_dump (custom format, taken in one repeatable-read snapshot by pg_dump itself)
// streamed straight into the vault repository, never staged on disk. A restore creates a NEW
// database, named like AWS's DBInstanceIdentifier, and pg_restores into it; as on RDS it fails if
// that name is taken, and the original database is never touched.
//
// pg_dump and pg_restore are the real tools users trust for PostgreSQL; pgx (a well-kept driver)
// handles the few administrative statements around them.
package rds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
)

// ToolsInstalled reports whether pg_dump and pg_restore, which every backup and restore runs, are
// on PATH.
func ToolsInstalled() bool {
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false
		}
	}
	return true
}

// ErrDatabaseExists is returned by Restore when the target database already exists.
var ErrDatabaseExists = errors.New("rds: a database with that identifier already exists")

// identifierPattern is RDS's rule for DBInstanceIdentifier: 1 to 63 letters, digits or hyphens,
// starting with a letter, without a trailing hyphen or two consecutive hyphens.
var identifierPattern = regexp.MustCompile(`^[a-zA-Z](?:[a-zA-Z0-9]|-[a-zA-Z0-9]){0,62}$`)

// ValidateIdentifier checks a DBInstanceIdentifier against RDS's naming rule.
func ValidateIdentifier(id string) error {
	if !identifierPattern.MatchString(id) {
		return fmt.Errorf("DBInstanceIdentifier %q must be 1 to 63 letters, digits or hyphens, start with a letter, and not end with a hyphen or contain two consecutive hyphens", id)
	}
	return nil
}

// Snapshot metadata keys.
const (
	metaEngine        = "engine"
	metaEngineVersion = "engine_version"
	metaDBName        = "db_name"
	metaIdentifier    = "db_instance_identifier"
	metaHost          = "host"
	metaPort          = "port"
	metaFormat        = "format"
)

// Result is what a backup did.
type Result struct {
	Snapshot content.Snapshot
	// Bytes is the size of the dump.
	Bytes int64
}

// Backup streams a pg_dump of the database at dbURL into repo as a "stream" snapshot. identifier
// is the resource's DBInstanceIdentifier, recorded for the restore metadata. If pg_dump fails at
// any point the snapshot is not committed.
func Backup(ctx context.Context, repo *content.Repository, dbURL, identifier string, progress func(bytes int64)) (Result, error) {
	u, err := parseURL(dbURL)
	if err != nil {
		return Result{}, err
	}
	version, err := serverVersion(ctx, dbURL)
	if err != nil {
		return Result{}, fmt.Errorf("connect to %s: %w", redact(u), err)
	}
	cmd := toolCommand(ctx, u, "pg_dump", "--format=custom", "--compress=0", "--no-password")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Result{}, err
	}
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("start pg_dump: %w", err)
	}
	src := &dumpReader{r: stdout, wait: func() error {
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("pg_dump of %s failed: %w: %s", redact(u), err, strings.TrimSpace(stderr.String()))
		}
		return nil
	}}
	meta := map[string]string{
		metaEngine:        "postgres",
		metaEngineVersion: version,
		metaDBName:        strings.TrimPrefix(u.Path, "/"),
		metaIdentifier:    identifier,
		metaHost:          u.Hostname(),
		metaPort:          portOf(u),
		metaFormat:        "pg_dump-custom",
	}
	snap, err := repo.BackupStream(ctx, src, meta, progress)
	if err != nil {
		_ = cmd.Process.Kill()
		_ = src.finish()
		return Result{}, err
	}
	return Result{Snapshot: snap, Bytes: src.n.Load()}, nil
}

// dumpReader passes pg_dump's output through and turns its exit status into the stream's end:
// io.EOF only when pg_dump succeeded, so a failed dump can never be committed as a snapshot.
type dumpReader struct {
	r      io.Reader
	wait   func() error
	n      atomic.Int64
	waited bool
	err    error
}

func (d *dumpReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.n.Add(int64(n))
	if errors.Is(err, io.EOF) {
		if werr := d.finish(); werr != nil {
			return n, werr
		}
	}
	return n, err
}

func (d *dumpReader) finish() error {
	if !d.waited {
		d.waited = true
		d.err = d.wait()
	}
	return d.err
}

// RestoreMetadata is what GetRecoveryPointRestoreMetadata answers for a database snapshot: the
// original instance's configuration, ready to be sent back with a new DBInstanceIdentifier.
func RestoreMetadata(s content.Snapshot) map[string]string {
	return map[string]string{
		"DBInstanceIdentifier": s.Meta[metaIdentifier],
		"DBName":               s.Meta[metaDBName],
		"Engine":               s.Meta[metaEngine],
		"EngineVersion":        s.Meta[metaEngineVersion],
		"Endpoint":             s.Meta[metaHost],
		"Port":                 s.Meta[metaPort],
	}
}

// RestoreResult is what a restore made.
type RestoreResult struct {
	// URL connects to the new database.
	URL string
	// Bytes is the size of the dump restored.
	Bytes int64
}

// Restore creates database newName on the server serverURL points at and loads snapshot snap into
// it. It fails with ErrDatabaseExists if newName is taken. If the load fails, the new database is
// dropped again, so a failed restore leaves nothing behind.
func Restore(ctx context.Context, repo *content.Repository, snap content.SnapshotID, serverURL, newName string) (RestoreResult, error) {
	if err := ValidateIdentifier(newName); err != nil {
		return RestoreResult{}, err
	}
	u, err := parseURL(serverURL)
	if err != nil {
		return RestoreResult{}, err
	}
	admin, err := maintenanceURL(serverURL)
	if err != nil {
		return RestoreResult{}, err
	}
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return RestoreResult{}, fmt.Errorf("connect to %s: %w", redact(admin), err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{newName}.Sanitize()); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database
			return RestoreResult{}, fmt.Errorf("%w: %s", ErrDatabaseExists, newName)
		}
		return RestoreResult{}, fmt.Errorf("create database %s: %w", newName, err)
	}
	target := *u
	target.Path = "/" + newName
	n, err := load(ctx, repo, snap, &target)
	if err != nil {
		if _, derr := conn.Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+pgx.Identifier{newName}.Sanitize()+" WITH (FORCE)"); derr != nil {
			err = fmt.Errorf("%w (and dropping the half-restored database failed: %v)", err, derr)
		}
		return RestoreResult{}, err
	}
	return RestoreResult{URL: target.String(), Bytes: n}, nil
}

// load pipes the snapshot into pg_restore.
func load(ctx context.Context, repo *content.Repository, snap content.SnapshotID, dbURL *url.URL) (int64, error) {
	cmd := toolCommand(ctx, dbURL, "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--no-password")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start pg_restore: %w", err)
	}
	cw := &countingWriter{w: stdin}
	streamErr := repo.RestoreStream(ctx, snap, cw)
	_ = stdin.Close()
	waitErr := cmd.Wait()
	if streamErr != nil {
		return 0, fmt.Errorf("read snapshot %s: %w", snap, streamErr)
	}
	if waitErr != nil {
		return 0, fmt.Errorf("pg_restore failed: %w: %s", waitErr, strings.TrimSpace(stderr.String()))
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// toolCommand runs a PostgreSQL client tool (pg_dump, pg_restore) on the database at dbURL. A
// password in the URL (user info, or libpq's password= parameter) goes to the tool in
// PGPASSWORD, not on its command line, which every user of the machine can read
// (/proc/PID/cmdline).
func toolCommand(ctx context.Context, dbURL *url.URL, tool string, args ...string) *exec.Cmd {
	u := *dbURL
	password, hasPassword := u.User.Password()
	if hasPassword {
		u.User = url.User(u.User.Username())
	}
	if q := u.Query(); q.Has("password") {
		password, hasPassword = q.Get("password"), true
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	cmd := exec.CommandContext(ctx, tool, append(args, "--dbname="+u.String())...)
	if hasPassword {
		cmd.Env = append(os.Environ(), "PGPASSWORD="+password)
	}
	return cmd
}

func serverVersion(ctx context.Context, dbURL string) (string, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "", err
	}
	return strings.Fields(v)[0], nil
}

// Check connects to the database at dbURL; the registry uses it to refuse a resource that cannot
// be reached.
func Check(ctx context.Context, dbURL string) error {
	u, err := parseURL(dbURL)
	if err != nil {
		return err
	}
	if _, err := serverVersion(ctx, dbURL); err != nil {
		return fmt.Errorf("connect to %s: %w", redact(u), err)
	}
	return nil
}

func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return nil, fmt.Errorf("%q is not a PostgreSQL database URL: expected postgres://USER[:PASSWORD]@HOST:PORT/DBNAME", redactString(s))
	}
	return u, nil
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return strconv.Itoa(5432)
}

// redact hides a URL's password in messages.
func redact(u *url.URL) string { return u.Redacted() }

func redactString(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "(unparseable URL)"
}

// maintenanceURL points a database URL at the server's maintenance database.
func maintenanceURL(dbURL string) (*url.URL, error) {
	u, err := parseURL(dbURL)
	if err != nil {
		return nil, err
	}
	admin := *u
	admin.Path = "/postgres"
	return &admin, nil
}

// DatabaseExists reports whether the server dbURL points at has a database called name.
func DatabaseExists(ctx context.Context, dbURL, name string) (bool, error) {
	admin, err := maintenanceURL(dbURL)
	if err != nil {
		return false, err
	}
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return false, fmt.Errorf("connect to %s: %w", redact(admin), err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	return exists, err
}

// DropDatabase drops database name on the server dbURL points at, if it exists.
func DropDatabase(ctx context.Context, dbURL, name string) error {
	admin, err := maintenanceURL(dbURL)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(admin), err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}
