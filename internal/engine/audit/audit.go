// Package audit keeps the engine's audit trail: one CloudTrail-shaped record per API call, in an
// append-only, hash-chained JSONL log under the data dir.
//
// Chain. Every record carries previousHash, the hex SHA-256 of the previous record's line (its
// exact bytes, without the newline), and sequence, one more than the previous record's. The
// first record ever has sequence 1 and an empty previousHash. Verify recomputes the chain, so a
// record edited, removed or reordered breaks it at the next line, and names the file and line.
// Removing the newest records leaves a valid, shorter chain: that is beyond what a chain in the
// same directory can prove, and why the newest sequence and hash are worth copying elsewhere.
//
// Files. Records go to audit.jsonl. When a record would take it past MaxBytes, it is renamed to
// audit-NNNNNN.jsonl (the next free number) and a new audit.jsonl starts; its first record
// carries the hash of the rotated file's last one, so the chain runs across files.
//
// Durability. Append writes the whole line with one write on an O_APPEND file and fsyncs it
// before returning, and a rotation fsyncs the directory: a record Append acknowledged survives
// a crash. A crash mid-write can leave a torn last line; Open refuses to append after it, so it
// is never hidden, and Verify reports it.
//
// Reads are not made to wait. AppendRead (the API uses it for List, Get and Describe calls)
// chains the record and keeps its line in memory: it is written, in chain order, and made
// durable by the next mutating call's Append (before that call's own record), by a background
// flush at most ReadFlushBound after it was chained, or by Close; and written at once when
// the lines kept reach pendingLimit. Waiting for an fsync cost a read more than the read
// itself, and a write() per read cost a tenth of it, and what a read changes is nothing, so
// the trade is: a crash of the machine, or a killed process, can lose at most the last
// ReadFlushBound's worth of read records (the newest, so the chain left on disk stays whole),
// never a record of a call that changed something. A failed background flush is not hidden
// either: the next Append or AppendRead fails with it, and the API refuses calls until a
// record can be written durably again.
package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/layout"
)

// Dir is the audit log's directory under the data dir.
const Dir = "audit"

// CurrentFile is the file records are appended to; rotated files are audit-NNNNNN.jsonl.
const CurrentFile = "audit.jsonl"

// DefaultMaxBytes is the size at which the current file is rotated.
const DefaultMaxBytes = 64 << 20

// EventSource is AWS Backup's CloudTrail event source.
const EventSource = "backup.amazonaws.com"

// ReadFlushBound is how long a record appended by AppendRead may wait to be written and
// synced when no mutating call's fsync comes first.
const ReadFlushBound = 20 * time.Millisecond

// pendingLimit bounds the bytes of read records kept in memory: past it, AppendRead writes
// them (without an fsync) rather than wait for the flush.
const pendingLimit = 256 << 10

// Redacted replaces a secret's value, as CloudTrail writes it.
const Redacted = "HIDDEN_DUE_TO_SECURITY_REASONS"

var rotatedName = regexp.MustCompile(`^audit-(\d{6})\.jsonl$`)

