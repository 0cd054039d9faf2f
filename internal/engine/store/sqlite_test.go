package store_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store/storetest"
)

var _ store.Store = (*store.SQLite)(nil)

func openSQLite(t *testing.T, path string) *store.SQLite {
	t.Helper()
	s, err := store.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openSQLite(t, filepath.Join(t.TempDir(), "engine.db"))
	})
}

func TestSQLiteDataSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "engine.db")
	s := openSQLite(t, path)
	if err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put("vaults", "a/1", []byte(`{"n":1}`)); err != nil {
			return err
		}
		return tx.Insert("vaults", "a/2", []byte(`{"n":2}`))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openSQLite(t, path)
	keys, err := storetest.Keys(ctx, s, "vaults", "a/")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, ",") != "a/1,a/2" {
		t.Errorf("keys after reopen = %q", keys)
	}
	if err := s.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get("vaults", "a/2")
		if err == nil && string(v) != `{"n":2}` {
			t.Errorf("a/2 after reopen = %q", v)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestSQLiteRecordsMigrationVersionAndPragmas(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "engine.db")
	s := openSQLite(t, path)
	db := store.SQLiteDB(s)

	var version, rows int
	var appliedAt sql.NullString
	if err := db.QueryRowContext(ctx,
		`SELECT MAX(version), COUNT(*), MAX(applied_at) FROM schema_migrations`).Scan(&version, &rows, &appliedAt); err != nil {
		t.Fatal(err)
	}
	if version != store.SchemaVersion || rows != store.SchemaVersion {
		t.Errorf("schema_migrations: max version %d in %d rows, want %d in %d", version, rows, store.SchemaVersion, store.SchemaVersion)
	}
	if _, err := time.Parse(time.RFC3339, appliedAt.String); err != nil {
		t.Errorf("applied_at %q is not an RFC 3339 time: %v", appliedAt.String, err)
	}

	// Reopening does not apply anything twice.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openSQLite(t, path)
	db = store.SQLiteDB(s)
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != store.SchemaVersion {
		t.Errorf("%d migration rows after reopen, want %d", rows, store.SchemaVersion)
	}

	// The settings the concurrency and durability guarantees rest on, as every pooled
	// connection sees them.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"synchronous":  "2", // FULL
		"busy_timeout": "30000",
		// Recovery points fit in a page of a new file rather than spilling to overflow pages.
		"page_size":  "16384",
		"cache_size": "-8192",
	} {
		var got string
		if err := conn.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}

	// The read pool's connections have the same settings, and cannot write.
	rconn, err := store.SQLiteReadDB(s).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rconn.Close()
	for pragma, want := range map[string]string{"journal_mode": "wal", "busy_timeout": "30000", "cache_size": "-8192", "query_only": "1"} {
		var got string
		if err := rconn.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("read pool: PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
	if _, err := rconn.ExecContext(ctx, `INSERT INTO docs (collection, key, doc) VALUES ('c', 'k', x'00')`); err == nil {
		t.Error("a read pool connection wrote a document")
	}
}

func TestSQLiteRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "engine.db")
	s := openSQLite(t, path)
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("c", "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	future := store.SchemaVersion + 7
	if _, err := store.SQLiteDB(s).ExecContext(ctx,
		`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 'from the future')`, future); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	_, err := store.OpenSQLite(ctx, path)
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("OpenSQLite on a newer schema: err = %v, want ErrSchemaTooNew", err)
	}
	for _, want := range []string{path, strconv.Itoa(future), strconv.Itoa(store.SchemaVersion)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	t.Logf("error reads: %v", err)
}

func TestSQLiteRejectsNonDatabaseFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "engine.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 400), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := store.OpenSQLite(context.Background(), path); err == nil {
		_ = s.Close()
		t.Fatal("OpenSQLite accepted a file that is not a database")
	} else if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestSQLitePathWithURISyntax(t *testing.T) {
	// Characters that mean something in a file: URI must stay part of the name.
	dir := filepath.Join(t.TempDir(), "data dir?x=1#frag%20")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "engine&mode=ro.db")
	s := openSQLite(t, path)
	if err := s.Update(context.Background(), func(tx store.Tx) error { return tx.Put("c", "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not created at the exact path: %v", err)
	}
}

