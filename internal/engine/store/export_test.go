package store

import "database/sql"

// Hooks for the external tests (package store_test, which can import storetest without an
// import cycle).

// SchemaVersion is the version a freshly migrated database reaches.
var SchemaVersion = len(migrations)

// ScanQuery exposes the SQL a Scan runs, for the query-plan test.
var ScanQuery = scanQuery

// SQLiteDB returns the store's connection pool, for tests that inspect the database.
func SQLiteDB(s *SQLite) *sql.DB { return s.db }

// SQLiteReadDB returns the store's read pool, the connections View runs on.
func SQLiteReadDB(s *SQLite) *sql.DB { return s.reads }

// OpenSQLiteBusyTimeout is OpenSQLite with a short busy timeout, for the retry test.
var OpenSQLiteBusyTimeout = openSQLite

// BeginAttempts is how often Update tries BEGIN IMMEDIATE.
const BeginAttempts = beginAttempts

var CountQuery = countQuery

// WALIndexUsers is how many open stores of this process share the mapping of the -shm file at
// path (0: none is mapped).
func WALIndexUsers(path string) int {
	walIndexes.mu.Lock()
	defer walIndexes.mu.Unlock()
	for _, w := range walIndexes.m {
		if w.f.Name() == path+"-shm" {
			return w.refs
		}
	}
	return 0
}
