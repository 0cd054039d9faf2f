package efs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

// RestoreResult is what a restore did.
type RestoreResult struct {
	Files, Dirs, Bytes int64
	// Warnings name entries that could not be restored exactly (device nodes without root, owners
	// without permission).
	Warnings []string
}

// ErrDestination wraps errors about where a restore was asked to write (not empty, an existing
// file in the way, an item the recovery point does not have).
var ErrDestination = errors.New("efs: restore destination")

// Restore writes snapshot snap into dest. With no items it restores the whole tree into dest,
// which must not exist or be empty. With items (paths relative to the tree's root) it restores
// only those, into dest which may exist; it never overwrites an existing file, failing instead.
//
// Restored files are byte-identical, with their modes, mtimes and (when running as root)
// owners; symlinks, empty directories, hard links (as hard links, when both paths are restored)
// and holes of sparse files (left unwritten) come back too. Directory modes and mtimes are set
// last, deepest first, so a read-only directory can still be filled.
func Restore(ctx context.Context, repo *content.Repository, snap content.SnapshotID, dest string, items []string) (RestoreResult, error) {
	dest, err := filepath.Abs(dest)
	if err != nil {
		return RestoreResult{}, err
	}
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return RestoreResult{}, fmt.Errorf("%w: create %s: %v", ErrDestination, dest, err)
	}
	dir, err := OpenDir(dest)
	if err != nil {
		return RestoreResult{}, fmt.Errorf("%w: %v", ErrDestination, err)
	}
	defer func() { _ = dir.Close() }()
	return RestoreTo(ctx, repo, snap, dir, items)
}

// RestoreTo is Restore into an open directory. Every entry is created relative to it, and no
// symlink is ever followed on the way to one: symlinks in the recovery point are recreated as
// symlinks, and one found in the destination is never written through. Directories the engine
// keeps its own data in (the Policy's Denied) are never written into.
func RestoreTo(ctx context.Context, repo *content.Repository, snap content.SnapshotID, dir *Dir, items []string) (RestoreResult, error) {
	sel, err := newSelection(items)
	if err != nil {
		return RestoreResult{}, err
	}
	if _, err := repo.Snapshot(ctx, snap); err != nil {
		return RestoreResult{}, err
	}
	if sel.whole {
		if err := checkEmptyDir(dir); err != nil {
			return RestoreResult{}, err
		}
	} else if err := checkItems(ctx, repo, snap, dir, sel); err != nil {
		return RestoreResult{}, err
	}
	nr, err := repo.Nodes(ctx, snap)
	if err != nil {
		return RestoreResult{}, err
	}
	r := &restorer{ctx: ctx, repo: repo, dir: dir, sel: sel, linkOf: map[[2]uint64]string{}, open: map[*openFile]bool{}, root: isRoot()}
	if err := r.run(nr); err != nil {
		r.abandon()
		return r.res, err
	}
	return r.res, nil
}

type selection struct {
	whole bool
	items []string
}

func newSelection(items []string) (*selection, error) {
	s := &selection{whole: len(items) == 0}
	for _, it := range items {
		p := path.Clean("/" + strings.TrimSpace(it))
		p = strings.TrimPrefix(p, "/")
		if p == "" {
			// "/" names the whole tree, restored item-wise into an existing directory.
			s.items = []string{""}
			continue
		}
		if err := tree.ValidPath(p); err != nil {
			return nil, fmt.Errorf("%w: itemsToRestore %q: %v", ErrDestination, it, err)
		}
		s.items = append(s.items, p)
	}
	return s, nil
}

// selected reports whether p is restored; ancestor whether it is a directory on the way to an
// item.
func (s *selection) selected(p string) bool {
	if s.whole {
		return true
	}
	for _, it := range s.items {
		if it == "" || p == it || strings.HasPrefix(p, it+"/") {
			return true
		}
	}
	return false
}

func (s *selection) ancestor(p string) bool {
	for _, it := range s.items {
		if p == "" || strings.HasPrefix(it, p+"/") {
			return true
		}
	}
	return false
}

// checkEmptyDir refuses a whole-tree restore into a directory that has entries.
func checkEmptyDir(dir *Dir) error {
	ents, err := dir.ReadDir("")
	if err != nil {
		return fmt.Errorf("%w: %v", ErrDestination, err)
	}
	if len(ents) > 0 {
		return fmt.Errorf("%w: %s is not empty: restore a whole recovery point into a new or empty directory, or restore items into it", ErrDestination, dir.Path())
	}
	return nil
}

