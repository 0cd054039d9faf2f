package api_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/smithy-go"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/api"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// headOnly describes a request whose head is written to a raw connection by hand, so a test
// controls when (and whether) its body follows.
type headOnly struct {
	method, path  string
	contentLength int64
	// sign signs the head for body; declareHash also sends (and signs) X-Amz-Content-Sha256.
	sign, declareHash bool
	body              []byte
	secret            string
}

// writeHead dials srv and writes h's request line and headers, not the body.
func writeHead(t *testing.T, srv *enginetest.Server, h headOnly) net.Conn {
	t.Helper()
	u, err := url.Parse(srv.URL + h.path)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(h.method, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = h.contentLength
	req.Header.Set("Content-Type", "application/json")
	if h.sign {
		sum := sha256.Sum256(h.body)
		hash := hex.EncodeToString(sum[:])
		if h.declareHash {
			req.Header.Set("X-Amz-Content-Sha256", hash)
		}
		secret := srv.Key.SecretAccessKey
		if h.secret != "" {
			secret = h.secret
		}
		creds := aws.Credentials{AccessKeyID: srv.Key.AccessKeyID, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "backup", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", h.method, u.RequestURI(), u.Host, h.contentLength)
	_ = req.Header.Write(&head)
	head.WriteString("\r\n")
	if _, err := conn.Write(head.Bytes()); err != nil {
		t.Fatal(err)
	}
	return conn
}

// readAnswer reads one response from conn. The deadline only keeps a broken server from hanging
// the test; nothing is asserted about how long the answer took.
func readAnswer(t *testing.T, conn net.Conn) (*http.Response, map[string]any) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer while the body was still unsent: %v", err)
	}
	defer resp.Body.Close()
	var body map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &body)
	return resp, body
}

// TestBodyIsNotReadBeforeTheHeadersAuthenticate sends request heads that announce an 8 MiB body
// and never sends it: every refusal that needs no body must arrive anyway.
func TestBodyIsNotReadBeforeTheHeadersAuthenticate(t *testing.T) {
	srv := startEngine(t)
	const eightMiB = 8 << 20
	cases := []struct {
		name   string
		head   headOnly
		status int
		code   string
		inMsg  string
	}{
		{"unsigned", headOnly{method: "PUT", path: "/backup-vaults/v1", contentLength: eightMiB}, 403, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"declared payload hash, wrong secret", headOnly{method: "PUT", path: "/backup-vaults/v1", contentLength: eightMiB, sign: true, declareHash: true, body: []byte("{}"), secret: "wrong"}, 403, "InvalidSignatureException", "does not match"},
		{"signed, larger than the operation accepts", headOnly{method: "PUT", path: "/backup-vaults/v1", contentLength: eightMiB, sign: true, body: []byte("{}")}, 413, "SerializationException", "CreateBackupVault accepts at most"},
		{"signed plan, larger than any plan", headOnly{method: "PUT", path: "/backup/plans/", contentLength: eightMiB, sign: true, body: []byte("{}")}, 413, "SerializationException", "CreateBackupPlan accepts at most"},
		{"extension API, larger than it accepts", headOnly{method: "POST", path: "/_engine/v1/resources", contentLength: eightMiB, sign: true, body: []byte("{}")}, 413, "SerializationException", "accepts at most"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn := writeHead(t, srv, tc.head)
			resp, body := readAnswer(t, conn)
			if resp.StatusCode != tc.status || resp.Header.Get("x-amzn-ErrorType") != tc.code {
				t.Fatalf("status %d %s, want %d %s (%v)", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), tc.status, tc.code, body)
			}
			if msg, _ := body["message"].(string); !strings.Contains(msg, tc.inMsg) {
				t.Errorf("message %q does not say %q", msg, tc.inMsg)
			}
		})
	}
}