// Identity is the caller, as far as the request showed it: a refused signature still names the
// access key it claimed.
type Identity struct {
	Type        string `json:"type"`
	AccountID   string `json:"accountId,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
}

// Record is one API call, in CloudTrail's shape, plus the chain's two fields.
type Record struct {
	EventVersion      string         `json:"eventVersion"`
	EventTime         string         `json:"eventTime"`
	EventSource       string         `json:"eventSource"`
	EventName         string         `json:"eventName"`
	AWSRegion         string         `json:"awsRegion"`
	SourceIPAddress   string         `json:"sourceIPAddress"`
	UserAgent         string         `json:"userAgent"`
	UserIdentity      Identity       `json:"userIdentity"`
	RequestParameters map[string]any `json:"requestParameters"`
	ResponseElements  any            `json:"responseElements"`
	ErrorCode         string         `json:"errorCode,omitempty"`
	ErrorMessage      string         `json:"errorMessage,omitempty"`
	RequestID         string         `json:"requestID"`
	EventID           string         `json:"eventID"`
	Resources         []Resource     `json:"resources,omitempty"`
	Sequence          uint64         `json:"sequence"`
	PreviousHash      string         `json:"previousHash"`
	// RecordHash is the SHA-256 of the line up to it: it is always the last member, and lets
	// Verify catch an edit of the newest record, which no later record's previousHash covers.
	RecordHash string `json:"recordHash,omitempty"`
}

// Resource is an ARN the call named.
type Resource struct {
	ARN string `json:"ARN"`
}

// Log appends records to the audit trail. It is safe for concurrent use.
//
// Appends commit in groups: each writes its line under mu, then waits on syncMu for an fsync
// that covers it. Whoever holds syncMu syncs every line written so far, so callers that queued
// meanwhile find their records durable without a sync of their own. One fsync costs about a
// third of a millisecond; without groups it capped the API at some 3,000 calls a second.
type Log struct {
	mu       sync.Mutex // guards the fields below and the file's writes
	dir      string
	maxBytes int64
	f        *os.File
	size     int64 // of the current file once pending is written
	lastHash string
	sequence uint64 // of the last record chained
	// pending holds the lines of read records chained after written, in chain order, to be
	// written by the next writePending.
	pending []byte
	written uint64 // the records up to this sequence are in the file
	synced  uint64 // the records up to this sequence are durable
	// failedThrough and failure are the last failed sync: the records after synced up to
	// failedThrough were written but may not be durable, and their Appends fail with it.
	failedThrough uint64
	failure       error
	// flushArmed is set while flushTimer is due to sync records AppendRead wrote; flushFailure is
	// the failure of such a background flush, which the next append reports.
	flushArmed   bool
	flushTimer   *time.Timer
	flushBound   time.Duration
	flushFailure error

	syncMu sync.Mutex // held by the one fsync running
	// beforeSync, when set (by tests), runs before each fsync, before it reads how far to sync.
	beforeSync func()
	// sync makes f's writes durable: (*os.File).Sync, which tests replace to watch or fail it.
	sync func(f *os.File) error
}

// Path returns the audit directory of a data dir.
func Path(dataDir string) string { return layout.MustJoin(dataDir, Dir) }

// Open opens (creating it if needed) the audit log in dir, continuing its chain. maxBytes <= 0
// means DefaultMaxBytes.
func Open(dir string, maxBytes int64) (*Log, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the audit directory: %w", err)
	}
	files, err := Files(dir)
	if err != nil {
		return nil, err
	}
	l := &Log{dir: dir, maxBytes: maxBytes, flushBound: ReadFlushBound, sync: (*os.File).Sync}
	// The chain continues from the newest record: the current file's last line, or, when it is
	// empty, the last rotated file's.
	for i := len(files) - 1; i >= 0; i-- {
		last, err := lastLine(files[i])
		if err != nil {
			return nil, err
		}
		if last == nil {
			continue
		}
		var r Record
		if err := json.Unmarshal(last, &r); err != nil {
			return nil, fmt.Errorf("the audit log %s ends in a torn or edited record (%v): run `engine audit verify`, and move the file aside to start a new chain", files[i], err)
		}
		l.lastHash, l.sequence = hashLine(last), r.Sequence
		l.written, l.synced = r.Sequence, r.Sequence
		break
	}
	if err := l.openCurrent(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Log) openCurrent() error {
	f, err := os.OpenFile(filepath.Join(l.dir, CurrentFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open the audit log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("stat the audit log: %w", err)
	}
	l.f, l.size = f, st.Size()
	return nil
}

// Append redacts r's request parameters and response elements, chains it and writes it durably.
// It fills r's EventSource, EventVersion, Sequence and PreviousHash.
func (l *Log) Append(r Record) error {
	seq, err := l.write(r, false)
	if err != nil {
		return err
	}
	if err := l.waitDurable(seq); err != nil {
		return fmt.Errorf("sync audit record %s: %w", r.RequestID, err)
	}
	return nil
}

// AppendRead is Append for a call that changed nothing: it returns once the record is chained,
// and the record is written and made durable within ReadFlushBound (see the package doc).
func (l *Log) AppendRead(r Record) error {
	_, err := l.write(r, true)
	return err
}

// write redacts, chains and writes r, and returns its sequence; lazy keeps its line in pending
// instead and arms the background flush that writes and syncs it.
func (l *Log) write(r Record, lazy bool) (uint64, error) {
	r.EventSource, r.EventVersion = EventSource, "1.08"
	if r.UserIdentity.Type == "" {
		r.UserIdentity.Type = "IAMUser"
	}
	if r.RequestParameters != nil {
		r.RequestParameters, _ = redact(r.RequestParameters).(map[string]any)
	}
	r.ResponseElements = redact(r.ResponseElements)
	r.ErrorMessage = scrub(r.ErrorMessage)
	r.Resources = resourcesOf(r.RequestParameters, r.ResponseElements)
	// Encoded before taking the lock: only the chain's members wait for it.
	head, err := encodeUnchained(r)
	if err != nil {
		return 0, fmt.Errorf("encode audit record %s: %w", r.RequestID, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, errors.New("the audit log is closed")
	}
	if err := l.flushFailure; err != nil {
		// Reported once: this call fails (and the API refuses calls) until an append succeeds.
		l.flushFailure = nil
		return 0, fmt.Errorf("the background sync of earlier read records failed: %w", err)
	}
	r.Sequence = l.sequence + 1
	line := chain(head, r.Sequence, l.lastHash)
	if l.size > 0 && l.size+int64(len(line))+1 > l.maxBytes {
		if err := l.rotate(); err != nil {
			return 0, err
		}
	}
	if lazy {
		l.pending = append(append(l.pending, line...), '\n')
		l.size += int64(len(line)) + 1
		l.sequence, l.lastHash = r.Sequence, hashLine(line)
		if len(l.pending) >= pendingLimit {
			if err := l.writePending(); err != nil {
				return 0, err
			}
		}
	} else {
		// The read records chained before this one go first: the file keeps chain order.
		if err := l.writePending(); err != nil {
			return 0, err
		}
		n, err := l.f.Write(append(line, '\n'))
		l.size += int64(n)
		if err != nil {
			return 0, fmt.Errorf("write audit record %s: %w", r.RequestID, err)
		}
		l.sequence, l.lastHash, l.written = r.Sequence, hashLine(line), r.Sequence
	}
	if lazy && !l.flushArmed {
		l.flushArmed = true
		if l.flushTimer == nil {
			l.flushTimer = time.AfterFunc(l.flushBound, l.flush)
		} else {
			l.flushTimer.Reset(l.flushBound)
		}
	}
	return r.Sequence, nil
}

// writePending writes the read records' lines kept in pending, in one write. A short write
// keeps what was not written, so a retry completes the line rather than tear it. The caller
// holds mu.
func (l *Log) writePending() error {
	if len(l.pending) == 0 {
		return nil
	}
	if l.f == nil {
		return errors.New("the audit log is closed")
	}
	n, err := l.f.Write(l.pending)
	if err != nil {
		l.pending = append(l.pending[:0], l.pending[n:]...)
		return fmt.Errorf("write read records to the audit log: %w", err)
	}
	l.pending = l.pending[:0]
	if cap(l.pending) > 2*pendingLimit {
		l.pending = nil // a burst's buffer is not kept
	}
	l.written = l.sequence
	return nil
}

// flush writes and syncs what AppendRead chained, unless a group fsync or Close has already.
func (l *Log) flush() {
	l.mu.Lock()
	l.flushArmed = false
	err := l.writePending()
	upTo := l.written
	l.mu.Unlock()
	if err == nil {
		err = l.waitDurable(upTo)
	}
	if err != nil {
		l.mu.Lock()
		l.flushFailure = err
		l.mu.Unlock()
	}
}

// waitDurable returns once the record seq is durable: synced by an fsync already done, by one
// it runs itself, or by the rotation or Close that synced the file before closing it. It fails
// if the fsync that covered seq failed.
func (l *Log) waitDurable(seq uint64) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	if err := l.durable(seq); err != nil || l.synced >= seq {
		l.mu.Unlock()
		return err
	}
	l.mu.Unlock()
	if l.beforeSync != nil {
		l.beforeSync()
	}
	l.mu.Lock()
	// Read records chained since are written now, to share this fsync; seq itself is written.
	if err := l.writePending(); err != nil && l.flushFailure == nil {
		l.flushFailure = err
	}
	f, upTo := l.f, l.written
	l.mu.Unlock()
	if f == nil {
		return errors.New("the audit log was closed before the record was synced")
	}
	err := l.sync(f)
	l.mu.Lock()
	defer l.mu.Unlock()
	if errors.Is(err, os.ErrClosed) && l.f != f {
		// A rotation or Close synced and closed this file meanwhile.
		return l.durable(seq)
	}
	if err != nil {
		l.failedThrough, l.failure = max(l.failedThrough, upTo), err
		return err
	}
	l.synced = max(l.synced, upTo)
	return nil
}

// durable reports the failed sync that covered seq, if one did. The caller holds mu.
func (l *Log) durable(seq uint64) error {
	if seq > l.synced && seq <= l.failedThrough {
		return l.failure
	}
	if seq > l.synced && l.f == nil {
		return errors.New("the audit log was closed before the record was synced")
	}
	return nil
}

// syncForClose writes the read records kept and makes every written record durable before the
// file is closed, for the Appends still waiting on it. The caller holds mu.
func (l *Log) syncForClose() error {
	werr := l.writePending()
	if err := l.sync(l.f); err != nil {
		l.failedThrough, l.failure = l.written, err
		return fmt.Errorf("sync the audit log: %w", err)
	}
	l.synced = l.written
	return werr
}

func (l *Log) rotate() error {
	files, err := Files(l.dir)
	if err != nil {
		return err
	}
	next := 1
	for _, p := range files {
		if m := rotatedName.FindStringSubmatch(filepath.Base(p)); m != nil {
			var n int
			_, _ = fmt.Sscanf(m[1], "%d", &n)
			next = n + 1
		}
	}
	if err := l.syncForClose(); err != nil {
		return err
	}
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("close the audit log for rotation: %w", err)
	}
	l.f = nil
	if err := os.Rename(filepath.Join(l.dir, CurrentFile), filepath.Join(l.dir, fmt.Sprintf("audit-%06d.jsonl", next))); err != nil {
		return fmt.Errorf("rotate the audit log: %w", err)
	}
	if err := l.openCurrent(); err != nil {
		return err
	}
	return syncDir(l.dir)
}

// Close closes the log.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	if l.flushTimer != nil {
		l.flushTimer.Stop() // the sync below covers what it would have
	}
	serr := l.syncForClose()
	err := l.f.Close()
	l.f = nil
	return errors.Join(serr, err)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open the audit directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync the audit directory: %w", err)
	}
	return nil
}

// Files returns the audit files of dir in chain order: rotated files by number, then the current
// file if it exists.
func Files(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list the audit directory: %w", err)
	}
	var rotated []string
	current := false
	for _, e := range entries {
		switch {
		case rotatedName.MatchString(e.Name()):
			rotated = append(rotated, e.Name())
		case e.Name() == CurrentFile:
			current = true
		}
	}
	sort.Strings(rotated)
	var out []string
	for _, n := range rotated {
		out = append(out, filepath.Join(dir, n))
	}
	if current {
		out = append(out, filepath.Join(dir, CurrentFile))
	}
	return out, nil
}

const recordHashMember = `,"recordHash":"`

// seal encodes r as one line ending in its own hash.
func seal(r Record) ([]byte, error) {
	head, err := encodeUnchained(r)
	if err != nil {
		return nil, err
	}
	return chain(head, r.Sequence, r.PreviousHash), nil
}

// unchainedTail is how json.Marshal ends a Record whose chain members are unset: Sequence and
// PreviousHash are its last members but RecordHash, which is omitted when empty.
const unchainedTail = `,"sequence":0,"previousHash":""}`

// encodeUnchained encodes r up to its chain members, which chain adds: the costly part of
// sealing a record, done before the log's lock is taken.
func encodeUnchained(r Record) ([]byte, error) {
	r.Sequence, r.PreviousHash, r.RecordHash = 0, "", ""
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b, []byte(unchainedTail)) {
		return nil, fmt.Errorf("a record encodes as %q at its end, not %q", b[max(0, len(b)-len(unchainedTail)):], unchainedTail)
	}
	return b[:len(b)-len(unchainedTail)], nil
}

