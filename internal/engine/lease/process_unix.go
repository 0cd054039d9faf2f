//go:build unix

package lease

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process with the given ID exists on this host. Signal 0 checks
// existence without signalling; EPERM means it exists but belongs to another user.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
