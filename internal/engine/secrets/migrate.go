package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Rewriter is a store that can rewrite its documents in place and scrub what their earlier
// versions left in its files (store.SQLite).
type Rewriter interface {
	store.Store
	// RewriteAll offers every stored document (as stored, not opened) to fn and replaces those
	// for which fn returns true, in one transaction; it returns how many it replaced.
	RewriteAll(ctx context.Context, fn func(collection, key string, doc []byte) ([]byte, bool)) (int, error)
	// Scrub leaves no trace of replaced or deleted document versions in the store's files.
	Scrub(ctx context.Context) error
}

// The marker records how far a store's sealing went, so later opens skip the scan: "sealed" once
// its documents are sealed, "scrubbed" once its files are scrubbed of what they held before.
const (
	markerCollection = "engine-secrets"
	markerKey        = "sealed-v1"
)

type marker struct {
	Sealed   bool `json:"sealed"`
	Scrubbed bool `json:"scrubbed"`
}

// SealExisting seals the documents of a store written before sealing existed that hold
// credentials in plain text, then scrubs the store's files so the plain text lingers neither in
// free pages nor in a write-ahead log. It runs once per store (a marker document records it; a
// scrub that could not finish, because another process was reading the store, is tried again at
// the next open) and returns how many documents it sealed.
//
// A store that a pre-sealing engine writes to after this ran holds those writes in plain text
// until the documents are next written; mixing engine versions on one data dir is not supported.
func SealExisting(ctx context.Context, st Rewriter, sealer *Sealer) (int, error) {
	var m marker
	err := st.View(ctx, func(tx store.Tx) error {
		b, err := tx.Get(markerCollection, markerKey)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return json.Unmarshal(b, &m)
	})
	if err != nil {
		return 0, fmt.Errorf("seal the store's credentials: %w", err)
	}
	if m.Sealed && m.Scrubbed {
		return 0, nil
	}
	n, err := st.RewriteAll(ctx, func(collection, key string, doc []byte) ([]byte, bool) {
		if IsSealed(doc) || !HoldsCredential(doc) {
			return nil, false
		}
		return sealer.Seal(collection, key, doc), true
	})
	if err != nil {
		return 0, fmt.Errorf("seal the store's credentials: %w", err)
	}
	// Scrub when plain text was found now, or was found by an open whose scrub did not finish.
	scrub := n > 0 || m.Sealed
	if err := putMarker(ctx, st, marker{Sealed: true, Scrubbed: !scrub}); err != nil {
		return n, err
	}
	if !scrub {
		return 0, nil
	}
	if err := st.Scrub(ctx); err != nil {
		return n, fmt.Errorf("%w (sealed %d documents now): %w", ErrScrubIncomplete, n, err)
	}
	// The marker's own update is scrubbed at the next checkpoint; it holds nothing secret.
	return n, putMarker(ctx, st, marker{Sealed: true, Scrubbed: true})
}

// ErrScrubIncomplete is wrapped by SealExisting's error when the documents are sealed but the
// store's files could not be scrubbed of their earlier plain text yet; the next open tries again.
var ErrScrubIncomplete = errors.New("credentials an older engine stored in plain text may remain in the store's files until a later start")

func putMarker(ctx context.Context, st store.Store, m marker) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.Put(markerCollection, markerKey, b) }); err != nil {
		return fmt.Errorf("seal the store's credentials: record progress: %w", err)
	}
	return nil
}
