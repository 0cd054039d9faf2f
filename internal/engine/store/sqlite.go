package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrSchemaTooNew is returned by OpenSQLite when the database was written by a newer version of
// the engine than this one. Opening it anyway would let old code write documents the new code
// does not expect (or run against tables it does not know), so the open is refused instead.
var ErrSchemaTooNew = errors.New("store: database schema is newer than this program supports")

// busyTimeout is how long a connection waits for another connection (usually another process on
// the same data dir) to release a lock before SQLite reports SQLITE_BUSY. It is generous because
// the alternative to waiting is failing an API call that would have succeeded a moment later.
const busyTimeout = 30 * time.Second

// beginAttempts bounds how often Update tries BEGIN IMMEDIATE when SQLite still reports
// SQLITE_BUSY after the busy timeout (or, in a few situations, without consulting it). Each
// attempt may already have waited up to busyTimeout, so a handful is plenty.
const beginAttempts = 4

// migrations are the schema steps, in order: migrations[i] brings the schema to version i+1.
//
// Append only. Never edit or reorder a step that has shipped: databases in the field record the
// version they reached, and a changed step would silently not run on them. Each step runs inside
// the migration transaction, so a step either applies completely, with its version row, or not at
// all.
var migrations = []string{
	// 1: the documents. WITHOUT ROWID makes the primary key the table itself, so a document is
	// stored once, clustered by (collection, key), and a prefix scan is one range read of the
	// B-tree in key order. TEXT with the default BINARY collation compares keys with memcmp,
	// i.e. bytewise, which is the order the Store contract promises.
	`CREATE TABLE docs (
		collection TEXT NOT NULL,
		key        TEXT NOT NULL,
		doc        BLOB NOT NULL,
		PRIMARY KEY (collection, key)
	) WITHOUT ROWID`,
}

// SQLite is the default Store: one SQLite database file, pure Go (modernc.org/sqlite, so the
// engine builds with CGO_ENABLED=0).
//
// Several engine processes may share one data dir (a CLI command next to a running server, two
// test binaries, ...), so every setting here is chosen for correctness under that sharing:
//
//   - WAL journal mode. Readers never block the writer and the writer never blocks readers, so a
//     long View cannot stall the API, and a commit is one append to the WAL.
//   - synchronous=FULL. The WAL is fsynced at every commit, so once Update returns nil the
//     transaction survives a killed process and a power cut (NORMAL would only survive the
//     former).
//   - busy_timeout of 30s. A process that finds the write lock taken waits for it instead of
//     failing with SQLITE_BUSY.
//   - Update starts with BEGIN IMMEDIATE (the driver's _txlock=immediate). A deferred
//     transaction takes the write lock only at its first write; two processes that both read
//     first and then try to upgrade can deadlock, and SQLite resolves that by failing one of
//     them with SQLITE_BUSY without waiting. Taking the write lock up front makes Updates queue
//     instead. View uses a deferred transaction on a query_only connection of its own pool
//     (sqlite_read.go), which in WAL mode takes no lock that could hold up a writer.
//   - Inside one process, Updates queue on a semaphore before they touch SQLite, so they take
//     turns directly rather than through the busy handler's sleep-and-poll, which is both slower
//     and unfair. Only contention between processes is left to the busy handler.
//
// The database file must only ever be opened through SQLite: SQLite's locks are POSIX record
// locks, which the kernel drops for the whole process when any descriptor of the file is closed,
// so reading the file with os.Open in a process that also has it open as a database can let
// another process write over a transaction in progress. Copy a live database with SQLite's
// backup API or VACUUM INTO, never by copying the file.
type SQLite struct {
	db *sql.DB
	// reads is the pool View runs on: query_only connections of their own (sqlite_read.go).
	reads  *sql.DB
	path   string
	writer chan struct{} // one-slot semaphore held by the running Update in this process
	closed atomic.Bool
	// stmts holds a prepared statement per query text (there are a handful: see sqliteTx).
	// Parsing and planning a statement costs more than running a keyed read, so every call
	// reuses one; database/sql prepares it once per pooled connection.
	stmts sync.Map // string → *sql.Stmt
	// wal maps the WAL-index header for Version, and keeper is the connection that keeps the
	// -shm file in place while it is mapped (walindex_linux.go). Both nil where Version
	// cannot tell.
	wal    *walIndex
	keeper driver.Conn
}

