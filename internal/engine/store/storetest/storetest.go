// Package storetest is the conformance suite for store.Store implementations.
//
// The engine's domain code is tested against the in-memory store and runs in production on
// SQLite. That is only honest if both behave identically, so every behaviour the domain relies
// on is written down here once, as a test, and every implementation runs the same suite:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openMine(t) })
//	}
//
// Each subtest is named for the behaviour it proves, so a failure reads as the broken promise.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Run runs the conformance suite. open must return a new, empty store each time it is called;
// Run closes every store it opens (Close must therefore be safe to call twice, in case open also
// registers a cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	fresh := func(t *testing.T) store.Store {
		t.Helper()
		s := open(t)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, fresh(t))
		})
	}
}

var tests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"GetMissingReturnsErrNotFound", testGetMissing},
	{"PutThenGetRoundTrips", testPutGet},
	{"EmptyDocumentRoundTrips", testEmptyDocument},
	{"PutReplacesExisting", testPutReplaces},
	{"InsertNewStores", testInsertNew},
	{"InsertExistingReturnsErrExistsAndKeepsOldDoc", testInsertExisting},
	{"DeleteRemoves", testDeleteRemoves},
	{"DeleteMissingReturnsErrNotFound", testDeleteMissing},
	{"UpdateSeesItsOwnWrites", testReadOwnWrites},
	{"FailedUpdateRollsBackEveryWrite", testFailedUpdateRollsBack},
	{"PanicInUpdateRollsBackAndRepanics", testPanicRollsBack},
	{"CanceledContextKeepsNothing", testCanceledContext},
	{"ViewCannotWrite", testViewCannotWrite},
	{"ViewSeesConsistentSnapshot", testViewSnapshot},
	{"TxUnusableAfterFunctionReturns", testTxAfterReturn},
	{"ScanReturnsAscendingBytewiseOrder", testScanOrder},
	{"ScanPrefixIsolation", testScanPrefixIsolation},
	{"ScanPrefixEndingIn0xFF", testScanPrefix0xFF},
	{"ScanAfterIsStrictAndPaginates", testScanPagination},
	{"ScanAfterOutsidePrefix", testScanAfterOutsidePrefix},
	{"ScanLimitZeroOrNegativeMeansAll", testScanNoLimit},
	{"ScanEmptyCollectionReturnsNothing", testScanEmpty},
	{"CollectionsAreIsolated", testCollectionsIsolated},
	{"ReturnedBytesAreNotAliased", testNotAliased},
	{"ConcurrentUpdatesLoseNoIncrement", testConcurrentIncrements},
	{"UseAfterCloseReturnsErrClosed", testUseAfterClose},
}

var errBoom = errors.New("storetest: boom")

// update runs fn in an Update and fails the test if Update fails.
func update(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in a View and fails the test if View fails.
func view(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func put(t *testing.T, s store.Store, collection string, kv ...string) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for i := 0; i < len(kv); i += 2 {
			if err := tx.Put(collection, kv[i], []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
}

// get returns the document as a string, or "<missing>" for ErrNotFound.
func get(t *testing.T, s store.Store, collection, key string) string {
	t.Helper()
	var out string
	view(t, s, func(tx store.Tx) error {
		v, err := tx.Get(collection, key)
		if errors.Is(err, store.ErrNotFound) {
			out = "<missing>"
			return nil
		}
		out = string(v)
		return err
	})
	return out
}

func scanKeys(t *testing.T, s store.Store, collection, prefix, after string, limit int) []string {
	t.Helper()
	var keys []string
	view(t, s, func(tx store.Tx) error {
		docs, err := tx.Scan(collection, prefix, after, limit)
		for _, d := range docs {
			keys = append(keys, d.Key)
		}
		return err
	})
	return keys
}

func wantKeys(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func testGetMissing(t *testing.T, s store.Store) {
	view(t, s, func(tx store.Tx) error {
		if _, err := tx.Get("c", "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get missing key in missing collection: err = %v, want ErrNotFound", err)
		}
		return nil
	})
	put(t, s, "c", "k", "v")
	view(t, s, func(tx store.Tx) error {
		if _, err := tx.Get("c", "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get missing key: err = %v, want ErrNotFound", err)
		}
		if _, err := tx.Get("c", "k/"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get key that only has an existing key as prefix: err = %v, want ErrNotFound", err)
		}
		return nil
	})
}

func testPutGet(t *testing.T, s store.Store) {
	doc := []byte(`{"name":"vault-1","tags":{"a":"b"},"n":1.5}`)
	key := "123456789012/us-east-1/vault-1"
	update(t, s, func(tx store.Tx) error { return tx.Put("vaults", key, doc) })
	if got := get(t, s, "vaults", key); got != string(doc) {
		t.Errorf("Get = %q, want %q", got, doc)
	}
	// Keys and documents are bytes, not text: non-ASCII and non-UTF-8 must survive.
	odd, oddDoc := "k/\xff\xfe/é/日本", []byte{0, 1, 0xff, '"', '\\', 0}
	update(t, s, func(tx store.Tx) error { return tx.Put("c", odd, oddDoc) })
	if got := get(t, s, "c", odd); got != string(oddDoc) {
		t.Errorf("Get odd = %q, want %q", got, oddDoc)
	}
}

func testEmptyDocument(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		if err := tx.Put("c", "empty", []byte{}); err != nil {
			return err
		}
		return tx.Put("c", "nil", nil)
	})
	view(t, s, func(tx store.Tx) error {
		for _, k := range []string{"empty", "nil"} {
			v, err := tx.Get("c", k)
			if err != nil || len(v) != 0 {
				t.Errorf("Get(%q) = %q, %v; want empty, nil", k, v, err)
			}
		}
		return nil
	})
}

