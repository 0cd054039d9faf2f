package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/strongroom/terraform-provider-backup/internal/engine/audit"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
)

// flakyAuditor fails while broken is set, and keeps what it was given otherwise, noting which
// records were appended durably.
type flakyAuditor struct {
	mu      sync.Mutex
	broken  bool
	records []audit.Record
	durable []bool
}

func (a *flakyAuditor) Append(r audit.Record) error { return a.append(r, true) }

func (a *flakyAuditor) AppendRead(r audit.Record) error { return a.append(r, false) }

func (a *flakyAuditor) append(r audit.Record, durable bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.broken {
		return errors.New("disk full")
	}
	a.records = append(a.records, r)
	a.durable = append(a.durable, durable)
	return nil
}

// An audit record that cannot be written is counted, and the calls after it are refused with
// ServiceUnavailableException before they run, until a record can be written again.
func TestAuditFailureRefusesCallsUntilTheLogRecovers(t *testing.T) {
	key := credentials.Key{AccessKeyID: "AKIDAUDIT", SecretAccessKey: "secret", AccountID: "123456789012"}
	auditor := &flakyAuditor{broken: true}
	var served atomic.Int32
	ran := func() int32 { return served.Load() }
	h, err := NewHandler(Options{Keys: oneKey(key), Auditor: auditor, Extension: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.WriteHeader(http.StatusOK)
	})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	call := func() (int, string) { return signedCall(t, srv.URL, key, http.MethodGet, "v1/clock") }

	if status, _ := call(); status != http.StatusOK || ran() != 1 || h.AuditFailures() != 1 {
		t.Fatalf("first call while the log fails: status %d, ran %d, failures %d; want it served and its lost record counted", status, ran(), h.AuditFailures())
	}
	if status, code := call(); status != http.StatusServiceUnavailable || code != "ServiceUnavailableException" || ran() != 1 || h.AuditFailures() != 2 {
		t.Fatalf("next call: status %d %s, ran %d, failures %d; want it refused before it runs", status, code, ran(), h.AuditFailures())
	}
	auditor.mu.Lock()
	auditor.broken = false
	auditor.mu.Unlock()
	if status, _ := call(); status != http.StatusServiceUnavailable || ran() != 1 {
		t.Fatalf("the first call after the log recovers: status %d, ran %d; want it refused and recorded", status, ran())
	}
	if status, _ := call(); status != http.StatusOK || ran() != 2 {
		t.Fatalf("the call after that: status %d, ran %d; want it served", status, ran())
	}
	if len(auditor.records) != 2 || auditor.records[0].ErrorCode != "ServiceUnavailableException" || auditor.records[1].EventName != "GetClock" ||
		auditor.records[1].UserIdentity.AccountID != key.AccountID {
		t.Fatalf("records = %+v", auditor.records)
	}
	// The refusal that reopened the API was a read, but it was appended durably: a record that
	// does not wait for its fsync cannot prove the log works again.
	if !auditor.durable[0] || auditor.durable[1] {
		t.Fatalf("durable = %v; want the reopening refusal durable and the read after it not", auditor.durable)
	}
}

// signedCall makes one SigV4-signed call with no body to the extension API path under srvURL,
// and returns its status and error code.
func signedCall(t *testing.T, srvURL string, key credentials.Key, method, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srvURL+ExtensionPrefix+path, nil)
	sum := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "backup", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("x-amzn-ErrorType")
}

// Reads are recorded without waiting for an fsync and calls that may change something wait for
// theirs, refused or not: the operation's name decides.
func TestOnlyReadsSkipTheAuditFsync(t *testing.T) {
	key := credentials.Key{AccessKeyID: "AKIDAUDIT", SecretAccessKey: "secret", AccountID: "123456789012"}
	auditor := &flakyAuditor{}
	h, err := NewHandler(Options{Keys: oneKey(key), Auditor: auditor, Extension: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	signedCall(t, srv.URL, key, http.MethodGet, "v1/clock")
	signedCall(t, srv.URL, key, http.MethodPost, "v1/clock")
	signedCall(t, srv.URL, key, http.MethodGet, "v1/resources")
	stranger := credentials.Key{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: "x"}
	signedCall(t, srv.URL, stranger, http.MethodPost, "v1/clock")
	signedCall(t, srv.URL, stranger, http.MethodGet, "v1/clock")
	want := []struct {
		name    string
		durable bool
	}{{"GetClock", false}, {"SetClock", true}, {"ListResources", false}, {"SetClock", true}, {"GetClock", false}}
	auditor.mu.Lock()
	defer auditor.mu.Unlock()
	if len(auditor.records) != len(want) {
		t.Fatalf("%d records, want %d", len(auditor.records), len(want))
	}
	for i, w := range want {
		if got := auditor.records[i].EventName; got != w.name || auditor.durable[i] != w.durable {
			t.Errorf("record %d: %s durable=%v, want %s durable=%v", i, got, auditor.durable[i], w.name, w.durable)
		}
	}
}

// Members whose shapes the model marks sensitive are redacted; the rest are kept.
func TestRedactSensitiveFollowsTheModel(t *testing.T) {
	m, err := LoadModel()
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{"BackupVaultName": "v", "BackupVaultTags": map[string]any{"owner": "alice"}}
	got := m.redactSensitive("CreateBackupVaultInput", doc).(map[string]any)
	if got["BackupVaultName"] != "v" || got["BackupVaultTags"] != audit.Redacted {
		t.Fatalf("redacted = %v; want the tags hidden and the name kept", got)
	}
	sel := map[string]any{"RestoreTestingSelection": map[string]any{"RestoreMetadataOverrides": map[string]any{"password": "x"}, "IamRoleArn": "arn:aws:iam::1:role/r"}}
	got = m.redactSensitive("CreateRestoreTestingSelectionInput", sel).(map[string]any)
	inner := got["RestoreTestingSelection"].(map[string]any)
	if inner["RestoreMetadataOverrides"] != audit.Redacted || !strings.HasPrefix(inner["IamRoleArn"].(string), "arn:") {
		t.Fatalf("nested = %v; want the overrides hidden", inner)
	}
}
