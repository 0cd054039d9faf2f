// Package enginetest starts engines for tests: on a loopback socket, with a temporary data dir,
// and an aws-sdk-go-v2 backup client signed with the engine's key.
package enginetest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/api"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// Server is an engine served on loopback for one test.
type Server struct {
	Engine *engine.Engine
	URL    string
	Key    credentials.Key
}

// Start opens an engine on a temporary data dir and serves it on 127.0.0.1 with the limits of
// `engine serve` (api.DefaultServerLimits); both are torn down when the test ends.
// Options.DataDir defaults to t.TempDir(). Options.Filesystem defaults to Unconfined, as the
// embedded engine: tests register directories anywhere in their temp dirs (never the data dir);
// tests of confinement set Filesystem (AllowedPaths: []string{} for a daemon that allows no
// directory).
func Start(t testing.TB, o engine.Options) *Server {
	t.Helper()
	return StartWithLimits(t, o, api.DefaultServerLimits())
}

// StartWithLimits is Start with other server limits, such as a short body timeout.
func StartWithLimits(t testing.TB, o engine.Options, limits api.ServerLimits) *Server {
	t.Helper()
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	if o.Filesystem.AllowedPaths == nil && !o.Filesystem.Unconfined {
		o.Filesystem.Unconfined = true
	}
	e, err := engine.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := api.NewServer(e.Handler(), limits)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = e.Close()
	})
	return &Server{Engine: e, URL: "http://" + ln.Addr().String(), Key: e.PrimaryKey()}
}

// Client returns a backup client for region, signed with the engine's primary key.
func (s *Server) Client(region string) *backup.Client {
	return s.ClientWithKey(region, s.Key)
}

// ClientWithKey returns a backup client for region signed with k.
func (s *Server) ClientWithKey(region string, k credentials.Key) *backup.Client {
	return NewClient(s.URL, region, k)
}

// NewClient returns a backup client for an engine at url.
func NewClient(url, region string, k credentials.Key) *backup.Client {
	cfg := aws.Config{
		Region:           region,
		Credentials:      awscreds.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, ""),
		RetryMaxAttempts: 1,
	}
	return backup.NewFromConfig(cfg, func(o *backup.Options) { o.BaseEndpoint = aws.String(url) })
}

// Registry returns a client of the engine's protected-resource registry for region.
func (s *Server) Registry(region string) *engineclient.Client {
	return engineclient.New(engineclient.Options{Endpoint: s.URL, Region: region,
		Credentials: awscreds.NewStaticCredentialsProvider(s.Key.AccessKeyID, s.Key.SecretAccessKey, "")})
}