func testPutReplaces(t *testing.T, s store.Store) {
	put(t, s, "c", "k", "one")
	put(t, s, "c", "k", "two")
	if got := get(t, s, "c", "k"); got != "two" {
		t.Errorf("Get after second Put = %q, want %q", got, "two")
	}
	wantKeys(t, "keys after replacing", scanKeys(t, s, "c", "", "", 0), []string{"k"})
}

func testInsertNew(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error { return tx.Insert("c", "k", []byte("v")) })
	if got := get(t, s, "c", "k"); got != "v" {
		t.Errorf("Get after Insert = %q, want %q", got, "v")
	}
}

func testInsertExisting(t *testing.T, s store.Store) {
	put(t, s, "c", "k", "old")
	// ErrExists must not poison the transaction: the caller may handle it and carry on.
	update(t, s, func(tx store.Tx) error {
		if err := tx.Insert("c", "k", []byte("new")); !errors.Is(err, store.ErrExists) {
			t.Errorf("Insert on existing key: err = %v, want ErrExists", err)
		}
		if v, err := tx.Get("c", "k"); err != nil || string(v) != "old" {
			t.Errorf("Get in same tx after failed Insert = %q, %v; want old", v, err)
		}
		return tx.Put("c", "other", []byte("kept"))
	})
	if got := get(t, s, "c", "k"); got != "old" {
		t.Errorf("Get after failed Insert = %q, want old", got)
	}
	if got := get(t, s, "c", "other"); got != "kept" {
		t.Errorf("write after a handled ErrExists = %q, want kept", got)
	}
	// Inserting a key written earlier in the same transaction also collides.
	update(t, s, func(tx store.Tx) error {
		if err := tx.Put("c", "fresh", []byte("1")); err != nil {
			return err
		}
		if err := tx.Insert("c", "fresh", []byte("2")); !errors.Is(err, store.ErrExists) {
			t.Errorf("Insert of a key Put in the same tx: err = %v, want ErrExists", err)
		}
		return nil
	})
}

func testDeleteRemoves(t *testing.T, s store.Store) {
	put(t, s, "c", "a", "1", "b", "2")
	update(t, s, func(tx store.Tx) error { return tx.Delete("c", "a") })
	if got := get(t, s, "c", "a"); got != "<missing>" {
		t.Errorf("Get after Delete = %q, want missing", got)
	}
	wantKeys(t, "keys after Delete", scanKeys(t, s, "c", "", "", 0), []string{"b"})
	// The key is free again.
	update(t, s, func(tx store.Tx) error { return tx.Insert("c", "a", []byte("again")) })
	if got := get(t, s, "c", "a"); got != "again" {
		t.Errorf("Get after re-Insert = %q, want again", got)
	}
}