// checkItems makes sure, before anything is written, that every item is in the snapshot and
// that nothing in the way would be overwritten.
func checkItems(ctx context.Context, repo *content.Repository, snap content.SnapshotID, dir *Dir, sel *selection) error {
	nr, err := repo.Nodes(ctx, snap)
	if err != nil {
		return err
	}
	found := make([]bool, len(sel.items))
	for {
		n, err := nr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		for i, it := range sel.items {
			if n.Path == it {
				found[i] = true
			}
		}
		isSel, isAnc := sel.selected(n.Path), sel.ancestor(n.Path)
		if !isSel && !isAnc {
			continue
		}
		abs := dir.Join(n.Path)
		st, err := dir.Lstat(n.Path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrDestination, err)
		}
		if n.Type == tree.NodeDir && st.typ == tree.NodeDir {
			if engineDir, denied := dir.deniedEntry(n.Path, st); denied {
				return fmt.Errorf("%w: %s is the engine's own directory %s: a restore never writes into it", ErrDestination, abs, engineDir)
			}
			continue // merged into
		}
		if isSel {
			return fmt.Errorf("%w: %s already exists; restoring %q would overwrite it: move it away or restore to another directory", ErrDestination, abs, n.Path)
		}
		return fmt.Errorf("%w: %s exists and is not a directory, so %q cannot be restored below it", ErrDestination, abs, n.Path)
	}
	var missing []string
	for i, ok := range found {
		if !ok {
			missing = append(missing, fmt.Sprintf("%q", sel.items[i]))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: itemsToRestore %s not in the recovery point", ErrDestination, strings.Join(missing, ", ")+map[bool]string{true: " is", false: " are"}[len(missing) == 1])
	}
	return nil
}

type restorer struct {
	ctx    context.Context
	repo   *content.Repository
	dir    *Dir
	sel    *selection
	root   bool
	linkOf map[[2]uint64]string
	// stack is the directory path of the node being restored (walk order).
	stack []string
	dirs  []dirMeta
	// cur is the batch being built; batches go to the fetchers, which read their chunks into
	// the files while the walk creates the next files.
	cur      *batch
	batches  chan *batch
	fetchMu  sync.Mutex
	fetchErr error // the first fetcher's error; set under fetchMu, read after fetched is closed
	fetched  chan struct{}
	failed   atomic.Bool
	open     map[*openFile]bool // created and not yet finished, for cleanup after a failure
	openMu   sync.Mutex
	links    []pendingLink
	warnMu   sync.Mutex
	res      RestoreResult
}

type batch struct {
	reqs     []content.FetchRequest
	reqBytes int64
}

type dirMeta struct {
	rel  string
	node *tree.Node
}

// openFile is a regular file being restored. It is created by whichever goroutine writes its
// first chunk and finished (owner, mode, mtime, close) by whichever writes its last, so file
// creation and finishing run in parallel, like the writes.
type openFile struct {
	rel, abs  string
	node      *tree.Node
	holes     bool
	once      sync.Once
	f         *os.File
	openErr   error
	remaining atomic.Int64
}

type pendingLink struct {
	first, rel string
	node       *tree.Node
}

type writeAt struct {
	f   *openFile
	off int64
}

const (
	// batchesInFlight is how many batches are read at once (see fetcher).
	batchesInFlight = 2
	batchBytes      = 64 << 20
	batchFiles      = 512 // chunk requests per batch; also bounds the files open at once
)

// warn notes an entry not restored exactly. The walk and the fetchers (finishing files) call it
// at once.
func (r *restorer) warn(format string, args ...any) {
	r.warnMu.Lock()
	defer r.warnMu.Unlock()
	if len(r.res.Warnings) < 1000 {
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf(format, args...))
	}
}

func (r *restorer) run(nr *tree.Reader) error {
	r.cur = &batch{}
	r.batches = make(chan *batch, batchesInFlight)
	r.fetched = make(chan struct{})
	var fetchers sync.WaitGroup
	for range batchesInFlight {
		fetchers.Go(r.fetcher)
	}
	go func() { fetchers.Wait(); close(r.fetched) }()
	err := r.walk(nr)
	if err == nil {
		r.send()
	}
	close(r.batches)
	<-r.fetched
	if err == nil {
		err = r.fetchErr
	}
	if err != nil {
		return err
	}
	// Hard links once the files they link to are complete.
	for _, l := range r.links {
		if err := r.dir.Link(l.first, l.rel); err != nil {
			return r.existErr(r.dir.Join(l.rel), l.node, err)
		}
	}
	// Directory metadata last, deepest first.
	for i := len(r.dirs) - 1; i >= 0; i-- {
		d := r.dirs[i]
		if err := r.applyMeta(d.rel, d.node, nil); err != nil {
			return err
		}
	}
	return nil
}

