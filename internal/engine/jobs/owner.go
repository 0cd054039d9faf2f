package jobs

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"slices"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// NewOwner returns a fresh lease-holder identity for this process: host, process ID and a random
// nonce, so two holders in one process (two engines on one data dir in a test) differ too. Other
// store-backed leases (the scheduler's) use it.
func NewOwner() Owner {
	host, _ := os.Hostname()
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	return Owner{Host: host, PID: os.Getpid(), Nonce: hex.EncodeToString(nonce[:])}
}

// Gone reports whether o's process is known to have ended: it ran on this host, is not this
// process, and no process with its ID exists. A holder on another host is never known to be
// gone; its lease's expiry tells.
func (o Owner) Gone() bool {
	host, _ := os.Hostname()
	return o.Host == host && o.PID != os.Getpid() && !processAlive(o.PID)
}

// Busy reports whether the queue holds a task of a kind other than those in ignore: for waiting
// until the work some action started has finished.
func Busy(tx store.Tx, ignore ...string) (bool, error) {
	after := ""
	for {
		docs, err := tx.Scan(collQueue, "", after, 64)
		if err != nil {
			return false, err
		}
		for _, d := range docs {
			kind, _, _ := strings.Cut(d.Key, "/")
			if !slices.Contains(ignore, kind) {
				return true, nil
			}
		}
		if len(docs) < 64 {
			return false, nil
		}
		after = docs[len(docs)-1].Key
	}
}
