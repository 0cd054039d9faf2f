// Package locks keeps the lock objects of a repository's store that tell GC which backups are
// running, and the lock that lets only one GC run at a time.
package locks

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

// Locker takes and reads the locks of one repository's store.
type Locker struct {
	st   blob.Store
	host string
	// refresh is how often a held backup lock is rewritten; stale, after how long without a
	// refresh another process may consider it dead.
	refresh, stale time.Duration
}

// New returns the Locker of the repository in st. host names this machine in the locks it
// writes.
func New(st blob.Store, host string, refresh, stale time.Duration) *Locker {
	return &Locker{st: st, host: host, refresh: refresh, stale: stale}
}

// Locks tell GC which backups are running. A backup session writes "locks/<session>.<n>" before
// it reads the index, and while it runs writes "locks/<session>.<n+1>" and then removes the
// previous one every refresh interval, so a running session always has a lock object and its
// session ID names it across refreshes. A lock is dead when:
//   - it was written by a process on this host that no longer runs (checked with kill(pid, 0)), or
//   - it was last refreshed longer ago than the stale interval (wall time), for a process on
//     another host (or one whose PID was reused).
//
// Locks of sessions in this process are always live, whatever their timestamps.
//
// "locks/gc" makes GC exclusive: it is created with Save, which never overwrites, so of two GCs
// one wins; a dead holder's lock is removed by the next GC.
type lockFile struct {
	Kind    string    `json:"kind"`
	Session string    `json:"session"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Time    time.Time `json:"time"`
}

// ownSessions are the sessions (and GCs) running in this process.
var ownSessions sync.Map

// Held is a backup lock this process holds and refreshes until Release.
type Held struct {
	l       *Locker
	session string
	mu      sync.Mutex
	name    string
	seq     int
	stop    chan struct{}
	done    chan struct{}
}

func (l *Locker) newLockFile(kind, session string) []byte {
	b, _ := json.Marshal(lockFile{Kind: kind, Session: session, Host: l.host, PID: os.Getpid(), Time: clock.Wall()})
	return b
}

// Backup writes a backup lock and starts refreshing it.
func (l *Locker) Backup(ctx context.Context) (*Held, error) {
	h := &Held{l: l, session: randomHex(16), stop: make(chan struct{}), done: make(chan struct{})}
	ownSessions.Store(h.session, true)
	h.name = "locks/" + h.session + ".0"
	if err := l.st.Save(ctx, h.name, bytes.NewReader(l.newLockFile("backup", h.session))); err != nil {
		ownSessions.Delete(h.session)
		return nil, fmt.Errorf("write lock: %w", err)
	}
	go h.refreshLoop()
	return h, nil
}

func (h *Held) refreshLoop() {
	defer close(h.done)
	t := time.NewTicker(h.l.refresh)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.refresh()
		}
	}
}

func (h *Held) refresh() {
	ctx := context.Background()
	h.mu.Lock()
	defer h.mu.Unlock()
	next := "locks/" + h.session + "." + strconv.Itoa(h.seq+1)
	if err := h.l.st.Save(ctx, next, bytes.NewReader(h.l.newLockFile("backup", h.session))); err != nil {
		return // try again next tick; the old lock stays in place meanwhile
	}
	// If the old lock cannot be removed it goes stale; the new one is what counts.
	_ = h.l.st.Remove(ctx, h.name)
	h.name, h.seq = next, h.seq+1
}

// Release stops refreshing the lock and removes it.
func (h *Held) Release() {
	select {
	case <-h.stop:
		return
	default:
	}
	close(h.stop)
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	// A lock left behind goes stale (its process ends, or it is no longer refreshed).
	_ = h.l.st.Remove(context.Background(), h.name)
	ownSessions.Delete(h.session)
}

// lockIsLive decides whether the lock object name (content b) belongs to a running process.
func (l *Locker) lockIsLive(b []byte, stale time.Duration) bool {
	var lf lockFile
	if err := json.Unmarshal(b, &lf); err != nil {
		return true // unreadable: assume the worst
	}
	if _, ok := ownSessions.Load(lf.Session); ok {
		return true
	}
	if lf.Host == l.host && lf.PID > 0 && !processAlive(lf.PID) {
		return false
	}
	return clock.Wall().Sub(lf.Time) < stale
}

// LiveSessions returns the sessions of the backup locks that are live now.
func (l *Locker) LiveSessions(ctx context.Context) (map[string]bool, error) {
	live := map[string]bool{}
	var names []string
	if err := l.st.List(ctx, "locks/", func(name string, _ int64) error {
		if name != gcLockName {
			names = append(names, name)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("list locks: %w", err)
	}
	for _, name := range names {
		session, _, _ := strings.Cut(strings.TrimPrefix(name, "locks/"), ".")
		if live[session] {
			continue
		}
		if _, ok := ownSessions.Load(session); ok {
			live[session] = true
			continue
		}
		b, err := blob.ReadAll(ctx, l.st, name)
		if errors.Is(err, blob.ErrNotFound) {
			continue // released (or refreshed: the next one is listed too, or the session ended)
		}
		if err != nil {
			return nil, err
		}
		if l.lockIsLive(b, l.stale) {
			live[session] = true
		}
	}
	return live, nil
}

const gcLockName = "locks/gc"

// ErrGCRunning is returned by GC (and so by content's GC and RebuildIndex) when another GC
// holds the repository's GC lock.
var ErrGCRunning = errors.New("content: another GC is running on this repository")

// GC takes the GC lock, or fails with ErrGCRunning; it returns the function that releases it.
func (l *Locker) GC(ctx context.Context) (func(), error) {
	session := randomHex(16)
	ownSessions.Store(session, true)
	for attempt := 0; attempt < 2; attempt++ {
		err := l.st.Save(ctx, gcLockName, bytes.NewReader(l.newLockFile("gc", session)))
		if err == nil {
			return func() {
				_ = l.st.Remove(context.Background(), gcLockName) // else stale once this process ends
				ownSessions.Delete(session)
			}, nil
		}
		if !errors.Is(err, blob.ErrExists) {
			ownSessions.Delete(session)
			return nil, fmt.Errorf("write GC lock: %w", err)
		}
		b, err := blob.ReadAll(ctx, l.st, gcLockName)
		if errors.Is(err, blob.ErrNotFound) {
			continue
		}
		if err != nil {
			ownSessions.Delete(session)
			return nil, err
		}
		// GC does not refresh its lock, so another host's GC counts as dead only after an hour.
		if l.lockIsLive(b, time.Hour) {
			ownSessions.Delete(session)
			return nil, ErrGCRunning
		}
		// A dead GC's lock: remove it and try again (if another GC removed it first, fine).
		_ = l.st.Remove(ctx, gcLockName)
	}
	ownSessions.Delete(session)
	return nil, ErrGCRunning
}

// randomHex is n random bytes in hex: a session ID.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails (it panics if the OS source does)
	return hex.EncodeToString(b)
}
