package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// Memory is a Store held in memory, for tests. It keeps every promise of the interface except
// durability across process exits.
type Memory struct {
	mu      sync.RWMutex
	objects map[string][]byte
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{objects: map[string][]byte{}} }

// Save implements Store.
func (m *Memory) Save(ctx context.Context, name string, r io.Reader) error {
	if err := ValidName(name); err != nil {
		return err
	}
	m.mu.RLock()
	_, exists := m.objects[name]
	m.mu.RUnlock()
	if exists {
		return fmt.Errorf("save %s: %w", name, ErrExists)
	}
	b, err := io.ReadAll(ctxReader{ctx, r})
	if err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, exists := m.objects[name]; exists {
		return fmt.Errorf("save %s: %w", name, ErrExists)
	}
	m.objects[name] = b
	return nil
}

func (m *Memory) get(name string) ([]byte, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	m.mu.RLock()
	b, ok := m.objects[name]
	m.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	return b, nil
}

// Open implements Store.
func (m *Memory) Open(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := m.get(name)
	if err != nil {
		return nil, err
	}
	n, err := checkRange(name, int64(len(b)), off, length)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(b[off : off+n])), nil
}

// Stat implements Store.
func (m *Memory) Stat(ctx context.Context, name string) (int64, error) {
	b, err := m.get(name)
	if err != nil {
		return 0, err
	}
	return int64(len(b)), nil
}

// Remove implements Store.
func (m *Memory) Remove(ctx context.Context, name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.objects[name]; !ok {
		return fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	delete(m.objects, name)
	return nil
}

// List implements Store.
func (m *Memory) List(ctx context.Context, prefix string, fn func(name string, size int64) error) error {
	type obj struct {
		name string
		size int64
	}
	m.mu.RLock()
	var objs []obj
	for n, b := range m.objects {
		if strings.HasPrefix(n, prefix) {
			objs = append(objs, obj{n, int64(len(b))})
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(objs, func(a, b obj) int { return strings.Compare(a.name, b.name) })
	for _, o := range objs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(o.name, o.size); err != nil {
			return err
		}
	}
	return nil
}

// Corrupt flips one bit of the object's byte at off, for tests of corruption detection. It
// reports whether the object exists and is long enough.
func (m *Memory) Corrupt(name string, off int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objects[name]
	if !ok || off < 0 || off >= int64(len(b)) {
		return false
	}
	c := slices.Clone(b)
	c[off] ^= 0x01
	m.objects[name] = c
	return true
}
