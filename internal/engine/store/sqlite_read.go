package store

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The read pool. View runs on connections of their own, opened query_only, and drives them
// through the driver's own interface (database/sql's Conn.Raw) with statements each connection
// prepares once and keeps.
//
// A View's transaction is one statement, PRAGMA data_version, held open: SQLite begins a read
// transaction (an implicit one) when it runs it, and keeps it, with its snapshot, for as long
// as any statement of the connection is still active; the View stops it (a reset) when fn
// returns, which ends the transaction. So a View costs one statement of its own, not three
// (BEGIN, PRAGMA data_version, ROLLBACK), and the reads inside it all see that snapshot.
//
// Why not database/sql's Tx, as Update uses: for a keyed read, its machinery cost more than the
// read. Each Tx starts a goroutine to watch its context, wraps every shared statement anew for
// the Tx, and copies every document twice (the driver copies it out of SQLite, database/sql
// again into the caller's slice); the driver parses BEGIN and ROLLBACK each time. Keeping
// the reads on their own pool also means no write ever waits for a reader's connection, and
// the writers' statement cache (prepared) never has to be reached from a View.

// readConnector opens the read pool's connections.
type readConnector struct{ inner driver.Connector }

func (c readConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &readConn{Conn: conn, stmts: map[string]driver.Stmt{}}, nil
}

func (c readConnector) Driver() driver.Driver { return c.inner.Driver() }

// readConn is one read connection, the statements prepared on it, and what it has read. Only
// the View that holds the connection (through Conn.Raw) uses it, so neither needs a lock.
type readConn struct {
	driver.Conn
	stmts map[string]driver.Stmt
	// results holds what this connection's reads answered while the database was at
	// dataVersion (see "The read cache" below).
	results     map[string]any // Get: []byte; Scan: []Doc; Count: int
	resultBytes int
	dataVersion int64
	row         [1]driver.Value // beginView's
}

// readCacheBytes bounds the documents one read connection keeps from earlier Views.
const readCacheBytes = 4 << 20

// The read cache. A read connection never writes (query_only), so its PRAGMA data_version
// changes exactly when a commit by any other connection, of this process or another, became
// visible to it: while it reads the same number as when it answered a read before, the
// database holds what it held then, and that answer is still the answer. A View reads it as
// it begins, which also takes the View's snapshot, and drops what the connection kept if it
// changed. So a page walk or a repeated Describe with nothing written in between reads SQLite
// once per connection; nothing is ever served that a commit has changed.
//
// Answers are copied out of the cache, so the caller owns (and may modify) what it gets, as
// from SQLite.

// beginView takes the View's snapshot and drops the cached answers if a commit has changed
// the database since they were read. The View's read transaction lasts until it closes what
// beginView returns.
func (c *readConn) beginView() (driver.Rows, error) {
	pin, err := c.query(context.Background(), "PRAGMA data_version")
	if err != nil {
		return nil, err
	}
	if err := pin.Next(c.row[:]); err != nil {
		_ = pin.Close()
		return nil, err
	}
	v, ok := c.row[0].(int64)
	if !ok {
		_ = pin.Close()
		return nil, fmt.Errorf("PRAGMA data_version answered a %T", c.row[0])
	}
	if v != c.dataVersion || c.results == nil {
		c.results, c.resultBytes, c.dataVersion = map[string]any{}, 0, v
	}
	return pin, nil
}

// keep caches an answer of size bytes under key, unless the cache is full.
func (c *readConn) keep(key string, answer any, size int) {
	if c.resultBytes+size > readCacheBytes {
		return
	}
	c.results[key] = answer
	c.resultBytes += size + len(key)
}

// cacheKey names a read by its kind and arguments, each part prefixed by its length so that
// no two reads share a name whatever bytes their keys hold.
func cacheKey(kind string, parts ...string) string {
	var b strings.Builder
	b.WriteString(kind)
	for _, p := range parts {
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(len(p)))
		b.WriteByte(':')
		b.WriteString(p)
	}
	return b.String()
}

