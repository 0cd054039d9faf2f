//go:build unix

package locks

import (
	"errors"
	"os"
	"syscall"
)

// processAlive reports whether a process with this PID runs on this host.
func processAlive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
