package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// A data dir that runs on a fake clock keeps the clock's time in its store, so that the daemon and
// an embedded provider on the same data dir read the same time, and a restarted daemon continues
// from where its clock was. The document's presence is what puts a data dir on fake time: an
// engine opened on it without an explicit clock runs on the persisted one.
const clockKey = "fake-clock"

type clockDoc struct {
	Now time.Time `json:"now"`
}

// StoreClock is a clock.Source over a store document.
//
// Each Now of a persistent Fake is one read transaction. Give StoreClock a store handle of its
// own (a second OpenSQLite of the same file): clock reads happen inside other transactions (a
// handler reading the time while it writes a job), and a nested transaction on the same
// connection pool could wait for a connection that only the outer transactions hold.
type StoreClock struct{ St store.Store }

// Load returns the persisted time.
func (c StoreClock) Load() (time.Time, error) {
	t, found, err := LoadFakeTime(context.Background(), c.St)
	if err == nil && !found {
		err = errors.New("scheduler: the data dir has no fake clock")
	}
	return t, err
}

// Store persists t.
func (c StoreClock) Store(t time.Time) error {
	return c.St.Update(context.Background(), func(tx store.Tx) error { return putClock(tx, t) })
}

func putClock(tx store.Tx, t time.Time) error {
	b, err := json.Marshal(clockDoc{Now: t.UTC()})
	if err != nil {
		return err
	}
	return tx.Put(collScheduler, clockKey, b)
}

// LoadFakeTime returns the fake clock time persisted in st; found is false when the data dir
// runs on the wall clock.
func LoadFakeTime(ctx context.Context, st store.Store) (t time.Time, found bool, err error) {
	err = st.View(ctx, func(tx store.Tx) error {
		b, err := tx.Get(collScheduler, clockKey)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		var d clockDoc
		if err := json.Unmarshal(b, &d); err != nil {
			return fmt.Errorf("decode the fake clock: %w", err)
		}
		t, found = d.Now.UTC(), true
		return nil
	})
	return t, found, err
}

// OpenFakeClock returns the persistent fake clock of the data dir whose store is st, and whether
// the data dir has one. With start set, a data dir without one gets one reading *start. A data
// dir whose clock reads earlier than *start has its clock moved to *start, and jumpedFrom is the
// time it read: when the scheduler starts, what the jump skipped is caught up as after downtime
// (missed windows expire). A clock that reads later than *start is left alone, so a restarted
// daemon continues from where it was.
func OpenFakeClock(ctx context.Context, st store.Store, start *time.Time) (clk *clock.Fake, jumpedFrom time.Time, found bool, err error) {
	err = st.Update(ctx, func(tx store.Tx) error {
		b, err := tx.Get(collScheduler, clockKey)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if start == nil {
				return nil
			}
			found = true
			clk = clock.NewPersistentFake(StoreClock{st}, *start)
			return putClock(tx, *start)
		case err != nil:
			return err
		}
		var d clockDoc
		if err := json.Unmarshal(b, &d); err != nil {
			return fmt.Errorf("decode the fake clock: %w", err)
		}
		found = true
		now := d.Now
		if start != nil && start.After(now) {
			jumpedFrom, now = now, start.UTC()
			if err := putClock(tx, now); err != nil {
				return err
			}
		}
		clk = clock.NewPersistentFake(StoreClock{st}, now)
		return nil
	})
	return clk, jumpedFrom, found, err
}