func testDeleteMissing(t *testing.T, s store.Store) {
	put(t, s, "c", "k", "v")
	update(t, s, func(tx store.Tx) error {
		if err := tx.Delete("c", "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Delete missing key: err = %v, want ErrNotFound", err)
		}
		if err := tx.Delete("other", "k"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Delete in missing collection: err = %v, want ErrNotFound", err)
		}
		if err := tx.Delete("c", "k"); err != nil {
			t.Errorf("Delete: %v", err)
		}
		if err := tx.Delete("c", "k"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second Delete in same tx: err = %v, want ErrNotFound", err)
		}
		return nil
	})
}

func testReadOwnWrites(t *testing.T, s store.Store) {
	put(t, s, "c", "a", "1", "b", "2", "c", "3")
	update(t, s, func(tx store.Tx) error {
		if err := tx.Put("c", "b", []byte("22")); err != nil {
			return err
		}
		if err := tx.Delete("c", "c"); err != nil {
			return err
		}
		if err := tx.Insert("c", "d", []byte("4")); err != nil {
			return err
		}
		if v, err := tx.Get("c", "b"); err != nil || string(v) != "22" {
			t.Errorf("Get own Put = %q, %v; want 22", v, err)
		}
		if _, err := tx.Get("c", "c"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get own Delete: err = %v, want ErrNotFound", err)
		}
		docs, err := tx.Scan("c", "", "", 0)
		if err != nil {
			return err
		}
		var got []string
		for _, d := range docs {
			got = append(got, d.Key+"="+string(d.Value))
		}
		wantKeys(t, "Scan inside the writing tx", got, []string{"a=1", "b=22", "d=4"})
		return nil
	})
}

func testFailedUpdateRollsBack(t *testing.T, s store.Store) {
	put(t, s, "c", "keep", "old", "gone", "here")
	err := s.Update(context.Background(), func(tx store.Tx) error {
		for _, w := range []error{
			tx.Put("c", "keep", []byte("changed")),
			tx.Put("c", "new", []byte("x")),
			tx.Insert("c", "inserted", []byte("x")),
			tx.Delete("c", "gone"),
			tx.Put("other", "k", []byte("x")),
		} {
			if w != nil {
				t.Errorf("write: %v", w)
			}
		}
		return fmt.Errorf("wrapped: %w", errBoom)
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	assertUntouched(t, s)
}

// assertUntouched checks the state put by the rollback tests is exactly as it was.
func assertUntouched(t *testing.T, s store.Store) {
	t.Helper()
	if got := get(t, s, "c", "keep"); got != "old" {
		t.Errorf("replaced doc after rollback = %q, want old", got)
	}
	if got := get(t, s, "c", "gone"); got != "here" {
		t.Errorf("deleted doc after rollback = %q, want here", got)
	}
	wantKeys(t, "keys after rollback", scanKeys(t, s, "c", "", "", 0), []string{"gone", "keep"})
	wantKeys(t, "other collection after rollback", scanKeys(t, s, "other", "", "", 0), nil)
}

func testPanicRollsBack(t *testing.T, s store.Store) {
	put(t, s, "c", "keep", "old", "gone", "here")
	func() {
		defer func() {
			if r := recover(); r != errBoom {
				t.Errorf("recovered %v, want the panic value from fn", r)
			}
		}()
		_ = s.Update(context.Background(), func(tx store.Tx) error {
			_ = tx.Put("c", "keep", []byte("changed"))
			_ = tx.Put("c", "new", []byte("x"))
			_ = tx.Delete("c", "gone")
			_ = tx.Put("other", "k", []byte("x"))
			panic(errBoom)
		})
		t.Error("Update returned instead of re-panicking")
	}()
	assertUntouched(t, s)
	// The store still works after a panic (locks released, connection usable).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("c", "after", []byte("1")) }); err != nil {
		t.Fatalf("Update after a panic: %v", err)
	}
}

func testCanceledContext(t *testing.T, s store.Store) {
	put(t, s, "c", "keep", "old", "gone", "here")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := s.Update(ctx, func(tx store.Tx) error { called = true; return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a canceled context: err = %v, want context.Canceled", err)
	}
	if called {
		t.Error("Update with a canceled context called fn")
	}
	if err := s.View(ctx, func(tx store.Tx) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("View with a canceled context: err = %v, want context.Canceled", err)
	}

	// A context that ends while fn runs: nothing is committed even though fn returns nil.
	ctx, cancel = context.WithCancel(context.Background())
	err = s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put("c", "keep", []byte("changed")); err != nil {
			return err
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update whose context ended during fn: err = %v, want context.Canceled", err)
	}
	assertUntouched(t, s)
}

func testViewCannotWrite(t *testing.T, s store.Store) {
	put(t, s, "c", "k", "v")
	view(t, s, func(tx store.Tx) error {
		if err := tx.Put("c", "k", []byte("x")); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("Put in View: err = %v, want ErrReadOnly", err)
		}
		if err := tx.Put("c", "new", []byte("x")); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("Put new in View: err = %v, want ErrReadOnly", err)
		}
		if err := tx.Insert("c", "new2", []byte("x")); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("Insert in View: err = %v, want ErrReadOnly", err)
		}
		if err := tx.Delete("c", "k"); !errors.Is(err, store.ErrReadOnly) {
			t.Errorf("Delete in View: err = %v, want ErrReadOnly", err)
		}
		return nil
	})
	if got := get(t, s, "c", "k"); got != "v" {
		t.Errorf("doc after writes in View = %q, want v", got)
	}
	wantKeys(t, "keys after writes in View", scanKeys(t, s, "c", "", "", 0), []string{"k"})
}

