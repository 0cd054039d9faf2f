// Package efs backs up and restores directory trees, the engine's EFS-like resources.
//
// A backup walks the tree depth first, each directory's entries in byte-wise name order (the
// order tree.ComparePaths defines), and writes one tree.Node per entry to the snapshot's
// node list. Regular files are read, chunked, compressed and encrypted on a pool of goroutines
// while the walk goes on; the node list is written in walk order as their results come in.
// Incremental backups read the parent snapshot's node list in the same order alongside the walk
// (a merge join), so neither list is ever held in memory, and reuse a file's chunks without
// reading it when its size, mtime, ctime and inode are unchanged.
//
// The stages overlap, and each waits on the next when that one falls behind, so memory stays
// bounded however large the tree:
//   - the walk (one goroutine) queues entries in walk order for the node-list writer (up to
//     4096) and files to read for the readers (up to 256); while it is in one subdirectory,
//     another goroutine lists the next (one listing ahead per level of the tree);
//   - readers, two per sealing worker of the session, each read one file at a time and cut it
//     into chunks; a file of one chunk (most small files) is stored on the reader's goroutine,
//     the chunks of a larger one go to the session's workers (content.Session bounds how many
//     are in flight);
//   - the session's workers hash, compress, encrypt and pack the chunks (see content.Session);
//   - the node-list writer (the caller's goroutine) waits for each file in walk order, so the
//     snapshot is the same whatever the number of goroutines and the order they finish in.
//
// The first error that fails the backup (the store, the node list, a cancelled context) cancels
// every stage; a file that cannot be read is left out with a warning and makes the result
// partial.
package efs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

// Result is what a backup did.
type Result struct {
	Snapshot    content.Snapshot
	Files, Dirs int64
	// Bytes is the logical size of the tree; BytesTransferred what was newly stored.
	Bytes, BytesTransferred int64
	// Partial is set when some entries could not be captured consistently; Warnings names them.
	Partial  bool
	Warnings []string
	// FilesRead counts the files whose content was read (the rest were unchanged since the
	// parent, or empty).
	FilesRead int64
}

// Snapshot metadata keys.
const (
	// MetaSourcePath is the directory a tree snapshot was taken of.
	MetaSourcePath = "efs.source-path"
)

// ErrSource wraps errors about the source tree itself (missing, not a directory, unreadable).
var ErrSource = errors.New("efs: source unusable")

// statInfo is what a backup keeps of lstat(2).
type statInfo struct {
	typ             tree.NodeType
	mode, uid, gid  uint32
	mtime, ctime    int64
	ino, dev, nlink uint64
	size, blocks    int64
	rdev            uint64
}

type dirent struct {
	name   string
	st     statInfo
	target string
	err    error
}

type extent struct{ off, len int64 }

// maxReadAttempts bounds how often a file that changes while it is read is read again.
const maxReadAttempts = 3

// Test hooks: testHookOpen is called before a file's content is opened, testHookRead after it
// was read and before it is checked for changes, testHookReader may wrap the reader of a
// file's content (to fail a read midway), and testHookList is called before a directory is
// listed (rel "" is the root), by the goroutine that lists it.
var (
	testHookList   func(rel string)
	testHookOpen   func(path string)
	testHookRead   func(path string, attempt int)
	testHookReader func(path string, r io.Reader) io.Reader
)

// item is one entry on its way from the walk to the node list.
type item struct {
	node tree.Node
	abs  string
	st   statInfo
	// done is closed when the file's content is stored (nil: nothing to read).
	done chan struct{}
	// linkOf is the first path of a hard-linked file seen earlier in this backup.
	linkOf *item
	skip   bool
	err    error
}

type backup struct {
	ctx      context.Context
	sess     *content.Session
	root     string
	dir      *Dir
	parent   *parentNodes
	pnext    *tree.Node
	perr     error
	items    chan *item
	jobs     chan *item
	links    map[[2]uint64]*item
	warnMu   sync.Mutex
	warnings []string
	partial  atomic.Bool

	filesTotal, bytesTotal, filesDone, bytesDone, filesRead atomic.Int64
}

func (b *backup) warn(partial bool, format string, args ...any) {
	b.warnMu.Lock()
	defer b.warnMu.Unlock()
	if partial {
		b.partial.Store(true)
	}
	if len(b.warnings) < 1000 {
		b.warnings = append(b.warnings, fmt.Sprintf(format, args...))
	} else if len(b.warnings) == 1000 {
		b.warnings = append(b.warnings, "more warnings were left out")
	}
}

