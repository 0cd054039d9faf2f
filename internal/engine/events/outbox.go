package events

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Waker is told that work was queued for it: the job runner that delivers to webhooks.
type Waker interface{ Notify() }

// Options configure an Outbox.
type Options struct {
	Store store.Store
	// Clock stamps events recorded without a time (default clock.Real).
	Clock clock.Clock
	// Log defaults to discarding.
	Log *slog.Logger
	// LogPath is the append-only event log file; empty for an engine without one. Deliveries to
	// webhooks are queued either way.
	LogPath string
	// Rules are the config's event rules: an event their pattern matches is queued for delivery
	// to their webhook (validated rules: patterns compiled).
	Rules []config.EventRule
	// Delivery runs the queued webhook deliveries (tasks of DeliveryKind and RuleDeliveryKind);
	// Recorded wakes it.
	// Nil leaves them to whichever runner polls for them.
	Delivery Waker
}

// Outbox records events in the domain's transactions and moves them to the event log file.
type Outbox struct {
	st       store.Store
	clock    clock.Clock
	log      *slog.Logger
	path     string
	delivery Waker
	rules    []config.EventRule
	wake     chan struct{}
	// mu serialises writers in this process; the file lock serialises processes.
	mu      sync.Mutex
	stop    context.CancelFunc
	running sync.WaitGroup
}

// New returns an Outbox over o. Its log writer runs from Start to Close.
func New(o Options) *Outbox {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Outbox{st: o.Store, clock: o.Clock, log: o.Log, path: o.LogPath, delivery: o.Delivery, rules: o.Rules, wake: make(chan struct{}, 1)}
}

// delivery is an event on its way to a webhook, as stored.
type delivery struct {
	Event Event `json:"event"`
}

// Record records ev in tx: into the event log's outbox, as a delivery to the webhook of every
// event rule that matches it and, when it names an SNS topic, as a delivery to that topic's
// webhook. ID and Time are filled in when empty. Call Recorded after the
// transaction commits.
func (o *Outbox) Record(tx store.Tx, ev Event) error {
	if ev.ID == "" {
		ev.ID = uuid.Must(uuid.NewV7()).String()
	}
	if ev.Time.IsZero() {
		ev.Time = o.clock.Now()
	}
	ev.Time = ev.Time.UTC()
	if ev.SNSTopicArn != "" {
		if err := records.PutDoc(tx, collDeliveries, ev.ID, delivery{Event: ev}); err != nil {
			return err
		}
		if err := queue.Enqueue(tx, DeliveryKind, ev.ID); err != nil {
			return err
		}
	}
	env := ev.Envelope()
	if err := recordRuleDeliveries(tx, o.rules, env); err != nil {
		return err
	}
	if o.path == "" {
		return nil // no event log (an engine without a data dir)
	}
	return records.PutDoc(tx, collOutbox, ev.ID, env)
}

// Recorded wakes the event log writer and the webhook delivery after a transaction recorded
// events.
func (o *Outbox) Recorded() {
	o.kick()
	if o.delivery != nil {
		o.delivery.Notify()
	}
}

// Logged reports whether every recorded event is in the event log (an engine without a log has
// nothing to wait for), and wakes the writer when not.
func (o *Outbox) Logged(tx store.Tx) (bool, error) {
	empty, err := outboxEmpty(tx)
	if err != nil {
		return false, err
	}
	if o.path == "" {
		return true, nil
	}
	if !empty {
		o.kick()
	}
	return empty, nil
}

