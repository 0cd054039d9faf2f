package efs

// Confinement: which directories a caller's backups may read and its restores may write.
//
// A path a caller names is never trusted as a string. It is opened one component at a time,
// beneath the allowed directory it names, by the kernel: openat2(2) with RESOLVE_BENEATH (and
// RESOLVE_NO_SYMLINKS where no symlink may be followed at all), from golang.org/x/sys/unix. Where
// the kernel has no openat2 (before Linux 5.6, or a seccomp filter refusing it) the same rules are
// kept by a walk that opens each component with O_NOFOLLOW, and for the follow-inside case by
// Go's os.Root, which walks the same way. Everything below an opened directory is then reached
// relative to its descriptor (Dir), so a directory swapped for a symlink after the check leads
// nowhere.
//
// This is written here rather than taken from os.Root alone because os.Root cannot refuse every
// symlink (a restore must never write through one), does not use openat2, and cannot say whether
// a directory lies inside the engine's own data dir, which is refused whatever the allowed list
// says: that check walks up from the opened directory ("..", comparing device and inode), so a
// bind mount or a symlinked spelling of the data dir is caught as well as its plain path.

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// Policy says which directories one account's callers may use: register and back up, and
// restore into.
type Policy struct {
	// Allowed are absolute, clean directories; a caller may use them and what lies below them.
	Allowed []string
	// Unconfined lets the caller use every directory the engine process can reach (Allowed is
	// then not consulted). It is for the embedded engine, whose only caller is the user's own
	// Terraform; the data dir stays refused.
	Unconfined bool
	// Denied are directories never read or written for a caller, whatever Allowed says: the
	// engine's data dir and the region storage dirs.
	Denied []string
}

// Reason is why a path was refused.
type Reason int

// Reasons a path is refused.
const (
	// NoAllowedPath: the policy allows no directory at all.
	NoAllowedPath Reason = iota + 1
	// Outside: the path is not below any allowed directory.
	Outside
	// Escapes: on the way to the path, a symlink (or "..") leads outside the directory it must
	// stay in.
	Escapes
	// ThroughSymlink: a restore's path passes through a symlink, which a restore never follows.
	ThroughSymlink
	// EngineData: the path is, or is inside, the engine's data dir or a region's storage dir.
	EngineData
)

// ConfineError is a path refused by a Policy.
type ConfineError struct {
	Path   string
	Reason Reason
	// Within is the directory the path had to stay in (for Escapes and ThroughSymlink), or the
	// engine directory it is inside (for EngineData).
	Within string
	// Allowed is the policy's allowed list (for Outside).
	Allowed []string
}

func (e *ConfineError) Error() string {
	switch e.Reason {
	case NoAllowedPath:
		return fmt.Sprintf("%s: no directory is allowed", e.Path)
	case Outside:
		return fmt.Sprintf("%s is outside the allowed directories (%s)", e.Path, strings.Join(e.Allowed, ", "))
	case Escapes:
		return fmt.Sprintf("%s leads outside %s through a symlink or ..", e.Path, e.Within)
	case ThroughSymlink:
		return fmt.Sprintf("%s passes through a symlink below %s", e.Path, e.Within)
	case EngineData:
		return fmt.Sprintf("%s is in the engine's own directory %s", e.Path, e.Within)
	}
	return e.Path + ": refused"
}

// Within reports whether path is dir or below it (both absolute and clean).
func Within(path, dir string) bool {
	if path == dir {
		return true
	}
	if !strings.HasSuffix(dir, string(filepath.Separator)) {
		dir += string(filepath.Separator)
	}
	return strings.HasPrefix(path, dir)
}

// rootFor returns the allowed directory path is to be opened beneath: the shortest allowed
// directory holding it (any would do; the shortest lets symlinks inside the caller's whole tree
// be followed).
func (p Policy) rootFor(path string) (string, error) {
	if len(p.Allowed) == 0 {
		return "", &ConfineError{Path: path, Reason: NoAllowedPath}
	}
	best := ""
	for _, a := range p.Allowed {
		if Within(path, a) && (best == "" || len(a) < len(best)) {
			best = a
		}
	}
	if best == "" {
		return "", &ConfineError{Path: path, Reason: Outside, Allowed: p.Allowed}
	}
	return best, nil
}

// checkDeniedLexically refuses a path that names a denied directory or something below it, before
// anything is opened (so the answer does not depend on what exists there).
func (p Policy) checkDeniedLexically(path string) error {
	for _, d := range p.Denied {
		if d != "" && Within(path, d) {
			return &ConfineError{Path: path, Reason: EngineData, Within: d}
		}
	}
	return nil
}

// relPath is path below root, slash-separated, "" for root itself.
func relPath(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." {
		return ""
	}
	return filepath.ToSlash(rel)
}

// Open opens the directory at path (absolute) for reading: registration, backup, and the file
// system a restore goes into. Symlinks on the way are followed only while they stay inside the
// allowed directory.
func (p Policy) Open(path string) (*Dir, error) {
	path = filepath.Clean(path)
	if err := p.checkDeniedLexically(path); err != nil {
		return nil, err
	}
	root, err := p.openRoot(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = root.Close() }()
	d, err := root.openDir(relPath(root.path, path), true)
	if err != nil {
		return nil, err
	}
	if err := d.checkNotDenied(); err != nil {
		_ = d.Close()
		return nil, err
	}
	return d, nil
}