// OpenSQLite opens (creating if needed) the SQLite database at path and brings its schema up to
// date. It fails with ErrSchemaTooNew if the database was created by a newer engine.
//
// Several processes may open the same path at the same time, including when the file does not
// exist yet: the schema is migrated inside a BEGIN IMMEDIATE transaction that re-reads the
// version, so exactly one process applies each step.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	return openSQLite(ctx, path, busyTimeout)
}

// openSQLite is OpenSQLite with a configurable busy timeout, so tests can make SQLITE_BUSY
// surface in milliseconds instead of half a minute.
func openSQLite(ctx context.Context, path string, busy time.Duration) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("store: open sqlite: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	if err := createPrivateFile(abs); err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	connector, err := sqlite.NewConnector(sqliteDSN(abs, busy))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	db := sql.OpenDB(connector)
	// Every connection is a file descriptor plus a page cache. This pool serves Update, which
	// runs one at a time, the statements it prepares in the background, and maintenance; Views
	// have a pool of their own (below).
	n := max(4, runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)

	s := &SQLite{db: db, path: abs, writer: make(chan struct{}, 1)}
	if err := s.enableWAL(ctx, busy); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	// The read pool opens once the schema is there: its connections may not write, not even
	// to migrate. Views run concurrently, one per connection, and there is no point in more
	// of them than CPUs.
	readsConnector, err := sqlite.NewConnector(sqliteDSN(abs, busy) + "&_pragma=query_only(1)")
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", abs, err)
	}
	s.reads = sql.OpenDB(readConnector{inner: readsConnector})
	s.reads.SetMaxOpenConns(n)
	s.reads.SetMaxIdleConns(n)
	s.keeper, s.wal = openVersion(ctx, readConnector{inner: readsConnector}, abs)
	return s, nil
}

// openVersion opens the keeper connection, reads through it (which opens the -shm file and
// takes its locks) and maps the WAL-index header. Where that fails Version cannot tell, and
// the store works as without it.
func openVersion(ctx context.Context, rc readConnector, abs string) (driver.Conn, *walIndex) {
	conn, err := rc.Connect(ctx)
	if err != nil {
		return nil, nil
	}
	c, ok := conn.(*readConn)
	if !ok {
		_ = conn.Close()
		return nil, nil
	}
	pin, err := c.beginView()
	if err == nil {
		err = pin.Close()
	}
	if err != nil {
		_ = c.Close()
		return nil, nil
	}
	w, err := openWALIndex(abs)
	if w == nil || err != nil {
		_ = c.Close()
		return nil, nil
	}
	return c, w
}

// Version implements Versioner from the WAL-index header (walindex_linux.go).
func (s *SQLite) Version() (Version, bool) {
	if s.closed.Load() {
		return Version{}, false
	}
	return s.wal.version()
}

// createPrivateFile makes an empty file at path, readable by its owner alone, unless there is a
// file there already. SQLite would create the database with mode 0644 less the umask, and its
// -wal and -shm files take the database file's mode, so making the database first makes all
// three private whatever the umask. The file is made under a temporary name and linked into
// place: no descriptor of the database file itself is opened outside SQLite, whose POSIX locks
// the kernel drops for the whole process when any descriptor of the file is closed.
func createPrivateFile(path string) error {
	if _, err := os.Lstat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-new-*")
	if err != nil {
		return fmt.Errorf("create the database file: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	// CreateTemp makes the file 0600; Chmod says so where a umask or ACL might suggest otherwise.
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("create the database file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("create the database file: %w", err)
	}
	// Link, not rename: a process that created the database meanwhile keeps its file.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create the database file: %w", err)
	}
	return nil
}

// sqliteDSN builds the driver's connection string. The path goes into a file: URI so that
// characters SQLite or the driver would otherwise read as syntax ('?', '#', '%') stay part of the
// file name; the pragmas in the query are applied by the driver to every new connection, which
// matters because busy_timeout and synchronous are per-connection settings. journal_mode is
// deliberately not among them: it is a property of the file, set once by enableWAL.
func sqliteDSN(abs string, busy time.Duration) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") { // Windows: C:/x -> /C:/x
		p = "/" + p
	}
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busy.Milliseconds()))
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate")
	// 16 KiB pages for a new file (an existing one keeps its size): the docs table is WITHOUT
	// ROWID, whose rows keep only about a quarter of a page inline, so with 4 KiB pages a record
	// over ~1 KB (a recovery point) spills into an overflow page that SQLite reads past its
	// cache, one pread per record, on every scan. And a cache of 8 MiB per connection rather
	// than 2, so a vault's points stay in it between pages.
	q.Add("_pragma", "page_size(16384)")
	q.Add("_pragma", "cache_size(-8192)")
	return "file:" + (&url.URL{Path: p}).EscapedPath() + "?" + q.Encode()
}