// Backup stores the tree at root as a new "tree" snapshot in repo. Files unchanged since parent
// (same size, mtime, ctime and inode) are not read again. progress is called periodically. root
// is opened as the process would open it; callers on behalf of an API caller use BackupDir with
// a directory their Policy opened.
func Backup(ctx context.Context, repo *content.Repository, root string, parent content.SnapshotID, progress func(content.Progress)) (Result, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrSource, err)
	}
	dir, err := OpenDir(root)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrSource, err)
	}
	defer func() { _ = dir.Close() }()
	return BackupDir(ctx, repo, dir, parent, progress)
}

// BackupDir is Backup of an open directory. Everything below it is reached relative to it,
// without following a symlink, and directories the engine keeps its own data in (the Policy's
// Denied) are left out. Whether dir is a usable source is its opener's to check, once: the EFS
// connector's CheckSource for a registered resource, OpenDir for a path.
func BackupDir(ctx context.Context, repo *content.Repository, dir *Dir, parent content.SnapshotID, progress func(content.Progress)) (Result, error) {
	root := dir.Path()
	rootSt, err := dir.Lstat("")
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrSource, err)
	}
	b := &backup{ctx: ctx, root: root, dir: dir, links: map[[2]uint64]*item{}}
	if parent != "" {
		nr, err := repo.Nodes(ctx, parent)
		switch {
		case errors.Is(err, content.ErrSnapshotNotFound):
			b.warn(false, "parent snapshot %s is gone: every file is read", parent)
		case ctx.Err() != nil:
			return Result{}, context.Cause(ctx)
		case err != nil:
			// A damaged parent never blocks a backup: it only saves reading unchanged files.
			b.warn(false, "parent snapshot %s cannot be read (%v): every file is read", parent, err)
		default:
			b.parent = readParent(ctx, nr)
			b.advanceParent()
		}
	}
	sess, err := repo.StartSession(ctx)
	if err != nil {
		return Result{}, err
	}
	b.sess = sess
	if b.parent != nil {
		defer b.parent.stop()
	}
	res, err := b.run(rootSt, parent, progress)
	if err != nil {
		sess.Abort()
		return Result{}, err
	}
	return res, nil
}

func (b *backup) run(rootSt statInfo, parent content.SnapshotID, progress func(content.Progress)) (Result, error) {
	ctx, cancel := context.WithCancelCause(b.ctx)
	defer cancel(nil)
	b.ctx = ctx
	b.items = make(chan *item, 4096)
	b.jobs = make(chan *item, 256)
	// Two readers per sealing worker: while one waits on the disk or hands chunks over, the
	// other reads, and small files (stored on the reader's goroutine) keep every core busy.
	workers := 2 * b.sess.Workers()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range b.jobs {
				b.readFile(it)
				close(it.done)
			}
		}()
	}
	go func() {
		defer close(b.items)
		defer close(b.jobs)
		rootItem := b.newItem("", b.root, rootSt, "")
		if !b.emit(rootItem) {
			return
		}
		if err := b.walk(b.root, "", nil); err != nil {
			cancel(err)
		}
	}()

	stopProgress := make(chan struct{})
	var progressDone sync.WaitGroup
	report := func() {
		if progress != nil {
			progress(content.Progress{
				ItemsDone: b.filesDone.Load(), ItemsTotal: b.filesTotal.Load(),
				BytesDone: b.bytesDone.Load(), BytesTotal: b.bytesTotal.Load(),
				BytesTransferred: b.sess.StoredBytes(),
			})
		}
	}
	if progress != nil {
		progressDone.Add(1)
		go func() {
			defer progressDone.Done()
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stopProgress:
					return
				case <-t.C:
					report()
				}
			}
		}()
	}
	defer func() {
		close(stopProgress)
		progressDone.Wait()
	}()

	// Write the node list in walk order.
	w := b.sess.NewStreamWriter()
	var enc tree.Encoder
	var rec []byte
	var res Result
	var writeErr error
	for it := range b.items {
		if it.done != nil {
			<-it.done
		}
		if writeErr != nil || ctx.Err() != nil {
			continue // drain, so the walker and workers finish
		}
		if it.err != nil {
			writeErr = it.err
			cancel(it.err)
			continue
		}
		if it.skip {
			continue
		}
		if it.linkOf != nil {
			first := it.linkOf
			if first.skip || first.node.Size != it.node.Size {
				// The first path could not be read: this one stands alone, read now.
				it.linkOf = nil
				b.readFile(it)
				if it.err != nil {
					writeErr = it.err
					cancel(it.err)
					continue
				}
				if it.skip {
					continue
				}
			} else {
				it.node.Refs = first.node.Refs
				b.filesDone.Add(1)
				b.bytesDone.Add(it.node.Size)
			}
		}
		switch it.node.Type {
		case tree.NodeDir:
			res.Dirs++
		default:
			res.Files++
		}
		res.Bytes += it.node.Size
		rec = enc.Append(rec[:0], &it.node)
		if _, err := w.Write(rec); err != nil {
			writeErr = err
			cancel(err)
		}
	}
	wg.Wait()
	if writeErr == nil {
		writeErr = context.Cause(ctx)
	}
	if b.perr != nil {
		b.warn(false, "the parent snapshot's file list could not be read to the end (%v): files after that point were read again", b.perr)
	}
	if writeErr != nil {
		return Result{}, writeErr
	}
	tree, err := w.Close()
	if err != nil {
		return Result{}, err
	}
	snap, err := b.sess.Commit(b.ctx, content.CommitSpec{
		Kind: content.KindTree, Meta: map[string]string{MetaSourcePath: b.root},
		Size: res.Bytes, Parent: parent, Tree: tree, Files: res.Files, Dirs: res.Dirs,
	})
	if err != nil {
		return Result{}, err
	}
	report()
	res.Snapshot = snap
	res.BytesTransferred = snap.StoredBytes
	res.Partial = b.partial.Load()
	res.Warnings = b.warnings
	res.FilesRead = b.filesRead.Load()
	return res, nil
}

