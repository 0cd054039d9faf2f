package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
)

// asServed signs req with the SDK's signer, as a client does, and reads it back as the server
// receives it.
func asServed(t *testing.T, req *http.Request, body string, key credentials.Key, at time.Time) *http.Request {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "backup", "eu-west-1", at); err != nil {
		t.Fatal(err)
	}
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatal(err)
	}
	served, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatal(err)
	}
	return served
}

// The fast path reproduces the SDK signer's signature for what clients send (escaped paths,
// queries with spaces, plus signs, repeats and UTF-8, header values with runs of spaces and
// several values), and leaves to the SDK's signer the requests it does not cover, which are
// still accepted. A request changed after signing gets another signature, and is refused.
func TestFastSignatureIsTheSDKSigners(t *testing.T) {
	key := credentials.Key{AccessKeyID: "AKIDFAST", SecretAccessKey: "fast-secret", AccountID: "123456789012"}
	at := time.Now().UTC().Truncate(time.Second)
	v := newVerifier(nil)
	cases := []struct {
		name, method, url, body string
		headers                 map[string][]string
		covered                 bool
	}{
		{"post with a body", "POST", "http://127.0.0.1:9191/backup-vaults/v1", `{"BackupVaultTags":{"a":"b"}}`,
			map[string][]string{"Content-Type": {"application/json"}, "Amz-Sdk-Invocation-Id": {"1f0e"}}, true},
		{"get with a query", "GET", "http://localhost:9191/backup-vaults/?maxResults=10&nextToken=a%2Bb%20c&byVaultType=BACKUP_VAULT&byVaultType=LOGICALLY_AIR_GAPPED_BACKUP_VAULT&x=%E2%82%AC", "",
			nil, true},
		{"escaped path", "GET", "http://127.0.0.1:9191/backup-vaults/v%20x/recovery-points/arn%3Aaws%3Abackup%3Aeu-west-1%3A123456789012%3Arecovery-point%3Aab%2Fc", "",
			nil, true},
		{"header values with spaces and repeats", "PUT", "http://127.0.0.1:9191/backup-vaults/v1/access-policy", `{}`,
			map[string][]string{"X-Amz-Meta-A": {"  one   two  ", "three"}, "Content-Type": {"application/x-amz-json-1.1"}}, true},
		{"a default port", "GET", "http://127.0.0.1:80/backup-vaults/", "", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, tc.url, bytes.NewReader([]byte(tc.body)))
			if err != nil {
				t.Fatal(err)
			}
			for k, vals := range tc.headers {
				for _, val := range vals {
					req.Header.Add(k, val)
				}
			}
			served := asServed(t, req, tc.body, key, at)
			if tc.name == "a default port" {
				served.Host = "127.0.0.1:80" // the SDK signs the host without it; a client may send it
			}
			a, err := parseAuthorization(served.Header.Get("Authorization"))
			if err != nil {
				t.Fatal(err)
			}
			s := &signedRequest{r: served, auth: a, key: key, signedAt: at}
			sum := sha256.Sum256([]byte(tc.body))
			hash := hex.EncodeToString(sum[:])
			sig, covered := v.fastSignature(s, hash, int64(len(tc.body)))
			if covered != tc.covered {
				t.Fatalf("covered = %v, want %v", covered, tc.covered)
			}
			if covered && sig != a.signature {
				t.Fatalf("fast signature %s, the SDK's %s (signed headers %v)", sig, a.signature, a.signedHeaders)
			}
			if matches := v.fastSignatureMatches(s, hash, int64(len(tc.body))); matches != covered {
				t.Fatalf("fastSignatureMatches = %v for a request the fast path covers: %v", matches, covered)
			}
			if err := v.checkSignature(context.Background(), s, hash, int64(len(tc.body))); err != nil {
				t.Fatalf("checkSignature refused a request the SDK signed: %v", err)
			}
			// Changed after signing: another path.
			served.URL.Path, served.URL.RawPath = served.URL.Path+"x", ""
			if sig, covered := v.fastSignature(s, hash, int64(len(tc.body))); covered && sig == a.signature {
				t.Fatal("the fast path gives a changed request the original's signature")
			}
			if v.fastSignatureMatches(s, hash, int64(len(tc.body))) {
				t.Fatal("the fast path matches a changed request to the original's signature")
			}
			if err := v.checkSignature(context.Background(), s, hash, int64(len(tc.body))); err == nil {
				t.Fatal("checkSignature accepted a request changed after signing")
			}
		})
	}
}

// Whatever part of a signed request a client or a man in the middle changes after signing (the
// method, the path, the query, a signed header's value, a signed header dropped, the body's hash),
// the fast path does not match it to the original signature and checkSignature refuses it.
func TestFastPathRefusesARequestChangedAfterSigning(t *testing.T) {
	key := credentials.Key{AccessKeyID: "AKIDFAST", SecretAccessKey: "fast-secret", AccountID: "123456789012"}
	at := time.Now().UTC().Truncate(time.Second)
	v := newVerifier(nil)
	const body = `{"BackupVaultTags":{"a":"b"}}`
	sum := sha256.Sum256([]byte(body))
	hash := hex.EncodeToString(sum[:])
	otherSum := sha256.Sum256([]byte(body + " "))
	changes := []struct {
		name   string
		change func(r *http.Request) (payloadHash string)
	}{
		{"method", func(r *http.Request) string { r.Method = "PUT"; return hash }},
		{"path", func(r *http.Request) string { r.URL.Path, r.URL.RawPath = "/backup-vaults/v2", ""; return hash }},
		{"query value", func(r *http.Request) string { r.URL.RawQuery = "maxResults=11"; return hash }},
		{"query added", func(r *http.Request) string { r.URL.RawQuery += "&nextToken=x"; return hash }},
		{"signed header value", func(r *http.Request) string { r.Header.Set("Content-Type", "text/plain"); return hash }},
		{"signed header dropped", func(r *http.Request) string { r.Header.Del("Content-Type"); return hash }},
		{"host", func(r *http.Request) string { r.Host = "127.0.0.2:9191"; return hash }},
		{"body", func(*http.Request) string { return hex.EncodeToString(otherSum[:]) }},
	}
	for _, tc := range changes {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", "http://127.0.0.1:9191/backup-vaults/v1?maxResults=10", bytes.NewReader([]byte(body)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			served := asServed(t, req, body, key, at)
			a, err := parseAuthorization(served.Header.Get("Authorization"))
			if err != nil {
				t.Fatal(err)
			}
			s := &signedRequest{r: served, auth: a, key: key, signedAt: at}
			if !v.fastSignatureMatches(s, hash, int64(len(body))) {
				t.Fatal("the fast path does not cover the unchanged request: the test proves nothing")
			}
			h := tc.change(served)
			if v.fastSignatureMatches(s, h, int64(len(body))) {
				t.Fatal("the fast path matches the changed request to the original signature")
			}
			if err := v.checkSignature(context.Background(), s, h, int64(len(body))); err == nil {
				t.Fatal("checkSignature accepted a request changed after signing")
			}
		})
	}
}
