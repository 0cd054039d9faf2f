//go:build linux

package efs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

// Dir is an open directory. Everything a backup reads or a restore writes below it is reached
// relative to its descriptor, without following any symlink (RESOLVE_NO_SYMLINKS), so what is
// below cannot lead elsewhere whatever is swapped in meanwhile.
type Dir struct {
	fd   int
	path string
	// free marks the root of an unconfined policy: paths below it resolve as the process's own
	// would (every symlink followed). Only Policy.Open and OpenParent use a free Dir, and only
	// to reach the directory they return, which is not free.
	free   bool
	denied []deniedDir
}

type fileID struct{ dev, ino uint64 }

// deniedDir is a directory never used for a caller, by identity (a bind mount or another
// spelling of it has the same one).
type deniedDir struct {
	id   fileID
	path string
}

func idOf(st *unix.Stat_t) fileID {
	return fileID{uint64(st.Dev), uint64(st.Ino)} //nolint:unconvert // not uint64 on every platform
}

func statDenied(paths []string) []deniedDir {
	out := make([]deniedDir, 0, len(paths))
	for _, p := range paths {
		var st unix.Stat_t
		if p != "" && unix.Stat(p, &st) == nil {
			out = append(out, deniedDir{idOf(&st), p})
		}
	}
	return out
}

// openTrusted opens a directory the operator named (an allowed directory), by its path.
func openTrusted(path string, denied []string) (*Dir, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return &Dir{fd: fd, path: path, denied: statDenied(denied)}, nil
}

// openFreeRoot opens the file system root above path, for an unconfined policy.
func openFreeRoot(path string, denied []string) (*Dir, error) {
	d, err := openTrusted("/", denied)
	if err != nil {
		return nil, err
	}
	d.free = true
	return d, nil
}

// OpenDir opens the directory at path as the process would (symlinks followed), unconfined and
// with nothing denied: for work that is not done for an API caller (Backup and Restore by path,
// tests, benchmarks). Work for a caller opens directories through its Policy.
func OpenDir(path string) (*Dir, error) { return openTrusted(path, nil) }

// Close releases the descriptor.
func (d *Dir) Close() error {
	if d == nil || d.fd < 0 {
		return nil
	}
	err := unix.Close(d.fd)
	d.fd = -1
	return err
}

// openat2Missing is set once openat2 was found missing (ENOSYS) or filtered (EPERM from
// seccomp); the O_NOFOLLOW walk is used from then on. Tests set forceWalk to exercise it.
var (
	openat2Once    sync.Once
	openat2Missing bool
	forceWalk      bool
)

func haveOpenat2() bool {
	openat2Once.Do(func() {
		fd, err := unix.Openat2(unix.AT_FDCWD, ".", &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_BENEATH})
		if err != nil {
			openat2Missing = errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM)
			return
		}
		_ = unix.Close(fd)
	})
	return !openat2Missing && !forceWalk
}

// open opens rel (slash-separated, clean, "" for d itself) below d. With follow, symlinks are
// followed while they stay below d; without, none is. It returns a raw descriptor.
func (d *Dir) open(rel string, flags int, mode uint32, follow bool) (int, error) {
	flags |= unix.O_CLOEXEC
	if rel == "" {
		rel = "."
	}
	if d.free {
		fd, err := unix.Openat(d.fd, rel, flags, mode)
		return fd, d.pathErr("open", rel, err)
	}
	if strings.HasPrefix(rel, "/") {
		return -1, &ConfineError{Path: rel, Reason: Escapes, Within: d.path}
	}
	if haveOpenat2() {
		resolve := uint64(unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS)
		if !follow {
			resolve |= unix.RESOLVE_NO_SYMLINKS
		}
		for {
			fd, err := unix.Openat2(d.fd, rel, &unix.OpenHow{Flags: uint64(flags), Mode: uint64(mode), Resolve: resolve})
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue // a rename raced the lookup; the kernel asks to try again
			}
			return fd, d.classify(rel, err, follow)
		}
	}
	if follow {
		return d.openFollowWalk(rel, flags, mode)
	}
	return d.openNoFollowWalk(rel, flags, mode)
}

