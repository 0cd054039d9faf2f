//go:build !linux

package efs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

// Dir is an open directory. Outside Linux it is a path, and paths below it are checked before
// use: each component is looked at with Lstat, and a symlink on the way is refused (or, when
// following is allowed, resolved and required to stay below). That check and the use are two
// steps, so it is weaker than Linux's descriptor-relative resolution against a concurrent swap.
type Dir struct {
	path   string
	free   bool
	denied []deniedDir
}

type deniedDir struct {
	fi   os.FileInfo
	path string
}

func statDenied(paths []string) []deniedDir {
	out := make([]deniedDir, 0, len(paths))
	for _, p := range paths {
		if fi, err := os.Stat(p); p != "" && err == nil {
			out = append(out, deniedDir{fi, p})
		}
	}
	return out
}

func openTrusted(path string, denied []string) (*Dir, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &os.PathError{Op: "open", Path: path, Err: errors.New("not a directory")}
	}
	return &Dir{path: path, denied: statDenied(denied)}, nil
}

func openFreeRoot(path string, denied []string) (*Dir, error) {
	root := filepath.VolumeName(path) + string(filepath.Separator)
	d, err := openTrusted(root, denied)
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

// Close does nothing outside Linux (nothing is held open).
func (d *Dir) Close() error { return nil }

// resolve checks rel below d and returns its path.
func (d *Dir) resolve(rel string, follow bool) (string, error) {
	full := d.Join(rel)
	if d.free || rel == "" {
		return full, nil
	}
	cur := d.path
	parts := strings.Split(rel, "/")
	for i, part := range parts {
		if part == ".." || part == "" {
			return "", &ConfineError{Path: full, Reason: Escapes, Within: d.path}
		}
		next := filepath.Join(cur, part)
		fi, err := os.Lstat(next)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return filepath.Join(append([]string{cur}, parts[i:]...)...), nil
			}
			return "", err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			if !follow {
				return "", &ConfineError{Path: full, Reason: ThroughSymlink, Within: d.path}
			}
			real, err := filepath.EvalSymlinks(next)
			if err != nil {
				return "", err
			}
			if !Within(real, d.path) {
				return "", &ConfineError{Path: full, Reason: Escapes, Within: d.path}
			}
			next = real
		}
		cur = next
	}
	return cur, nil
}

func (d *Dir) openDir(rel string, follow bool) (*Dir, error) {
	p, err := d.resolve(rel, follow)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &os.PathError{Op: "open", Path: p, Err: errors.New("not a directory")}
	}
	return &Dir{path: d.Join(rel), denied: d.denied}, nil
}

// OpenDir opens the directory rel below d without following a symlink.
func (d *Dir) OpenDir(rel string) (*Dir, error) { return d.openDir(rel, false) }

func (d *Dir) checkNotDenied() error {
	real, err := filepath.EvalSymlinks(d.path)
	if err != nil {
		return err
	}
	for _, dd := range d.denied {
		if r, err := filepath.EvalSymlinks(dd.path); err == nil && Within(real, r) {
			return &ConfineError{Path: d.path, Reason: EngineData, Within: dd.path}
		}
	}
	return nil
}

// deniedEntry reports whether the entry rel below d is a denied directory.
func (d *Dir) deniedEntry(rel string, _ statInfo) (string, bool) {
	if len(d.denied) == 0 {
		return "", false
	}
	fi, err := os.Lstat(d.Join(rel))
	if err != nil {
		return "", false
	}
	for _, dd := range d.denied {
		if os.SameFile(fi, dd.fi) {
			return dd.path, true
		}
	}
	return "", false
}

func (d *Dir) nofollow(rel string) (string, error) { return d.resolve(rel, false) }

// Mkdir creates the directory rel.
func (d *Dir) Mkdir(rel string, perm uint32) error {
	p, err := d.nofollow(rel)
	if err != nil {
		return err
	}
	return os.Mkdir(p, fs.FileMode(perm))
}

// Lstat describes rel itself.
func (d *Dir) Lstat(rel string) (statInfo, error) {
	p, err := d.nofollow(rel)
	if err != nil {
		return statInfo{}, err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return statInfo{}, err
	}
	return fromFileInfo(fi), nil
}

// Create creates the regular file rel, which must not exist, for writing.
func (d *Dir) Create(rel string) (*os.File, error) {
	p, err := d.nofollow(rel)
	if err != nil {
		return nil, err
	}
	return os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// OpenRead opens the regular file rel for reading.
func (d *Dir) OpenRead(rel string) (*os.File, error) {
	p, err := d.nofollow(rel)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// Symlink creates rel as a symlink to target.
func (d *Dir) Symlink(target, rel string) error {
	p, err := d.nofollow(rel)
	if err != nil {
		return err
	}
	return os.Symlink(target, p)
}

// Link makes newRel a hard link of oldRel.
func (d *Dir) Link(oldRel, newRel string) error { return d.onTwo(oldRel, newRel, os.Link) }

// Rename renames oldRel to newRel.
func (d *Dir) Rename(oldRel, newRel string) error { return d.onTwo(oldRel, newRel, os.Rename) }

// onTwo runs op on two paths beneath d, neither followed through a symlink.
func (d *Dir) onTwo(oldRel, newRel string, op func(oldPath, newPath string) error) error {
	o, err := d.nofollow(oldRel)
	if err != nil {
		return err
	}
	n, err := d.nofollow(newRel)
	if err != nil {
		return err
	}
	return op(o, n)
}

// RemoveAll removes rel and everything below it.
func (d *Dir) RemoveAll(rel string) error {
	p, err := d.nofollow(rel)
	if err != nil {
		return err
	}
	return os.RemoveAll(p)
}

// Chmod sets the mode of rel.
func (d *Dir) Chmod(rel string, mode fs.FileMode) error {
	p, err := d.nofollow(rel)
	if err != nil {
		return err
	}
	return os.Chmod(p, mode)
}

// SetTimes sets the mtime of rel.
func (d *Dir) SetTimes(rel string, mtime int64) error {
	p, err := d.nofollow(rel)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	return setTimes(p, mtime, fi.Mode()&os.ModeSymlink != 0)
}

// Lchown does nothing outside Linux (owners are not restored there).
func (d *Dir) Lchown(rel string, uid, gid uint32) error { return nil }

// Mknod is refused outside Linux.
func (d *Dir) Mknod(rel string, n *tree.Node) error {
	return errors.New("special files can be restored on Linux only")
}

// ReadDir lists the directory rel below d in byte-wise name order.
func (d *Dir) ReadDir(rel string) ([]dirent, error) {
	p, err := d.nofollow(rel)
	if err != nil {
		return nil, err
	}
	ents, err := readDir(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", d.Join(rel), err)
	}
	return ents, nil
}
