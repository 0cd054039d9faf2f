//go:build linux

package efs

import (
	"errors"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

const platformFull = true

func fromStat(st *unix.Stat_t) statInfo {
	si := statInfo{
		mode:   st.Mode & 0o7777,
		uid:    st.Uid,
		gid:    st.Gid,
		mtime:  st.Mtim.Nano(),
		ctime:  st.Ctim.Nano(),
		ino:    uint64(st.Ino),   //nolint:unconvert // not uint64 on every platform
		dev:    uint64(st.Dev),   //nolint:unconvert
		nlink:  uint64(st.Nlink), //nolint:unconvert
		size:   st.Size,
		blocks: st.Blocks,
		rdev:   uint64(st.Rdev), //nolint:unconvert
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		si.typ = tree.NodeDir
	case unix.S_IFREG:
		si.typ = tree.NodeFile
	case unix.S_IFLNK:
		si.typ = tree.NodeSymlink
	case unix.S_IFIFO:
		si.typ = tree.NodeFIFO
	case unix.S_IFCHR:
		si.typ = tree.NodeCharDev
	case unix.S_IFBLK:
		si.typ = tree.NodeBlockDev
	case unix.S_IFSOCK:
		si.typ = tree.NodeSocket
	}
	return si
}

func fstat(f *os.File) (statInfo, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return statInfo{}, &os.PathError{Op: "fstat", Path: f.Name(), Err: err}
	}
	return fromStat(&st), nil
}

// readDirFD lists the open directory fd (which it closes) in byte-wise name order, with lstat
// information taken relative to it (no path lookups per entry).
func readDirFD(fd int, path string) ([]dirent, error) {
	d := os.NewFile(uintptr(fd), path)
	defer func() { _ = d.Close() }() // read only
	var names []string
	for {
		batch, err := d.Readdirnames(4096)
		names = append(names, batch...)
		if err == io.EOF || len(batch) == 0 {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(names)
	out := make([]dirent, len(names))
	// Large directories are stat'ed by several goroutines: lstat is most of what a backup of an
	// unchanged tree costs, and the kernel serves it in parallel.
	parts := 1
	if len(names) >= 64 {
		parts = min(runtime.GOMAXPROCS(0), len(names)/32)
	}
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(names)/parts, (p+1)*len(names)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			var st unix.Stat_t
			for i := lo; i < hi; i++ {
				name := names[i]
				out[i].name = name
				if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
					out[i].err = &os.PathError{Op: "lstat", Path: path + "/" + name, Err: err}
					continue
				}
				out[i].st = fromStat(&st)
				if out[i].st.typ == tree.NodeSymlink {
					out[i].target, out[i].err = readlinkat(fd, name, path)
				}
			}
		}()
	}
	wg.Wait()
	return out, nil
}

func readlinkat(dirfd int, name, dir string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", &os.PathError{Op: "readlink", Path: dir + "/" + name, Err: err}
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}

// dataExtents returns the regions of f that hold data, using SEEK_DATA/SEEK_HOLE, so holes in a
// sparse file are neither read nor stored.
func dataExtents(f *os.File, size int64) ([]extent, error) {
	fd := int(f.Fd())
	var out []extent
	for off := int64(0); off < size; {
		data, err := unix.Seek(fd, off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			break // only a hole is left
		}
		if err != nil {
			return []extent{{0, size}}, nil // no SEEK_DATA support: read it all
		}
		if data >= size {
			break
		}
		hole, err := unix.Seek(fd, data, unix.SEEK_HOLE)
		if err != nil {
			return []extent{{0, size}}, nil
		}
		hole = min(hole, size)
		out = append(out, extent{data, hole - data})
		off = hole
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return out, nil
}

func setTimes(path string, mtime int64, symlink bool) error {
	flags := 0
	if symlink {
		flags = unix.AT_SYMLINK_NOFOLLOW
	}
	ts := []unix.Timespec{{Sec: 0, Nsec: unix.UTIME_OMIT}, unix.NsecToTimespec(mtime)}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, path, ts, flags); err != nil {
		return &os.PathError{Op: "utimes", Path: path, Err: err}
	}
	return nil
}

// setFileTimes sets an open file's mtime (futimens: utimensat on the descriptor, no path lookup).
func setFileTimes(f *os.File, mtime int64) error {
	ts := [2]unix.Timespec{{Sec: 0, Nsec: unix.UTIME_OMIT}, unix.NsecToTimespec(mtime)}
	_, _, errno := unix.Syscall6(unix.SYS_UTIMENSAT, f.Fd(), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if errno != 0 {
		return &os.PathError{Op: "futimens", Path: f.Name(), Err: errno}
	}
	return nil
}

func isRoot() bool { return os.Geteuid() == 0 }