// TestTrickledBodyOfARefusedRequestDoesNotHoldTheConnection: after refusing a request without
// its body, the engine closes the connection instead of waiting to drain a trickle.
func TestTrickledBodyOfARefusedRequestDoesNotHoldTheConnection(t *testing.T) {
	srv := startEngine(t)
	conn := writeHead(t, srv, headOnly{method: "PUT", path: "/backup-vaults/v1", contentLength: 1000})
	if _, err := conn.Write([]byte("{")); err != nil {
		t.Fatal(err)
	}
	resp, _ := readAnswer(t, conn)
	if resp.StatusCode != 403 {
		t.Fatalf("status %d, want 403", resp.StatusCode)
	}
	if !resp.Close {
		t.Errorf("the answer keeps the connection open (no Connection: close), so the server would drain the trickle")
	}
	assertClosed(t, conn)
}

// assertClosed reads conn until the server closes it, writing a byte now and then as a trickling
// client would. The loop is bounded; a server that never closes fails the test.
func assertClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	buf := make([]byte, 512)
	for range 300 {
		_, _ = conn.Write([]byte(" "))
		_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		_, err := conn.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			continue
		}
		return // EOF or reset: closed
	}
	t.Fatalf("the server kept a trickling connection open")
}

// TestTrickledBodyIsCutOff sends a signed head and then one byte at a time: the engine stops
// waiting once its body timeout passes and closes the connection.
func TestTrickledBodyIsCutOff(t *testing.T) {
	limits := api.DefaultServerLimits()
	limits.BodyTimeout = 500 * time.Millisecond
	srv := enginetest.StartWithLimits(t, engine.Options{}, limits)
	conn := writeHead(t, srv, headOnly{method: "PUT", path: "/backup-vaults/v1", contentLength: 1000, sign: true, body: bytes.Repeat([]byte(" "), 1000)})
	assertClosed(t, conn)
}

// TestStrictJSON: what encoding/json lets through by default is refused.
func TestStrictJSON(t *testing.T) {
	srv := startEngine(t)
	cases := []struct{ name, path, body, inMsg string }{
		{"trailing data", "/backup-vaults/v1", `{}xyz`, "after the JSON object"},
		{"a second document", "/backup-vaults/v1", `{} {}`, "after the JSON object"},
		{"invalid UTF-8", "/backup-vaults/v1", "{\"BackupVaultTags\":{\"k\":\"\xff\xfe\"}}", "UTF-8"},
		{"unpaired surrogate escape", "/backup-vaults/v1", `{"BackupVaultTags":{"k":"\ud800"}}`, "surrogate"},
		{"duplicate member", "/backup-vaults/v1", `{"CreatorRequestId":"a","CreatorRequestId":"b"}`, "duplicate"},
		{"null document", "/backup-vaults/v1", `null`, "JSON object"},
		{"array document", "/backup-vaults/v1", `[]`, "JSON object"},
		{"extension API, trailing data", "/_engine/v1/resources", `{"ResourceType":"EFS","Locator":"/tmp"}xyz`, "after the JSON object"},
		{"extension API, duplicate member", "/_engine/v1/resources", `{"ResourceType":"EFS","ResourceType":"S3"}`, "duplicate"},
		{"extension API, unknown member", "/_engine/v1/resources", `{"ResourceType":"EFS","Locator":"/tmp","AccountId":"111111111111"}`, "AccountId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := "PUT"
			if strings.HasPrefix(tc.path, api.ExtensionPrefix) {
				method = "POST"
			}
			a := doRaw(t, srv, rawCall{method: method, path: tc.path, body: tc.body, sign: true})
			if a.status != 400 || a.errorType != "SerializationException" {
				t.Fatalf("status %d %s, want 400 SerializationException (%v)", a.status, a.errorType, a.body)
			}
			if msg, _ := a.body["message"].(string); !strings.Contains(msg, tc.inMsg) {
				t.Errorf("message %q does not say %q", msg, tc.inMsg)
			}
		})
	}
	// Nothing was created by any of them.
	out, err := srv.Client("us-east-1").ListBackupVaults(context.Background(), &backup.ListBackupVaultsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.BackupVaultList) != 0 {
		t.Errorf("a refused request created vault %s", aws.ToString(out.BackupVaultList[0].BackupVaultName))
	}
}

