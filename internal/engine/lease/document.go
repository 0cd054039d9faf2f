package lease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Document is a lease kept as a document of its own, under Key in Collection, as one holder
// (Owner) sees it. Every operation is one store transaction, so SQLite's serialisation of writers
// makes two contenders agree on who holds it.
type Document struct {
	Store      store.Store
	Collection string
	Key        string
	Owner      Owner
	// TTL is how long a take or renewal lasts.
	TTL time.Duration
}

// Acquisition is what one Acquire did.
type Acquisition struct {
	// Held is set when Owner holds the lease now.
	Held bool
	// TookOver is the lease of another holder that Acquire replaced (expired, or its holder
	// gone), or nil.
	TookOver *Lease
}

// Acquire takes the lease if nobody holds it, renews it if Owner does, and takes it over if its
// holder is expired or gone. A live lease of another holder is left alone (Held false).
func (d Document) Acquire(ctx context.Context) (Acquisition, error) {
	var got Acquisition
	err := d.Store.Update(ctx, func(tx store.Tx) error {
		got = Acquisition{}
		l, found, err := Read(tx, d.Collection, d.Key)
		if err != nil {
			return err
		}
		if found && !l.HeldBy(d.Owner) {
			if l.StandingAt(clock.Wall()) == Live {
				return nil // someone else's, and alive
			}
			got.TookOver = &l
		}
		b, err := json.Marshal(Grant(d.Owner, d.TTL))
		if err != nil {
			return err
		}
		got.Held = true
		return tx.Put(d.Collection, d.Key, b)
	})
	return got, err
}

// Release gives the lease up if Owner holds it; a lease another holder took over is left alone.
func (d Document) Release(ctx context.Context) error {
	return d.Store.Update(ctx, func(tx store.Tx) error {
		l, found, err := Read(tx, d.Collection, d.Key)
		if err != nil || !found || !l.HeldBy(d.Owner) {
			return err
		}
		return tx.Delete(d.Collection, d.Key)
	})
}

// Holder returns the lease stored under key in collection; live is false when nobody holds a
// live one (none is stored, it expired, or its holder is gone).
func Holder(ctx context.Context, st store.Store, collection, key string) (l Lease, live bool, err error) {
	err = st.View(ctx, func(tx store.Tx) error {
		var found bool
		l, found, err = Read(tx, collection, key)
		live = found && err == nil && l.StandingAt(clock.Wall()) == Live
		return err
	})
	return l, live, err
}

// Read returns the lease stored under key in collection; found is false when there is none.
func Read(tx store.Tx, collection, key string) (l Lease, found bool, err error) {
	b, err := tx.Get(collection, key)
	if errors.Is(err, store.ErrNotFound) {
		return l, false, nil
	}
	if err != nil {
		return l, false, err
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return l, false, fmt.Errorf("decode the lease %s/%s: %w", collection, key, err)
	}
	return l, true, nil
}