// copyDocs copies docs' values into one allocation the caller owns; each value is capped so
// an append to one cannot overwrite the next.
func copyDocs(docs []Doc) []Doc {
	if docs == nil {
		return nil
	}
	n := 0
	for _, d := range docs {
		n += len(d.Value)
	}
	buf := make([]byte, 0, n)
	out := make([]Doc, len(docs))
	for i, d := range docs {
		start := len(buf)
		buf = append(buf, d.Value...)
		out[i] = Doc{Key: d.Key, Value: buf[start:len(buf):len(buf)]}
	}
	return out
}

// Close finalizes the connection's statements before closing it: SQLite keeps a connection
// with unfinalized statements open (a zombie) after sqlite3_close_v2.
func (c *readConn) Close() error {
	var errs []error
	for _, st := range c.stmts {
		errs = append(errs, st.Close())
	}
	c.stmts = nil
	return errors.Join(append(errs, c.Conn.Close())...)
}

// IsValid and ResetSession pass database/sql's checks through, so a connection the driver
// finds unusable (a statement interrupted by its context, say) leaves the pool.
func (c *readConn) IsValid() bool {
	v, ok := c.Conn.(driver.Validator)
	return !ok || v.IsValid()
}

func (c *readConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// stmt returns query's statement on this connection, preparing it the first time.
func (c *readConn) stmt(ctx context.Context, query string) (driver.Stmt, error) {
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	p, ok := c.Conn.(driver.ConnPrepareContext)
	if !ok {
		return nil, errors.New("the SQLite driver cannot prepare statements with a context")
	}
	st, err := p.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", query, err)
	}
	c.stmts[query] = st
	return st, nil
}

// query runs a statement that returns rows; the caller closes them.
func (c *readConn) query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	q, ok := st.(driver.StmtQueryContext)
	if !ok {
		return nil, errors.New("the SQLite driver cannot query with a context")
	}
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		if n, ok := a.(int); ok {
			a = int64(n)
		}
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return q.QueryContext(ctx, named)
}

// View runs fn in a read-only transaction on a connection of the read pool. The snapshot is
// taken as the View begins, and stays fixed until fn returns even if other connections or
// processes commit meanwhile. Do not start another transaction from inside fn: each holds a
// pooled connection until it ends.
func (s *SQLite) View(ctx context.Context, fn func(Tx) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	conn, err := s.reads.Conn(ctx)
	if err != nil {
		if s.closed.Load() {
			return ErrClosed
		}
		return fmt.Errorf("store: view: %w", err)
	}
	defer func() { _ = conn.Close() }() // back to the pool
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*readConn)
		if !ok {
			return fmt.Errorf("store: view: the read pool holds a %T, not a read connection", dc)
		}
		// The read transaction takes no lock that could wait (WAL mode), so it begins without
		// ctx: with one, the driver starts a goroutine per statement to interrupt it.
		pin, err := c.beginView()
		if err != nil {
			return fmt.Errorf("store: view: begin: %w", err)
		}
		t := &readTx{ctx: ctx, c: c}
		defer func() {
			t.done = true
			_ = pin.Close() // ends the read transaction; there is nothing to keep
		}()
		return fn(t)
	})
}

// readTx is a View's Tx over a read connection.
//
// Get and Count read one key or count one key range in the index: they run without the
// View's context (see View for why), as they finish in microseconds. Scan, which can read many
// documents, runs with it, so cancelling the View interrupts a long scan.
type readTx struct {
	ctx  context.Context
	c    *readConn
	done bool
}

const getQuery = `SELECT doc FROM docs WHERE collection = ? AND key = ?`

func (t *readTx) Get(collection, key string) ([]byte, error) {
	if t.done {
		return nil, errTxDone
	}
	ck := cacheKey("get", collection, key)
	switch kept := t.c.results[ck].(type) {
	case []byte:
		return bytes.Clone(kept), nil
	case absent:
		return nil, ErrNotFound
	}
	doc, err := t.get(collection, key)
	switch {
	case err == nil:
		t.c.keep(ck, bytes.Clone(doc), len(doc))
	case errors.Is(err, ErrNotFound):
		t.c.keep(ck, absent{}, 0)
	}
	return doc, err
}