func testViewSnapshot(t *testing.T, s store.Store) {
	put(t, s, "c", "a", "1", "b", "1")
	view(t, s, func(tx store.Tx) error {
		if v, err := tx.Get("c", "a"); err != nil || string(v) != "1" {
			t.Fatalf("first read = %q, %v", v, err)
		}
		// Commit a change to both documents while this View is open. The writer must not wait
		// for the View to end (readers do not block writers), and the View must not see it.
		done := make(chan error, 1)
		go func() {
			done <- s.Update(context.Background(), func(tx store.Tx) error {
				if err := tx.Put("c", "a", []byte("2")); err != nil {
					return err
				}
				if err := tx.Put("c", "b", []byte("2")); err != nil {
					return err
				}
				return tx.Put("c", "z", []byte("2"))
			})
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("concurrent Update: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("an Update waited for an open View to end")
		}
		for _, k := range []string{"a", "b"} {
			if v, err := tx.Get("c", k); err != nil || string(v) != "1" {
				t.Errorf("Get(%q) after concurrent commit = %q, %v; want the snapshot's 1", k, v, err)
			}
		}
		docs, err := tx.Scan("c", "", "", 0)
		if err != nil {
			return err
		}
		if len(docs) != 2 {
			t.Errorf("Scan after concurrent commit returned %d docs, want the snapshot's 2", len(docs))
		}
		return nil
	})
	if got := get(t, s, "c", "b"); got != "2" {
		t.Errorf("new View reads %q, want the committed 2", got)
	}
}

func testTxAfterReturn(t *testing.T, s store.Store) {
	put(t, s, "c", "k", "v")
	var leaked store.Tx
	update(t, s, func(tx store.Tx) error { leaked = tx; return nil })
	if _, err := leaked.Get("c", "k"); err == nil {
		t.Error("Get on an Update's Tx after it returned succeeded")
	}
	if err := leaked.Put("c", "late", []byte("x")); err == nil {
		t.Error("Put on an Update's Tx after it returned succeeded")
	}
	if _, err := leaked.Scan("c", "", "", 0); err == nil {
		t.Error("Scan on an Update's Tx after it returned succeeded")
	}
	view(t, s, func(tx store.Tx) error { leaked = tx; return nil })
	if _, err := leaked.Get("c", "k"); err == nil {
		t.Error("Get on a View's Tx after it returned succeeded")
	}
	if got := get(t, s, "c", "late"); got != "<missing>" {
		t.Errorf("late Put landed: %q", got)
	}
}

// sortedKeys is a set of keys that exercises bytewise order: upper case before lower case,
// '/' (0x2f) before '0' (0x30), a key before its extensions, multi-byte UTF-8 and 0xFF last.
var sortedKeys = []string{
	"", "A", "Z", "a", "a/", "a/b", "a0", "aa", "b", "z", "\xc3\xa9", "\xe6\x97\xa5", "\xff", "\xff\xff",
}

func testScanOrder(t *testing.T, s store.Store) {
	shuffled := slices.Clone(sortedKeys)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	update(t, s, func(tx store.Tx) error {
		for _, k := range shuffled {
			if err := tx.Put("c", k, []byte("v:"+k)); err != nil {
				return err
			}
		}
		return nil
	})
	if !slices.IsSorted(sortedKeys) {
		t.Fatal("test bug: sortedKeys is not sorted")
	}
	wantKeys(t, "Scan all", scanKeys(t, s, "c", "", "", 0), sortedKeys)
	view(t, s, func(tx store.Tx) error {
		docs, err := tx.Scan("c", "", "", 0)
		for _, d := range docs {
			if string(d.Value) != "v:"+d.Key {
				t.Errorf("Scan: doc of %q = %q", d.Key, d.Value)
			}
		}
		return err
	})
}

func testScanPrefixIsolation(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		for _, k := range sortedKeys {
			if err := tx.Put("c", k, []byte("v")); err != nil {
				return err
			}
		}
		return nil
	})
	wantKeys(t, `Scan prefix "a/"`, scanKeys(t, s, "c", "a/", "", 0), []string{"a/", "a/b"})
	wantKeys(t, `Scan prefix "a"`, scanKeys(t, s, "c", "a", "", 0), []string{"a", "a/", "a/b", "a0", "aa"})
	wantKeys(t, `Scan prefix "A"`, scanKeys(t, s, "c", "A", "", 0), []string{"A"})
	wantKeys(t, `Scan prefix "a/b/"`, scanKeys(t, s, "c", "a/b/", "", 0), nil)
	wantKeys(t, `Scan prefix "q"`, scanKeys(t, s, "c", "q", "", 0), nil)
	wantKeys(t, `Scan prefix "\xc3"`, scanKeys(t, s, "c", "\xc3", "", 0), []string{"\xc3\xa9"})
}

