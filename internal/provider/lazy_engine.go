package provider

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
)

// lazyEngine is the embedded engine of one provider configuration, opened on the first call that
// needs it. Terraform starts the provider for schema, validation and configuration too, and most
// of those processes never call the API: they should not pay for opening the store, reading the
// key material and starting the engine's background work.
//
// It is both the SDK clients' credentials (the engine's primary key) and their transport (the
// engine's in-process handler), so requests still go through the SDK's signing and the API's
// verification, as they would on the wire.
type lazyEngine struct {
	dir       string
	fakeStart *time.Time
	fsa       engine.FilesystemAccess
	storage   string // the provider block's storage URL, or ""

	mu     sync.Mutex
	engine *engine.Engine
	rt     http.RoundTripper // the engine's in-process transport
}

var (
	_ aws.CredentialsProvider = (*lazyEngine)(nil)
	_ http.RoundTripper       = (*lazyEngine)(nil)
)

func newLazyEngine(dir string, fakeStart *time.Time, fsa engine.FilesystemAccess, storage string) *lazyEngine {
	return &lazyEngine{dir: dir, fakeStart: fakeStart, fsa: fsa, storage: storage}
}

// open returns the engine and its transport, opening it on the first call. Unlike sync.Once, a
// failed open is tried again by the next call: the error may have been the caller's context.
func (l *lazyEngine) open(ctx context.Context) (*engine.Engine, http.RoundTripper, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.engine != nil {
		return l.engine, l.rt, nil
	}
	// The engine outlives the call that happens to open it.
	e, err := openEmbedded(context.WithoutCancel(ctx), l.dir, nil, l.fakeStart, l.fsa, l.storage)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot start the embedded engine: opening its state in %s (data_dir) failed: %w; check that the directory is writable, or set data_dir to another one", l.dir, err)
	}
	l.engine, l.rt = e, embeddedTransport(e)
	return l.engine, l.rt, nil
}

// Retrieve returns the engine's primary key, opening the engine if it is not open yet. The SDK
// asks on every request (a client made from an aws.Config without LoadDefaultConfig has no
// credentials cache); once the engine is open that is a lock and a map read.
func (l *lazyEngine) Retrieve(ctx context.Context) (aws.Credentials, error) {
	e, _, err := l.open(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	k := e.PrimaryKey()
	return aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, Source: "embedded engine"}, nil
}

// RoundTrip hands req to the engine's handler in process, opening the engine if needed.
func (l *lazyEngine) RoundTrip(req *http.Request) (*http.Response, error) {
	_, rt, err := l.open(req.Context())
	if err != nil {
		return nil, err
	}
	return rt.RoundTrip(req)
}
