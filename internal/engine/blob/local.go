package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Local is a Store in a directory of the local file system. An object "a/b/c" is the file
// ROOT/a/b/c, so names map to nested directories and no directory grows too large when names
// carry a short prefix ("packs/ab/ab…").
//
// Save writes to a temporary file under ROOT/.tmp, fsyncs it, then hard-links it into place:
// link(2), unlike rename(2), fails when the target exists, which is how objects are never
// overwritten, even by a racing process. The directory is fsynced after the link (and after
// creating any directory on the way), so a saved object survives a crash of the machine.
// SaveDeferred leaves all of those fsyncs, the new directories' included, to Sync.
type Local struct {
	root string
	tmp  string
	// dirs remembers directories known to exist, to skip MkdirAll's stats: true once their
	// entry in the parent is durable, false while only a deferred save needed them (Sync or
	// the next durable save into them makes them durable).
	dirs sync.Map
	// dirMu serialises creating directories and making them durable, which is rare (a store
	// has a few hundred), so a durable save never trusts a directory another save is creating.
	dirMu sync.Mutex
}

const localTmpDir = ".tmp"

// NewLocal opens (creating if needed) a local store in dir. Temporary files left behind by
// processes that no longer run are removed.
func NewLocal(dir string) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob store %s: %w", dir, err)
	}
	l := &Local{root: abs, tmp: filepath.Join(abs, localTmpDir)}
	if err := l.mkdirAll(l.tmp, true); err != nil {
		return nil, fmt.Errorf("blob store %s: %w", dir, err)
	}
	l.removeStaleTemps()
	return l, nil
}

// Root is the directory holding the store.
func (l *Local) Root() string { return l.root }

// Path is the file that holds (or would hold) the object name.
func (l *Local) Path(name string) string { return filepath.Join(l.root, filepath.FromSlash(name)) }

func (l *Local) removeStaleTemps() {
	ents, err := os.ReadDir(l.tmp)
	if err != nil {
		return
	}
	for _, e := range ents {
		// save-<pid>-<random>
		parts := strings.SplitN(e.Name(), "-", 3)
		if len(parts) != 3 || parts[0] != "save" {
			continue
		}
		pid, err := strconv.Atoi(parts[1])
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		_ = os.Remove(filepath.Join(l.tmp, e.Name())) // best effort: tried again next time
	}
}

// Save implements Store.
func (l *Local) Save(ctx context.Context, name string, r io.Reader) error {
	return l.save(ctx, name, r, true)
}

// SaveDeferred implements DeferredStore: Save without the fsyncs.
func (l *Local) SaveDeferred(ctx context.Context, name string, r io.Reader) error {
	return l.save(ctx, name, r, false)
}

