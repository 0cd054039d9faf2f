// Package s3test starts a real S3-compatible server for tests: versitygw
// (github.com/versity/versitygw) with its posix backend in a temporary directory, on a free
// loopback port, with a fresh access key and secret.
//
// The binary is found at $VERSITYGW (a path), else in the repository's .tools/bin (where
// scripts/install-test-deps.sh installs it), else on PATH. A test that needs it and cannot find
// it fails and says how to install it; only with BACKUP_TEST_SKIP_S3=1 in the environment does
// it skip instead (for machines that cannot build it).
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

// Server is a running versitygw.
type Server struct {
	// Endpoint is http://127.0.0.1:PORT.
	Endpoint  string
	AccessKey string
	SecretKey string
	// Dir is the posix backend's root: one directory per bucket.
	Dir string

	stop func()
}

// Stop stops the server before the test ends (to see what a client does when the endpoint is
// gone); it is stopped at the end of the test anyway.
func (s *Server) Stop() { s.stop() }

// Binary returns the versitygw binary's path, or an error that says how to get it.
func Binary() (string, error) {
	if p := os.Getenv("VERSITYGW"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$VERSITYGW is %s: %w", p, err)
		}
		return p, nil
	}
	if root, err := repoRoot(); err == nil {
		p := filepath.Join(root, ".tools", "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("versitygw, the S3-compatible server the S3 tests run against, is not installed: run scripts/install-test-deps.sh (it builds it into .tools/bin), or set $VERSITYGW to its path")
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Start runs a versitygw that is stopped when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, false)
}

// StartVersioned runs a versitygw with bucket versioning, which S3 Object Lock needs: a bucket
// made with CreateObjectLockBucket then enforces retention and legal holds.
func StartVersioned(t testing.TB) *Server {
	t.Helper()
	return start(t, true)
}

func start(t testing.TB, versioned bool) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("BACKUP_TEST_SKIP_S3") == "1" {
			t.Skipf("BACKUP_TEST_SKIP_S3=1: %v", err)
		}
		t.Fatal(err)
	}
	s := &Server{AccessKey: "AKTEST" + randomHex(7), SecretKey: randomHex(20), Dir: t.TempDir()}
	port := freePort(t)
	s.Endpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
	args := []string{"--access", s.AccessKey, "--secret", s.SecretKey, "--port", fmt.Sprintf("127.0.0.1:%d", port), "--quiet", "posix"}
	if versioned {
		args = append(args, "--versioning-dir", t.TempDir())
	}
	cmd := exec.Command(bin, append(args, s.Dir)...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		})
	}
	t.Cleanup(s.stop)
	deadline := clock.Wall().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("versitygw exited at start (%v):\n%s", err, out.String())
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return s
		}
		if clock.Wall().After(deadline) {
			t.Fatalf("versitygw did not listen on port %d within 15s:\n%s", port, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Locator is the engine locator of bucket on the server, with the server's keys in it.
func (s *Server) Locator(bucket string) string {
	return strings.Replace(s.Endpoint, "http://", "http://"+s.AccessKey+":"+s.SecretKey+"@", 1) + "/" + bucket
}

// Client is an S3 client for the server, to arrange and inspect buckets.
func (s *Server) Client() *awss3.Client {
	return awss3.New(awss3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
	})
}

// CreateBucket creates a bucket and returns its locator.
func (s *Server) CreateBucket(t testing.TB, name string) string {
	t.Helper()
	if _, err := s.Client().CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return s.Locator(name)
}

// CreateObjectLockBucket creates a bucket with S3 Object Lock enabled (on a StartVersioned
// server).
func (s *Server) CreateObjectLockBucket(t testing.TB, name string) {
	t.Helper()
	if _, err := s.Client().CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: aws.String(name), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatalf("create object-lock bucket %s: %v", name, err)
	}
}

// Env is the environment for the AWS CLI (or anything using the default credential chain) to
// talk to the server.
func (s *Server) Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey, "AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1"}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
