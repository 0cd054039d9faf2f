//go:build linux

package store

import (
	"context"
	"path/filepath"
	"testing"
)

// A header is trusted only whole: a flipped bit anywhere in its first 40 bytes, or one that
// SQLite has not initialised, fails the check SQLite's readers make.
func TestWALHeaderIsTrustedOnlyWithItsChecksum(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "engine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, ok := s.Version()
	if !ok {
		t.Fatal("no Version from a fresh database")
	}
	if !walHeaderValid(&v.hdr) {
		t.Fatal("the header SQLite wrote fails the check")
	}
	for word := range 10 {
		h := v.hdr
		h[word] ^= 1 << 7
		if walHeaderValid(&h) {
			t.Fatalf("a header with word %d changed passes the check", word)
		}
	}
	var zero [walHeaderWords]uint32
	if walHeaderValid(&zero) {
		t.Fatal("an uninitialised header passes the check")
	}
}