// Sync implements DeferredStore: it fsyncs the objects (several at a time, so the file system
// can commit them together), then their directories and the parents of the directories
// deferred saves created.
func (l *Local) Sync(ctx context.Context, names ...string) error {
	dirs := map[string]bool{}
	sem := make(chan struct{}, 8)
	errs := make(chan error, len(names))
	var wg sync.WaitGroup
	for _, name := range names {
		if err := ValidName(name); err != nil {
			return err
		}
		p := l.Path(name)
		dirs[filepath.Dir(p)] = true
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f, err := os.Open(p)
			if err != nil {
				errs <- mapNotFound(name, err)
				return
			}
			defer closeQuietly(f)
			if err := f.Sync(); err != nil {
				errs <- fmt.Errorf("sync %s: %w", name, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	// The directories go in parallel too: on a journaling file system the first fsync commits
	// the journal, and most of the others then find nothing left to commit.
	parents, err := l.pendingDirParents(dirs)
	if err != nil {
		return err
	}
	for p := range parents {
		dirs[p] = true
	}
	derrs := make(chan error, len(dirs))
	for d := range dirs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := syncDir(d); err != nil {
				derrs <- err
			}
		}()
	}
	wg.Wait()
	close(derrs)
	if err := <-derrs; err != nil {
		return err
	}
	for p := range parents {
		l.markDurable(parents[p])
	}
	return ctx.Err()
}

// pendingDirParents returns, for the directories dirs and their ancestors that deferred saves
// created and whose entries are not yet durable, the parents to fsync, each with the
// directories whose entries that makes durable.
func (l *Local) pendingDirParents(dirs map[string]bool) (map[string][]string, error) {
	parents := map[string][]string{}
	for d := range dirs {
		for {
			v, ok := l.dirs.Load(d)
			if !ok {
				if _, err := os.Stat(d); err != nil {
					return nil, err
				}
				break // made by another process, or before this store was opened
			}
			if v.(bool) {
				break
			}
			p := filepath.Dir(d)
			if slices.Contains(parents[p], d) {
				break // and its ancestors: seen already
			}
			parents[p] = append(parents[p], d)
			d = p
		}
	}
	return parents, nil
}

// markDurable records that the entries of dirs are durable.
func (l *Local) markDurable(dirs []string) {
	l.dirMu.Lock()
	defer l.dirMu.Unlock()
	for _, d := range dirs {
		l.dirs.Store(d, true)
	}
}

func (l *Local) save(ctx context.Context, name string, r io.Reader, durable bool) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	final := l.Path(name)
	if _, err := os.Lstat(final); err == nil {
		return fmt.Errorf("save %s: %w", name, ErrExists)
	}
	f, err := os.CreateTemp(l.tmp, "save-"+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // linked into place (or failed): the temporary name goes
	wb := &writeBehind{f: f}
	if _, err := io.Copy(wb, ctxReader{ctx, r}); err != nil {
		closeQuietly(f)
		return fmt.Errorf("save %s: %w", name, err)
	}
	wb.finish()
	if durable {
		if err := f.Sync(); err != nil {
			closeQuietly(f)
			return fmt.Errorf("save %s: %w", name, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	dir := filepath.Dir(final)
	if err := l.mkdirAll(dir, durable); err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Link(tmp, final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("save %s: %w", name, ErrExists)
		}
		return fmt.Errorf("save %s: %w", name, err)
	}
	if durable {
		if err := syncDir(dir); err != nil {
			return fmt.Errorf("save %s: %w", name, err)
		}
	}
	return nil
}

// mkdirAll creates dir and its missing parents below the root. With durable, it also makes
// their entries durable: each parent whose entries changed is fsynced, including the parents of
// directories an earlier deferred save created. Without it, that fsync waits for Sync: on ext4 a
// directory fsync commits the journal, which waits for the data written so far, and a deferred
// save (a pack) must not wait for the disk while holding the pack's slot.
func (l *Local) mkdirAll(dir string, durable bool) error {
	if v, ok := l.dirs.Load(dir); ok && (v.(bool) || !durable) {
		return nil
	}
	l.dirMu.Lock()
	defer l.dirMu.Unlock()
	return l.mkdirAllLocked(dir, durable)
}

func (l *Local) mkdirAllLocked(dir string, durable bool) error {
	v, known := l.dirs.Load(dir)
	if known && (v.(bool) || !durable) {
		return nil
	}
	parent := filepath.Dir(dir)
	if known { // created by a deferred save: make its entry durable now
		if parent != dir {
			if err := l.mkdirAllLocked(parent, true); err != nil {
				return err
			}
			if err := syncDir(parent); err != nil {
				return err
			}
		}
		l.dirs.Store(dir, true)
		return nil
	}
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", dir)
		}
		// There before this store was opened (or made by another process): taken as durable.
		l.dirs.Store(dir, true)
		return nil
	}
	if parent != dir {
		if err := l.mkdirAllLocked(parent, durable); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if durable {
		if err := syncDir(parent); err != nil {
			return err
		}
	}
	l.dirs.Store(dir, durable)
	return nil
}

// testHookSyncDir, if set, is called with each directory fsynced.
var testHookSyncDir func(dir string)

func syncDir(dir string) error {
	if testHookSyncDir != nil {
		testHookSyncDir(dir)
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer closeQuietly(d)
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

// Open implements Store.
func (l *Local) Open(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(l.Path(name))
	if err != nil {
		return nil, mapNotFound(name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		closeQuietly(f)
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	n, err := checkRange(name, fi.Size(), off, length)
	if err != nil {
		closeQuietly(f)
		return nil, err
	}
	return &sectionCloser{io.NewSectionReader(f, off, n), f}, nil
}

func (l *Local) readRange(ctx context.Context, name string, off, length int64, buf []byte) ([]byte, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(l.Path(name))
	if err != nil {
		return nil, mapNotFound(name, err)
	}
	defer closeQuietly(f)
	if int64(cap(buf)) < length {
		buf = make([]byte, length)
	}
	buf = buf[:length]
	n, err := f.ReadAt(buf, off)
	if n == len(buf) {
		return buf, nil
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return nil, fmt.Errorf("read %s [%d, +%d): %w", name, off, length, err)
}

func checkRange(name string, size, off, length int64) (int64, error) {
	if off < 0 || off > size {
		return 0, fmt.Errorf("open %s: offset %d outside the object's %d bytes: %w", name, off, size, io.ErrUnexpectedEOF)
	}
	if length < 0 {
		return size - off, nil
	}
	if off+length > size {
		return 0, fmt.Errorf("open %s: range [%d, +%d) beyond the object's %d bytes: %w", name, off, length, size, io.ErrUnexpectedEOF)
	}
	return length, nil
}

type sectionCloser struct {
	*io.SectionReader
	f *os.File
}

func (s *sectionCloser) Close() error { return s.f.Close() }

func mapNotFound(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// Stat implements Store.
func (l *Local) Stat(ctx context.Context, name string) (int64, error) {
	if err := ValidName(name); err != nil {
		return 0, err
	}
	fi, err := os.Lstat(l.Path(name))
	if err != nil {
		return 0, mapNotFound(name, err)
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	return fi.Size(), nil
}

// Remove implements Store.
func (l *Local) Remove(ctx context.Context, name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	p := l.Path(name)
	fi, err := os.Lstat(p)
	if err != nil {
		return mapNotFound(name, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	if err := os.Remove(p); err != nil {
		return mapNotFound(name, err)
	}
	return syncDir(filepath.Dir(p))
}

// List implements Store. Directories are walked in an order that yields names in byte-wise
// order: a directory "ab" sorts as "ab/", so "ab-c" (0x2d) comes before "ab/x" (0x2f).
func (l *Local) List(ctx context.Context, prefix string, fn func(name string, size int64) error) error {
	dirPart := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dirPart = prefix[:i+1]
	}
	err := l.walk(ctx, dirPart, prefix, fn)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func (l *Local) walk(ctx context.Context, dirName, prefix string, fn func(string, int64) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ents, err := os.ReadDir(filepath.Join(l.root, filepath.FromSlash(dirName)))
	if err != nil {
		if dirName != "" && errors.Is(err, syscall.ENOTDIR) {
			return nil
		}
		return err
	}
	type item struct {
		key string
		ent fs.DirEntry
	}
	items := make([]item, 0, len(ents))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		key := dirName + e.Name()
		if e.IsDir() {
			key += "/"
		}
		// Prune what cannot match: neither is a prefix of the other.
		if !strings.HasPrefix(key, prefix) && !strings.HasPrefix(prefix, key) {
			continue
		}
		items = append(items, item{key, e})
	}
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.key, b.key) })
	for _, it := range items {
		if it.ent.IsDir() {
			if err := l.walk(ctx, it.key, prefix, fn); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			continue
		}
		if !it.ent.Type().IsRegular() || !strings.HasPrefix(it.key, prefix) {
			continue
		}
		info, err := it.ent.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed while listing
			}
			return err
		}
		if err := fn(it.key, info.Size()); err != nil {
			return err
		}
	}
	return nil
}

// writeBehind writes to a file and asks the kernel to start writing each few megabytes back as
// they come (where the platform can), so the fsync that ends a Save has little left to wait for
// and the disk works while the caller is still producing data.
type writeBehind struct {
	f              *os.File
	written, begun int64
}

const writeBehindStep = 4 << 20

// testHookWriteback, if set, is called with each range whose write-back writeBehind starts.
var testHookWriteback func(off, n int64)

func (w *writeBehind) startWriteback() {
	if testHookWriteback != nil {
		testHookWriteback(w.begun, w.written-w.begun)
	}
	startWriteback(w.f, w.begun, w.written-w.begun)
	w.begun = w.written
}

func (w *writeBehind) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.written += int64(n)
	if w.written-w.begun >= writeBehindStep {
		w.startWriteback()
	}
	return n, err
}

// finish starts the write-back of what Write has not yet asked for (the last few megabytes):
// otherwise, for an object saved deferred, the disk would begin writing them only when Sync
// asks, and a backup's final Sync would wait for the tail of every pack at once.
func (w *writeBehind) finish() {
	if w.written > w.begun {
		w.startWriteback()
	}
}

// ctxReader stops a copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// WriteTo lets io.Copy hand a whole in-memory buffer to the file in one write.
func (c ctxReader) WriteTo(w io.Writer) (int64, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if wt, ok := c.r.(io.WriterTo); ok {
		return wt.WriteTo(w)
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	return io.CopyBuffer(w, struct{ io.Reader }{c}, *bp)
}

// copyBufs make Saves from streams (pipes) write in large pieces.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}
