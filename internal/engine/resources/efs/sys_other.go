//go:build !linux

package efs

import (
	"errors"
	"io"
	"os"
	"slices"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

// Outside Linux the connector keeps what os.Lstat reports portably: type, permissions, size and
// mtime. Owners, inodes (so incremental backups compare size and mtime only), hard links,
// sparse files and device nodes are Linux-only.
const platformFull = false

func fromFileInfo(fi os.FileInfo) statInfo {
	si := statInfo{mode: uint32(fi.Mode().Perm()), mtime: fi.ModTime().UnixNano(), size: fi.Size(), nlink: 1}
	if fi.Mode()&os.ModeSetuid != 0 {
		si.mode |= 0o4000
	}
	if fi.Mode()&os.ModeSetgid != 0 {
		si.mode |= 0o2000
	}
	if fi.Mode()&os.ModeSticky != 0 {
		si.mode |= 0o1000
	}
	switch {
	case fi.IsDir():
		si.typ = tree.NodeDir
	case fi.Mode().IsRegular():
		si.typ = tree.NodeFile
	case fi.Mode()&os.ModeSymlink != 0:
		si.typ = tree.NodeSymlink
	case fi.Mode()&os.ModeNamedPipe != 0:
		si.typ = tree.NodeFIFO
	default:
		si.typ = tree.NodeSocket // skipped
	}
	si.blocks = (si.size + 511) / 512
	return si
}

func lstat(path string) (statInfo, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return statInfo{}, err
	}
	return fromFileInfo(fi), nil
}

func fstat(f *os.File) (statInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		return statInfo{}, err
	}
	return fromFileInfo(fi), nil
}

func readDir(path string) ([]dirent, error) {
	d, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil && err != io.EOF {
		return nil, err
	}
	slices.Sort(names)
	out := make([]dirent, 0, len(names))
	for _, name := range names {
		p := path + string(os.PathSeparator) + name
		st, err := lstat(p)
		de := dirent{name: name, st: st, err: err}
		if err == nil && st.typ == tree.NodeSymlink {
			de.target, de.err = os.Readlink(p)
		}
		out = append(out, de)
	}
	return out, nil
}

func openRead(path string) (*os.File, error) { return os.Open(path) }

func dataExtents(f *os.File, size int64) ([]extent, error) { return []extent{{0, size}}, nil }

func setOwner(path string, uid, gid uint32) error { return nil }

func setTimes(path string, mtime int64, symlink bool) error {
	if symlink {
		return nil
	}
	t := time.Unix(0, mtime)
	return os.Chtimes(path, t, t)
}

func setFileTimes(f *os.File, mtime int64) error {
	t := time.Unix(0, mtime)
	return os.Chtimes(f.Name(), t, t)
}

func makeSpecial(path string, n *tree.Node) error {
	return errors.New("special files can be restored on Linux only")
}

func isRoot() bool { return false }