// classify turns openat2's refusals into ConfineErrors.
func (d *Dir) classify(rel string, err error, follow bool) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EXDEV):
		return &ConfineError{Path: d.Join(rel), Reason: Escapes, Within: d.path}
	case errors.Is(err, unix.ELOOP) && !follow:
		return &ConfineError{Path: d.Join(rel), Reason: ThroughSymlink, Within: d.path}
	}
	return d.pathErr("open", rel, err)
}

func (d *Dir) pathErr(op, rel string, err error) error {
	if err == nil {
		return nil
	}
	return &os.PathError{Op: op, Path: d.Join(rel), Err: err}
}

// openNoFollowWalk is open without openat2 and without following symlinks: each directory on
// the way is opened with O_NOFOLLOW relative to the one before.
func (d *Dir) openNoFollowWalk(rel string, flags int, mode uint32) (int, error) {
	parts := strings.Split(rel, "/")
	cur := d.fd
	closeCur := func() {
		if cur != d.fd {
			_ = unix.Close(cur)
		}
	}
	defer func() { closeCur() }()
	for i, part := range parts {
		if part == ".." {
			return -1, &ConfineError{Path: d.Join(rel), Reason: Escapes, Within: d.path}
		}
		last := i == len(parts)-1
		f := unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
		var m uint32
		if last {
			f, m = flags|unix.O_NOFOLLOW, mode
		}
		fd, err := unix.Openat(cur, part, f, m)
		if err != nil {
			var st unix.Stat_t
			if (errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP)) &&
				unix.Fstatat(cur, part, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
				return -1, &ConfineError{Path: d.Join(rel), Reason: ThroughSymlink, Within: d.path}
			}
			return -1, d.pathErr("open", rel, err)
		}
		if last {
			return fd, nil
		}
		closeCur()
		cur = fd
	}
	return -1, d.pathErr("open", rel, unix.EINVAL)
}

// openFollowWalk is open without openat2, following symlinks that stay below d: Go's os.Root
// walks the path component by component with O_NOFOLLOW and resolves each symlink itself,
// refusing one that leaves the root.
func (d *Dir) openFollowWalk(rel string, flags int, mode uint32) (int, error) {
	root, err := os.OpenRoot(fmt.Sprintf("/proc/self/fd/%d", d.fd))
	if err != nil {
		return -1, fmt.Errorf("open %s: %w", d.path, err)
	}
	defer func() { _ = root.Close() }()
	f, err := root.OpenFile(rel, flags&^unix.O_CLOEXEC, fs.FileMode(mode))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, fs.ErrPermission) {
			return -1, d.pathErr("open", rel, errors.Unwrap(err))
		}
		// os.Root's refusal of a path leaving it has no exported error value.
		return -1, &ConfineError{Path: d.Join(rel), Reason: Escapes, Within: d.path}
	}
	defer f.Close()
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	return fd, d.pathErr("dup", rel, err)
}

// openDir opens the directory rel below d as a Dir.
func (d *Dir) openDir(rel string, follow bool) (*Dir, error) {
	fd, err := d.open(rel, unix.O_RDONLY|unix.O_DIRECTORY, 0, follow)
	if err != nil {
		return nil, err
	}
	return &Dir{fd: fd, path: d.Join(rel), denied: d.denied}, nil
}

// OpenDir opens the directory rel below d without following a symlink.
func (d *Dir) OpenDir(rel string) (*Dir, error) { return d.openDir(rel, false) }

// checkNotDenied refuses d if it is, or is inside, a denied directory: it walks up from d
// through "..", comparing each directory's device and inode with the denied ones.
func (d *Dir) checkNotDenied() error {
	if len(d.denied) == 0 {
		return nil
	}
	cur, err := unix.Dup(d.fd)
	if err != nil {
		return d.pathErr("dup", "", err)
	}
	defer func() { _ = unix.Close(cur) }()
	var prev fileID
	for i := 0; i < 4096; i++ {
		var st unix.Stat_t
		if err := unix.Fstat(cur, &st); err != nil {
			return d.pathErr("fstat", "", err)
		}
		id := idOf(&st)
		if i > 0 && id == prev {
			return nil // "/" is its own parent
		}
		if dd, ok := d.isDenied(id); ok {
			return &ConfineError{Path: d.path, Reason: EngineData, Within: dd}
		}
		up, err := unix.Openat(cur, "..", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return d.pathErr("open ..", "", err)
		}
		_ = unix.Close(cur)
		cur, prev = up, id
	}
	return nil
}