func TestSQLiteConcurrentOpenOfNewFile(t *testing.T) {
	// Several openers racing on a file that does not exist yet: all must succeed, the file must
	// end up in WAL mode, and each migration must be applied exactly once. Repeated, because
	// the interesting interleavings (two connections converting the file to WAL, two migrating)
	// are a matter of luck. (Converting the file to WAL from a DSN pragma on every connection
	// failed here with an immediate SQLITE_BUSY in roughly one round in sixty.)
	for round := range 15 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("engine%d.db", round))
		var wg sync.WaitGroup
		stores := make([]*store.SQLite, 10)
		errs := make([]error, len(stores))
		start := make(chan struct{})
		for i := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				stores[i], errs[i] = store.OpenSQLite(context.Background(), path)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: open %d: %v", round, i, err)
			}
		}
		var rows int
		var mode string
		db := store.SQLiteDB(stores[0])
		if err := db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if rows != store.SchemaVersion || mode != "wal" {
			t.Errorf("round %d: %d migration rows (want %d), journal mode %q", round, rows, store.SchemaVersion, mode)
		}
		for _, s := range stores {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestSQLiteScanUsesPrimaryKeyRange(t *testing.T) {
	s := openSQLite(t, filepath.Join(t.TempDir(), "engine.db"))
	db := store.SQLiteDB(s)
	for _, c := range []struct{ prefix, after string }{
		{"", ""},
		{"acct/us-east-1/", ""},
		{"acct/us-east-1/", "acct/us-east-1/v3"},
		{"", "k"},
		{"a\xff\xff", ""},
		{"\xff", ""},
	} {
		for _, limit := range []int{0, 10} {
			query, args := store.ScanQuery("vaults", c.prefix, c.after, limit)
			rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rows.Close()
			p := strings.Join(plan, "; ")
			if !strings.Contains(p, "SEARCH docs USING PRIMARY KEY (collection=?") || strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("Scan(%q, %q, %d) plan %q: want a primary-key range search without a sort", c.prefix, c.after, limit, p)
			}
			if c.prefix != "" && c.prefix != "\xff" && !strings.Contains(p, "key<?") {
				t.Errorf("Scan(%q, %q, %d) plan %q: want an upper bound on key", c.prefix, c.after, limit, p)
			}
		}
	}
}

// holdWriteLock takes the database's write lock from a connection outside the store, as another
// process would, and returns a function that releases it.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
				t.Error(err)
			}
			_ = conn.Close()
			_ = db.Close()
		})
	}
	t.Cleanup(release)
	return release
}

func TestSQLiteRetriesBeginWhenBusyTimeoutExpires(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "engine.db")
	s, err := store.OpenSQLiteBusyTimeout(ctx, path, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	write := func() error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.Put("c", "k", []byte("v")) })
	}

	// Held longer than one busy timeout but shorter than the retries: Update waits it out.
	release := holdWriteLock(t, path)
	time.AfterFunc(80*time.Millisecond, release)
	start := time.Now()
	if err := write(); err != nil {
		t.Fatalf("Update while another connection held the write lock for 80ms: %v", err)
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("Update finished after %v, before the lock was released", d)
	}

	// Held for longer than every attempt: Update gives up with SQLITE_BUSY, not forever.
	release = holdWriteLock(t, path)
	err = write()
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code()&0xff != 5 {
		t.Fatalf("Update while the write lock is held: err = %v, want SQLITE_BUSY", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("attempt %d", store.BeginAttempts)) {
		t.Errorf("error %q does not say how often it tried", err)
	}
	release()
	if err := write(); err != nil {
		t.Fatalf("Update once the lock is free: %v", err)
	}
}

// --- Several processes on one data dir -------------------------------------------------------

const helperEnv = "STORE_TEST_HELPER"

// TestHelperProcess is not a test: it is the child side of the multi-process tests, which run
// this test binary again with helperEnv set. It does nothing in a normal run.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		return
	}
	var err error
	switch mode {
	case "writer":
		err = helperWriter()
	case "committer":
		err = helperCommitter()
	case "stepper":
		err = helperStepper()
	default:
		err = fmt.Errorf("unknown helper mode %q", mode)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "helper %s: %v\n", mode, err)
		os.Exit(3)
	}
	os.Exit(0)
}

func helperCmd(ctx context.Context, mode string, env ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), helperEnv+"="+mode), env...)
	return cmd
}

