package store

import "errors"

// ErrReadOnly is returned by Put, Insert and Delete when they are called inside View.
//
// It is a separate sentinel (not a generic error) so that the conformance suite can prove every
// implementation refuses writes in a read-only transaction in the same way, and so that a domain
// bug that writes from a View shows up as one recognisable error rather than a driver message.
var ErrReadOnly = errors.New("store: write in a read-only transaction")

// errTxDone is returned by every Tx method once the function the Tx was handed to has returned.
// Using a Tx after that is a programming error (store.go forbids it); failing loudly beats
// silently writing outside any transaction or reading a snapshot that no longer exists.
var errTxDone = errors.New("store: transaction used after its function returned")