// enableWAL switches the database file to WAL mode (a no-op once it is) and fails if SQLite
// refuses: it silently keeps a rollback journal where WAL is impossible (some network file
// systems), and the concurrency guarantees above depend on WAL, so better to say so at open than
// to misbehave later.
//
// Converting a new file to WAL is a read transaction upgraded to a write, which SQLite does not
// run through the busy handler (waiting could deadlock two upgraders), so when several processes
// open a new file at once, all but one get SQLITE_BUSY at once. That is why this is done here,
// once, retried for up to the busy timeout, rather than as a DSN pragma on every new
// connection, where the failure would surface from whatever query first opened a connection.
func (s *SQLite) enableWAL(ctx context.Context, busy time.Duration) error {
	// Give up on contention after the busy timeout, like every other lock wait in this store.
	retryCtx, cancel := context.WithTimeout(ctx, busy)
	defer cancel()
	var mode string
	var err error
	for backoff := 5 * time.Millisecond; ; backoff = min(2*backoff, 250*time.Millisecond) {
		err = s.db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil || !isBusy(err) {
			break
		}
		if sleep(retryCtx, backoff/2+rand.N(backoff)) != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			break
		}
	}
	if err != nil {
		return fmt.Errorf("store: open sqlite %s: set WAL mode: %w", s.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("store: open sqlite %s: journal mode is %q, want wal (is the data dir on a file system without shared-memory support?)", s.path, mode)
	}
	return nil
}

