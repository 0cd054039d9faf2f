//go:build unix

package events

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive flock on f, waiting for other holders. flock locks belong to the
// open file description, so two opens of the event log in one process exclude each other too.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}

func unlockFile(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
