package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// rawCall sends a request signed (or not) by hand, to reach what the SDKs never send.
type rawCall struct {
	method, path, body string
	sign               bool
	secret             string // overrides the engine's secret
	signedAt           time.Time
}

type rawAnswer struct {
	status    int
	errorType string
	requestID string
	body      map[string]any
}

func doRaw(t *testing.T, srv *enginetest.Server, rc rawCall) rawAnswer {
	t.Helper()
	req, err := http.NewRequest(rc.method, srv.URL+rc.path, bytes.NewReader([]byte(rc.body)))
	if err != nil {
		t.Fatal(err)
	}
	if rc.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if rc.sign {
		secret := srv.Key.SecretAccessKey
		if rc.secret != "" {
			secret = rc.secret
		}
		at := rc.signedAt
		if at.IsZero() {
			at = time.Now()
		}
		sum := sha256.Sum256([]byte(rc.body))
		creds := aws.Credentials{AccessKeyID: srv.Key.AccessKeyID, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "backup", "us-east-1", at); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := rawAnswer{status: resp.StatusCode, errorType: resp.Header.Get("x-amzn-ErrorType"), requestID: resp.Header.Get("x-amzn-RequestId")}
	if len(b) > 0 {
		_ = json.Unmarshal(b, &a.body)
	}
	return a
}

func TestSigV4Verification(t *testing.T) {
	srv := startEngine(t)
	cases := []struct {
		name       string
		call       rawCall
		wantStatus int
		wantCode   string
		wantInMsg  string
	}{
		{"unsigned", rawCall{method: "GET", path: "/backup-vaults/"}, 403, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"wrong secret", rawCall{method: "GET", path: "/backup-vaults/", sign: true, secret: "not-the-secret"}, 403, "InvalidSignatureException", "does not match"},
		{"clock 20 minutes behind", rawCall{method: "GET", path: "/backup-vaults/", sign: true, signedAt: time.Now().Add(-20 * time.Minute)}, 403, "InvalidSignatureException", "Signature expired"},
		{"clock 20 minutes ahead", rawCall{method: "GET", path: "/backup-vaults/", sign: true, signedAt: time.Now().Add(20 * time.Minute)}, 403, "InvalidSignatureException", "not yet current"},
		{"good signature", rawCall{method: "GET", path: "/backup-vaults/", sign: true}, 200, "", ""},
		{"body tampered after signing is refused", rawCall{method: "PUT", path: "/backup-vaults/v2", body: `{}`, sign: true}, 200, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := doRaw(t, srv, tc.call)
			if a.status != tc.wantStatus || a.errorType != tc.wantCode {
				t.Fatalf("status %d code %q, want %d %q (body %v)", a.status, a.errorType, tc.wantStatus, tc.wantCode, a.body)
			}
			if a.requestID == "" {
				t.Errorf("no x-amzn-RequestId header")
			}
			if tc.wantInMsg != "" && !strings.Contains(a.body["message"].(string), tc.wantInMsg) {
				t.Errorf("message %q does not contain %q", a.body["message"], tc.wantInMsg)
			}
		})
	}
}

func TestTamperedBodyFailsSignature(t *testing.T) {
	srv := startEngine(t)
	body := `{"BackupVaultTags":{"a":"b"}}`
	req, _ := http.NewRequest("PUT", srv.URL+"/backup-vaults/signed", strings.NewReader(body))
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: srv.Key.AccessKeyID, SecretAccessKey: srv.Key.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "backup", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	evil := `{"BackupVaultTags":{"a":"c"}}`
	req.Body = io.NopCloser(strings.NewReader(evil))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("x-amzn-ErrorType") != "InvalidSignatureException" {
		t.Errorf("tampered body: status %d %s, want 403 InvalidSignatureException", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}
}

func TestModelValidation(t *testing.T) {
	srv := startEngine(t)
	cases := []struct {
		name      string
		call      rawCall
		wantCode  string
		wantInMsg string
	}{
		{"missing required body member", rawCall{method: "POST", path: "/tags/" + "arn%3Aaws%3Abackup%3Aus-east-1%3A123456789012%3Abackup-vault%3Ax", body: `{}`}, "MissingParameterValueException", "Tags"},
		{"bad pattern in the URI", rawCall{method: "PUT", path: "/backup-vaults/no.dots.allowed", body: `{}`}, "InvalidParameterValueException", "BackupVaultName"},
		{"out of range MaxResults", rawCall{method: "GET", path: "/backup-vaults/?maxResults=0"}, "InvalidParameterValueException", "MaxResults"},
		{"enum value not in the model", rawCall{method: "GET", path: "/backup-vaults/?vaultType=BIG_VAULT"}, "InvalidParameterValueException", "VaultType"},
		{"not JSON", rawCall{method: "PUT", path: "/backup-vaults/okname", body: `{not json`}, "SerializationException", "JSON"},
		{"unknown path", rawCall{method: "GET", path: "/no-such-thing"}, "UnknownOperationException", "no AWS Backup operation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.call.sign = true
			a := doRaw(t, srv, tc.call)
			if a.errorType != tc.wantCode {
				t.Fatalf("code %q (status %d, body %v), want %s", a.errorType, a.status, a.body, tc.wantCode)
			}
			if msg, _ := a.body["message"].(string); !strings.Contains(msg, tc.wantInMsg) {
				t.Errorf("message %q does not mention %q", msg, tc.wantInMsg)
			}
			if a.body["__type"] != tc.wantCode || a.body["Code"] != tc.wantCode {
				t.Errorf("body %v lacks __type/Code %s", a.body, tc.wantCode)
			}
		})
	}
}
