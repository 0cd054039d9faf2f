// Package blobtest is the conformance suite for blob.Store implementations: every promise the
// Store interface documents is a test here, and every implementation runs all of them:
//
//	func TestConformance(t *testing.T) {
//		blobtest.Run(t, func(t *testing.T) blob.Store { return openMine(t) })
//	}
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
)

// Run runs the conformance suite. open must return a new, empty store each time it is called.
func Run(t *testing.T, open func(t *testing.T) blob.Store) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

var tests = []struct {
	name string
	fn   func(t *testing.T, s blob.Store)
}{
	{"SaveThenOpenRoundTrips", testRoundTrip},
	{"SaveExistingReturnsErrExistsAndKeepsTheOldObject", testNoOverwrite},
	{"ConcurrentSavesOfOneNameExactlyOneWins", testConcurrentSameName},
	{"ConcurrentSavesOfManyNamesAllLand", testConcurrentManyNames},
	{"FailingReaderStoresNothing", testFailingReader},
	{"CancelledContextStoresNothing", testCancelled},
	{"MissingObjectsGiveErrNotFound", testNotFound},
	{"OpenRangeReturnsExactlyThoseBytes", testRange},
	{"OpenRangeBeyondTheEndFails", testRangeBeyondEnd},
	{"StatReturnsTheSize", testStat},
	{"RemoveDeletesAndFreesTheName", testRemove},
	{"ListIsInByteWiseOrder", testListOrder},
	{"ListFiltersByPrefix", testListPrefix},
	{"ListStopsWithTheCallbacksError", testListStops},
	{"ListOfAnEmptyOrMissingPrefixIsEmpty", testListEmpty},
	{"InvalidNamesAreRejected", testInvalidNames},
	{"ReadRangeAndReadAllReadTheObject", testHelpers},
	{"DeferredSavesAreVisibleNeverOverwriteAndSync", testDeferred},
}

func ctx() context.Context { return context.Background() }

func save(t *testing.T, s blob.Store, name string, data []byte) {
	t.Helper()
	if err := s.Save(ctx(), name, bytes.NewReader(data)); err != nil {
		t.Fatalf("Save(%s): %v", name, err)
	}
}