// Start starts writing recorded events to the event log as they appear.
func (o *Outbox) Start() {
	if o.path == "" {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	o.stop = cancel
	o.running.Add(1)
	go func() { defer o.running.Done(); o.run(ctx) }()
}

// Close stops the writer and writes the events still in the outbox to the event log. A store
// already closed leaves them for the next engine on the data dir.
func (o *Outbox) Close() error {
	if o.stop != nil {
		o.stop()
		o.running.Wait()
	}
	if o.path == "" {
		return nil
	}
	if err := o.drain(context.Background()); err != nil && !errors.Is(err, store.ErrClosed) {
		return fmt.Errorf("write the event log: %w", err)
	}
	return nil
}

func (o *Outbox) kick() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// run writes outbox entries to the log as they appear, until ctx ends. Entries recorded by
// other processes are found by polling.
func (o *Outbox) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if err := o.drain(ctx); err != nil && ctx.Err() == nil {
			o.log.Error("writing the event log failed; retrying", slog.String("path", o.path), slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-t.C:
		}
	}
}

// outboxEmpty reports whether every recorded event is in the log file.
func outboxEmpty(tx store.Tx) (bool, error) {
	docs, err := tx.Scan(collOutbox, "", "", 1)
	return len(docs) == 0, err
}

func readOutbox(ctx context.Context, st store.Store, limit int) ([]store.Doc, error) {
	var docs []store.Doc
	err := st.View(ctx, func(tx store.Tx) error {
		var err error
		docs, err = tx.Scan(collOutbox, "", "", limit)
		return err
	})
	return docs, err
}

// drain writes everything in the outbox to the file.
func (o *Outbox) drain(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for {
		docs, err := readOutbox(ctx, o.st, 256)
		if err != nil || len(docs) == 0 {
			return err
		}
		if err := o.append(ctx); err != nil {
			return err
		}
	}
}

// append moves one batch from the outbox to the file, holding the file's lock.
func (o *Outbox) append(ctx context.Context) error {
	f, err := os.OpenFile(o.path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open the event log: %w", err)
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return fmt.Errorf("lock the event log: %w", err)
	}
	defer unlockFile(f)
	// Read again under the lock: another process may have written these meanwhile.
	docs, err := readOutbox(ctx, o.st, 256)
	if err != nil || len(docs) == 0 {
		return err
	}
	logged, endsWithNewline, err := tailIDs(f, 1<<20)
	if err != nil {
		return err
	}
	var buf []byte
	if !endsWithNewline {
		buf = append(buf, '\n') // a writer died mid-line: keep the next line whole
	}
	keys := make([]string, 0, len(docs))
	for _, d := range docs {
		keys = append(keys, d.Key)
		if logged[d.Key] {
			continue // written by a writer that died before emptying the outbox
		}
		buf = append(buf, bytes.TrimSpace(d.Value)...)
		buf = append(buf, '\n')
	}
	if len(buf) > 0 {
		if _, err := f.Write(buf); err != nil {
			return fmt.Errorf("append to the event log: %w", err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync the event log: %w", err)
		}
	}
	return o.st.Update(ctx, func(tx store.Tx) error {
		for _, k := range keys {
			if err := records.DeleteIfExists(tx, collOutbox, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// tailIDs returns the IDs of the events whose lines are whole in the last n bytes of the log, and
// whether the file ends with a newline (an empty file does).
func tailIDs(f *os.File, n int64) (map[string]bool, bool, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	size := st.Size()
	if size == 0 {
		return map[string]bool{}, true, nil
	}
	off := max(0, size-n)
	buf := make([]byte, size-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, false, fmt.Errorf("read the event log's tail: %w", err)
	}
	ids := map[string]bool{}
	const prefix = `{"id":"`
	lines := bytes.Split(buf, []byte{'\n'})
	// The last element follows the last newline: empty, or a line a writer died writing, whose
	// event was not logged. The first may be cut by the read's start: its ID is then lost, which
	// only matters for an event written a megabyte of log ago.
	for _, line := range lines[:len(lines)-1] {
		if rest, ok := bytes.CutPrefix(line, []byte(prefix)); ok {
			if id, _, ok := bytes.Cut(rest, []byte{'"'}); ok {
				ids[string(id)] = true
			}
		}
	}
	return ids, buf[len(buf)-1] == '\n', nil
}
