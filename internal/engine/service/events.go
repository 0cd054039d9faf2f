package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Events: what happened to jobs and recovery points, recorded in the transaction that made it
// happen, then delivered from there.
//
//   - Every event goes to the data dir's append-only event log (EventLogFile, one JSON object per
//     line). The recording transaction writes it to an outbox in the store; a writer in each
//     engine process moves outbox entries to the file under an exclusive file lock, fsyncs, and
//     only then removes them from the outbox. If a process dies between the fsync and the
//     removal, the next writer finds the entries already at the end of the file (it reads the
//     file's tail for their IDs) and does not write them twice.
//   - An event the vault's notification configuration (PutBackupVaultNotifications) asks for is
//     also delivered to the webhook the engine config maps the vault's SNS topic to, as an SNS
//     notification would be: at least once, from a queued task (so a crash does not lose it),
//     retried with exponential backoff up to the topic's max_attempts.
//
// recordEvent is the one way to record an event; the job state changes call it through
// saveBackupJob and saveRestoreJob.

// Event is one entry of the event log.
type Event struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Type is a BackupVaultEvent: BACKUP_JOB_STARTED, BACKUP_JOB_SUCCESSFUL, ...
	Type string `json:"event"`
	// State is the job's state (or, for RECOVERY_POINT_MODIFIED, the point's storage class or
	// status) after the change.
	State            string `json:"state,omitempty"`
	AccountID        string `json:"account_id"`
	Region           string `json:"region"`
	VaultName        string `json:"backup_vault_name,omitempty"`
	VaultARN         string `json:"backup_vault_arn,omitempty"`
	ResourceARN      string `json:"resource_arn,omitempty"`
	ResourceType     string `json:"resource_type,omitempty"`
	BackupJobID      string `json:"backup_job_id,omitempty"`
	RestoreJobID     string `json:"restore_job_id,omitempty"`
	CopyJobID        string `json:"copy_job_id,omitempty"`
	RecoveryPointARN string `json:"recovery_point_arn,omitempty"`
	StatusMessage    string `json:"status_message,omitempty"`
	// Message says what happened in a sentence, as AWS Backup's SNS messages do.
	Message string `json:"message,omitempty"`
	// SNSTopicArn is set when the vault's notification configuration asks for this event.
	SNSTopicArn string `json:"sns_topic_arn,omitempty"`
}

// EventLogFile is the event log's name in a data dir.
const EventLogFile = "events.jsonl"

const (
	collEventOutbox     = "event-outbox"
	collEventDeliveries = "event-deliveries"
	kindNotify          = "notify"
)

// completionUmbrella maps an event to the "COMPLETED" event that also subscribes to it: "
// Subscribing to Completed events is equivalent to subscribing to Successful, Failed, or Expired
// events" (AWS Backup developer guide, Amazon SNS notifications).
var completionUmbrella = map[string]string{
	"BACKUP_JOB_SUCCESSFUL":  "BACKUP_JOB_COMPLETED",
	"BACKUP_JOB_FAILED":      "BACKUP_JOB_COMPLETED",
	"BACKUP_JOB_EXPIRED":     "BACKUP_JOB_COMPLETED",
	"RESTORE_JOB_SUCCESSFUL": "RESTORE_JOB_COMPLETED",
	"RESTORE_JOB_FAILED":     "RESTORE_JOB_COMPLETED",
}

// notifies reports whether a vault configured with events is notified of an event of type t.
func notifies(configured []string, t string) bool {
	return slices.Contains(configured, t) || (completionUmbrella[t] != "" && slices.Contains(configured, completionUmbrella[t]))
}

// delivery is an event on its way to a webhook.
type delivery struct {
	Event Event `json:"event"`
}

// recordEvent records ev in tx: into the event log's outbox, and, when the vault's notification
// configuration asks for it, as a delivery to the vault's SNS topic. ID and Time are filled in
// when empty. Call s.eventsRecorded after the transaction commits.
func (s *Service) recordEvent(tx store.Tx, ev Event) error {
	if ev.ID == "" {
		ev.ID = uuid.Must(uuid.NewV7()).String()
	}
	if ev.Time.IsZero() {
		ev.Time = s.clock.Now()
	}
	ev.Time = ev.Time.UTC()
	if ev.VaultName != "" {
		n, found, err := getDoc[vaultNotifications](tx, collVaultNotifications, vaultKey(ev.AccountID, ev.Region, ev.VaultName))
		if err != nil {
			return err
		}
		if found && notifies(n.BackupVaultEvents, ev.Type) {
			ev.SNSTopicArn = n.SNSTopicArn
			if err := putDoc(tx, collEventDeliveries, ev.ID, delivery{Event: ev}); err != nil {
				return err
			}
			if err := jobs.Enqueue(tx, kindNotify, ev.ID); err != nil {
				return err
			}
		}
	}
	if s.events == nil {
		return nil // no event log (an engine without a data dir)
	}
	return putDoc(tx, collEventOutbox, ev.ID, ev)
}