// TestCreatorRequestIdIsBounded: AWS documents CreatorRequestId as 1 to 50 alphanumeric or
// '-_.' characters, though the model carries no constraint; a 7 MiB one is refused whole.
func TestCreatorRequestIdIsBounded(t *testing.T) {
	srv := startEngine(t)
	c := srv.Client("us-east-1")
	ctx := context.Background()
	cases := []struct {
		name, id, code, inMsg string
	}{
		{"7 MiB", strings.Repeat("a", 7<<20), "SerializationException", "accepts at most"},
		{"51 characters", strings.Repeat("a", 51), "InvalidParameterValueException", "CreatorRequestId"},
		{"a slash", "a/b", "InvalidParameterValueException", "CreatorRequestId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("v1"), CreatorRequestId: aws.String(tc.id)})
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if !strings.Contains(ae.ErrorMessage(), tc.inMsg) {
				t.Errorf("message %q does not say %q", ae.ErrorMessage(), tc.inMsg)
			}
		})
	}
	if _, err := c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("v1"), CreatorRequestId: aws.String("Req_1.a-" + strings.Repeat("z", 42))}); err != nil {
		t.Fatalf("a 50-character CreatorRequestId: %v", err)
	}
}

// TestDeclaredPayloadHash: a client that signs X-Amz-Content-Sha256 is checked against it, and
// the body against the hash; this API does not take unsigned payloads.
func TestDeclaredPayloadHash(t *testing.T) {
	srv := startEngine(t)
	send := func(declared, body string) rawAnswer {
		t.Helper()
		req, _ := http.NewRequest("PUT", srv.URL+"/backup-vaults/declared", strings.NewReader(body))
		req.Header.Set("X-Amz-Content-Sha256", declared)
		creds := aws.Credentials{AccessKeyID: srv.Key.AccessKeyID, SecretAccessKey: srv.Key.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, declared, "backup", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		a := rawAnswer{status: resp.StatusCode, errorType: resp.Header.Get("x-amzn-ErrorType")}
		b, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(b, &a.body)
		return a
	}
	hashOf := func(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }

	if a := send(hashOf(`{"BackupVaultTags":{"a":"b"}}`), `{"BackupVaultTags":{"a":"c"}}`); a.status != 403 || a.errorType != "InvalidSignatureException" {
		t.Errorf("body other than the signed hash: %d %s (%v), want 403 InvalidSignatureException", a.status, a.errorType, a.body)
	}
	if a := send("UNSIGNED-PAYLOAD", `{}`); a.status != 403 || a.errorType != "InvalidSignatureException" {
		t.Errorf("UNSIGNED-PAYLOAD: %d %s (%v), want 403 InvalidSignatureException", a.status, a.errorType, a.body)
	}
	if a := send(hashOf(`{}`), `{}`); a.status != 200 {
		t.Errorf("matching declared hash: %d %s (%v), want 200", a.status, a.errorType, a.body)
	}
}

// TestServerLimits: request heads beyond MaxHeaderBytes are refused, and request bodies from a
// label that is not UTF-8 are refused as AWS refuses malformed input.
func TestServerLimits(t *testing.T) {
	srv := startEngine(t)
	req, _ := http.NewRequest("GET", srv.URL+"/backup-vaults/", nil)
	req.Header.Set("X-Padding", strings.Repeat("p", api.DefaultServerLimits().MaxHeaderBytes+8192)) // net/http allows 4 KiB over the limit
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("oversized head: status %d, want 431", resp.StatusCode)
	}
	a := doRaw(t, srv, rawCall{method: "GET", path: "/backup-vaults/v1/recovery-points/%FF%FE", sign: true})
	if a.errorType != "SerializationException" || !strings.Contains(a.body["message"].(string), "UTF-8") {
		t.Errorf("non-UTF-8 URI label: %d %s %v, want SerializationException naming UTF-8", a.status, a.errorType, a.body)
	}
}