func (r *restorer) walk(nr *tree.Reader) error {
	for {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		if r.failed.Load() {
			return nil // the fetcher's error is returned
		}
		n, err := nr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		isSel := r.sel.selected(n.Path)
		if !isSel && (n.Type != tree.NodeDir || !r.sel.ancestor(n.Path)) {
			continue
		}
		if err := r.enter(n); err != nil {
			return err
		}
		if err := r.restore(n, isSel); err != nil {
			return err
		}
	}
	return nil
}

// send hands the current batch to the fetcher.
func (r *restorer) send() {
	if len(r.cur.reqs) == 0 {
		return
	}
	r.batches <- r.cur
	r.cur = &batch{}
}

// fetcher reads each batch's chunks into their files (on several goroutines, inside Fetch).
// batchesInFlight fetchers take batches in turn, so one batch's last slow reads (the tail of a
// Fetch, a round trip to an object store) overlap the next batch's instead of idling the cores.
// Batches are independent: a file's first write creates it and its last finishes it, whichever
// fetcher they come from.
func (r *restorer) fetcher() {
	workers := 2 * runtime.GOMAXPROCS(0)
	for b := range r.batches {
		if r.failed.Load() {
			continue
		}
		err := r.repo.Fetch(r.ctx, b.reqs, workers, func(tag any, data []byte) error {
			w := tag.(writeAt)
			of := w.f
			if err := r.ensureOpen(of); err != nil {
				return err
			}
			if _, err := of.f.WriteAt(data, w.off); err != nil {
				return fmt.Errorf("restore %s: %w", of.abs, err)
			}
			if of.remaining.Add(-1) == 0 {
				return r.finish(of)
			}
			return nil
		})
		if err != nil {
			r.fetchMu.Lock()
			if r.fetchErr == nil {
				r.fetchErr = err
			}
			r.fetchMu.Unlock()
			r.failed.Store(true)
		}
	}
}

// ensureOpen creates the file, once.
func (r *restorer) ensureOpen(of *openFile) error {
	of.once.Do(func() {
		f, err := r.dir.Create(of.rel)
		if err != nil {
			of.openErr = r.existErr(of.abs, of.node, err)
			return
		}
		r.openMu.Lock()
		r.open[of] = true
		r.openMu.Unlock()
		of.f = f
		if of.holes {
			// Holes stay unwritten: the file is extended to its size instead.
			if err := f.Truncate(of.node.Size); err != nil {
				of.openErr = fmt.Errorf("restore %s: %w", of.abs, err)
			}
		}
	})
	return of.openErr
}

// finish sets a complete file's owner, mode and mtime, and closes it.
func (r *restorer) finish(of *openFile) error {
	err := r.applyMeta(of.rel, of.node, of.f)
	if err == nil {
		if err = setFileTimes(of.f, of.node.MTime); err != nil {
			err = fmt.Errorf("restore %s: %w", of.abs, err)
		}
	}
	if cerr := of.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("restore %s: %w", of.abs, cerr)
	}
	r.openMu.Lock()
	delete(r.open, of)
	r.openMu.Unlock()
	return err
}

// enter checks n's parent is the directory restored last on the way down (so a node can only
// land inside a directory this restore made or checked), popping finished directories.
func (r *restorer) enter(n *tree.Node) error {
	if n.Path == "" {
		if len(r.stack) != 0 {
			return fmt.Errorf("%w: a second root in the node list", content.ErrCorrupt)
		}
		return nil
	}
	parent := ""
	if i := strings.LastIndexByte(n.Path, '/'); i >= 0 {
		parent = n.Path[:i]
	}
	for len(r.stack) > 0 && r.stack[len(r.stack)-1] != parent {
		r.stack = r.stack[:len(r.stack)-1]
	}
	if len(r.stack) == 0 {
		return fmt.Errorf("%w: %q comes without its directory in the node list", content.ErrCorrupt, n.Path)
	}
	return nil
}