// eventsRecorded wakes the event log writer and the notifier after a transaction recorded events.
func (s *Service) eventsRecorded() {
	if s.events != nil {
		s.events.kick()
	}
	if s.notifier != nil {
		s.notifier.Notify()
	}
}

// eventLog moves outbox entries to the event log file.
type eventLog struct {
	path string
	st   store.Store
	log  *slog.Logger
	wake chan struct{}
	// mu serialises writers in this process; the file lock serialises processes.
	mu sync.Mutex
}

func newEventLog(path string, st store.Store, log *slog.Logger) *eventLog {
	return &eventLog{path: path, st: st, log: log, wake: make(chan struct{}, 1)}
}

func (l *eventLog) kick() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// run writes outbox entries to the log as they appear, until ctx ends. Entries recorded by
// other processes are found by polling.
func (l *eventLog) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if err := l.drain(ctx); err != nil && ctx.Err() == nil {
			l.log.Error("writing the event log failed; retrying", slog.String("path", l.path), slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-t.C:
		}
	}
}

// outboxEmpty reports whether every recorded event is in the log file.
func outboxEmpty(tx store.Tx) (bool, error) {
	docs, err := tx.Scan(collEventOutbox, "", "", 1)
	return len(docs) == 0, err
}

func readOutbox(ctx context.Context, st store.Store, limit int) ([]store.Doc, error) {
	var docs []store.Doc
	err := st.View(ctx, func(tx store.Tx) error {
		var err error
		docs, err = tx.Scan(collEventOutbox, "", "", limit)
		return err
	})
	return docs, err
}

// drain writes everything in the outbox to the file.
func (l *eventLog) drain(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		docs, err := readOutbox(ctx, l.st, 256)
		if err != nil || len(docs) == 0 {
			return err
		}
		if err := l.append(ctx); err != nil {
			return err
		}
	}
}

