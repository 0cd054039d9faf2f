// Package lease says which process may do a piece of work that must run in one place at a time:
// a job in the job queue, the scheduler of a data dir. A lease is an owner (host, process ID and
// a random nonce) and an expiry on the wall clock, renewed by its holder while it works. Another
// process may take the work over when the lease has expired without renewal, or at once when its
// holder's process is known to be gone from this host.
//
// Leases run on the wall clock (clock.Wall), not the engine clock: they measure whether a process
// is alive, and a fake engine clock moved a year ahead must not declare every holder dead.
//
// The package holds the owner identity, the rules (who may take, renew and release a lease, and
// when a holder counts as gone) and a lease kept as a document of its own in the store (the
// scheduler's). Leases kept inside a larger document (a job queue entry) apply the same rules to
// their own fields. It is hand-written: a few dozen lines over the engine's own transactional
// store, which a general locking library would duplicate with a second store.
package lease

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

// Owner identifies the holder of a lease.
type Owner struct {
	Host  string `json:"host"`
	PID   int    `json:"pid"`
	Nonce string `json:"nonce"`
}

// NewOwner returns a fresh lease-holder identity for this process: host, process ID and a random
// nonce, so two holders in one process (two engines on one data dir in a test) differ too.
func NewOwner() Owner {
	host, _ := os.Hostname()
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	return Owner{Host: host, PID: os.Getpid(), Nonce: hex.EncodeToString(nonce[:])}
}

func (o Owner) String() string { return fmt.Sprintf("pid %d on %s (%s)", o.PID, o.Host, o.Nonce) }

// Gone reports whether o's process is known to have ended: it ran on this host, is not this
// process, and no process with its ID exists. A holder on another host is never known to be
// gone; its lease's expiry tells.
func (o Owner) Gone() bool {
	host, _ := os.Hostname()
	return o.Host == host && o.PID != os.Getpid() && !processAlive(o.PID)
}

// Lease is a held lease: its owner and when it ends unless renewed. It is also the stored shape
// of a lease kept as a document of its own.
type Lease struct {
	Owner   Owner     `json:"owner"`
	Expires time.Time `json:"expires"`
}

// Grant returns the lease o holds for ttl from now: a lease taken, or one renewed.
func Grant(o Owner, ttl time.Duration) Lease {
	return Lease{Owner: o, Expires: clock.Wall().Add(ttl)}
}

// RenewalInterval is how often a holder renews a lease of ttl: every third of it, so that two
// renewals can fail before the lease lapses.
func RenewalInterval(ttl time.Duration) time.Duration { return ttl / 3 }

// HeldBy reports whether o holds l.
func (l Lease) HeldBy(o Owner) bool { return l.Owner == o }

// Standing says whether the holder of a lease may still be working, and if not, how that is known.
type Standing int

const (
	// Live: the holder may still be working; nobody else may take the lease.
	Live Standing = iota
	// HolderGone: the holder's process has ended on this host; the lease can be taken over at
	// once, without waiting for it to expire.
	HolderGone
	// Expired: the holder stopped renewing the lease before its expiry; it can be taken over.
	Expired
)

// StandingAt tells whether l's holder may still be working at now (wall clock). A gone holder is
// reported before an expired lease: that is the more precise reason.
func (l Lease) StandingAt(now time.Time) Standing {
	switch {
	case l.Owner.Gone():
		return HolderGone
	case !now.Before(l.Expires):
		return Expired
	default:
		return Live
	}
}
