package events

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/metrics"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

const testTopic = "arn:aws:sns:us-east-1:123456789012:backup-events"

// hook is a webhook that fails its first failFirst POSTs with a 503 and records what it got.
type hook struct {
	srv       *httptest.Server
	failFirst int
	mu        sync.Mutex
	posts     int
	got       []*http.Request
	bodies    [][]byte
}

func newHook(t *testing.T, failFirst int) *hook {
	h := &hook{failFirst: failFirst}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.posts++
		if h.posts <= h.failFirst {
			http.Error(w, "not now", http.StatusServiceUnavailable)
			return
		}
		h.got, h.bodies = append(h.got, r), append(h.bodies, b)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) counts() (posts, delivered int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.posts, len(h.got)
}

// deliveryEnv is an outbox whose deliveries a job runner hands to Webhooks over hook's client.
type deliveryEnv struct {
	st      store.Store
	outbox  *Outbox
	runner  *queue.Runner
	metrics *metrics.Registry
}

func newDeliveryEnv(t *testing.T, h *hook, maxAttempts int) *deliveryEnv {
	t.Helper()
	st := store.NewMemory()
	m := metrics.New()
	w := NewWebhooks(WebhookOptions{Store: st, Client: h.srv.Client(), Backoff: time.Millisecond, Metrics: m,
		Topics: map[string]config.Topic{testTopic: {URL: h.srv.URL, MaxAttempts: maxAttempts}}})
	r := queue.NewRunner(st, nil, queue.Options{Poll: 10 * time.Millisecond}, map[string]queue.Handler{DeliveryKind: w})
	o := New(Options{Store: st, Clock: clock.NewFake(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)),
		LogPath: filepath.Join(t.TempDir(), LogFile), Delivery: r})
	r.Start()
	t.Cleanup(func() { r.Stop(time.Second) })
	return &deliveryEnv{st: st, outbox: o, runner: r, metrics: m}
}

func (e *deliveryEnv) record(t *testing.T, evs ...Event) {
	t.Helper()
	err := e.st.Update(context.Background(), func(tx store.Tx) error {
		for _, ev := range evs {
			if err := e.outbox.Record(tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.outbox.Recorded()
}

// settled waits until no delivery is queued or stored.
func (e *deliveryEnv) settled(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var busy bool
		var stored []store.Doc
		_ = e.st.View(context.Background(), func(tx store.Tx) error {
			busy, _ = queue.Busy(tx)
			stored, _ = tx.Scan(collDeliveries, "", "", 0)
			return nil
		})
		if !busy && len(stored) == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("deliveries still queued after 10s")
}

func TestWebhookDeliveryRetriesUntilTheWebhookAnswersThenSendsAnSNSNotification(t *testing.T) {
	h := newHook(t, 2)
	e := newDeliveryEnv(t, h, 5)
	e.record(t, Event{ID: "0190-ev", Type: "BACKUP_JOB_SUCCESSFUL", State: "COMPLETED", AccountID: "123456789012", Region: "us-east-1",
		VaultName: "prod", BackupJobID: "JOB1", Message: "done", SNSTopicArn: testTopic})
	e.settled(t)
	posts, delivered := h.counts()
	if posts != 3 || delivered != 1 {
		t.Fatalf("%d POSTs, %d delivered; want 3 (two refused, then the delivery) and 1", posts, delivered)
	}
	r := h.got[0]
	if r.Header.Get("x-amz-sns-message-type") != "Notification" || r.Header.Get("x-amz-sns-topic-arn") != testTopic || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", r.Header)
	}
	var n snsNotification
	if err := json.Unmarshal(h.bodies[0], &n); err != nil {
		t.Fatal(err)
	}
	if n.Type != "Notification" || n.MessageID != "0190-ev" || n.TopicArn != testTopic || n.Message != "done" || n.Timestamp != "2024-01-01T00:00:00.000Z" ||
		n.MessageAttributes["EventType"].Value != "BACKUP_JOB" || n.MessageAttributes["BackupJobId"].Value != "JOB1" || n.MessageAttributes["BackupVaultName"].Value != "prod" ||
		n.Event.ID != "0190-ev" {
		t.Errorf("notification %+v", n)
	}
}

func TestWebhookDeliveryGivesUpAfterTheTopicsMaxAttempts(t *testing.T) {
	h := newHook(t, 1000)
	e := newDeliveryEnv(t, h, 3)
	e.record(t, Event{Type: "BACKUP_JOB_FAILED", AccountID: "123456789012", Region: "us-east-1", SNSTopicArn: testTopic})
	e.settled(t)
	if posts, delivered := h.counts(); posts != 3 || delivered != 0 {
		t.Fatalf("%d POSTs, %d delivered; want 3 attempts, then the delivery given up", posts, delivered)
	}
	rec := httptest.NewRecorder()
	e.metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if want := `backup_engine_webhook_delivery_failures_total{topic="` + testTopic + `"} 3`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("metrics lack %s:\n%s", want, rec.Body.String())
	}
}

func TestOnlyEventsAddressedToATopicAreDeliveredAndEveryEventIsLogged(t *testing.T) {
	h := newHook(t, 0)
	e := newDeliveryEnv(t, h, 5)
	e.record(t,
		Event{Type: "BACKUP_JOB_STARTED", AccountID: "123456789012", Region: "us-east-1"},
		Event{Type: "BACKUP_JOB_FAILED", AccountID: "123456789012", Region: "us-east-1", SNSTopicArn: "arn:aws:sns:us-east-1:123456789012:no-webhook"},
		Event{Type: "BACKUP_JOB_SUCCESSFUL", AccountID: "123456789012", Region: "us-east-1", SNSTopicArn: testTopic})
	e.settled(t)
	if posts, delivered := h.counts(); posts != 1 || delivered != 1 {
		t.Fatalf("%d POSTs, %d delivered; want the one event whose topic has a webhook", posts, delivered)
	}
	if err := e.outbox.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := ReadLog(e.outbox.path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID == "" || !got[0].Time.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("event log %+v; want the three events, given IDs and the clock's time", got)
	}
}