// OpenParent opens, creating what is missing, the directory a restore destination (absolute)
// goes into, and returns it with the destination's name in it. Symlinks on the way are
// followed only while they stay inside the allowed directory; the destination itself is never
// followed.
func (p Policy) OpenParent(path string) (*Dir, string, error) {
	path = filepath.Clean(path)
	if err := p.checkDeniedLexically(path); err != nil {
		return nil, "", err
	}
	root, err := p.openRoot(path)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = root.Close() }()
	rel := relPath(root.path, path)
	if rel == "" {
		return nil, "", &ConfineError{Path: path, Reason: Outside, Allowed: p.Allowed}
	}
	return root.OpenParent(rel)
}

// Probe opens the deepest directory on path (absolute) that exists, as Open would, and returns
// it with the part of path below it that does not exist yet ("" when all of path does). It
// creates nothing: it is how a restore is judged before it is accepted.
func (p Policy) Probe(path string) (*Dir, string, error) {
	path = filepath.Clean(path)
	if err := p.checkDeniedLexically(path); err != nil {
		return nil, "", err
	}
	root, err := p.openRoot(path)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = root.Close() }()
	return root.Probe(relPath(root.path, path))
}

// Probe is Policy.Probe below d: rel is slash-separated, "" for d itself.
func (d *Dir) Probe(rel string) (*Dir, string, error) {
	cur := rel
	for {
		sub, err := d.openDir(cur, true)
		if err == nil {
			if err := sub.checkNotDenied(); err != nil {
				_ = sub.Close()
				return nil, "", err
			}
			return sub, strings.TrimPrefix(strings.TrimPrefix(rel, cur), "/"), nil
		}
		if !errors.Is(err, fs.ErrNotExist) || cur == "" {
			return nil, "", err
		}
		cur = parentRel(cur)
	}
}

// OpenBeneath opens the directory rel below d, following symlinks while they stay below d, and
// refuses it if it is a denied directory or inside one.
func (d *Dir) OpenBeneath(rel string) (*Dir, error) {
	sub, err := d.openDir(rel, true)
	if err != nil {
		return nil, err
	}
	if err := sub.checkNotDenied(); err != nil {
		_ = sub.Close()
		return nil, err
	}
	return sub, nil
}

// CheckNotDenied refuses d if it is, or is inside, the engine's data dir or a storage dir.
func (d *Dir) CheckNotDenied() error { return d.checkNotDenied() }

// RelPath is path (absolute, clean) below dir, slash-separated; "" for dir itself.
func RelPath(dir, path string) string { return relPath(dir, path) }

func parentRel(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i]
	}
	return ""
}

// openRoot opens the allowed directory path must be opened beneath.
func (p Policy) openRoot(path string) (*Dir, error) {
	if p.Unconfined {
		return openFreeRoot(path, p.Denied)
	}
	root, err := p.rootFor(path)
	if err != nil {
		return nil, err
	}
	d, err := openTrusted(root, p.Denied)
	if err != nil {
		return nil, fmt.Errorf("open the allowed directory %s: %w", root, err)
	}
	return d, nil
}

// OpenParent opens, creating what is missing, the directory below d that rel (slash-separated,
// not "") goes into, and returns it with rel's last name. Symlinks on the way are followed only
// while they stay below d.
func (d *Dir) OpenParent(rel string) (*Dir, string, error) {
	dir, base := "", rel
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		dir, base = rel[:i], rel[i+1:]
	}
	if base == "" || base == "." || base == ".." {
		return nil, "", &ConfineError{Path: d.Join(rel), Reason: Escapes, Within: d.path}
	}
	parent, err := d.mkdirAll(dir)
	if err != nil {
		return nil, "", err
	}
	if err := parent.checkNotDenied(); err != nil {
		_ = parent.Close()
		return nil, "", err
	}
	return parent, base, nil
}

// mkdirAll opens the directory rel below d, creating missing directories (mode 0755) one at a
// time, each created relative to its parent's descriptor.
func (d *Dir) mkdirAll(rel string) (*Dir, error) {
	sub, err := d.openDir(rel, true)
	if err == nil || rel == "" || !errors.Is(err, fs.ErrNotExist) {
		return sub, err
	}
	dir, base := "", rel
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		dir, base = rel[:i], rel[i+1:]
	}
	parent, err := d.mkdirAll(dir)
	if err != nil {
		return nil, err
	}
	defer func() { _ = parent.Close() }()
	if err := parent.Mkdir(base, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return parent.OpenDir(base)
}

// Join is rel below d as a path to show.
func (d *Dir) Join(rel string) string {
	if rel == "" {
		return d.path
	}
	return filepath.Join(d.path, filepath.FromSlash(rel))
}

// Path is d's path as it was opened (to show; never opened again by name).
func (d *Dir) Path() string { return d.path }
