package jobs

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// The seed rule, verbatim.
const seedPattern = `{"source":["aws.backup"],"detail-type":["Backup Job State Change"],"detail":{"state":["FAILED","ABORTED","EXPIRED"]}}`

// TestSeedEventRuleDeliversTheNightsFailures scripts a night of backup, copy and restore jobs on
// a fake clock, with the seed's rule pointing at a webhook that refuses its first POST, and
// checks the webhook gets the failed, aborted and expired backup jobs, each once, as
// EventBridge envelopes.
func TestSeedEventRuleDeliversTheNightsFailures(t *testing.T) {
	var mu sync.Mutex
	posts := 0
	var got []events.Envelope
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		posts++
		if posts == 1 {
			http.Error(w, "not yet", http.StatusServiceUnavailable) // the delivery must retry
			return
		}
		var env events.Envelope
		if err := json.Unmarshal(b, &env); err != nil {
			t.Errorf("webhook body is not an envelope: %v: %s", err, b)
		}
		got = append(got, env)
	}))
	defer srv.Close()

	cfg, err := config.Parse([]byte(`{"event_rules":[{"name":"failed-backups","event_pattern":`+seedPattern+`,"url":"`+srv.URL+`"}]}`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st := store.NewMemory()
	clk := clock.NewFake(time.Date(2024, 3, 1, 22, 0, 0, 0, time.UTC))
	targets := events.NewRuleTargets(events.RuleTargetOptions{Store: st, Rules: cfg.EventRules, Client: srv.Client(), Backoff: time.Millisecond})
	runner := queue.NewRunner(st, nil, queue.Options{Poll: 10 * time.Millisecond}, map[string]queue.Handler{events.RuleDeliveryKind: targets})
	outbox := events.New(events.Options{Store: st, Clock: clk, LogPath: filepath.Join(t.TempDir(), events.LogFile), Rules: cfg.EventRules, Delivery: runner})
	runner.Start()
	defer runner.Stop(time.Second)

	ctx := context.Background()
	backup := func(id string, states ...string) {
		for _, s := range states {
			clk.Advance(10 * time.Minute)
			j := records.BackupJob{ID: id, AccountID: "123456789012", Region: "us-east-1", VaultName: "nightly",
				Resource: resources.Resource{ARN: "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/" + id, Type: "EFS"},
				State:    s, StatusMessage: "night of " + id}
			if err := st.Update(ctx, func(tx store.Tx) error { return SaveBackupJob(tx, outbox, j) }); err != nil {
				t.Fatal(err)
			}
			outbox.Recorded()
		}
	}
	backup("ok", records.BackupJobRunning, records.BackupJobCompleted)
	backup("broken", records.BackupJobRunning, records.BackupJobFailed)
	backup("stopped", records.BackupJobRunning, records.BackupJobAborted)
	backup("late", records.BackupJobExpired)
	backup("partial", records.BackupJobRunning, records.BackupJobPartial)
	// A failed copy and a failed restore are other detail types: the rule must not take them.
	if err := st.Update(ctx, func(tx store.Tx) error {
		if err := copyJobEvent(tx, outbox, records.CopyJob{ID: "copy", AccountID: "123456789012", Region: "us-east-1", State: records.CopyJobFailed}); err != nil {
			return err
		}
		return saveRestoreJob(tx, outbox, records.RestoreJob{ID: "restore", AccountID: "123456789012", Region: "us-east-1", Status: records.RestoreJobFailed})
	}); err != nil {
		t.Fatal(err)
	}
	outbox.Recorded()

	deadline := time.Now().Add(10 * time.Second)
	for {
		var pending bool
		if err := st.View(ctx, func(tx store.Tx) error {
			var err error
			pending, err = queue.Busy(tx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if !pending || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	var delivered []string
	for _, env := range got {
		if env.Time.Before(time.Date(2024, 3, 1, 22, 0, 0, 0, time.UTC)) || env.Time.After(time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("envelope time %s is not the fake night's", env.Time)
		}
		if env.Source != "aws.backup" || env.DetailType != "Backup Job State Change" || env.Account != "123456789012" {
			t.Errorf("delivered envelope %+v", env)
		}
		delivered = append(delivered, env.Detail.BackupJobID+":"+env.Detail.State)
	}
	slices.Sort(delivered)
	want := []string{"broken:FAILED", "late:EXPIRED", "stopped:ABORTED"}
	if !slices.Equal(delivered, want) {
		t.Fatalf("the seed rule delivered %v (in %d POSTs), want %v", delivered, posts, want)
	}
	if posts != len(want)+1 {
		t.Errorf("%d POSTs, want %d (one refused, then one per failure)", posts, len(want)+1)
	}
}
