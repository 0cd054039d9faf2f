package events

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEnvelopeIsEventBridgeShaped(t *testing.T) {
	ev := Event{ID: "e1", Time: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Type: "BACKUP_JOB_FAILED", State: "ABORTED",
		AccountID: "123456789012", Region: "us-east-1", VaultName: "v", VaultARN: "arn:aws:backup:us-east-1:123456789012:backup-vault:v",
		ResourceARN: "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1", ResourceType: "EFS", BackupJobID: "j1",
		StatusMessage: "stopped", Message: "An AWS Backup job failed", SNSTopicArn: testTopic}
	b, err := json.Marshal(ev.Envelope())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"version": "0", "id": "e1", "detail-type": "Backup Job State Change", "source": "aws.backup",
		"account": "123456789012", "region": "us-east-1", "time": "2024-01-02T03:04:05Z"} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	detail := got["detail"].(map[string]any)
	if detail["state"] != "ABORTED" || detail["backupJobId"] != "j1" || detail["backupVaultName"] != "v" || detail["resourceType"] != "EFS" {
		t.Errorf("detail = %v", detail)
	}
	if !strings.HasPrefix(string(b), `{"id":"e1"`) {
		t.Errorf("the log writer finds lines by their leading id; line starts %.20s", b)
	}
	if back := ev.Envelope().Event(); !reflect.DeepEqual(back, ev) {
		t.Errorf("round trip lost fields:\n got %+v\nwant %+v", back, ev)
	}
}

func TestEnvelopeDetailTypesAndStatusMembers(t *testing.T) {
	for typ, want := range map[string]struct{ detailType, member string }{
		"COPY_JOB_FAILED":         {"Copy Job State Change", "state"},
		"RESTORE_JOB_SUCCESSFUL":  {"Restore Job State Change", "status"},
		"RECOVERY_POINT_MODIFIED": {"Recovery Point State Change", "status"},
		"BACKUP_VAULT_CREATED":    {"Backup Vault State Change", "state"},
		"BACKUP_PLAN_MODIFIED":    {"Backup Plan State Change", "state"},
	} {
		ev := Event{ID: "e", Type: typ, State: "X", VaultARN: "arn:v"}
		env := ev.Envelope()
		b, _ := json.Marshal(env.Detail)
		var d map[string]any
		_ = json.Unmarshal(b, &d)
		if env.DetailType != want.detailType || d[want.member] != "X" {
			t.Errorf("%s: detail-type %q, detail %v; want %q with %s X", typ, env.DetailType, d, want.detailType, want.member)
		}
		if back := env.Event(); !reflect.DeepEqual(back, ev) {
			t.Errorf("%s: round trip = %+v, want %+v", typ, back, ev)
		}
	}
}

func TestReadLogReadsEnvelopes(t *testing.T) {
	path := filepath.Join(t.TempDir(), LogFile)
	line, _ := json.Marshal(Event{ID: "e1", Type: "BACKUP_JOB_STARTED", State: "RUNNING", BackupJobID: "j"}.Envelope())
	if err := os.WriteFile(path, append(line, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	evs, err := ReadLog(path)
	if err != nil || len(evs) != 1 || evs[0].Type != "BACKUP_JOB_STARTED" || evs[0].BackupJobID != "j" || evs[0].State != "RUNNING" {
		t.Fatalf("ReadLog = %+v, %v", evs, err)
	}
}