// append moves one batch from the outbox to the file, holding the file's lock.
func (l *eventLog) append(ctx context.Context) error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open the event log: %w", err)
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return fmt.Errorf("lock the event log: %w", err)
	}
	defer unlockFile(f)
	// Read again under the lock: another process may have written these meanwhile.
	docs, err := readOutbox(ctx, l.st, 256)
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
	return l.st.Update(ctx, func(tx store.Tx) error {
		for _, k := range keys {
			if err := deleteIfExists(tx, collEventOutbox, k); err != nil {
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

// ReadEventLog reads the event log of a data dir: for tests, the CLI and operators' tools. A
// missing log is empty.
func ReadEventLog(path string) ([]Event, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Event
	for i, line := range bytes.Split(b, []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var ev Event
		if err := json.Unmarshal(line, &ev); err != nil {
			return out, fmt.Errorf("%s line %d: %w", path, i+1, err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// notifyHandler delivers events to webhooks.
type notifyHandler struct{ s *Service }

func (h notifyHandler) Start(tx store.Tx, t *jobs.Task, _ bool) (bool, error) {
	_, found, err := getDoc[delivery](tx, collEventDeliveries, t.Key)
	return found, err
}

func (h notifyHandler) Abandoned(tx store.Tx, t *jobs.Task, reason string) (bool, func(), error) {
	d, found, err := getDoc[delivery](tx, collEventDeliveries, t.Key)
	if err != nil || !found {
		return false, nil, err
	}
	if topic, ok := h.s.topics[d.Event.SNSTopicArn]; ok && t.Attempt < topic.MaxAttempts {
		return true, nil, nil
	}
	h.s.log.Error("giving up delivering a notification", slog.String("event_id", t.Key), slog.String("reason", reason))
	return false, nil, tx.Delete(collEventDeliveries, t.Key)
}

// snsNotification is the body POSTed to a webhook: an Amazon SNS notification's envelope (the
// fields an SNS HTTP subscriber reads), with the event itself under Event.
type snsNotification struct {
	Type              string                  `json:"Type"`
	MessageID         string                  `json:"MessageId"`
	TopicArn          string                  `json:"TopicArn"`
	Subject           string                  `json:"Subject"`
	Message           string                  `json:"Message"`
	Timestamp         string                  `json:"Timestamp"`
	MessageAttributes map[string]snsAttribute `json:"MessageAttributes"`
	Event             Event                   `json:"Event"`
}

type snsAttribute struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

func (h notifyHandler) Run(ctx context.Context, t *jobs.Task) error {
	s := h.s
	var d delivery
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		d, _, err = getDoc[delivery](tx, collEventDeliveries, t.Key)
		return err
	})
	if err != nil {
		return err
	}
	done := func(tx store.Tx) error { return deleteIfExists(tx, collEventDeliveries, t.Key) }
	log := s.log.With(slog.String("event_id", d.Event.ID), slog.String("event", d.Event.Type), slog.String("sns_topic_arn", d.Event.SNSTopicArn))
	topic, ok := s.topics[d.Event.SNSTopicArn]
	if !ok {
		log.Debug("no webhook is configured for the vault's SNS topic; the event is in the event log only")
		return t.Finish(ctx, done)
	}
	ev := d.Event
	kind, _, _ := strings.Cut(ev.Type, "_JOB_")
	if strings.HasPrefix(ev.Type, "RECOVERY_POINT") {
		kind = "RECOVERY_POINT"
	} else {
		kind += "_JOB"
	}
	attrs := map[string]snsAttribute{
		"EventType": {Type: "String", Value: kind},
		"State":     {Type: "String", Value: ev.State},
		"AccountId": {Type: "String", Value: ev.AccountID},
	}
	for k, v := range map[string]string{"BackupJobId": ev.BackupJobID, "RestoreJobId": ev.RestoreJobID, "CopyJobId": ev.CopyJobID,
		"RecoveryPointArn": ev.RecoveryPointARN, "ResourceArn": ev.ResourceARN, "BackupVaultName": ev.VaultName} {
		if v != "" {
			attrs[k] = snsAttribute{Type: "String", Value: v}
		}
	}
	body, err := json.Marshal(snsNotification{Type: "Notification", MessageID: ev.ID, TopicArn: ev.SNSTopicArn, Subject: "Notification from AWS Backup",
		Message: ev.Message, Timestamp: ev.Time.Format("2006-01-02T15:04:05.000Z"), MessageAttributes: attrs, Event: ev})
	if err != nil {
		return err
	}
	backoff := s.notifyBackoff
	for attempt := 1; ; attempt++ {
		err := post(ctx, topic.URL, ev.SNSTopicArn, body)
		if err == nil {
			log.Info("delivered a notification", slog.String("url", topic.URL), slog.Int("attempt", attempt))
			return t.Finish(ctx, done)
		}
		if attempt >= topic.MaxAttempts || ctx.Err() != nil {
			log.Error("delivering a notification failed; giving up", slog.String("url", topic.URL), slog.Int("attempts", attempt), slog.Any("error", err))
			return t.Finish(ctx, done)
		}
		log.Warn("delivering a notification failed; retrying", slog.String("url", topic.URL), slog.Int("attempt", attempt), slog.Duration("backoff", backoff), slog.Any("error", err))
		timer := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			timer.Stop()
			return context.Cause(ctx)
		case <-timer.C:
		}
		backoff = min(2*backoff, 5*time.Minute)
	}
}

// post sends one notification; any answer but 2xx is a failure to retry.
func post(ctx context.Context, url, topicARN string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-amz-sns-message-type", "Notification")
	req.Header.Set("x-amz-sns-topic-arn", topicARN)
	started := clock.Wall()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s after %s", url, resp.Status, clock.Since(started).Round(time.Millisecond))
	}
	return nil
}

// topicsOf returns the webhooks of a configuration, max_attempts defaulted.
func topicsOf(c *config.Config) map[string]config.Topic {
	out := map[string]config.Topic{}
	if c == nil {
		return out
	}
	for arn, t := range c.Notifications.Topics {
		if t.MaxAttempts <= 0 {
			t.MaxAttempts = 5
		}
		out[arn] = t
	}
	return out
}
