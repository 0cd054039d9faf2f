package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
)

const topicARN = "arn:aws:sns:us-east-1:123456789012:backup-events"

// webhook records the SNS notifications POSTed to it; it answers 500 while failing is set.
type webhook struct {
	srv     *httptest.Server
	failing atomic.Bool
	fails   atomic.Int64
	mu      sync.Mutex
	got     []map[string]any
}

func newWebhook(t *testing.T) *webhook {
	w := &webhook{}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if w.failing.Load() {
			w.fails.Add(1)
			http.Error(rw, "down for maintenance", http.StatusInternalServerError)
			return
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || r.Header.Get("x-amz-sns-message-type") != "Notification" {
			http.Error(rw, "not an SNS notification", http.StatusBadRequest)
			return
		}
		w.mu.Lock()
		w.got = append(w.got, m)
		w.mu.Unlock()
	}))
	t.Cleanup(w.srv.Close)
	return w
}

// received returns the notifications so far, keyed by MessageId (at-least-once: duplicates
// collapse).
func (w *webhook) received() map[string]map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]map[string]any{}
	for _, m := range w.got {
		out[m["MessageId"].(string)] = m
	}
	return out
}

func (w *webhook) waitFor(t *testing.T, n int) map[string]map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if got := w.received(); len(got) >= n {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the webhook received %d notifications in 30s, want %d", len(w.received()), n)
	return nil
}

func writeConfig(t *testing.T, dir, url string) {
	t.Helper()
	cfg := fmt.Sprintf(`{"notifications": {"topics": {%q: {"url": %q, "max_attempts": 8}}}}`, topicARN, url)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVaultNotificationsReachTheWebhookWithRetriesAndEveryEventTheLog(t *testing.T) {
	ctx := context.Background()
	hook := newWebhook(t)
	dir := t.TempDir()
	writeConfig(t, dir, hook.srv.URL)
	e := newJobEnv(t, engine.Options{DataDir: dir, NotifyBackoff: 20 * time.Millisecond})
	e.vault(t, "prod")
	if _, err := e.c.PutBackupVaultNotifications(ctx, &backup.PutBackupVaultNotificationsInput{BackupVaultName: aws.String("prod"),
		SNSTopicArn: aws.String(topicARN), BackupVaultEvents: []types.BackupVaultEvent{types.BackupVaultEventBackupJobCompleted}}); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "src")
	enginetest.WriteTree(t, src, 1)
	arn := e.register(t, src)

	hook.failing.Store(true) // the first attempts fail: the delivery is retried
	job := e.startBackup(t, "prod", arn)
	e.waitBackup(t, aws.ToString(job.BackupJobId))
	deadline := time.Now().Add(10 * time.Second)
	for hook.fails.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	hook.failing.Store(false)
	hook.waitFor(t, 1)
	// Subscribing to BACKUP_JOB_COMPLETED is subscribing to SUCCESSFUL, FAILED and EXPIRED: one
	// notification, not the STARTED event.
	time.Sleep(200 * time.Millisecond)
	got := hook.received()
	if len(got) != 1 {
		t.Fatalf("the webhook received %d distinct notifications, want 1 (the completion)", len(got))
	}
	for _, m := range got {
		attrs := m["MessageAttributes"].(map[string]any)
		if m["TopicArn"] != topicARN || attrs["State"].(map[string]any)["Value"] != "COMPLETED" || attrs["EventType"].(map[string]any)["Value"] != "BACKUP_JOB" ||
			attrs["BackupJobId"].(map[string]any)["Value"] != aws.ToString(job.BackupJobId) {
			t.Fatalf("notification %v", m)
		}
	}
	if hook.fails.Load() < 2 {
		t.Fatalf("the webhook failed %d times before succeeding; the test needs at least 2", hook.fails.Load())
	}

	// The event log has the vault's creation and both job events, the completion marked with the
	// topic it was sent to.
	var evs []events.Event
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		evs, _ = events.ReadLog(engine.EventLogPath(dir))
		if len(evs) >= 3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(evs) != 3 || evs[0].Type != "BACKUP_VAULT_CREATED" || evs[1].Type != "BACKUP_JOB_STARTED" || evs[2].Type != "BACKUP_JOB_SUCCESSFUL" ||
		evs[2].SNSTopicArn != topicARN || evs[0].SNSTopicArn != "" || evs[1].SNSTopicArn != "" {
		t.Fatalf("event log %+v; want the vault CREATED, then STARTED (not notified), then SUCCESSFUL (notified to %s)", evs, topicARN)
	}
}

func TestANotificationSurvivesARestartOfTheEngine(t *testing.T) {
	ctx := context.Background()
	hook := newWebhook(t)
	hook.failing.Store(true)
	dir := t.TempDir()
	writeConfig(t, dir, hook.srv.URL)
	// The first engine tries once and would wait an hour to retry: it is stopped first.
	e := newJobEnv(t, engine.Options{DataDir: dir, NotifyBackoff: time.Hour})
	e.vault(t, "prod")
	if _, err := e.c.PutBackupVaultNotifications(ctx, &backup.PutBackupVaultNotificationsInput{BackupVaultName: aws.String("prod"),
		SNSTopicArn: aws.String(topicARN), BackupVaultEvents: []types.BackupVaultEvent{types.BackupVaultEventBackupJobSuccessful}}); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "src")
	enginetest.WriteTree(t, src, 2)
	job := e.startBackup(t, "prod", e.register(t, src))
	e.waitBackup(t, aws.ToString(job.BackupJobId))
	deadline := time.Now().Add(10 * time.Second)
	for hook.fails.Load() < 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if hook.fails.Load() < 1 {
		t.Fatal("the first engine never tried to deliver the notification")
	}
	if err := e.srv.Engine.Close(); err != nil {
		t.Fatal(err)
	}

	// The webhook is back; a new engine on the data dir delivers what the first could not.
	hook.failing.Store(false)
	newJobEnv(t, engine.Options{DataDir: dir, NotifyBackoff: 10 * time.Millisecond})
	got := hook.waitFor(t, 1)
	for _, m := range got {
		if m["MessageAttributes"].(map[string]any)["BackupJobId"].(map[string]any)["Value"] != aws.ToString(job.BackupJobId) {
			t.Fatalf("delivered %v", m)
		}
	}
}
