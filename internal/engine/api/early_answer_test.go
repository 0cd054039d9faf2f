package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/strongroom/terraform-provider-backup/internal/engine/audit"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
)

// gateAuditor holds every append until the test lets it go.
type gateAuditor struct {
	entered chan bool // true for Append, false for AppendRead
	release chan struct{}
}

func (a *gateAuditor) Append(audit.Record) error     { a.entered <- true; <-a.release; return nil }
func (a *gateAuditor) AppendRead(audit.Record) error { a.entered <- false; <-a.release; return nil }

// A read's answer reaches the client while its audit record is still being made; a call that
// may change something is answered only once its record is durable.
func TestReadsAreAnsweredBeforeTheirRecordAndChangesAfterIt(t *testing.T) {
	key := credentials.Key{AccessKeyID: "AKIDEARLY", SecretAccessKey: "secret", AccountID: "123456789012"}
	gate := &gateAuditor{entered: make(chan bool, 1), release: make(chan struct{})}
	h, err := NewHandler(Options{Keys: oneKey(key), Auditor: gate})
	if err != nil {
		t.Fatal(err)
	}
	// Operations that answer without a service.
	answer := func(context.Context, []byte) (any, error) { return map[string]any{}, nil }
	h.ops["DescribeBackupVault"], h.ops["DeleteBackupVault"] = answer, answer
	srv := httptest.NewServer(h)
	defer srv.Close()
	send := func(method, path string) <-chan int {
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(nil)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey},
			req, hex.EncodeToString(sum[:]), "backup", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		answered := make(chan int, 1)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				answered <- -1
				return
			}
			_ = resp.Body.Close()
			answered <- resp.StatusCode
		}()
		return answered
	}

	// DescribeBackupVault is a read.
	read := send(http.MethodGet, "/backup-vaults/v1")
	if durable := <-gate.entered; durable {
		t.Fatal("a read's record was appended durably")
	}
	if status := <-read; status != http.StatusOK {
		t.Fatalf("the read was answered %d while its record was held, want 200", status)
	}
	gate.release <- struct{}{}

	// DeleteBackupVault is a change.
	change := send(http.MethodDelete, "/backup-vaults/v1")
	if durable := <-gate.entered; !durable {
		t.Fatal("a change's record was not appended durably")
	}
	select {
	case status := <-change:
		t.Fatalf("the change was answered (%d) before its record was durable", status)
	default:
	}
	gate.release <- struct{}{}
	if status := <-change; status != http.StatusOK {
		t.Fatalf("the change was answered %d, want 200", status)
	}
}

// The record of a call holds its request with the members the model marks sensitive redacted,
// made after its answer.
func TestRecordsHoldTheRequestWithSensitiveMembersRedacted(t *testing.T) {
	key := credentials.Key{AccessKeyID: "AKIDREDACT", SecretAccessKey: "secret", AccountID: "123456789012"}
	auditor := &flakyAuditor{}
	h, err := NewHandler(Options{Keys: oneKey(key), Auditor: auditor})
	if err != nil {
		t.Fatal(err)
	}
	h.ops["CreateBackupVault"] = func(context.Context, []byte) (any, error) { return map[string]any{}, nil }
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := `{"BackupVaultTags":{"owner":"alice"},"CreatorRequestId":"c1"}`
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/backup-vaults/v1", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "backup", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("CreateBackupVault = %d", resp.StatusCode)
	}
	auditor.mu.Lock()
	defer auditor.mu.Unlock()
	if len(auditor.records) != 1 {
		t.Fatalf("%d records, want 1", len(auditor.records))
	}
	p := auditor.records[0].RequestParameters
	if p["BackupVaultTags"] != audit.Redacted || p["CreatorRequestId"] != "c1" || p["BackupVaultName"] != "v1" {
		t.Fatalf("the record's request is %v; want the tags redacted, the rest kept", p)
	}
}