// emit hands an item to the node-list writer and, if it needs reading, to the workers.
func (b *backup) emit(it *item) bool {
	select {
	case b.items <- it:
	case <-b.ctx.Done():
		return false
	}
	if it.done != nil {
		select {
		case b.jobs <- it:
		case <-b.ctx.Done():
			close(it.done)
			return false
		}
	}
	return true
}

func (b *backup) newItem(rel, abs string, st statInfo, target string) *item {
	it := &item{abs: abs, st: st}
	it.node = tree.Node{
		Path: rel, Type: st.typ, Mode: st.mode, UID: st.uid, GID: st.gid,
		MTime: st.mtime, CTime: st.ctime, Inode: st.ino, Dev: st.dev, NLink: st.nlink,
	}
	switch st.typ {
	case tree.NodeSymlink:
		it.node.Target = target
	case tree.NodeCharDev, tree.NodeBlockDev:
		it.node.RDev = st.rdev
	case tree.NodeFile:
		it.node.Size = st.size
		b.filesTotal.Add(1)
		b.bytesTotal.Add(st.size)
		// The parent's refs are reused only if their chunks are sound: a chunk found damaged (or
		// whose pack is gone) since is stored again by reading the file.
		if prev := b.parentFor(rel); prev != nil && unchanged(prev, st) && b.sess.Reusable(prev.Refs) {
			it.node.Refs = prev.Refs
			b.filesDone.Add(1)
			b.bytesDone.Add(st.size)
			return it
		}
		if st.nlink > 1 && platformFull {
			key := [2]uint64{st.dev, st.ino}
			if first, ok := b.links[key]; ok {
				it.linkOf = first
				return it
			}
			b.links[key] = it
		}
		if st.size == 0 {
			b.filesDone.Add(1)
			return it
		}
		it.done = make(chan struct{})
	default:
		b.filesTotal.Add(1)
		b.filesDone.Add(1)
	}
	return it
}

func unchanged(prev *tree.Node, st statInfo) bool {
	return prev.Type == tree.NodeFile && prev.Size == st.size && prev.MTime == st.mtime &&
		prev.CTime == st.ctime && prev.Inode == st.ino
}

// parentFor returns the parent snapshot's node for rel, if it has one. Calls come in walk
// order, so the parent's node list is read once, in step with the walk.
func (b *backup) parentFor(rel string) *tree.Node {
	for b.pnext != nil {
		c := tree.ComparePaths(b.pnext.Path, rel)
		if c > 0 {
			return nil
		}
		if c == 0 {
			n := b.pnext
			b.advanceParent()
			return n
		}
		b.advanceParent()
	}
	return nil
}

func (b *backup) advanceParent() {
	n, err := b.parent.next()
	if err != nil {
		b.pnext = nil
		if err != io.EOF {
			b.perr = err
		}
		return
	}
	b.pnext = n
}

