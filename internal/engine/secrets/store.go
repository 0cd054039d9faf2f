package secrets

import (
	"context"

	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Store is a store.Store whose documents are sealed at rest when they hold a credential.
type Store struct {
	inner  store.Store
	sealer *Sealer
}

// Wrap returns inner with sealing: Put and Insert seal a document that holds a credential, Get
// and Scan open sealed documents. Closing the wrapper closes inner.
func Wrap(inner store.Store, sealer *Sealer) *Store {
	return &Store{inner: inner, sealer: sealer}
}

// View implements store.Store.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	return s.inner.View(ctx, func(tx store.Tx) error { return fn(&sealingTx{inner: tx, sealer: s.sealer}) })
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.inner.Update(ctx, func(tx store.Tx) error { return fn(&sealingTx{inner: tx, sealer: s.sealer}) })
}

// Close implements store.Store.
func (s *Store) Close() error { return s.inner.Close() }

// Version implements store.Versioner when the wrapped store does: sealing commits nothing.
func (s *Store) Version() (store.Version, bool) {
	if v, ok := s.inner.(store.Versioner); ok {
		return v.Version()
	}
	return store.Version{}, false
}

type sealingTx struct {
	inner  store.Tx
	sealer *Sealer
}

func (t *sealingTx) Get(collection, key string) ([]byte, error) {
	doc, err := t.inner.Get(collection, key)
	if err != nil {
		return nil, err
	}
	return t.sealer.Open(collection, key, doc)
}

func (t *sealingTx) Put(collection, key string, doc []byte) error {
	return t.inner.Put(collection, key, t.sealer.sealIfNeeded(collection, key, doc))
}

func (t *sealingTx) Insert(collection, key string, doc []byte) error {
	return t.inner.Insert(collection, key, t.sealer.sealIfNeeded(collection, key, doc))
}

func (t *sealingTx) Delete(collection, key string) error { return t.inner.Delete(collection, key) }

// Count implements store.Counter: counting opens no document.
func (t *sealingTx) Count(collection, prefix string) (int, error) {
	return store.Count(t.inner, collection, prefix)
}

func (t *sealingTx) Scan(collection, prefix, after string, limit int) ([]store.Doc, error) {
	docs, err := t.inner.Scan(collection, prefix, after, limit)
	if err != nil {
		return nil, err
	}
	for i := range docs {
		if docs[i].Value, err = t.sealer.Open(collection, docs[i].Key, docs[i].Value); err != nil {
			return nil, err
		}
	}
	return docs, nil
}