// chain completes head (from encodeUnchained) with the chain's members and the line's own
// hash, exactly as json.Marshal would write them: a number and hex need no escaping.
func chain(head []byte, sequence uint64, previousHash string) []byte {
	// One allocation, with room for the newline write appends.
	line := make([]byte, 0, len(head)+len(`,"sequence":,"previousHash":""`)+20+len(previousHash)+len(recordHashMember)+sha256.Size*2+3)
	line = append(line, head...)
	line = append(line, `,"sequence":`...)
	line = strconv.AppendUint(line, sequence, 10)
	line = append(line, `,"previousHash":"`...)
	line = append(line, previousHash...)
	line = append(line, '"')
	hash := hashLine(line)
	line = append(append(line, recordHashMember...), hash...)
	return append(line, '"', '}')
}

// sealed reports whether line ends in the hash of what precedes it.
func sealed(line []byte) bool {
	i := bytes.LastIndex(line, []byte(recordHashMember))
	if i < 0 || !bytes.HasSuffix(line, []byte(`"}`)) {
		return false
	}
	return string(line[i+len(recordHashMember):len(line)-2]) == hashLine(line[:i])
}

func hashLine(line []byte) string {
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:])
}

// lastLine returns a file's last non-empty line, or nil for an empty file.
func lastLine(path string) ([]byte, error) {
	var last []byte
	err := eachLine(path, func(_ int, line []byte) error {
		last = append(last[:0], line...)
		return nil
	})
	return last, err
}

