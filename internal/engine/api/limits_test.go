package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
)

type oneKey credentials.Key

func (k oneKey) Lookup(id string) (credentials.Key, bool) {
	return credentials.Key(k), id == k.AccessKeyID
}

// TestBodyTimeoutDoesNotCutLongHandlers: the body and response timeouts bound reading the body
// and writing the answer only. A handler that runs past both (a clock move waiting for its jobs)
// keeps its context and its answer arrives.
func TestBodyTimeoutDoesNotCutLongHandlers(t *testing.T) {
	key := credentials.Key{AccessKeyID: "AKIDLONG", SecretAccessKey: "secret", AccountID: "123456789012"}
	handlerErr := make(chan error, 1)
	h, err := NewHandler(Options{Keys: oneKey(key), Extension: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		select {
		case <-r.Context().Done():
			handlerErr <- r.Context().Err()
		case <-time.After(time.Second):
			handlerErr <- nil
		}
		w.WriteHeader(http.StatusOK)
	})})
	if err != nil {
		t.Fatal(err)
	}
	limits := DefaultServerLimits()
	limits.BodyTimeout = 200 * time.Millisecond
	limits.ResponseTimeout = 200 * time.Millisecond
	srv := NewServer(h, limits)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	for _, body := range []string{"", `{"Advance":"1d"}`} {
		method := "GET"
		if body != "" {
			method = "POST"
		}
		req, _ := http.NewRequest(method, "http://"+ln.Addr().String()+ExtensionPrefix+"v1/clock", strings.NewReader(body))
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey},
			req, hex.EncodeToString(sum[:]), "backup", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := <-handlerErr; err != nil {
			t.Fatalf("%s: the handler's context ended while it ran: %v", method, err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d, want 200", method, resp.StatusCode)
		}
	}
}