// helperWriter waits for the parent's go signal on stdin, so that every process opens the (new)
// database at the same moment, then runs STORE_N Updates that each increment the shared counter
// and insert a document of its own.
func helperWriter() error {
	path, id := os.Getenv("STORE_DB"), os.Getenv("STORE_ID")
	n, err := strconv.Atoi(os.Getenv("STORE_N"))
	if err != nil {
		return err
	}
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return fmt.Errorf("waiting for go: %w", err)
	}
	ctx := context.Background()
	s, err := store.OpenSQLite(ctx, path)
	if err != nil {
		return err
	}
	defer s.Close()
	for i := range n {
		if err := s.Update(ctx, func(tx store.Tx) error {
			if _, err := storetest.Increment(tx, "c", "counter"); err != nil {
				return err
			}
			return tx.Insert("c", fmt.Sprintf("%s/%04d", id, i), []byte(`{"by":"`+id+`"}`))
		}); err != nil {
			return fmt.Errorf("update %d: %w", i, err)
		}
	}
	return s.Close()
}

func TestSQLiteSeveralProcessesShareOneFile(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	const children, perChild, parentWorkers, perWorker = 3, 150, 2, 75
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	path := filepath.Join(t.TempDir(), "engine.db") // does not exist yet: the opens race too

	type child struct {
		id     string
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		output bytes.Buffer
	}
	var kids []*child
	for i := range children {
		c := &child{id: fmt.Sprintf("child%d", i)}
		c.cmd = helperCmd(ctx, "writer", "STORE_DB="+path, "STORE_ID="+c.id, fmt.Sprintf("STORE_N=%d", perChild))
		c.cmd.Stdout, c.cmd.Stderr = &c.output, &c.output
		var err error
		if c.stdin, err = c.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		kids = append(kids, c)
	}
	start := time.Now()
	for _, c := range kids { // release them together
		if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
		_ = c.stdin.Close()
	}

	// The parent writes too, from several goroutines through one store.
	s := openSQLite(t, path)
	var wg sync.WaitGroup
	parentErrs := make(chan error, parentWorkers)
	for w := range parentWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				err := s.Update(ctx, func(tx store.Tx) error {
					if _, err := storetest.Increment(tx, "c", "counter"); err != nil {
						return err
					}
					return tx.Insert("c", fmt.Sprintf("parent%d/%04d", w, i), []byte(`{"by":"parent"}`))
				})
				if err != nil {
					parentErrs <- fmt.Errorf("parent worker %d update %d: %w", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(parentErrs)
	for err := range parentErrs {
		t.Error(err)
	}
	for _, c := range kids {
		if err := c.cmd.Wait(); err != nil {
			t.Errorf("%s: %v\n%s", c.id, err, c.output.String())
		}
	}
	t.Logf("%d processes, %d transactions: %v", children+1, children*perChild+parentWorkers*perWorker, time.Since(start))
	if t.Failed() {
		t.FailNow()
	}

	n, err := storetest.ReadCounter(ctx, s, "c", "counter")
	if err != nil {
		t.Fatal(err)
	}
	if want := children*perChild + parentWorkers*perWorker; n != want {
		t.Errorf("counter = %d, want %d: increments were lost", n, want)
	}
	for _, c := range kids {
		assertSequence(t, s, c.id+"/", perChild)
	}
	for w := range parentWorkers {
		assertSequence(t, s, fmt.Sprintf("parent%d/", w), perWorker)
	}
	assertIntegrity(t, s)
}

// assertSequence checks that prefix holds exactly the keys prefix0000 .. prefix(n-1).
func assertSequence(t *testing.T, s store.Store, prefix string, n int) {
	t.Helper()
	keys, err := storetest.Keys(context.Background(), s, "c", prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != n {
		t.Errorf("%d documents under %q, want %d", len(keys), prefix, n)
		return
	}
	for i, k := range keys {
		if want := fmt.Sprintf("%s%04d", prefix, i); k != want {
			t.Errorf("key %d under %q = %q, want %q", i, prefix, k, want)
			return
		}
	}
}

// assertIntegrity runs SQLite's full consistency check of the file.
func assertIntegrity(t *testing.T, s *store.SQLite) {
	t.Helper()
	rows, err := store.SQLiteDB(s).Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var results []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0] != "ok" {
		t.Errorf("integrity_check = %q, want [ok]", results)
	}
}

// helperCommitter writes rounds of documents until it is killed, printing "committed N" after
// Update returned nil for round N. Each round writes docsPerRound documents (big enough that the
// WAL fills and auto-checkpoints run, so the kill can land in a checkpoint as well as in a
// commit) and a marker, all in one transaction.
func helperCommitter() error {
	path, prefix := os.Getenv("STORE_DB"), os.Getenv("STORE_PREFIX")
	ctx := context.Background()
	s, err := store.OpenSQLite(ctx, path)
	if err != nil {
		return err
	}
	payload := bytes.Repeat([]byte("x"), 6000)
	for round := 0; ; round++ {
		if err := s.Update(ctx, func(tx store.Tx) error {
			for d := range docsPerRound {
				if err := tx.Put("c", fmt.Sprintf("%s%06d/doc%02d", prefix, round, d), payload); err != nil {
					return err
				}
			}
			return tx.Insert("c", fmt.Sprintf("%s%06d/done", prefix, round), []byte("{}"))
		}); err != nil {
			return fmt.Errorf("round %d: %w", round, err)
		}
		if _, err := fmt.Printf("committed %d\n", round); err != nil {
			return err
		}
	}
}

const docsPerRound = 8

func TestSQLiteKilledWriterLosesNoCommittedTransaction(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "engine.db")
	for kill := range 3 {
		prefix := fmt.Sprintf("kill%d/", kill)
		committed := runAndKill(t, path, prefix, 40+rand.IntN(120))

		s := openSQLite(t, path)
		assertIntegrity(t, s)
		keys, err := storetest.Keys(context.Background(), s, "c", prefix)
		if err != nil {
			t.Fatal(err)
		}
		// Every round is all there or not there at all; every reported round is there; at most
		// one round beyond the reported ones (committed, killed before it printed).
		perRound := map[int]int{}
		for _, k := range keys {
			n, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(k, prefix), "/", 2)[0])
			if err != nil {
				t.Fatalf("unexpected key %q", k)
			}
			perRound[n]++
		}
		for round, docs := range perRound {
			if docs != docsPerRound+1 {
				t.Errorf("round %d has %d of its %d documents: a torn transaction", round, docs, docsPerRound+1)
			}
			if round > committed+1 {
				t.Errorf("round %d present but the child only got to %d", round, committed)
			}
		}
		for round := 0; round <= committed; round++ {
			if perRound[round] == 0 {
				t.Errorf("round %d was reported committed but is missing after the kill", round)
			}
		}
		t.Logf("kill %d: %d rounds reported, %d present", kill, committed+1, len(perRound))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if t.Failed() {
			return
		}
	}
}