func testScanPrefix0xFF(t *testing.T, s store.Store) {
	keys := []string{"a\xfe", "a\xfe\xff", "a\xff", "a\xff\x00", "a\xff\xff", "a\xff\xffz", "b", "b\x00", "\xff", "\xff\xff", "\xff\xff\x01"}
	update(t, s, func(tx store.Tx) error {
		for _, k := range keys {
			if err := tx.Put("c", k, []byte("v")); err != nil {
				return err
			}
		}
		return nil
	})
	wantKeys(t, `Scan prefix "a\xff"`, scanKeys(t, s, "c", "a\xff", "", 0), []string{"a\xff", "a\xff\x00", "a\xff\xff", "a\xff\xffz"})
	wantKeys(t, `Scan prefix "a\xff\xff"`, scanKeys(t, s, "c", "a\xff\xff", "", 0), []string{"a\xff\xff", "a\xff\xffz"})
	wantKeys(t, `Scan prefix "a\xfe"`, scanKeys(t, s, "c", "a\xfe", "", 0), []string{"a\xfe", "a\xfe\xff"})
	wantKeys(t, `Scan prefix "\xff\xff"`, scanKeys(t, s, "c", "\xff\xff", "", 0), []string{"\xff\xff", "\xff\xff\x01"})
	wantKeys(t, `Scan prefix "\xff" after "\xff\xff"`, scanKeys(t, s, "c", "\xff", "\xff\xff", 0), []string{"\xff\xff\x01"})
}

func testScanPagination(t *testing.T, s store.Store) {
	var all []string
	update(t, s, func(tx store.Tx) error {
		for i := range 23 {
			k := fmt.Sprintf("acct/us-east-1/vault-%03d", i)
			all = append(all, k)
			if err := tx.Put("c", k, []byte(k)); err != nil {
				return err
			}
		}
		// Neighbours that must never leak into the pages.
		if err := tx.Put("c", "acct/us-east-0/x", []byte("x")); err != nil {
			return err
		}
		return tx.Put("c", "acct/us-east-10/x", []byte("x"))
	})
	const prefix = "acct/us-east-1/"
	for _, limit := range []int{1, 5, 7, 23, 100} {
		var got []string
		after, pages := "", 0
		for {
			page := scanKeys(t, s, "c", prefix, after, limit)
			pages++
			if len(page) > limit {
				t.Fatalf("limit %d: page of %d", limit, len(page))
			}
			got = append(got, page...)
			if len(page) < limit {
				break
			}
			after = page[len(page)-1]
			if pages > 100 {
				t.Fatal("pagination does not terminate")
			}
		}
		wantKeys(t, fmt.Sprintf("all pages with limit %d", limit), got, all)
	}
	// after need not be an existing key; it is a position.
	wantKeys(t, "Scan after a key that does not exist",
		scanKeys(t, s, "c", prefix, "acct/us-east-1/vault-0105", 3),
		[]string{"acct/us-east-1/vault-011", "acct/us-east-1/vault-012", "acct/us-east-1/vault-013"})
	wantKeys(t, "Scan after the last key", scanKeys(t, s, "c", prefix, all[len(all)-1], 0), nil)
	wantKeys(t, "Scan after an existing key is strict", scanKeys(t, s, "c", prefix, all[0], 1), all[1:2])
}

