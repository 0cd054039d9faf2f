package events

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/eventpattern"
	"github.com/strongroom/terraform-provider-backup/internal/engine/metrics"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// newRuleEnv is an outbox with one event rule (pattern, to h, maxAttempts) whose deliveries a
// runner hands to RuleTargets.
func newRuleEnv(t *testing.T, h *hook, pattern string, maxAttempts int) (*deliveryEnv, func() int) {
	t.Helper()
	p, err := eventpattern.Compile([]byte(pattern))
	if err != nil {
		t.Fatal(err)
	}
	rules := []config.EventRule{{Name: "r", EventPattern: json.RawMessage(pattern), URL: h.srv.URL, MaxAttempts: maxAttempts, Pattern: p}}
	st := store.NewMemory()
	m := metrics.New()
	targets := NewRuleTargets(RuleTargetOptions{Store: st, Rules: rules, Client: h.srv.Client(), Backoff: time.Millisecond, Metrics: m})
	r := queue.NewRunner(st, nil, queue.Options{Poll: 10 * time.Millisecond}, map[string]queue.Handler{RuleDeliveryKind: targets})
	o := New(Options{Store: st, Clock: clock.NewFake(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)),
		LogPath: filepath.Join(t.TempDir(), LogFile), Rules: rules, Delivery: r})
	r.Start()
	t.Cleanup(func() { r.Stop(time.Second) })
	stored := func() int {
		var docs []store.Doc
		_ = st.View(context.Background(), func(tx store.Tx) error {
			docs, _ = tx.Scan(collRuleDeliveries, "", "", 0)
			return nil
		})
		return len(docs)
	}
	return &deliveryEnv{st: st, outbox: o, runner: r, metrics: m}, stored
}

func TestRuleDeliveryGivesUpAfterTheRulesMaxAttempts(t *testing.T) {
	h := newHook(t, 1000)
	e, stored := newRuleEnv(t, h, `{"source":["aws.backup"]}`, 3)
	e.record(t, Event{Type: "BACKUP_JOB_FAILED", State: "FAILED", AccountID: "123456789012", Region: "us-east-1"})
	e.settled(t)
	if posts, delivered := h.counts(); posts != 3 || delivered != 0 || stored() != 0 {
		t.Fatalf("%d POSTs, %d delivered, %d stored; want 3 attempts, then the delivery given up and removed", posts, delivered, stored())
	}
	rec := httptest.NewRecorder()
	e.metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if want := `backup_engine_webhook_delivery_failures_total{topic="event-rule:r"} 3`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("metrics lack %s:\n%s", want, rec.Body.String())
	}
}

func TestRuleDeliveryPostsTheEnvelopeOfMatchingEventsOnly(t *testing.T) {
	h := newHook(t, 0)
	e, _ := newRuleEnv(t, h, `{"detail":{"resourceType":[{"prefix":"RD"}]}}`, 5)
	e.record(t,
		Event{ID: "efs", Type: "BACKUP_JOB_FAILED", State: "FAILED", ResourceType: "EFS"},
		Event{ID: "rds", Type: "BACKUP_JOB_FAILED", State: "FAILED", ResourceType: "RDS"})
	e.settled(t)
	if posts, delivered := h.counts(); posts != 1 || delivered != 1 {
		t.Fatalf("%d POSTs, %d delivered; want the RDS event only", posts, delivered)
	}
	var env Envelope
	if err := json.Unmarshal(h.bodies[0], &env); err != nil {
		t.Fatal(err)
	}
	if env.ID != "rds" || env.Source != Source || env.DetailType != "Backup Job State Change" || h.got[0].Header.Get("x-amz-sns-message-type") != "" {
		t.Errorf("delivered %+v with headers %v; want the RDS event's envelope, not an SNS notification", env, h.got[0].Header)
	}
}
