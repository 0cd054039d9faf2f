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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
)

// TestEventRuleFromConfigReceivesTheCompletedBackupJob runs the engine with an event rule in its
// config.json: the rule's webhook gets the completed backup job's EventBridge event, and not the
// job's start.
func TestEventRuleFromConfigReceivesTheCompletedBackupJob(t *testing.T) {
	var mu sync.Mutex
	var got []events.Envelope
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var env events.Envelope
		if err := json.Unmarshal(b, &env); err != nil {
			http.Error(w, "not an event", http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, env)
		mu.Unlock()
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"event_rules":[{"name":"done","url":%q,"event_pattern":{"source":["aws.backup"],"detail-type":["Backup Job State Change"],"detail":{"state":["COMPLETED"]}}}]}`, srv.URL)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newJobEnv(t, engine.Options{DataDir: dir, NotifyBackoff: 20 * time.Millisecond})
	e.vault(t, "prod")
	src := filepath.Join(t.TempDir(), "src")
	enginetest.WriteTree(t, src, 1)
	job := e.startBackup(t, "prod", e.register(t, src))
	e.waitBackup(t, aws.ToString(job.BackupJobId))
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // room for a wrongly matched start to arrive
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Detail.BackupJobID != aws.ToString(job.BackupJobId) || got[0].Detail.State != "COMPLETED" || got[0].Detail.BackupVaultName != "prod" {
		t.Fatalf("the rule's webhook received %+v; want the one completion of job %s", got, aws.ToString(job.BackupJobId))
	}
}

func TestEngineRefusesAMalformedEventPatternAtStart(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"event_rules":[{"name":"bad","url":"http://127.0.0.1:9/","event_pattern":{"detail":{"state":"FAILED"}}}]}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := engine.Open(context.Background(), engine.Options{DataDir: dir})
	if err == nil {
		e.Close()
		t.Fatal("the engine started with a malformed event pattern")
	}
	if want := `event_rules[0] (bad).event_pattern: InvalidEventPatternException: event pattern field "detail.state"`; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
}
