package secrets_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/secrets"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// flakyScrub is a SQLite store whose Scrub fails while failing is set, as when another process
// holds a read transaction open.
type flakyScrub struct {
	*store.SQLite
	failing bool
	scrubs  int
}

func (f *flakyScrub) Scrub(ctx context.Context) error {
	f.scrubs++
	if f.failing {
		return errors.New("another connection is using the database")
	}
	return f.SQLite.Scrub(ctx)
}

// Older documents with credentials are sealed once; a scrub that cannot finish is tried again
// at the next open, even though nothing is left to seal then; after that, opens do nothing.
func TestSealExistingSealsOnceAndRetriesAnUnfinishedScrub(t *testing.T) {
	ctx := context.Background()
	raw, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "engine.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	plain := []byte(`{"locator":"postgres://app:hunter2@db/orders"}`)
	clean := []byte(`{"locator":"/srv/data"}`)
	err = raw.Update(ctx, func(tx store.Tx) error {
		return errors.Join(tx.Put("resources", "a", plain), tx.Put("resources", "b", clean))
	})
	if err != nil {
		t.Fatal(err)
	}
	st := &flakyScrub{SQLite: raw, failing: true}
	s := sealer(t, 7)

	n, err := secrets.SealExisting(ctx, st, s)
	if n != 1 || !errors.Is(err, secrets.ErrScrubIncomplete) {
		t.Fatalf("first open: sealed %d, %v; want 1 and ErrScrubIncomplete", n, err)
	}
	_ = raw.View(ctx, func(tx store.Tx) error {
		a, _ := tx.Get("resources", "a")
		b, _ := tx.Get("resources", "b")
		if !secrets.IsSealed(a) || !bytes.Equal(b, clean) {
			t.Errorf("stored: %q and %q; want the first sealed, the second as it was", a, b)
		}
		return nil
	})

	st.failing = false
	if n, err := secrets.SealExisting(ctx, st, s); n != 0 || err != nil || st.scrubs != 2 {
		t.Errorf("second open: sealed %d, %v, %d scrubs; want nothing sealed and the scrub tried again", n, err, st.scrubs)
	}
	if n, err := secrets.SealExisting(ctx, st, s); n != 0 || err != nil || st.scrubs != 2 {
		t.Errorf("third open: sealed %d, %v, %d scrubs; want nothing done", n, err, st.scrubs)
	}
	var got []byte
	err = secrets.Wrap(raw, s).View(ctx, func(tx store.Tx) error {
		var err error
		got, err = tx.Get("resources", "a")
		return err
	})
	if err != nil || !bytes.Equal(got, plain) {
		t.Errorf("the sealed document reads back as %q, %v", got, err)
	}
}

// A new store has nothing to seal and is not vacuumed.
func TestSealExistingOnANewStoreDoesNothing(t *testing.T) {
	ctx := context.Background()
	raw, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "engine.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	st := &flakyScrub{SQLite: raw}
	if n, err := secrets.SealExisting(ctx, st, sealer(t, 1)); n != 0 || err != nil || st.scrubs != 0 {
		t.Errorf("SealExisting on a new store: %d, %v, %d scrubs", n, err, st.scrubs)
	}
}