// parentNodes decodes the parent's node list on its own goroutine, ahead of the walk, in
// batches.
type parentNodes struct {
	ch    chan parentBatch
	cur   []*tree.Node
	err   error
	done  bool
	abort chan struct{}
}

type parentBatch struct {
	nodes []*tree.Node
	err   error
}

func readParent(ctx context.Context, nr *tree.Reader) *parentNodes {
	p := &parentNodes{ch: make(chan parentBatch, 8), abort: make(chan struct{})}
	go func() {
		defer close(p.ch)
		batch := make([]*tree.Node, 0, 256)
		for {
			n, err := nr.Next()
			if err != nil || len(batch) == cap(batch) {
				select {
				case p.ch <- parentBatch{batch, err}:
				case <-p.abort:
					return
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
				batch = make([]*tree.Node, 0, 256)
			}
			batch = append(batch, n)
		}
	}()
	return p
}

func (p *parentNodes) next() (*tree.Node, error) {
	for len(p.cur) == 0 {
		if p.done {
			return nil, p.err
		}
		b, ok := <-p.ch
		if !ok {
			p.done, p.err = true, io.EOF
			continue
		}
		p.cur = b.nodes
		if b.err != nil {
			p.done, p.err = true, b.err
		}
	}
	n := p.cur[0]
	p.cur = p.cur[1:]
	return n, nil
}

// stop lets the decoding goroutine end early.
func (p *parentNodes) stop() {
	select {
	case <-p.abort:
	default:
		close(p.abort)
	}
}

// listing is a directory's entries, read by another goroutine (see walk).
type listing struct {
	ents []dirent
	err  error
	done chan struct{}
}

// listAhead starts reading the directory rel, and returns what will hold its entries.
func (b *backup) listAhead(rel string) *listing {
	l := &listing{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		l.ents, l.err = b.readDir(rel)
	}()
	return l
}

func (b *backup) readDir(rel string) ([]dirent, error) {
	if testHookList != nil {
		testHookList(rel)
	}
	return b.dir.ReadDir(rel)
}

// entersDir reports whether the walk goes into e, the entry rel of a listing: a directory
// listed without error and not the engine's own (which the walk leaves out with a warning).
// Only such a directory is listed ahead.
func (b *backup) entersDir(rel string, e dirent) bool {
	if e.err != nil || e.st.typ != tree.NodeDir {
		return false
	}
	_, denied := b.dir.deniedEntry(rel, e.st)
	return !denied
}

// walk emits the entries of the directory rel, depth first, in name order. ahead, if not nil,
// is rel's listing already under way.
//
// While one subdirectory is walked, the next one's listing is read by another goroutine: the
// lstat calls of a listing are most of what a backup of an unchanged tree costs, and this way
// they overlap the work on the entries before them instead of following it. One listing ahead
// per level, so the memory held stays one directory's entries per level.
func (b *backup) walk(abs, rel string, ahead *listing) error {
	var ents []dirent
	var err error
	if ahead != nil {
		<-ahead.done
		ents, err = ahead.ents, ahead.err
	} else {
		ents, err = b.readDir(rel)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			b.warn(false, "%s: directory vanished during the backup", abs)
			return nil
		}
		b.warn(true, "%s: directory cannot be read, its contents are missing from the backup: %v", abs, err)
		return nil
	}
	childRel := func(name string) string {
		if rel == "" {
			return name
		}
		return rel + "/" + name
	}
	// next is the listing of the next subdirectory, started as the one before it is entered.
	// A walk that ends early still waits for it: no read of the tree may outlive the backup,
	// whose caller then closes the root it reads through.
	var next *listing
	nextAt := -1
	defer func() {
		if next != nil {
			<-next.done
		}
	}()
	for i, e := range ents {
		if err := b.ctx.Err(); err != nil {
			return context.Cause(b.ctx)
		}
		cabs := abs + "/" + e.name
		crel := childRel(e.name)
		if e.err != nil {
			if errors.Is(e.err, fs.ErrNotExist) {
				continue // removed since the directory was listed
			}
			b.warn(true, "%s: %v", cabs, e.err)
			continue
		}
		if e.st.typ == tree.NodeSocket || e.st.typ == 0 {
			continue // sockets are endpoints of running programs, not data
		}
		if engineData, denied := b.dir.deniedEntry(crel, e.st); denied {
			b.warn(false, "%s: left out, it is the engine's own %s", cabs, engineData)
			continue
		}
		if !b.emit(b.newItem(crel, cabs, e.st, e.target)) {
			return context.Cause(b.ctx)
		}
		if e.st.typ == tree.NodeDir {
			var mine *listing
			if nextAt == i {
				mine = next
			} else if next != nil {
				<-next.done // not entered after all; its read ends before another starts
			}
			next, nextAt = nil, -1
			for j := i + 1; j < len(ents); j++ {
				if r := childRel(ents[j].name); b.entersDir(r, ents[j]) {
					next, nextAt = b.listAhead(r), j
					break
				}
			}
			if err := b.walk(cabs, crel, mine); err != nil {
				return err
			}
		}
	}
	return nil
}

