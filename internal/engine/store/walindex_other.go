//go:build !linux

package store

import "errors"

var errWALIndexUnsupported = errors.New("the WAL-index is read on Linux only")

// Elsewhere Version cannot tell (the mapping is only made, and tested, on Linux).
type walIndex struct{}

func openWALIndex(string) (*walIndex, error) { return nil, errWALIndexUnsupported }

func (w *walIndex) release() error { return nil }

func (w *walIndex) version() (Version, bool) { return Version{}, false }