// absent is a cached answer that there is no document.
type absent struct{}

func (t *readTx) get(collection, key string) ([]byte, error) {
	rows, err := t.c.query(context.Background(), getQuery, collection, key)
	if err != nil {
		return nil, fmt.Errorf("store: get %s/%q: %w", collection, key, err)
	}
	defer func() { _ = rows.Close() }()
	row := make([]driver.Value, 1)
	if err := rows.Next(row); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("store: get %s/%q: %w", collection, key, err)
	}
	doc, err := bytesOf(row[0])
	if err != nil {
		return nil, fmt.Errorf("store: get %s/%q: %w", collection, key, err)
	}
	return doc, nil
}

func (t *readTx) Scan(collection, prefix, after string, limit int) ([]Doc, error) {
	if t.done {
		return nil, errTxDone
	}
	ck := cacheKey("scan", collection, prefix, after, strconv.Itoa(limit))
	if docs, ok := t.c.results[ck].([]Doc); ok {
		return copyDocs(docs), nil
	}
	docs, err := t.scan(collection, prefix, after, limit)
	if err == nil {
		size := 0
		for _, d := range docs {
			size += len(d.Key) + len(d.Value)
		}
		t.c.keep(ck, copyDocs(docs), size)
	}
	return docs, err
}

func (t *readTx) scan(collection, prefix, after string, limit int) ([]Doc, error) {
	query, args := scanQuery(collection, prefix, after, limit)
	rows, err := t.c.query(t.ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: scan %s/%q: %w", collection, prefix, err)
	}
	defer func() { _ = rows.Close() }()
	var out []Doc
	row := make([]driver.Value, 2)
	for {
		err := rows.Next(row)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("store: scan %s/%q: %w", collection, prefix, err)
		}
		key, ok := row[0].(string)
		doc, err := bytesOf(row[1])
		if !ok || err != nil {
			return nil, fmt.Errorf("store: scan %s/%q: a key of type %T, %w", collection, prefix, row[0], err)
		}
		out = append(out, Doc{Key: key, Value: doc})
	}
}

// Count implements Counter: one range count over the primary key, as Scan's range read.
func (t *readTx) Count(collection, prefix string) (int, error) {
	if t.done {
		return 0, errTxDone
	}
	ck := cacheKey("count", collection, prefix)
	if n, ok := t.c.results[ck].(int); ok {
		return n, nil
	}
	n, err := t.count(collection, prefix)
	if err == nil {
		t.c.keep(ck, n, 8)
	}
	return n, err
}

func (t *readTx) count(collection, prefix string) (int, error) {
	query, args := countQuery(collection, prefix)
	rows, err := t.c.query(context.Background(), query, args...)
	if err != nil {
		return 0, fmt.Errorf("store: count %s/%q: %w", collection, prefix, err)
	}
	defer func() { _ = rows.Close() }()
	row := make([]driver.Value, 1)
	if err := rows.Next(row); err != nil {
		return 0, fmt.Errorf("store: count %s/%q: %w", collection, prefix, err)
	}
	n, ok := row[0].(int64)
	if !ok {
		return 0, fmt.Errorf("store: count %s/%q: SQLite answered a %T", collection, prefix, row[0])
	}
	return int(n), nil
}

func (t *readTx) Put(string, string, []byte) error    { return t.refuseWrite() }
func (t *readTx) Insert(string, string, []byte) error { return t.refuseWrite() }
func (t *readTx) Delete(string, string) error         { return t.refuseWrite() }

func (t *readTx) refuseWrite() error {
	if t.done {
		return errTxDone
	}
	return ErrReadOnly
}

// bytesOf is a column's value as bytes the caller owns: the driver copies blobs and text out
// of SQLite's buffers (a blob into a new slice, text into a string), so only text needs a copy
// here. A NULL or empty blob is an empty, non-nil slice, as database/sql gives it.
func bytesOf(v driver.Value) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		if x == nil {
			return []byte{}, nil
		}
		return x, nil
	case string:
		return []byte(x), nil
	case nil:
		return []byte{}, nil
	}
	return nil, fmt.Errorf("a %T where a document was expected", v)
}