// migrate applies the migration steps the database has not seen yet.
//
// The common case, an up-to-date database, is settled by a read that takes no write lock, so
// opening a store never queues behind another process's writes. Otherwise the steps run in one
// BEGIN IMMEDIATE transaction that reads the version again: whichever process gets the write
// lock first migrates, and the others find nothing left to do.
func (s *SQLite) migrate(ctx context.Context) error {
	current, err := s.schemaVersion(ctx, s.db)
	if err != nil {
		return err
	}
	if err := s.checkVersion(current); err != nil || current == len(migrations) {
		return err
	}

	tx, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", s.path, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT
	)`); err != nil {
		return fmt.Errorf("store: migrate %s: %w", s.path, err)
	}
	if current, err = s.schemaVersion(ctx, tx); err != nil {
		return err
	}
	if err := s.checkVersion(current); err != nil {
		return err
	}
	for v := current + 1; v <= len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			return fmt.Errorf("store: migrate %s to version %d: %w", s.path, v, err)
		}
		// applied_at comes from SQLite's clock: the engine reads "now" only through its clock
		// package, and this timestamp is for humans inspecting the file, not for the engine.
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
			v); err != nil {
			return fmt.Errorf("store: migrate %s to version %d: %w", s.path, v, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migrate %s: commit: %w", s.path, err)
	}
	return nil
}

func (s *SQLite) checkVersion(v int) error {
	if v > len(migrations) {
		return fmt.Errorf("%w: %s is at schema version %d, this program knows versions up to %d; use a newer engine with this data dir",
			ErrSchemaTooNew, s.path, v, len(migrations))
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion returns the highest applied migration, 0 for a new database.
func (s *SQLite) schemaVersion(ctx context.Context, q querier) (int, error) {
	var tables int
	err := q.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&tables)
	if err != nil {
		return 0, fmt.Errorf("store: read schema version of %s: %w", s.path, err)
	}
	if tables == 0 {
		return 0, nil
	}
	var version int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return 0, fmt.Errorf("store: read schema version of %s: %w", s.path, err)
	}
	return version, nil
}

// begin starts a write transaction: BEGIN IMMEDIATE (the DSN's _txlock). SQLITE_BUSY that
// survives the busy timeout is retried a few times with jittered backoff, so a burst of
// contention does not fail an API call outright.
func (s *SQLite) begin(ctx context.Context) (*sql.Tx, error) {
	backoff := 20 * time.Millisecond
	for attempt := 1; ; attempt++ {
		tx, err := s.db.BeginTx(ctx, nil)
		switch {
		case err == nil:
			return tx, nil
		case s.closed.Load():
			return nil, ErrClosed
		case ctx.Err() != nil:
			return nil, fmt.Errorf("begin transaction: %w", ctx.Err())
		case !isBusy(err) || attempt >= beginAttempts:
			return nil, fmt.Errorf("begin transaction (attempt %d): %w", attempt, err)
		}
		if err := sleep(ctx, backoff/2+rand.N(backoff)); err != nil {
			return nil, fmt.Errorf("begin transaction: %w", err)
		}
		backoff *= 2
	}
}

// sleep waits for d or until ctx ends, whichever is first, and returns ctx's error in the latter
// case.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// isBusy reports whether err is SQLITE_BUSY (any extended code).
func isBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// Update runs fn in a BEGIN IMMEDIATE transaction and commits it if fn returns nil. If fn
// returns an error, panics, or the context ends before the commit, everything is rolled back;
// a panic continues after the rollback. Do not call Update from inside fn: Updates in one
// process are serialised, so a nested Update waits for itself.
func (s *SQLite) Update(ctx context.Context, fn func(Tx) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("store: update: %w", ctx.Err())
	}
	defer func() { <-s.writer }()
	if s.closed.Load() { // closed while we queued
		return ErrClosed
	}

	tx, err := s.begin(ctx)
	if errors.Is(err, ErrClosed) {
		return ErrClosed
	}
	if err != nil {
		return fmt.Errorf("store: update: %w", err)
	}
	t := &sqliteTx{ctx: ctx, tx: tx, s: s}
	defer func() {
		t.done = true
		_ = tx.Rollback() // no-op (sql.ErrTxDone) after a successful Commit
	}()
	if err := fn(t); err != nil {
		return err
	}
	t.done = true
	if err := tx.Commit(); err != nil {
		if ctx.Err() != nil {
			// database/sql rolls a transaction back when its context ends.
			return fmt.Errorf("store: update: commit: %w", ctx.Err())
		}
		return fmt.Errorf("store: update: commit: %w", err)
	}
	return nil
}

// RewriteAll offers every document to fn, as stored, and replaces the documents for which fn
// returns true with what it returns, all in one write transaction. It returns how many documents
// it replaced. It is for one-off migrations of document content (sealing credentials that older
// engines stored in plain text), not for the domain.
func (s *SQLite) RewriteAll(ctx context.Context, fn func(collection, key string, doc []byte) ([]byte, bool)) (int, error) {
	type change struct {
		collection, key string
		doc             []byte
	}
	var changes []change
	err := s.Update(ctx, func(t Tx) error {
		tx := t.(*sqliteTx).tx
		rows, err := tx.QueryContext(ctx, `SELECT collection, key, doc FROM docs ORDER BY collection, key`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c change
			if err := rows.Scan(&c.collection, &c.key, &c.doc); err != nil {
				return err
			}
			if doc, ok := fn(c.collection, c.key, c.doc); ok {
				c.doc = nonNil(doc)
				changes = append(changes, c)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		_ = rows.Close() // before the updates: the scan is done
		for _, c := range changes {
			if _, err := tx.ExecContext(ctx, `UPDATE docs SET doc = ? WHERE collection = ? AND key = ?`, c.doc, c.collection, c.key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: rewrite documents of %s: %w", s.path, err)
	}
	return len(changes), nil
}

// Scrub leaves no copy of replaced or deleted document versions in the database's files: it
// checkpoints the WAL into the database and truncates it, rebuilds the database without free
// pages or stale cell content (VACUUM), and truncates the WAL that VACUUM wrote. A checkpoint
// cannot finish while another connection (of any process) reads an older snapshot; Scrub then
// fails, saying so, and can simply be run again later.
func (s *SQLite) Scrub(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	// Writes of this process wait, as for an Update.
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("store: scrub: %w", ctx.Err())
	}
	defer func() { <-s.writer }()
	checkpoint := func() error {
		var busy, logFrames, checkpointed int
		err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &checkpointed)
		if err != nil {
			return fmt.Errorf("store: scrub %s: checkpoint: %w", s.path, err)
		}
		if busy != 0 {
			return fmt.Errorf("store: scrub %s: checkpoint: another connection is using the database (is another engine process running on this data dir?)", s.path)
		}
		return nil
	}
	if err := checkpoint(); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("store: scrub %s: vacuum: %w", s.path, err)
	}
	return checkpoint()
}

// Close closes the database. Later calls fail with ErrClosed; Close itself is idempotent.
// The last connection to close checkpoints the WAL into the main file.
func (s *SQLite) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.stmts.Range(func(_, st any) bool {
		if st, ok := st.(*sql.Stmt); ok {
			_ = st.Close()
		}
		return true
	})
	// The readers first, so that the last connection to close, which checkpoints the WAL into
	// the main file, is a writer's.
	rerr := s.reads.Close()
	var kerr error
	if s.keeper != nil {
		kerr = s.keeper.Close()
	}
	err := errors.Join(rerr, kerr, s.db.Close())
	if s.wal != nil {
		// Only now: no connection of this store holds a lock the descriptor's close could drop.
		err = errors.Join(err, s.wal.release())
	}
	if err != nil {
		return fmt.Errorf("store: close %s: %w", s.path, err)
	}
	return nil
}

// sqliteTx is an Update's Tx, over one database/sql transaction. It runs every statement with
// the context given to Update, so cancelling that context interrupts a long scan. (A View's Tx
// is readTx.)
type sqliteTx struct {
	ctx  context.Context
	tx   *sql.Tx
	s    *SQLite
	done bool
}

// prepared returns query's statement bound to this transaction: the store's shared statement
// once it is prepared, else one prepared on the transaction's own connection (closed when the
// transaction ends) while the shared one is prepared in the background.
//
// The shared statement is never prepared here, on the caller's path: database/sql prepares it on
// a connection from the pool, and a transaction waiting for a free connection while holding its
// own deadlocks as soon as every pooled connection is held by a transaction doing the same.
func (t *sqliteTx) prepared(query string) (*sql.Stmt, error) {
	if shared, ok := t.s.stmts.Load(query); ok {
		if st, ok := shared.(*sql.Stmt); ok {
			return t.tx.StmtContext(t.ctx, st), nil
		}
	} else {
		t.s.prepareShared(query)
	}
	st, err := t.tx.PrepareContext(t.ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", query, err)
	}
	return st, nil
}

// preparing marks a query whose shared statement is being prepared.
type preparing struct{}

// prepareShared prepares query's shared statement in the background, once: that goroutine holds
// no connection while it waits for one.
func (s *SQLite) prepareShared(query string) {
	if _, loaded := s.stmts.LoadOrStore(query, preparing{}); loaded {
		return
	}
	go func() {
		st, err := s.db.PrepareContext(context.Background(), query)
		if err != nil {
			s.stmts.Delete(query) // closed, or a transient failure: the next use tries again
			return
		}
		s.stmts.Store(query, st)
		if s.closed.Load() {
			_ = st.Close()
		}
	}()
}

func (t *sqliteTx) checkWrite() error {
	if t.done {
		return errTxDone
	}
	return nil
}

func (t *sqliteTx) Get(collection, key string) ([]byte, error) {
	if t.done {
		return nil, errTxDone
	}
	// Scanning into a *[]byte makes database/sql copy the value out of SQLite's buffer, so the
	// caller may keep (and modify) the slice after the transaction ends.
	var doc []byte
	st, err := t.prepared(getQuery)
	if err != nil {
		return nil, fmt.Errorf("store: get %s/%q: %w", collection, key, err)
	}
	err = st.QueryRowContext(t.ctx, collection, key).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: get %s/%q: %w", collection, key, err)
	}
	if doc == nil {
		doc = []byte{}
	}
	return doc, nil
}

func (t *sqliteTx) Put(collection, key string, doc []byte) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	st, err := t.prepared(`INSERT INTO docs (collection, key, doc) VALUES (?, ?, ?)
		 ON CONFLICT (collection, key) DO UPDATE SET doc = excluded.doc`)
	if err == nil {
		_, err = st.ExecContext(t.ctx, collection, key, nonNil(doc))
	}
	if err != nil {
		return fmt.Errorf("store: put %s/%q: %w", collection, key, err)
	}
	return nil
}

func (t *sqliteTx) Insert(collection, key string, doc []byte) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	// DO NOTHING rather than a constraint error: a failed statement is not worth aborting the
	// transaction for, and the caller decides what ErrExists means.
	st, err := t.prepared(`INSERT INTO docs (collection, key, doc) VALUES (?, ?, ?) ON CONFLICT (collection, key) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("store: insert %s/%q: %w", collection, key, err)
	}
	res, err := st.ExecContext(t.ctx, collection, key, nonNil(doc))
	if err != nil {
		return fmt.Errorf("store: insert %s/%q: %w", collection, key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: insert %s/%q: %w", collection, key, err)
	}
	if n == 0 {
		return ErrExists
	}
	return nil
}

