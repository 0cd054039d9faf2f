package store

// Version names the state of a database: two reads of it that return the same Version, both
// with ok, saw the same committed data, by whichever connection or process committed it.
// Comparable; the zero Version is never returned with ok.
type Version struct{ hdr [walHeaderWords]uint32 }

// Versioner is a store that can tell, without a transaction, whether anything was committed
// since it last looked (SQLite in WAL mode: Version).
type Versioner interface {
	// Version returns the current Version, or false when it cannot tell now (a commit being
	// written, a database without a WAL-index): then nothing may be assumed unchanged.
	Version() (Version, bool)
}

// walHeaderWords is the size of SQLite's WAL-index header in 32-bit words.
const walHeaderWords = 12