// runAndKill starts a committer child, SIGKILLs it once it has reported after rounds, and
// returns the last round it reported committed.
func runAndKill(t *testing.T, path, prefix string, after int) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := helperCmd(ctx, "committer", "STORE_DB="+path, "STORE_PREFIX="+prefix)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last, killed := -1, false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		n, ok := strings.CutPrefix(line, "committed ")
		if !ok {
			continue // test framework noise
		}
		round, err := strconv.Atoi(n)
		if err != nil || round != last+1 {
			t.Fatalf("child printed %q after round %d", line, last)
		}
		last = round
		if !killed && last >= after {
			// Kill mid-stream; the rounds it printed before dying are still in the pipe and
			// are read below, because the kill does not wait for us to catch up.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child exited before it was killed: %v\n%s", err, stderr.String())
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Exited() {
		t.Fatalf("child was not killed by a signal: %v\n%s", err, stderr.String())
	}
	return last
}

// Count agrees with Scan on every prefix, SQLite's in the index and the memory store's by
// scanning, and SQLite counts with a primary-key range search.
func TestCountMatchesScan(t *testing.T) {
	ctx := context.Background()
	keys := []string{"a", "a/1", "a/2", "a/2/x", "a\xff", "a\xff\xff/1", "b/1", "b/2", "ba", "\xff"}
	for name, s := range map[string]store.Store{
		"sqlite": openSQLite(t, filepath.Join(t.TempDir(), "engine.db")),
		"memory": store.NewMemory(),
	} {
		if err := s.Update(ctx, func(tx store.Tx) error {
			for _, k := range keys {
				if err := tx.Put("points", k, []byte(`{}`)); err != nil {
					return err
				}
			}
			return tx.Put("other", "a/1", []byte(`{}`))
		}); err != nil {
			t.Fatal(err)
		}
		for _, prefix := range []string{"", "a", "a/", "a/2", "a\xff", "b", "c", "\xff"} {
			if err := s.View(ctx, func(tx store.Tx) error {
				docs, err := tx.Scan("points", prefix, "", 0)
				if err != nil {
					return err
				}
				n, err := store.Count(tx, "points", prefix)
				if err != nil {
					return err
				}
				if n != len(docs) {
					t.Errorf("%s: Count(%q) = %d, Scan found %d", name, prefix, n, len(docs))
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	db := store.SQLiteDB(openSQLite(t, filepath.Join(t.TempDir(), "plan.db")))
	query, args := store.CountQuery("points", "acct/us-east-1/vault/")
	var id, parent, unused int
	var detail string
	if err := db.QueryRow("EXPLAIN QUERY PLAN "+query, args...).Scan(&id, &parent, &unused, &detail); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(detail, "SEARCH docs USING PRIMARY KEY (collection=? AND key>? AND key<?)") {
		t.Errorf("count plan %q: want a primary-key range search", detail)
	}
}

// Every pooled connection held by a read transaction, each running a query no transaction has
// run before: each must still answer. Preparing the shared statement on the pool from inside a
// transaction waited for a free connection that none of them would give back.
func TestSQLiteFreshQueriesWithEveryConnectionHeld(t *testing.T) {
	s := openSQLite(t, filepath.Join(t.TempDir(), "engine.db"))
	if err := s.Update(context.Background(), func(tx store.Tx) error { return tx.Put("points", "a/1", []byte(`{}`)) }); err != nil {
		t.Fatal(err)
	}
	held := max(4, runtime.GOMAXPROCS(0)) // the pool's size: see openSQLite
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var inside sync.WaitGroup
	inside.Add(held)
	errs := make(chan error, held)
	for range held {
		go func() {
			errs <- s.View(ctx, func(tx store.Tx) error {
				inside.Done()
				inside.Wait() // every connection is now held by a transaction
				docs, err := tx.Scan("points", "a/", "a/0", 5)
				if err == nil && len(docs) != 1 {
					err = fmt.Errorf("scan found %d documents, want 1", len(docs))
				}
				return err
			})
		}()
	}
	for range held {
		if err := <-errs; err != nil {
			t.Fatalf("a transaction's first use of a query: %v", err)
		}
	}
}

// Views answer repeated reads from what their connection read before, but never after a
// commit changed the database: not one of this store's, nor one by another store on the same
// file (as another process would). And the caller may change what it gets without changing
// what the next View reads.
func TestSQLiteViewsNeverServeWhatACommitChanged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "engine.db")
	s := openSQLite(t, path)
	other := openSQLite(t, path)
	put := func(st *store.SQLite, value string) {
		t.Helper()
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.Put("c", "p/1", []byte(value)) }); err != nil {
			t.Fatal(err)
		}
	}
	// Every pooled connection reads several times over, so each has an answer to keep.
	readAll := func(want string, wantCount int, wantFirst string) {
		t.Helper()
		for range 3 * max(4, runtime.GOMAXPROCS(0)) {
			err := s.View(ctx, func(tx store.Tx) error {
				got, err := tx.Get("c", "p/1")
				if want == "" {
					if !errors.Is(err, store.ErrNotFound) {
						return fmt.Errorf("Get = %q, %v; want ErrNotFound", got, err)
					}
				} else if err != nil || string(got) != want {
					return fmt.Errorf("Get = %q, %v; want %q", got, err, want)
				}
				docs, err := tx.Scan("c", "p/", "", 0)
				if err != nil || len(docs) != wantCount || wantCount > 0 && string(docs[0].Value) != wantFirst {
					return fmt.Errorf("Scan = %d documents %v, %v; want %d, the first %q", len(docs), docs, err, wantCount, wantFirst)
				}
				n, err := store.Count(tx, "c", "p/")
				if err != nil || n != wantCount {
					return fmt.Errorf("Count = %d, %v; want %d", n, err, wantCount)
				}
				if len(got) > 0 {
					got[0] = 'X' // the caller's own copy
				}
				if len(docs) > 0 {
					docs[0].Value[0] = 'X'
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	readAll("", 0, "")
	put(s, "one")
	readAll("one", 1, "one")
	put(other, "two")
	readAll("two", 1, "two")
	if err := other.Update(ctx, func(tx store.Tx) error {
		return errors.Join(tx.Delete("c", "p/1"), tx.Put("c", "p/2", []byte("three")))
	}); err != nil {
		t.Fatal(err)
	}
	readAll("", 1, "three")
}