func (d *Dir) isDenied(id fileID) (string, bool) {
	for _, dd := range d.denied {
		if dd.id == id {
			return dd.path, true
		}
	}
	return "", false
}

// parentOf opens the directory holding rel and returns it with rel's last name; done releases it.
func (d *Dir) parentOf(rel string) (fd int, base string, done func(), err error) {
	i := strings.LastIndexByte(rel, '/')
	if i < 0 {
		return d.fd, rel, func() {}, nil
	}
	pfd, err := d.open(rel[:i], unix.O_PATH|unix.O_DIRECTORY, 0, false)
	if err != nil {
		return -1, "", nil, err
	}
	return pfd, rel[i+1:], func() { _ = unix.Close(pfd) }, nil
}

// at runs fn with the parent of rel and its last name.
func (d *Dir) at(op, rel string, fn func(pfd int, base string) error) error {
	pfd, base, done, err := d.parentOf(rel)
	if err != nil {
		return err
	}
	defer done()
	return d.pathErr(op, rel, fn(pfd, base))
}

// Mkdir creates the directory rel.
func (d *Dir) Mkdir(rel string, perm uint32) error {
	return d.at("mkdir", rel, func(pfd int, base string) error { return unix.Mkdirat(pfd, base, perm) })
}

// Lstat describes rel itself (a symlink is not followed); "" is d.
func (d *Dir) Lstat(rel string) (statInfo, error) {
	var st unix.Stat_t
	var err error
	if rel == "" {
		err = d.pathErr("fstat", rel, unix.Fstat(d.fd, &st))
	} else {
		err = d.at("lstat", rel, func(pfd int, base string) error { return unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW) })
	}
	if err != nil {
		return statInfo{}, err
	}
	return fromStat(&st), nil
}

// deniedEntry reports whether the entry rel below d, whose lstat is st, is a denied directory.
func (d *Dir) deniedEntry(_ string, st statInfo) (string, bool) {
	if len(d.denied) == 0 {
		return "", false
	}
	return d.isDenied(fileID{st.dev, st.ino})
}

// Create creates the regular file rel, which must not exist, for writing.
func (d *Dir) Create(rel string) (*os.File, error) {
	fd, err := d.open(rel, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, 0o600, false)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), d.Join(rel)), nil
}

// OpenRead opens the regular file rel for reading, without updating its access time where
// permitted.
func (d *Dir) OpenRead(rel string) (*os.File, error) {
	fd, err := d.open(rel, unix.O_RDONLY|unix.O_NOATIME, 0, false)
	var pe *os.PathError
	if errors.As(err, &pe) && errors.Is(pe.Err, unix.EPERM) {
		fd, err = d.open(rel, unix.O_RDONLY, 0, false)
	}
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), d.Join(rel)), nil
}

// Symlink creates rel as a symlink to target (which is not looked at).
func (d *Dir) Symlink(target, rel string) error {
	return d.at("symlink", rel, func(pfd int, base string) error { return unix.Symlinkat(target, pfd, base) })
}

// Link makes newRel a hard link of oldRel (a symlink at oldRel is linked, not followed).
func (d *Dir) Link(oldRel, newRel string) error {
	return d.at("link", oldRel, func(opfd int, obase string) error {
		return d.at("link", newRel, func(npfd int, nbase string) error { return unix.Linkat(opfd, obase, npfd, nbase, 0) })
	})
}

// Rename renames oldRel to newRel (an empty directory at newRel is replaced).
func (d *Dir) Rename(oldRel, newRel string) error {
	return d.at("rename", oldRel, func(opfd int, obase string) error {
		return d.at("rename", newRel, func(npfd int, nbase string) error { return unix.Renameat(opfd, obase, npfd, nbase) })
	})
}

