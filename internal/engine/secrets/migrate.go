package secrets

import (
	"context"
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

// The marker records that a store's documents were sealed, so later opens skip the scan.
const (
	markerCollection = "engine-secrets"
	markerKey        = "sealed-v1"
)

// SealExisting seals the documents of a store written before sealing existed that hold
// credentials in plain text, then scrubs the store's files so the plain text lingers neither in
// free pages nor in a write-ahead log. It runs once per store (a marker document records it) and
// returns how many documents it sealed.
//
// A store that a pre-sealing engine writes to after this ran holds those writes in plain text
// until the documents are next written; mixing engine versions on one data dir is not supported.
func SealExisting(ctx context.Context, st Rewriter, sealer *Sealer) (int, error) {
	done := false
	err := st.View(ctx, func(tx store.Tx) error {
		_, err := tx.Get(markerCollection, markerKey)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		done = err == nil
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("seal the store's credentials: %w", err)
	}
	if done {
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
	if n > 0 {
		if err := st.Scrub(ctx); err != nil {
			return n, fmt.Errorf("sealed %d documents that held credentials, but their plain text may remain in the store's files until the next start: %w", n, err)
		}
	}
	err = st.Update(ctx, func(tx store.Tx) error { return tx.Put(markerCollection, markerKey, []byte(`{"sealed":true}`)) })
	if err != nil {
		return n, fmt.Errorf("seal the store's credentials: %w", err)
	}
	return n, nil
}
