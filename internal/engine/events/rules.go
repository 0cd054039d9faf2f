package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/metrics"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

const (
	// collRuleDeliveries holds the envelopes on their way to an event rule's webhook, keyed by
	// event ID and rule name.
	collRuleDeliveries = "event-rule-deliveries"
	// RuleDeliveryKind is the jobs kind of an event rule delivery task. Register RuleTargets
	// under it.
	RuleDeliveryKind = "event-rule"
)

// ruleDelivery is an envelope on its way to the webhook of the rule that matched it, as stored.
type ruleDelivery struct {
	Rule     string   `json:"rule"`
	Envelope Envelope `json:"envelope"`
}

// recordRuleDeliveries queues a delivery of env to every rule whose pattern matches it.
func recordRuleDeliveries(tx store.Tx, rules []config.EventRule, env Envelope) error {
	if len(rules) == 0 {
		return nil
	}
	// Patterns match the envelope as JSON, the form EventBridge matches.
	b, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("encode event %s: %w", env.ID, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("decode event %s: %w", env.ID, err)
	}
	for _, r := range rules {
		if r.Pattern == nil || !r.Pattern.Match(doc) {
			continue
		}
		key := env.ID + "/" + r.Name
		if err := records.PutDoc(tx, collRuleDeliveries, key, ruleDelivery{Rule: r.Name, Envelope: env}); err != nil {
			return err
		}
		if err := queue.Enqueue(tx, RuleDeliveryKind, key); err != nil {
			return err
		}
	}
	return nil
}

// RuleTargetOptions configure RuleTargets.
type RuleTargetOptions struct {
	Store store.Store
	// Log defaults to discarding.
	Log *slog.Logger
	// Rules are the engine config's event rules (validated: their patterns compiled).
	Rules []config.EventRule
	// Client sends the POSTs (default: a client whose requests time out after 30s).
	Client *http.Client
	// Backoff is the wait before the second attempt, doubled for each later one (default 1s).
	Backoff time.Duration
	// Metrics counts failed delivery attempts (nil: none), as "event-rule:NAME".
	Metrics *metrics.Registry
}

// RuleTargets delivers the envelopes event rules matched to the rules' webhooks: the
// queue.Handler of RuleDeliveryKind tasks.
type RuleTargets struct {
	poster
	st    store.Store
	rules map[string]config.EventRule
}

var _ queue.Handler = (*RuleTargets)(nil)

// NewRuleTargets returns the rule delivery handler over o.
func NewRuleTargets(o RuleTargetOptions) *RuleTargets {
	rules := map[string]config.EventRule{}
	for _, r := range o.Rules {
		if r.MaxAttempts <= 0 {
			r.MaxAttempts = defaultMaxAttempts
		}
		rules[r.Name] = r
	}
	return &RuleTargets{poster: newPoster(o.Log, o.Client, o.Backoff, o.Metrics), st: o.Store, rules: rules}
}

// Start runs the delivery while it is still stored.
func (r *RuleTargets) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	_, found, err := records.GetDoc[ruleDelivery](tx, collRuleDeliveries, t.Key)
	return found, err
}

// Abandoned retries a delivery whose runner died, up to its rule's max_attempts.
func (r *RuleTargets) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	d, found, err := records.GetDoc[ruleDelivery](tx, collRuleDeliveries, t.Key)
	if err != nil || !found {
		return false, nil, err
	}
	if rule, ok := r.rules[d.Rule]; ok && t.Attempt < rule.MaxAttempts {
		return true, nil, nil
	}
	r.log.Error("giving up delivering an event to a rule's target", slog.String("delivery", t.Key), slog.String("reason", reason))
	return false, nil, tx.Delete(collRuleDeliveries, t.Key)
}

// Run delivers one envelope, retrying with backoff up to its rule's max_attempts; the delivery
// is removed once it succeeded or was given up.
func (r *RuleTargets) Run(ctx context.Context, t *queue.Task) error {
	var d ruleDelivery
	err := r.st.View(ctx, func(tx store.Tx) error {
		var err error
		d, _, err = records.GetDoc[ruleDelivery](tx, collRuleDeliveries, t.Key)
		return err
	})
	if err != nil {
		return err
	}
	done := func(tx store.Tx) error { return records.DeleteIfExists(tx, collRuleDeliveries, t.Key) }
	log := r.log.With(slog.String("event_id", d.Envelope.ID), slog.String("detail_type", d.Envelope.DetailType), slog.String("rule", d.Rule))
	rule, ok := r.rules[d.Rule]
	if !ok {
		log.Warn("the event rule is no longer configured; dropping its delivery")
		return t.Finish(ctx, done)
	}
	body, err := json.Marshal(d.Envelope)
	if err != nil {
		return fmt.Errorf("encode event %s: %w", d.Envelope.ID, err)
	}
	headers := map[string]string{"Content-Type": "application/json"}
	failed := func() { r.metrics.WebhookDeliveryFailed("event-rule:" + rule.Name) }
	if err := r.postWithRetries(ctx, log, rule.URL, headers, body, rule.MaxAttempts, failed); err != nil {
		return err
	}
	return t.Finish(ctx, done)
}