// eachLine calls fn with every non-empty line of path and its 1-based number.
func eachLine(path string, fn func(n int, line []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		line = bytes.TrimSuffix(line, []byte("\n"))
		if len(line) > 0 {
			if ferr := fn(n, line); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
	}
}

// deniedNames are the member names (lower case, any part of the name) whose values are secrets
// wherever they appear, model trait or not: the registry's locators carry connection
// credentials, and the rest are the usual names of a secret.
var deniedNames = []string{"password", "secret", "token", "credential", "locator", "privatekey", "sessionkey", "authorization"}

// nextTokenOK: pagination tokens are not secrets, and lookups want them.
func denied(name string) bool {
	n := strings.ToLower(name)
	if n == "nexttoken" {
		return false
	}
	for _, d := range deniedNames {
		if strings.Contains(n, d) {
			return true
		}
	}
	return false
}

// redact returns v with every member named by deniedNames replaced by Redacted.
func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			if denied(k) && val != nil {
				out[k] = Redacted
				continue
			}
			out[k] = redact(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = redact(val)
		}
		return out
	case string:
		return scrub(x)
	default:
		return v
	}
}

var (
	// urlPassword finds the secret of scheme://USER:SECRET@ anywhere in a string: an S3
	// locator's KEY:SECRET@, a PostgreSQL URL's password, as an error message may quote them.
	urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^/@\s":?#]*:)[^/@\s"]*@`)
	// paramSecret finds password=, sslpassword=, secret=, token= parameters.
	paramSecret = regexp.MustCompile(`(?i)((?:^|[?&\s])(?:ssl)?(?:password|secret|token|secretaccesskey)=)[^&\s"]*`)
)

// scrub hides the secrets a free-text string can quote.
func scrub(s string) string {
	if strings.Contains(s, "://") {
		s = urlPassword.ReplaceAllString(s, "${1}"+Redacted+"@")
	}
	if strings.Contains(s, "=") {
		s = paramSecret.ReplaceAllString(s, "${1}"+Redacted)
	}
	return s
}

// resourcesOf collects the ARNs a call's parameters and answer name.
func resourcesOf(vals ...any) []Resource {
	seen := map[string]bool{}
	var out []Resource
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, val := range x {
				walk(val)
			}
		case []any:
			for _, val := range x {
				walk(val)
			}
		case string:
			if strings.HasPrefix(x, "arn:") && !seen[x] && len(out) < 50 {
				seen[x] = true
				out = append(out, Resource{ARN: x})
			}
		}
	}
	for _, v := range vals {
		walk(v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out
}
