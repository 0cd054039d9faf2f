//go:build !unix

package events

import "os"

// lockFile cannot lock on this platform: two engine processes appending to one event log at the
// same moment could interleave there. Appends within one process are serialised by Outbox.mu.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