func (r *restorer) restore(n *tree.Node, selected bool) error {
	abs := r.dir.Join(n.Path)
	switch n.Type {
	case tree.NodeDir:
		r.stack = append(r.stack, n.Path)
		if n.Path == "" {
			if r.sel.whole {
				r.dirs = append(r.dirs, dirMeta{"", n})
				r.res.Dirs++
			}
			return nil
		}
		err := r.dir.Mkdir(n.Path, 0o700)
		if errors.Is(err, fs.ErrExist) && !r.sel.whole {
			st, lerr := r.dir.Lstat(n.Path)
			if lerr == nil && st.typ == tree.NodeDir {
				if engineDir, denied := r.dir.deniedEntry(n.Path, st); denied {
					return fmt.Errorf("%w: %s is the engine's own directory %s: a restore never writes into it", ErrDestination, abs, engineDir)
				}
				return nil // an existing directory items are restored into; left as it is
			}
		}
		if err != nil {
			return r.existErr(abs, n, err)
		}
		r.dirs = append(r.dirs, dirMeta{n.Path, n})
		r.res.Dirs++
		return nil
	case tree.NodeFile:
		return r.restoreFile(n)
	case tree.NodeSymlink:
		if err := r.dir.Symlink(n.Target, n.Path); err != nil {
			return r.existErr(abs, n, err)
		}
		r.res.Files++
		if r.root {
			if err := r.dir.Lchown(n.Path, n.UID, n.GID); err != nil {
				r.warn("%s: %v", abs, err)
			}
		}
		if err := r.dir.SetTimes(n.Path, n.MTime); err != nil {
			r.warn("%s: %v", abs, err)
		}
		return nil
	default:
		if _, err := r.dir.Lstat(n.Path); err == nil {
			return r.existErr(abs, n, fs.ErrExist)
		}
		if err := r.dir.Mknod(n.Path, n); err != nil {
			r.warn("%s: %v (not restored)", abs, err)
			return nil
		}
		r.res.Files++
		return r.applyMeta(n.Path, n, nil)
	}
}

func (r *restorer) existErr(abs string, n *tree.Node, err error) error {
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s already exists; restoring %q would overwrite it: move it away or restore to another directory", ErrDestination, abs, n.Path)
	}
	return fmt.Errorf("restore %s: %w", abs, err)
}

func (r *restorer) restoreFile(n *tree.Node) error {
	r.res.Files++
	if n.NLink > 1 && platformFull {
		key := [2]uint64{n.Dev, n.Inode}
		if first, ok := r.linkOf[key]; ok {
			r.links = append(r.links, pendingLink{first: first, rel: n.Path, node: n})
			return nil
		}
		r.linkOf[key] = n.Path
	}
	r.res.Bytes += n.Size
	of := &openFile{rel: n.Path, abs: r.dir.Join(n.Path), node: n}
	var chunks int64
	for _, ref := range n.Refs {
		if ref.IsHole() {
			of.holes = true
		} else {
			chunks++
		}
	}
	if chunks == 0 {
		// Empty (or all hole): nothing to fetch, done here.
		if err := r.ensureOpen(of); err != nil {
			return err
		}
		return r.finish(of)
	}
	of.remaining.Store(chunks)
	var off int64
	for _, ref := range n.Refs {
		if !ref.IsHole() {
			r.cur.reqs = append(r.cur.reqs, content.FetchRequest{ID: ref.ID, Tag: writeAt{of, off}})
			r.cur.reqBytes += ref.Len
			if r.cur.reqBytes >= batchBytes || len(r.cur.reqs) >= batchFiles {
				r.send()
			}
		}
		off += ref.Len
	}
	return nil
}

// applyMeta sets owner (as root), mode and, for directories and special files, mtime, of rel
// itself (through f when it is open). Files get their mtime after they are closed.
func (r *restorer) applyMeta(rel string, n *tree.Node, f *os.File) error {
	abs := r.dir.Join(rel)
	if r.root {
		var err error
		if f != nil {
			err = f.Chown(int(n.UID), int(n.GID))
		} else {
			err = r.dir.Lchown(rel, n.UID, n.GID)
		}
		if err != nil {
			r.warn("%s: owner not restored: %v", abs, err)
		}
	}
	mode := fileMode(n.Mode)
	var err error
	if f != nil {
		err = f.Chmod(mode)
	} else {
		err = r.dir.Chmod(rel, mode)
	}
	if err != nil {
		return fmt.Errorf("restore %s: %w", abs, err)
	}
	if f == nil {
		if err := r.dir.SetTimes(rel, n.MTime); err != nil {
			return fmt.Errorf("restore %s: %w", abs, err)
		}
	}
	return nil
}

func fileMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// abandon closes files left open by a failed restore.
func (r *restorer) abandon() {
	r.openMu.Lock()
	defer r.openMu.Unlock()
	for of := range r.open {
		_ = of.f.Close() // the restore failed already; this only releases descriptors
	}
	clear(r.open)
}
