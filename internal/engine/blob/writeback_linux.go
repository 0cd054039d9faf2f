//go:build linux

package blob

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback starts (without waiting for) the write-back of a file range.
func startWriteback(f *os.File, off, n int64) {
	// Only a hint: the fsync that makes the object durable is what counts.
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