// RemoveAll removes rel and everything below it, without following symlinks.
func (d *Dir) RemoveAll(rel string) error {
	return d.at("remove", rel, removeAllAt)
}

func removeAllAt(dirfd int, name string) error {
	err := unix.Unlinkat(dirfd, name, 0)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	if !errors.Is(err, unix.EISDIR) && !errors.Is(err, unix.EPERM) {
		return err
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	for {
		names, rerr := f.Readdirnames(1024)
		for _, n := range names {
			if err := removeAllAt(fd, n); err != nil {
				return err
			}
		}
		if rerr == io.EOF || len(names) == 0 {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	if err := unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR); err != nil && !errors.Is(err, unix.ENOENT) {
		return err
	}
	return nil
}

// Chmod sets the mode of rel itself, never of what a symlink there points to.
func (d *Dir) Chmod(rel string, mode fs.FileMode) error {
	m := uint32(mode.Perm())
	if mode&fs.ModeSetuid != 0 {
		m |= unix.S_ISUID
	}
	if mode&fs.ModeSetgid != 0 {
		m |= unix.S_ISGID
	}
	if mode&fs.ModeSticky != 0 {
		m |= unix.S_ISVTX
	}
	if rel == "" {
		return d.pathErr("chmod", rel, unix.Fchmod(d.fd, m))
	}
	return d.at("chmod", rel, func(pfd int, base string) error {
		err := unix.Fchmodat(pfd, base, m, unix.AT_SYMLINK_NOFOLLOW)
		if !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.ENOSYS) {
			return err
		}
		// No fchmodat2 (before Linux 6.6): pin the entry with O_PATH|O_NOFOLLOW, make sure it is
		// not a symlink, and change it through its descriptor's /proc link.
		fd, err := unix.Openat(pfd, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer func() { _ = unix.Close(fd) }()
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return unix.ELOOP
		}
		return unix.Chmod(fmt.Sprintf("/proc/self/fd/%d", fd), m)
	})
}

// SetTimes sets the mtime of rel itself (a symlink's own, not its target's).
func (d *Dir) SetTimes(rel string, mtime int64) error {
	ts := []unix.Timespec{{Sec: 0, Nsec: unix.UTIME_OMIT}, unix.NsecToTimespec(mtime)}
	if rel == "" {
		return d.pathErr("utimes", rel, unix.UtimesNanoAt(d.fd, "", ts, unix.AT_EMPTY_PATH))
	}
	return d.at("utimes", rel, func(pfd int, base string) error {
		return unix.UtimesNanoAt(pfd, base, ts, unix.AT_SYMLINK_NOFOLLOW)
	})
}

// Lchown sets the owner of rel itself.
func (d *Dir) Lchown(rel string, uid, gid uint32) error {
	if rel == "" {
		return d.pathErr("chown", rel, unix.Fchown(d.fd, int(uid), int(gid)))
	}
	return d.at("lchown", rel, func(pfd int, base string) error {
		return unix.Fchownat(pfd, base, int(uid), int(gid), unix.AT_SYMLINK_NOFOLLOW)
	})
}

// Mknod creates the FIFO or device node n at rel.
func (d *Dir) Mknod(rel string, n *tree.Node) error {
	var mode uint32
	switch n.Type {
	case tree.NodeFIFO:
		mode = unix.S_IFIFO
	case tree.NodeCharDev:
		mode = unix.S_IFCHR
	case tree.NodeBlockDev:
		mode = unix.S_IFBLK
	default:
		return nil
	}
	return d.at("mknod", rel, func(pfd int, base string) error {
		return unix.Mknodat(pfd, base, mode|(n.Mode&0o777), int(n.RDev))
	})
}

// ReadDir lists the directory rel below d in byte-wise name order, with lstat information
// taken relative to the open directory (no path lookups per entry).
func (d *Dir) ReadDir(rel string) ([]dirent, error) {
	fd, err := d.open(rel, unix.O_RDONLY|unix.O_DIRECTORY, 0, false)
	if err != nil {
		return nil, err
	}
	return readDirFD(fd, d.Join(rel))
}