func testScanAfterOutsidePrefix(t *testing.T, s store.Store) {
	put(t, s, "c", "a", "1", "b/1", "1", "b/2", "1", "c", "1")
	wantKeys(t, "after sorts before the prefix", scanKeys(t, s, "c", "b/", "a", 0), []string{"b/1", "b/2"})
	wantKeys(t, "after equals the prefix", scanKeys(t, s, "c", "b/", "b/", 0), []string{"b/1", "b/2"})
	wantKeys(t, "after sorts past the prefix", scanKeys(t, s, "c", "b/", "b0", 0), nil)
	wantKeys(t, "after without prefix", scanKeys(t, s, "c", "", "b/1", 0), []string{"b/2", "c"})
}

func testScanNoLimit(t *testing.T, s store.Store) {
	var all []string
	update(t, s, func(tx store.Tx) error {
		for i := range 150 {
			k := fmt.Sprintf("k%04d", i)
			all = append(all, k)
			if err := tx.Put("c", k, nil); err != nil {
				return err
			}
		}
		return nil
	})
	wantKeys(t, "limit 0", scanKeys(t, s, "c", "", "", 0), all)
	wantKeys(t, "limit -1", scanKeys(t, s, "c", "", "", -1), all)
	wantKeys(t, "limit 0 after", scanKeys(t, s, "c", "k", "k0099", 0), all[100:])
}

func testScanEmpty(t *testing.T, s store.Store) {
	wantKeys(t, "Scan of a collection never written", scanKeys(t, s, "c", "", "", 0), nil)
	put(t, s, "c", "k", "v")
	update(t, s, func(tx store.Tx) error { return tx.Delete("c", "k") })
	wantKeys(t, "Scan of an emptied collection", scanKeys(t, s, "c", "", "", 0), nil)
}

func testCollectionsIsolated(t *testing.T, s store.Store) {
	// "vault" is a prefix of "vaults": an implementation that concatenates collection and key
	// must not let one leak into the other.
	put(t, s, "vault", "k", "in vault", "s/x", "in vault")
	put(t, s, "vaults", "k", "in vaults")
	if got := get(t, s, "vault", "k"); got != "in vault" {
		t.Errorf("vault/k = %q", got)
	}
	if got := get(t, s, "vaults", "k"); got != "in vaults" {
		t.Errorf("vaults/k = %q", got)
	}
	if got := get(t, s, "vaults", "s/x"); got != "<missing>" {
		t.Errorf("vaults/s/x = %q, want missing", got)
	}
	wantKeys(t, "Scan vault", scanKeys(t, s, "vault", "", "", 0), []string{"k", "s/x"})
	wantKeys(t, "Scan vaults", scanKeys(t, s, "vaults", "", "", 0), []string{"k"})
	update(t, s, func(tx store.Tx) error {
		if err := tx.Insert("vaults", "s/x", []byte("new")); err != nil {
			t.Errorf("Insert of a key taken only in another collection: %v", err)
		}
		return tx.Delete("vault", "k")
	})
	if got := get(t, s, "vaults", "k"); got != "in vaults" {
		t.Errorf("vaults/k after deleting vault/k = %q", got)
	}
}