// readFile stores a file's content, reading it again if it changes meanwhile.
func (b *backup) readFile(it *item) {
	st := it.st
	for attempt := 1; ; attempt++ {
		refs, after, err := b.readOnce(it.node.Path, st, attempt)
		if err != nil {
			switch {
			case b.ctx.Err() != nil:
				it.err = context.Cause(b.ctx)
			case b.sess.Err() != nil:
				it.err = b.sess.Err()
			case errors.Is(err, fs.ErrNotExist):
				b.warn(false, "%s: file vanished during the backup", it.abs)
				it.skip = true
				b.filesDone.Add(1)
			default:
				b.warn(true, "%s: cannot be read, it is missing from the backup: %v", it.abs, err)
				it.skip = true
				b.filesDone.Add(1)
			}
			return
		}
		b.filesRead.Add(1)
		stable := after.ino == st.ino && after.size == st.size && after.mtime == st.mtime && after.ctime == st.ctime && sumRefs(refs) == st.size
		if stable || attempt == maxReadAttempts {
			if !stable {
				b.warn(true, "%s: changed while it was read (%d attempts); the backup holds an inconsistent copy", it.abs, attempt)
			}
			var size int64
			for _, r := range refs {
				size += r.Len
			}
			it.node.Refs = refs
			it.node.Size = size
			// Keep the times seen before the read: if the copy is inconsistent, the next
			// backup sees a change and reads the file again.
			it.node.Mode, it.node.UID, it.node.GID = st.mode, st.uid, st.gid
			it.node.MTime, it.node.CTime, it.node.Inode, it.node.NLink = st.mtime, st.ctime, st.ino, st.nlink
			b.filesDone.Add(1)
			return
		}
		st = after
	}
}

func sumRefs(refs []chunk.Ref) int64 {
	var n int64
	for _, r := range refs {
		n += r.Len
	}
	return n
}

// readOnce reads the file rel once and returns its refs and its fstat after the read.
func (b *backup) readOnce(rel string, st statInfo, attempt int) ([]chunk.Ref, statInfo, error) {
	path := b.dir.Join(rel)
	if testHookOpen != nil {
		testHookOpen(path)
	}
	f, err := b.dir.OpenRead(rel)
	if err != nil {
		return nil, statInfo{}, err
	}
	defer func() { _ = f.Close() }() // read only
	progress := func(n int64) { b.bytesDone.Add(n) }
	var refs []chunk.Ref
	// A file with fewer allocated blocks than its size has holes.
	if platformFull && st.blocks*512 < st.size {
		exts, err := dataExtents(f, st.size)
		if err != nil {
			return nil, statInfo{}, err
		}
		var pos int64
		shrunk := false
		for _, e := range exts {
			if e.off > pos {
				refs = append(refs, chunk.Ref{Len: e.off - pos})
				b.bytesDone.Add(e.off - pos)
			}
			r, err := b.sess.WriteData(b.ctx, io.NewSectionReader(f, e.off, e.len), e.len, progress)
			if err != nil {
				return nil, statInfo{}, err
			}
			refs = append(refs, r...)
			pos = e.off + sumRefs(r)
			if sumRefs(r) != e.len {
				shrunk = true // the stat check below catches it
				break
			}
		}
		if !shrunk && pos < st.size {
			refs = append(refs, chunk.Ref{Len: st.size - pos})
			b.bytesDone.Add(st.size - pos)
		}
	} else {
		// Read the size lstat reported and no more: that saves the read that would find the end.
		// A file that grew or shrank meanwhile is caught by the fstat check that follows.
		r := io.LimitReader(f, st.size)
		if testHookReader != nil {
			r = testHookReader(path, r)
		}
		refs, err = b.sess.WriteData(b.ctx, r, st.size, progress)
		if err != nil {
			return nil, statInfo{}, err
		}
	}
	if testHookRead != nil {
		testHookRead(path, attempt)
	}
	after, err := fstat(f)
	if err != nil {
		return nil, statInfo{}, err
	}
	return refs, after, nil
}
