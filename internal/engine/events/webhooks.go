package events

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/metrics"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Delivery defaults.
const (
	// defaultMaxAttempts bounds the attempts of a topic whose config gives no max_attempts.
	defaultMaxAttempts = 5
	// defaultBackoff is the wait before the second attempt when WebhookOptions gives none.
	defaultBackoff = time.Second
	// maxBackoff caps the doubling: a webhook down for long is still tried every few minutes.
	maxBackoff = 5 * time.Minute
	// attemptTimeout bounds one POST, so that a webhook that accepts the connection and never
	// answers costs an attempt, not the delivery slot.
	attemptTimeout = 30 * time.Second
)

// WebhookOptions configure Webhooks.
type WebhookOptions struct {
	Store store.Store
	// Log defaults to discarding.
	Log *slog.Logger
	// Topics maps SNS topic ARNs to the webhooks they deliver to (config.Notifications.Topics).
	// An event whose topic is not here stays in the event log only.
	Topics map[string]config.Topic
	// Client sends the POSTs (default: a client whose requests time out after 30s).
	Client *http.Client
	// Backoff is the wait before the second attempt to deliver a notification, doubled for each
	// later one (default 1s).
	Backoff time.Duration
	// Metrics counts failed delivery attempts. Nil counts none.
	Metrics *metrics.Registry
}

// Webhooks delivers recorded events to the webhooks of their SNS topics: the queue.Handler of
// DeliveryKind tasks.
type Webhooks struct {
	poster
	st     store.Store
	topics map[string]config.Topic
}

// poster is what both delivery handlers (SNS webhooks and event-rule targets) post with.
type poster struct {
	log     *slog.Logger
	client  *http.Client
	backoff time.Duration
	metrics *metrics.Registry
}

// newPoster fills in the defaults: a discarding log, a client whose requests time out after
// attemptTimeout, and defaultBackoff.
func newPoster(log *slog.Logger, client *http.Client, backoff time.Duration, m *metrics.Registry) poster {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if client == nil {
		client = &http.Client{Timeout: attemptTimeout}
	}
	if backoff <= 0 {
		backoff = defaultBackoff
	}
	return poster{log: log, client: client, backoff: backoff, metrics: m}
}

var _ queue.Handler = (*Webhooks)(nil)

// NewWebhooks returns the delivery handler over o.
func NewWebhooks(o WebhookOptions) *Webhooks {
	topics := map[string]config.Topic{}
	for arn, t := range o.Topics {
		if t.MaxAttempts <= 0 {
			t.MaxAttempts = defaultMaxAttempts
		}
		topics[arn] = t
	}
	return &Webhooks{poster: newPoster(o.Log, o.Client, o.Backoff, o.Metrics), st: o.Store, topics: topics}
}

// Start runs the delivery while it is still stored.
func (w *Webhooks) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	_, found, err := records.GetDoc[delivery](tx, collDeliveries, t.Key)
	return found, err
}

// Abandoned retries a delivery whose runner died, up to its topic's max_attempts.
func (w *Webhooks) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	d, found, err := records.GetDoc[delivery](tx, collDeliveries, t.Key)
	if err != nil || !found {
		return false, nil, err
	}
	if topic, ok := w.topics[d.Event.SNSTopicArn]; ok && t.Attempt < topic.MaxAttempts {
		return true, nil, nil
	}
	w.log.Error("giving up delivering a notification", slog.String("event_id", t.Key), slog.String("reason", reason))
	return false, nil, tx.Delete(collDeliveries, t.Key)
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

// notification is the SNS notification that carries ev.
func notification(ev Event) snsNotification {
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
	return snsNotification{Type: "Notification", MessageID: ev.ID, TopicArn: ev.SNSTopicArn, Subject: "Notification from AWS Backup",
		Message: ev.Message, Timestamp: ev.Time.Format("2006-01-02T15:04:05.000Z"), MessageAttributes: attrs, Event: ev}
}

// Run delivers one event, retrying with backoff up to its topic's max_attempts; the delivery is
// removed once it succeeded or was given up.
func (w *Webhooks) Run(ctx context.Context, t *queue.Task) error {
	var d delivery
	err := w.st.View(ctx, func(tx store.Tx) error {
		var err error
		d, _, err = records.GetDoc[delivery](tx, collDeliveries, t.Key)
		return err
	})
	if err != nil {
		return err
	}
	done := func(tx store.Tx) error { return records.DeleteIfExists(tx, collDeliveries, t.Key) }
	ev := d.Event
	log := w.log.With(slog.String("event_id", ev.ID), slog.String("event", ev.Type), slog.String("sns_topic_arn", ev.SNSTopicArn))
	topic, ok := w.topics[ev.SNSTopicArn]
	if !ok {
		log.Debug("no webhook is configured for the vault's SNS topic; the event is in the event log only")
		return t.Finish(ctx, done)
	}
	body, err := json.Marshal(notification(ev))
	if err != nil {
		return fmt.Errorf("encode the notification of event %s: %w", ev.ID, err)
	}
	headers := map[string]string{"Content-Type": "application/json", "x-amz-sns-message-type": "Notification", "x-amz-sns-topic-arn": ev.SNSTopicArn}
	failed := func() { w.metrics.WebhookDeliveryFailed(ev.SNSTopicArn) }
	if err := w.postWithRetries(ctx, log, topic.URL, headers, body, topic.MaxAttempts, failed); err != nil {
		return err
	}
	return t.Finish(ctx, done)
}

// postWithRetries POSTs body to url, retrying with exponential backoff (from backoff, capped at
// maxBackoff) up to maxAttempts attempts, and calls failed after each failed attempt (the
// metrics count them). It fails only when ctx ends: a delivery that ran out of attempts is
// logged and given up, not retried by the queue.
func (p poster) postWithRetries(ctx context.Context, log *slog.Logger, url string, headers map[string]string, body []byte, maxAttempts int, failed func()) error {
	backoff := p.backoff
	for attempt := 1; ; attempt++ {
		err := post(ctx, p.client, url, headers, body)
		if err == nil {
			log.Info("delivered an event", slog.String("url", url), slog.Int("attempt", attempt))
			return nil
		}
		failed()
		if attempt >= maxAttempts || ctx.Err() != nil {
			log.Error("delivering an event failed; giving up", slog.String("url", url), slog.Int("attempts", attempt), slog.Any("error", err))
			return nil
		}
		log.Warn("delivering an event failed; retrying", slog.String("url", url), slog.Int("attempt", attempt), slog.Duration("backoff", backoff), slog.Any("error", err))
		timer := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			timer.Stop()
			return context.Cause(ctx)
		case <-timer.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// post sends one delivery; any answer but 2xx is a failure to retry.
func post(ctx context.Context, client *http.Client, url string, headers map[string]string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	started := clock.Wall()
	resp, err := client.Do(req)
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