func testNotAliased(t *testing.T, s store.Store) {
	in := []byte(`{"v":1}`)
	update(t, s, func(tx store.Tx) error {
		if err := tx.Put("c", "k", in); err != nil {
			return err
		}
		in[5] = '9' // the caller reuses its buffer inside the transaction...
		v, err := tx.Get("c", "k")
		if err != nil {
			return err
		}
		v[5] = '8' // ...and scribbles on what it read
		docs, err := tx.Scan("c", "", "", 0)
		if err != nil {
			return err
		}
		docs[0].Value[5] = '7'
		return nil
	})
	in[5] = '6' // and after it
	if got := get(t, s, "c", "k"); got != `{"v":1}` {
		t.Fatalf("after mutating buffers inside Update: %q, want the original", got)
	}

	var kept, keptScan []byte
	view(t, s, func(tx store.Tx) error {
		v, err := tx.Get("c", "k")
		if err != nil {
			return err
		}
		kept = v
		v[5] = '5'
		docs, err := tx.Scan("c", "", "", 0)
		if err != nil {
			return err
		}
		if len(docs) != 1 {
			t.Fatalf("Scan returned %d docs, want 1", len(docs))
		}
		keptScan = docs[0].Value
		docs[0].Value[5] = '4'
		// A second read in the same transaction is not affected either.
		if again, err := tx.Get("c", "k"); err != nil || string(again) != `{"v":1}` {
			t.Errorf("re-read after mutating a Get result = %q, %v", again, err)
		}
		return nil
	})
	// Slices stay valid, and unchanged by later transactions, after their transaction ended.
	put(t, s, "c", "k", `{"v":2}`)
	if string(kept) != `{"v":5}` || string(keptScan) != `{"v":4}` {
		t.Errorf("kept slices changed after their tx: %q %q", kept, keptScan)
	}
	if got := get(t, s, "c", "k"); got != `{"v":2}` {
		t.Errorf("after mutating buffers inside View: %q", got)
	}
}

// counter is the document the concurrency tests increment. Exported fields: it is JSON, as the
// engine's documents are.
type counter struct {
	N int `json:"n"`
}

// Increment reads, increments and writes back the JSON counter under key. It is exported for the
// implementations' own multi-process tests.
func Increment(tx store.Tx, collection, key string) (int, error) {
	var c counter
	v, err := tx.Get(collection, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return 0, err
	default:
		if err := json.Unmarshal(v, &c); err != nil {
			return 0, fmt.Errorf("counter %s/%s: %w", collection, key, err)
		}
	}
	c.N++
	b, _ := json.Marshal(c)
	return c.N, tx.Put(collection, key, b)
}

// ReadCounter returns the counter Increment maintains under key (0 if missing).
func ReadCounter(ctx context.Context, s store.Store, collection, key string) (int, error) {
	var c counter
	err := s.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(collection, key)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return json.Unmarshal(v, &c)
	})
	return c.N, err
}

func testConcurrentIncrements(t *testing.T, s store.Store) {
	const goroutines, each = 12, 25
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := s.Update(ctx, func(tx store.Tx) error {
					if _, err := Increment(tx, "c", "counter"); err != nil {
						return err
					}
					return tx.Insert("c", fmt.Sprintf("g%02d/%03d", g, i), []byte("x"))
				})
				if err != nil {
					errs <- err
					return
				}
				// Interleave reads, which must never observe a torn state.
				if i%5 == 0 {
					if _, err := ReadCounter(ctx, s, "c", "counter"); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Update: %v", err)
	}
	n, err := ReadCounter(ctx, s, "c", "counter")
	if err != nil {
		t.Fatal(err)
	}
	if n != goroutines*each {
		t.Errorf("counter = %d after %d increments", n, goroutines*each)
	}
	keys := scanKeys(t, s, "c", "g", "", 0)
	if len(keys) != goroutines*each {
		t.Errorf("%d inserted docs, want %d", len(keys), goroutines*each)
	}
}

func testUseAfterClose(t *testing.T, s store.Store) {
	put(t, s, "c", "k", "v")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := context.Background()
	called := false
	if err := s.View(ctx, func(store.Tx) error { called = true; return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("View after Close: err = %v, want ErrClosed", err)
	}
	if err := s.Update(ctx, func(store.Tx) error { called = true; return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Update after Close: err = %v, want ErrClosed", err)
	}
	if called {
		t.Error("fn ran on a closed store")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Keys is a helper for implementations' own tests: it returns every key in collection with
// prefix, in order.
func Keys(ctx context.Context, s store.Store, collection, prefix string) ([]string, error) {
	var keys []string
	err := s.View(ctx, func(tx store.Tx) error {
		docs, err := tx.Scan(collection, prefix, "", 0)
		for _, d := range docs {
			keys = append(keys, d.Key)
		}
		return err
	})
	return keys, err
}
