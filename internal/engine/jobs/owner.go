package jobs

import (
	"crypto/rand"
	"encoding/hex"
	"os"
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
