package content

import (
	"bytes"
	"context"
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

type heldLock struct {
	r       *Repository
	session string
	mu      sync.Mutex
	name    string
	seq     int
	stop    chan struct{}
	done    chan struct{}
}

func (r *Repository) newLockFile(kind, session string) []byte {
	b, _ := json.Marshal(lockFile{Kind: kind, Session: session, Host: r.host, PID: os.Getpid(), Time: clock.Wall()})
	return b
}

// acquireLock writes a backup lock and starts refreshing it.
func (r *Repository) acquireLock(ctx context.Context) (*heldLock, error) {
	h := &heldLock{r: r, session: randomHex(16), stop: make(chan struct{}), done: make(chan struct{})}
	ownSessions.Store(h.session, true)
	h.name = "locks/" + h.session + ".0"
	if err := r.st.Save(ctx, h.name, bytes.NewReader(r.newLockFile("backup", h.session))); err != nil {
		ownSessions.Delete(h.session)
		return nil, fmt.Errorf("write lock: %w", err)
	}
	go h.refreshLoop()
	return h, nil
}

func (h *heldLock) refreshLoop() {
	defer close(h.done)
	t := time.NewTicker(h.r.opt.lockRefresh)
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

func (h *heldLock) refresh() {
	ctx := context.Background()
	h.mu.Lock()
	defer h.mu.Unlock()
	next := "locks/" + h.session + "." + strconv.Itoa(h.seq+1)
	if err := h.r.st.Save(ctx, next, bytes.NewReader(h.r.newLockFile("backup", h.session))); err != nil {
		return // try again next tick; the old lock stays in place meanwhile
	}
	// If the old lock cannot be removed it goes stale; the new one is what counts.
	_ = h.r.st.Remove(ctx, h.name)
	h.name, h.seq = next, h.seq+1
}

func (h *heldLock) release() {
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
	_ = h.r.st.Remove(context.Background(), h.name)
	ownSessions.Delete(h.session)
}

// lockIsLive decides whether the lock object name (content b) belongs to a running process.
func (r *Repository) lockIsLive(b []byte, stale time.Duration) bool {
	var lf lockFile
	if err := json.Unmarshal(b, &lf); err != nil {
		return true // unreadable: assume the worst
	}
	if _, ok := ownSessions.Load(lf.Session); ok {
		return true
	}
	if lf.Host == r.host && lf.PID > 0 && !processAlive(lf.PID) {
		return false
	}
	return clock.Wall().Sub(lf.Time) < stale
}

// liveSessions returns the sessions of the backup locks that are live now.
func (r *Repository) liveSessions(ctx context.Context) (map[string]bool, error) {
	live := map[string]bool{}
	var names []string
	if err := r.st.List(ctx, "locks/", func(name string, _ int64) error {
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
		b, err := blob.ReadAll(ctx, r.st, name)
		if errors.Is(err, blob.ErrNotFound) {
			continue // released (or refreshed: the next one is listed too, or the session ended)
		}
		if err != nil {
			return nil, err
		}
		if r.lockIsLive(b, r.opt.lockStale) {
			live[session] = true
		}
	}
	return live, nil
}

const gcLockName = "locks/gc"

// ErrGCRunning is returned by GC when another GC holds the repository's GC lock.
var ErrGCRunning = errors.New("content: another GC is running on this repository")

func (r *Repository) acquireGCLock(ctx context.Context) (func(), error) {
	session := randomHex(16)
	ownSessions.Store(session, true)
	for attempt := 0; attempt < 2; attempt++ {
		err := r.st.Save(ctx, gcLockName, bytes.NewReader(r.newLockFile("gc", session)))
		if err == nil {
			return func() {
				_ = r.st.Remove(context.Background(), gcLockName) // else stale once this process ends
				ownSessions.Delete(session)
			}, nil
		}
		if !errors.Is(err, blob.ErrExists) {
			ownSessions.Delete(session)
			return nil, fmt.Errorf("write GC lock: %w", err)
		}
		b, err := blob.ReadAll(ctx, r.st, gcLockName)
		if errors.Is(err, blob.ErrNotFound) {
			continue
		}
		if err != nil {
			ownSessions.Delete(session)
			return nil, err
		}
		// GC does not refresh its lock, so another host's GC counts as dead only after an hour.
		if r.lockIsLive(b, time.Hour) {
			ownSessions.Delete(session)
			return nil, ErrGCRunning
		}
		// A dead GC's lock: remove it and try again (if another GC removed it first, fine).
		_ = r.st.Remove(ctx, gcLockName)
	}
	ownSessions.Delete(session)
	return nil, ErrGCRunning
}
