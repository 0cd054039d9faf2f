package api

import (
	"strings"
	"sync"

	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// The answers of pure reads. An operation listed in pureReads answers with a function of the
// stored state and its request alone: no clock, no configuration, no connector, nothing of the
// caller but its account and region. So while the store's Version (the WAL-index header, which
// every commit of every process changes) is the one an answer was computed at, the answer is
// what the operation would compute again, and the handler sends it without the service call,
// the store's read transaction, the documents' decoding or the answer's encoding. Everything
// else of the call is as for any other: SigV4, decoding and validating the request, the audit
// record and the metrics.
//
// An answer is kept only when the Version read before the call equals the one read after it:
// then no commit happened while the call read the store, and its snapshot was that Version's
// state. Errors are never kept. An operation joins pureReads only once its answer is checked
// to depend on nothing else (DescribeBackupVault: the vault's record and the count of its
// recovery points).
var pureReads = map[string]bool{"DescribeBackupVault": true}

// answerCacheBytes bounds the payloads kept; past it, answers are computed and not kept.
const answerCacheBytes = 4 << 20

// answerCache holds the answers computed at one Version. It is safe for concurrent use.
type answerCache struct {
	versions store.Versioner
	mu       sync.Mutex
	version  store.Version // every answer in answers was computed at it
	answers  map[string]*answer
	bytes    int
}

// answer is what a pure read sent.
type answer struct {
	status  int
	headers map[string]string // extension headers
	payload []byte
}

func newAnswerCache(v store.Versioner) *answerCache {
	if v == nil {
		return nil
	}
	return &answerCache{versions: v, answers: map[string]*answer{}}
}

// answerKey names a call by everything its answer may depend on: the operation, the caller's
// account and region, and its validated input (json.Marshal of the decoded request, whose
// object keys are sorted).
func answerKey(op string, id Identity, input []byte) string {
	var b strings.Builder
	b.Grow(len(op) + len(id.AccountID) + len(id.Region) + len(input) + 3)
	b.WriteString(op)
	b.WriteByte(0)
	b.WriteString(id.AccountID)
	b.WriteByte(0)
	b.WriteString(id.Region)
	b.WriteByte(0)
	b.Write(input)
	return b.String()
}

// lookup returns the answer kept for key at the store's current Version, if any, and that
// Version; ok is false when the store cannot tell its Version now (then keep nothing).
func (c *answerCache) lookup(key string) (a *answer, now store.Version, ok bool) {
	now, ok = c.versions.Version()
	if !ok {
		return nil, now, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version == now {
		a = c.answers[key]
	}
	return a, now, true
}

// keep keeps a, computed by a call that began at Version before, if the store is still at
// that Version: nothing was committed while the call read.
func (c *answerCache) keep(before store.Version, key string, a *answer) {
	after, ok := c.versions.Version()
	if !ok || after != before {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != before {
		c.version, c.answers, c.bytes = before, map[string]*answer{}, 0
	}
	size := len(key) + len(a.payload)
	if c.bytes+size > answerCacheBytes {
		return
	}
	c.answers[key] = a
	c.bytes += size
}