func (t *sqliteTx) Delete(collection, key string) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	st, err := t.prepared(`DELETE FROM docs WHERE collection = ? AND key = ?`)
	if err != nil {
		return fmt.Errorf("store: delete %s/%q: %w", collection, key, err)
	}
	res, err := st.ExecContext(t.ctx, collection, key)
	if err != nil {
		return fmt.Errorf("store: delete %s/%q: %w", collection, key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: delete %s/%q: %w", collection, key, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

func (t *sqliteTx) Scan(collection, prefix, after string, limit int) ([]Doc, error) {
	if t.done {
		return nil, errTxDone
	}
	query, args := scanQuery(collection, prefix, after, limit)
	st, err := t.prepared(query)
	if err != nil {
		return nil, fmt.Errorf("store: scan %s/%q: %w", collection, prefix, err)
	}
	rows, err := st.QueryContext(t.ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("store: scan %s/%q: %w", collection, prefix, err)
	}
	defer rows.Close()
	var out []Doc
	for rows.Next() {
		var d Doc
		if err := rows.Scan(&d.Key, &d.Value); err != nil { // copies, as in Get
			return nil, fmt.Errorf("store: scan %s/%q: %w", collection, prefix, err)
		}
		if d.Value == nil {
			d.Value = []byte{}
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: scan %s/%q: %w", collection, prefix, err)
	}
	return out, nil
}

// Count implements Counter: one range count over the primary key, as Scan's range read.
func (t *sqliteTx) Count(collection, prefix string) (int, error) {
	if t.done {
		return 0, errTxDone
	}
	query, args := countQuery(collection, prefix)
	st, err := t.prepared(query)
	if err != nil {
		return 0, fmt.Errorf("store: count %s/%q: %w", collection, prefix, err)
	}
	var n int
	if err := st.QueryRowContext(t.ctx, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count %s/%q: %w", collection, prefix, err)
	}
	return n, nil
}

// countQuery is scanQuery's range, counted.
func countQuery(collection, prefix string) (string, []any) {
	query, args := scanQuery(collection, prefix, "", 0)
	return strings.Replace(query, "SELECT key, doc FROM", "SELECT COUNT(*) FROM", 1), args
}

// scanQuery turns a Scan into one range read of the primary key: collection = ? fixes the first
// key column and the key bounds below form a range on the second, so SQLite seeks to the start
// and walks the B-tree in order (no LIKE, which could not use the index for arbitrary bytes, and
// no sort). The lower bound is whichever of prefix (inclusive) and after (exclusive) is larger;
// the upper bound is the first string after every string with the prefix.
func scanQuery(collection, prefix, after string, limit int) (string, []any) {
	var b strings.Builder
	args := []any{collection}
	b.WriteString(`SELECT key, doc FROM docs WHERE collection = ?`)
	if after != "" && after >= prefix {
		b.WriteString(` AND key > ?`)
		args = append(args, after)
	} else if prefix != "" {
		b.WriteString(` AND key >= ?`)
		args = append(args, prefix)
	}
	if end, ok := prefixEnd(prefix); ok {
		b.WriteString(` AND key < ?`)
		args = append(args, end)
	}
	b.WriteString(` ORDER BY key`)
	if limit > 0 {
		b.WriteString(` LIMIT ?`)
		args = append(args, limit)
	}
	return b.String(), args
}

// prefixEnd returns the smallest string greater than every string that starts with prefix: drop
// trailing 0xFF bytes (nothing sorts between "a\xff..." and "b"), then increment the last byte.
// ok is false when there is no such string (prefix is empty or all 0xFF), i.e. no upper bound.
func prefixEnd(prefix string) (end string, ok bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0xFF {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// nonNil maps a nil document to an empty one: the driver binds a nil []byte as NULL, which the
// NOT NULL column rejects, while the contract has no reason to treat nil and empty differently.
func nonNil(doc []byte) []byte {
	if doc == nil {
		return []byte{}
	}
	return doc
}