func read(t *testing.T, s blob.Store, name string, off, length int64) []byte {
	t.Helper()
	rc, err := s.Open(ctx(), name, off, length)
	if err != nil {
		t.Fatalf("Open(%s, %d, %d): %v", name, off, length, err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return b
}

func random(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func testRoundTrip(t *testing.T, s blob.Store) {
	for i, n := range []int{0, 1, 4096, 1<<20 + 3} {
		name := fmt.Sprintf("packs/%02x/object-%d", i, n)
		data := random(n, uint64(n))
		save(t, s, name, data)
		if got := read(t, s, name, 0, -1); !bytes.Equal(got, data) {
			t.Fatalf("%s: read %d bytes that differ from the %d saved", name, len(got), len(data))
		}
	}
}

func testNoOverwrite(t *testing.T, s blob.Store) {
	save(t, s, "snapshots/a", []byte("first"))
	err := s.Save(ctx(), "snapshots/a", bytes.NewReader([]byte("second, longer")))
	if !errors.Is(err, blob.ErrExists) {
		t.Fatalf("second Save: got %v, want ErrExists", err)
	}
	if got := read(t, s, "snapshots/a", 0, -1); string(got) != "first" {
		t.Fatalf("object after refused overwrite = %q, want %q", got, "first")
	}
}

func testConcurrentSameName(t *testing.T, s blob.Store) {
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Save(ctx(), "locks/gc", bytes.NewReader(random(64<<10, uint64(i))))
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("Saves %d and %d both succeeded", winner, i)
			}
			winner = i
		case !errors.Is(err, blob.ErrExists):
			t.Fatalf("Save %d: %v, want nil or ErrExists", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no Save succeeded")
	}
	if got := read(t, s, "locks/gc", 0, -1); !bytes.Equal(got, random(64<<10, uint64(winner))) {
		t.Fatal("the stored object is not the winner's (torn or mixed write)")
	}
}

func testConcurrentManyNames(t *testing.T, s blob.Store) {
	const n = 32
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Save(ctx(), fmt.Sprintf("index/%02x/i%d", i%4, i), bytes.NewReader(random(1000+i, uint64(i)))); err != nil {
				t.Errorf("Save %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	count := 0
	if err := s.List(ctx(), "index/", func(string, int64) error { count++; return nil }); err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Fatalf("List found %d objects, want %d", count, n)
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("source broke")
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

func testFailingReader(t *testing.T, s blob.Store) {
	if err := s.Save(ctx(), "packs/00/broken", &failingReader{n: 100 << 10}); err == nil {
		t.Fatal("Save from a failing reader succeeded")
	}
	if _, err := s.Stat(ctx(), "packs/00/broken"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("after a failed Save, Stat = %v, want ErrNotFound", err)
	}
	listed := 0
	if err := s.List(ctx(), "", func(string, int64) error { listed++; return nil }); err != nil {
		t.Fatal(err)
	}
	if listed != 0 {
		t.Fatalf("after a failed Save, List shows %d objects", listed)
	}
	// The name is still free.
	save(t, s, "packs/00/broken", []byte("ok"))
}

func testCancelled(t *testing.T, s blob.Store) {
	c, cancel := context.WithCancel(ctx())
	cancel()
	if err := s.Save(c, "packs/00/cancelled", bytes.NewReader([]byte("x"))); !errors.Is(err, context.Canceled) {
		t.Fatalf("Save with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := s.Stat(ctx(), "packs/00/cancelled"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat after cancelled Save = %v, want ErrNotFound", err)
	}
}

func testNotFound(t *testing.T, s blob.Store) {
	save(t, s, "packs/aa/present", []byte("x"))
	for _, name := range []string{"packs/aa/absent", "packs/bb/absent", "absent", "packs/aa/present/below"} {
		if _, err := s.Open(ctx(), name, 0, -1); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open(%s) = %v, want ErrNotFound", name, err)
		}
		if _, err := s.Stat(ctx(), name); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Stat(%s) = %v, want ErrNotFound", name, err)
		}
		if err := s.Remove(ctx(), name); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Remove(%s) = %v, want ErrNotFound", name, err)
		}
	}
	// A prefix directory is not an object.
	if _, err := s.Stat(ctx(), "packs/aa"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat of a prefix = %v, want ErrNotFound", err)
	}
}

func testRange(t *testing.T, s blob.Store) {
	data := random(10000, 7)
	save(t, s, "packs/01/r", data)
	for _, c := range []struct{ off, length int64 }{{0, 10}, {9990, 10}, {5000, -1}, {10000, 0}, {10000, -1}, {123, 4567}} {
		got := read(t, s, "packs/01/r", c.off, c.length)
		end := c.off + c.length
		if c.length < 0 {
			end = int64(len(data))
		}
		if !bytes.Equal(got, data[c.off:end]) {
			t.Errorf("range (%d, %d): got %d bytes that differ", c.off, c.length, len(got))
		}
	}
}

func testRangeBeyondEnd(t *testing.T, s blob.Store) {
	save(t, s, "packs/01/short", make([]byte, 100))
	for _, c := range []struct{ off, length int64 }{{90, 11}, {101, -1}, {200, 1}} {
		rc, err := s.Open(ctx(), "packs/01/short", c.off, c.length)
		if err == nil {
			_, err = io.ReadAll(rc)
			_ = rc.Close()
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("range (%d, %d) of 100 bytes: %v, want io.ErrUnexpectedEOF", c.off, c.length, err)
		}
	}
}

func testStat(t *testing.T, s blob.Store) {
	save(t, s, "index/x", make([]byte, 12345))
	n, err := s.Stat(ctx(), "index/x")
	if err != nil || n != 12345 {
		t.Fatalf("Stat = %d, %v; want 12345", n, err)
	}
}

func testRemove(t *testing.T, s blob.Store) {
	save(t, s, "snapshots/s", []byte("one"))
	if err := s.Remove(ctx(), "snapshots/s"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx(), "snapshots/s"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat after Remove = %v", err)
	}
	save(t, s, "snapshots/s", []byte("two"))
	if got := read(t, s, "snapshots/s", 0, -1); string(got) != "two" {
		t.Fatalf("after Remove and Save: %q", got)
	}
}

func listAll(t *testing.T, s blob.Store, prefix string) []string {
	t.Helper()
	var names []string
	if err := s.List(ctx(), prefix, func(name string, size int64) error {
		names = append(names, name)
		return nil
	}); err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return names
}

func testListOrder(t *testing.T, s blob.Store) {
	// "ab-c" < "ab.d" < "ab/x" < "ab0" < "abc" byte-wise; a walk of directories in name order
	// would put "ab/x" first.
	names := []string{"k/ab/x", "k/ab-c", "k/ab.d", "k/ab0", "k/abc", "k/ab/y/z", "k/a", "config"}
	for i, n := range names {
		save(t, s, n, []byte{byte(i)})
	}
	want := slices.Clone(names)
	slices.Sort(want)
	if got := listAll(t, s, ""); !slices.Equal(got, want) {
		t.Fatalf("List order:\n got %q\nwant %q", got, want)
	}
	sizes := map[string]int64{}
	if err := s.List(ctx(), "", func(name string, size int64) error { sizes[name] = size; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if sizes[n] != 1 {
			t.Errorf("List size of %s = %d, want 1", n, sizes[n])
		}
	}
}

func testListPrefix(t *testing.T, s blob.Store) {
	for _, n := range []string{"packs/a1/p", "packs/ab", "packs/b/q", "packsx", "index/i"} {
		save(t, s, n, []byte("x"))
	}
	cases := map[string][]string{
		"packs/":   {"packs/a1/p", "packs/ab", "packs/b/q"},
		"packs/a":  {"packs/a1/p", "packs/ab"},
		"packs":    {"packs/a1/p", "packs/ab", "packs/b/q", "packsx"},
		"packs/b/": {"packs/b/q"},
		"index/i":  {"index/i"},
	}
	for prefix, want := range cases {
		if got := listAll(t, s, prefix); !slices.Equal(got, want) {
			t.Errorf("List(%q) = %q, want %q", prefix, got, want)
		}
	}
}

func testListStops(t *testing.T, s blob.Store) {
	for i := range 5 {
		save(t, s, fmt.Sprintf("n/%d", i), []byte("x"))
	}
	stop := errors.New("stop")
	calls := 0
	err := s.List(ctx(), "n/", func(string, int64) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Fatalf("List returned %v after %d calls; want the callback's error after 2", err, calls)
	}
}

func testListEmpty(t *testing.T, s blob.Store) {
	if got := listAll(t, s, ""); len(got) != 0 {
		t.Fatalf("empty store lists %q", got)
	}
	save(t, s, "a/b", []byte("x"))
	for _, p := range []string{"nothing/", "a/c", "b", "a/b/c/"} {
		if got := listAll(t, s, p); len(got) != 0 {
			t.Errorf("List(%q) = %q, want nothing", p, got)
		}
	}
}

func testInvalidNames(t *testing.T, s blob.Store) {
	for _, name := range []string{"", "/abs", "trailing/", "a//b", "../up", "a/../b", ".tmp/x", "a/.hidden", "sp ace", "nul\x00", "a\\b"} {
		if err := s.Save(ctx(), name, bytes.NewReader([]byte("x"))); !errors.Is(err, blob.ErrInvalidName) {
			t.Errorf("Save(%q) = %v, want ErrInvalidName", name, err)
		}
	}
	if got := listAll(t, s, ""); len(got) != 0 {
		t.Fatalf("invalid Saves left objects: %q", got)
	}
}

func testHelpers(t *testing.T, s blob.Store) {
	data := random(5000, 9)
	save(t, s, "h/x", data)
	all, err := blob.ReadAll(ctx(), s, "h/x")
	if err != nil || !bytes.Equal(all, data) {
		t.Fatalf("ReadAll: %v (equal=%v)", err, bytes.Equal(all, data))
	}
	part, err := blob.ReadRange(ctx(), s, "h/x", 100, 200, nil)
	if err != nil || !bytes.Equal(part, data[100:300]) {
		t.Fatalf("ReadRange: %v", err)
	}
	if _, err := blob.ReadRange(ctx(), s, "h/x", 4900, 200, nil); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("ReadRange beyond the end: %v, want io.ErrUnexpectedEOF", err)
	}
}

// testDeferred checks DeferredStore, for stores that implement it.
func testDeferred(t *testing.T, s blob.Store) {
	ds, ok := blob.AsDeferred(s)
	if !ok {
		t.Skip("not a DeferredStore")
	}
	data := random(100<<10, 3)
	if err := ds.SaveDeferred(ctx(), "packs/aa/deferred", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, "packs/aa/deferred", 0, -1); !bytes.Equal(got, data) {
		t.Fatal("deferred object reads back different")
	}
	if err := ds.SaveDeferred(ctx(), "packs/aa/deferred", bytes.NewReader([]byte("x"))); !errors.Is(err, blob.ErrExists) {
		t.Fatalf("deferred overwrite: %v, want ErrExists", err)
	}
	if err := ds.SaveDeferred(ctx(), "packs/bb/other", bytes.NewReader([]byte("y"))); err != nil {
		t.Fatal(err)
	}
	if err := ds.Sync(ctx(), "packs/aa/deferred", "packs/bb/other"); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if err := ds.Sync(ctx(), "packs/aa/missing"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Sync of a missing object: %v, want ErrNotFound", err)
	}
	if err := ds.SaveDeferred(ctx(), "packs/aa/broken", &failingReader{n: 10}); err == nil {
		t.Fatal("deferred Save from a failing reader succeeded")
	}
	if _, err := s.Stat(ctx(), "packs/aa/broken"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("failed deferred Save left an object: %v", err)
	}
}
