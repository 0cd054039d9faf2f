package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
)

// Memory is an in-memory Store for fast domain tests.
//
// It keeps the same contract as the SQLite store (the storetest conformance suite runs against
// both), so a domain test that passes on Memory tells the truth about production. Nothing is
// persisted; everything is lost when the process exits.
//
// Design: the committed data is an immutable snapshot (collection name -> sorted collection)
// published through an atomic pointer. That choice buys three properties cheaply:
//
//   - View loads the current snapshot and reads it without any lock, so a View is a consistent
//     snapshot even while an Update commits, exactly like SQLite in WAL mode, and a View never
//     blocks (or deadlocks against) a writer.
//   - Update is copy-on-write per collection: the first write to a collection inside a
//     transaction clones that collection (its key slice and map, never the documents, which are
//     immutable once stored). Rolling back, on error or panic, is simply dropping the clones,
//     so a failed Update cannot leave anything behind.
//   - Commit is one pointer swap, so readers see all of a transaction or none of it.
//
// Updates are serialised by a one-slot semaphore (a channel, so waiting honours the context).
// Cloning makes the first write to a collection O(n) in that collection's size, which is fine
// for the test-sized data this store exists for.
type Memory struct {
	writer chan struct{}            // one-slot semaphore held by the running Update
	state  atomic.Pointer[memState] // last committed snapshot; never mutated once published
	closed atomic.Bool              // set by Close
}

// memState is a committed snapshot. Neither the map nor the collections it points to are
// modified after publication.
type memState map[string]*memCollection

// memCollection holds one collection's documents and their keys in ascending bytewise order.
type memCollection struct {
	keys []string          // sorted ascending (Go string order is bytewise)
	docs map[string][]byte // key -> private copy of the document
}

func (c *memCollection) clone() *memCollection {
	n := &memCollection{
		keys: make([]string, len(c.keys), len(c.keys)+1),
		docs: make(map[string][]byte, len(c.docs)+1),
	}
	copy(n.keys, c.keys)
	for k, v := range c.docs {
		n.docs[k] = v // documents are immutable, sharing them is safe
	}
	return n
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	m := &Memory{writer: make(chan struct{}, 1)}
	empty := memState{}
	m.state.Store(&empty)
	return m
}

// View runs fn over the snapshot committed when View was called.
func (m *Memory) View(ctx context.Context, fn func(Tx) error) error {
	if m.closed.Load() {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: view: %w", err)
	}
	tx := &memTx{base: *m.state.Load()}
	defer func() { tx.done = true }()
	return fn(tx)
}

// Update runs fn in a transaction that is published atomically if fn returns nil and the context
// is still live, and discarded otherwise (including when fn panics; the panic is re-raised
// after the discard, by simply not recovering it).
func (m *Memory) Update(ctx context.Context, fn func(Tx) error) error {
	if m.closed.Load() {
		return ErrClosed
	}
	select {
	case m.writer <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("store: update: %w", ctx.Err())
	}
	defer func() { <-m.writer }()
	if m.closed.Load() { // closed while we waited for the writer slot
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: update: %w", err)
	}

	base := *m.state.Load()
	tx := &memTx{base: base, writable: true, dirty: map[string]*memCollection{}}
	defer func() { tx.done = true }()
	if err := fn(tx); err != nil {
		return err
	}
	// Mirror SQLite: a transaction whose context ended before commit is rolled back.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: update: commit: %w", err)
	}
	if len(tx.dirty) == 0 {
		return nil
	}
	next := make(memState, len(base)+len(tx.dirty))
	for name, c := range base {
		next[name] = c
	}
	for name, c := range tx.dirty {
		if len(c.keys) == 0 {
			delete(next, name)
		} else {
			next[name] = c
		}
	}
	m.state.Store(&next)
	return nil
}

// Close marks the store closed; later View and Update calls fail with ErrClosed. It is
// idempotent.
func (m *Memory) Close() error {
	m.closed.Store(true)
	return nil
}

// memTx is one transaction over a Memory store. base is the snapshot it started from; dirty holds
// the copy-on-write clones of the collections this transaction wrote.
type memTx struct {
	base     memState
	dirty    map[string]*memCollection
	writable bool
	done     bool
}

// read returns the collection as this transaction sees it (its own writes included), or nil.
func (t *memTx) read(collection string) *memCollection {
	if c, ok := t.dirty[collection]; ok {
		return c
	}
	return t.base[collection]
}

// write returns this transaction's private, mutable clone of the collection.
func (t *memTx) write(collection string) *memCollection {
	if c, ok := t.dirty[collection]; ok {
		return c
	}
	var c *memCollection
	if b := t.base[collection]; b != nil {
		c = b.clone()
	} else {
		c = &memCollection{docs: map[string][]byte{}}
	}
	t.dirty[collection] = c
	return c
}

func (t *memTx) checkWrite() error {
	if t.done {
		return errTxDone
	}
	if !t.writable {
		return ErrReadOnly
	}
	return nil
}

func (t *memTx) Get(collection, key string) ([]byte, error) {
	if t.done {
		return nil, errTxDone
	}
	c := t.read(collection)
	if c == nil {
		return nil, ErrNotFound
	}
	v, ok := c.docs[key]
	if !ok {
		return nil, ErrNotFound
	}
	return cloneBytes(v), nil
}

func (t *memTx) Put(collection, key string, doc []byte) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	c := t.write(collection)
	if _, ok := c.docs[key]; !ok {
		c.insertKey(key)
	}
	c.docs[key] = cloneBytes(doc)
	return nil
}

func (t *memTx) Insert(collection, key string, doc []byte) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if c := t.read(collection); c != nil {
		if _, ok := c.docs[key]; ok {
			return ErrExists
		}
	}
	c := t.write(collection)
	c.insertKey(key)
	c.docs[key] = cloneBytes(doc)
	return nil
}

func (t *memTx) Delete(collection, key string) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if c := t.read(collection); c == nil {
		return ErrNotFound
	} else if _, ok := c.docs[key]; !ok {
		return ErrNotFound
	}
	c := t.write(collection)
	delete(c.docs, key)
	i := sort.SearchStrings(c.keys, key)
	c.keys = append(c.keys[:i], c.keys[i+1:]...)
	return nil
}

func (t *memTx) Scan(collection, prefix, after string, limit int) ([]Doc, error) {
	if t.done {
		return nil, errTxDone
	}
	c := t.read(collection)
	if c == nil {
		return nil, nil
	}
	var i int
	if after != "" && after >= prefix {
		i = sort.Search(len(c.keys), func(j int) bool { return c.keys[j] > after })
	} else {
		i = sort.SearchStrings(c.keys, prefix)
	}
	var out []Doc
	for ; i < len(c.keys) && (limit <= 0 || len(out) < limit); i++ {
		k := c.keys[i]
		if !strings.HasPrefix(k, prefix) {
			break
		}
		out = append(out, Doc{Key: k, Value: cloneBytes(c.docs[k])})
	}
	return out, nil
}

// insertKey adds a key known to be absent, keeping keys sorted.
func (c *memCollection) insertKey(key string) {
	i := sort.SearchStrings(c.keys, key)
	c.keys = append(c.keys, "")
	copy(c.keys[i+1:], c.keys[i:])
	c.keys[i] = key
}

// cloneBytes copies b; the result is never nil, so an empty document reads back as an empty,
// non-nil slice in both implementations.
func cloneBytes(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}
