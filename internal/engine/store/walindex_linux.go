package store

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// The WAL-index header. Every commit in WAL mode, by any connection of any process, ends by
// rewriting the header at the start of the database's -shm file (https://www.sqlite.org/walformat.html,
// "The WAL-Index Format"): two copies of a 48-byte WalIndexHdr, of which iChange counts
// transactions, mxFrame is the last committed frame and aSalt the WAL's generation, with a
// checksum over the first 40 bytes. The writer writes the second copy, then (after a memory
// barrier) the first; SQLite's readers read the first, then the second, and trust the header
// only when the two are equal and its checksum holds. Version reads it the same way from a
// read-only mapping of the file, so it costs two 48-byte loads instead of a read transaction
// (a statement, two fcntl locks and the b-tree's page 1).
//
// Why it is safe:
//   - A commit changes the header before the committing call returns (sqlite3WalFrames writes
//     it as the commit's last step), so a Version read after a commit returned differs from one
//     read before it; and the same header twice means no commit in between: iChange and
//     mxFrame only grow until the WAL restarts, which changes aSalt.
//   - A header being written reads as two different copies or a bad checksum: Version says it
//     cannot tell, and the caller reads SQLite.
//   - The mapping is of the file SQLite uses for as long as this store is open: the store keeps
//     a connection of its own open (keeper), which holds the shared lock on the database and
//     the -shm file's DMS lock, so no process can delete, truncate or reinitialise the -shm
//     file (SQLite does that only as the last connection, or the first after all closed). A
//     fault reading the mapping anyway (SIGBUS past a truncated end) is recovered as "cannot
//     tell".
//   - The -shm file's descriptor is never closed while a connection of this process uses the
//     database: POSIX drops every lock a process holds on a file when it closes any descriptor
//     of that file, SQLite's shm locks included. So the descriptor and mapping are shared by
//     every store of the process on that file and closed after the last of them has closed its
//     connections (walIndexes).

// walIndex is a read-only mapping of one -shm file's header.
type walIndex struct {
	id   walFileID
	f    *os.File
	mem  []byte
	refs int // stores using it; guarded by walIndexes.mu
}

type walFileID struct{ dev, ino uint64 }

// walIndexes holds the mapping of each -shm file some open store of this process uses.
var walIndexes = struct {
	mu sync.Mutex
	m  map[walFileID]*walIndex
}{m: map[walFileID]*walIndex{}}

// walMapBytes is how much of the -shm file is mapped: the header's two copies and the
// checkpoint information after them lie in its first page.
const walMapBytes = 4096

// openWALIndex maps the -shm file of the database at path, which a connection of the caller
// holds open (see keeper), or shares the mapping another store of this process made.
func openWALIndex(path string) (*walIndex, error) {
	st, err := os.Stat(path + "-shm")
	if err != nil {
		return nil, err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, errors.New("no inode for the -shm file")
	}
	id := walFileID{dev: uint64(sys.Dev), ino: sys.Ino} //nolint:unconvert // Stat_t.Dev is uint32 on some Linux architectures (mips)
	walIndexes.mu.Lock()
	defer walIndexes.mu.Unlock()
	if w := walIndexes.m[id]; w != nil {
		w.refs++
		return w, nil
	}
	if st.Size() < walMapBytes {
		return nil, fmt.Errorf("the -shm file holds %d bytes, less than its header's page", st.Size())
	}
	f, err := os.Open(path + "-shm")
	if err != nil {
		return nil, err
	}
	// The file opened must be the one stat named (and SQLite holds open).
	if fst, err := f.Stat(); err != nil || !os.SameFile(st, fst) {
		_ = f.Close() // nothing of this process is locked through a file it does not use
		return nil, errors.New("the -shm file changed while it was opened")
	}
	// A failed mapping leaves a walIndex whose version cannot tell; its descriptor is kept
	// open all the same (closing it would drop the locks SQLite holds on the file) and closed
	// with the last store's release.
	mem, _ := syscall.Mmap(int(f.Fd()), 0, walMapBytes, syscall.PROT_READ, syscall.MAP_SHARED)
	w := &walIndex{id: id, f: f, mem: mem, refs: 1}
	walIndexes.m[id] = w
	return w, nil
}

// release gives up the caller's use of w; the last one unmaps it and closes the descriptor.
// Call it only once this store's connections are closed.
func (w *walIndex) release() error {
	walIndexes.mu.Lock()
	defer walIndexes.mu.Unlock()
	w.refs--
	if w.refs > 0 {
		return nil
	}
	delete(walIndexes.m, w.id)
	var err error
	if w.mem != nil {
		err = syscall.Munmap(w.mem)
	}
	return errors.Join(err, w.f.Close())
}

// version reads the header as SQLite's readers do (walIndexTryHdr): the first copy, then the
// second; both equal, initialised, with a good checksum.
func (w *walIndex) version() (v Version, ok bool) {
	if w == nil || len(w.mem) < 2*4*walHeaderWords {
		return v, false
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			v, ok = Version{}, false
		}
	}()
	base := unsafe.Pointer(&w.mem[0])
	var second [walHeaderWords]uint32
	for i := range walHeaderWords {
		v.hdr[i] = atomic.LoadUint32((*uint32)(unsafe.Add(base, 4*i)))
	}
	for i := range walHeaderWords {
		second[i] = atomic.LoadUint32((*uint32)(unsafe.Add(base, 4*(walHeaderWords+i))))
	}
	if v.hdr != second || !walHeaderValid(&v.hdr) {
		return Version{}, false
	}
	return v, true
}
