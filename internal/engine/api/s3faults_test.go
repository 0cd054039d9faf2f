package api_test

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/s3blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// Storage fault modes of faultyStorage.
const (
	storageHealthy  int32 = iota
	storageFlaky          // every third request: 500, 503 SlowDown or a time-out, in turn
	storageRefusing       // every PUT: 403 AccessDenied (a bucket policy that refuses writes)
)

// faultyStorage is the engine's HTTP client to its S3 storage, failing requests as a busy
// server, a bad network or a wrong bucket policy does.
type faultyStorage struct {
	next   awss3.HTTPClient
	mode   atomic.Int32
	n      atomic.Int64
	faults atomic.Int64
}

type injectedTimeout struct{}

func (injectedTimeout) Error() string   { return "i/o timeout (injected)" }
func (injectedTimeout) Timeout() bool   { return true }
func (injectedTimeout) Temporary() bool { return true }

func (f *faultyStorage) Do(req *http.Request) (*http.Response, error) {
	n := f.n.Add(1)
	switch f.mode.Load() {
	case storageFlaky:
		if n%3 != 0 {
			break
		}
		f.faults.Add(1)
		switch (n / 3) % 3 {
		case 0:
			return s3ErrorResponse(req, http.StatusInternalServerError, "InternalError"), nil
		case 1:
			return s3ErrorResponse(req, http.StatusServiceUnavailable, "SlowDown"), nil
		default:
			return nil, injectedTimeout{}
		}
	case storageRefusing:
		if req.Method == http.MethodPut {
			f.faults.Add(1)
			return s3ErrorResponse(req, http.StatusForbidden, "AccessDenied"), nil
		}
	}
	return f.next.Do(req)
}

func s3ErrorResponse(req *http.Request, status int, code string) *http.Response {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	body := "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>injected " + code + "</Message></Error>"
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/xml"}}, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req}
}

// Jobs over an S3 vault ride out a busy server and a bad network (the SDK's retryer hides 5xx,
// SlowDown and time-outs: the backup completes and restores byte-identical), fail with the
// server's reason when it refuses the writes (AccessDenied in the job's StatusMessage, and no
// recovery point), and leave nothing half-written: once the storage is healthy again the next
// backup completes and the repository verifies clean, data included.
func TestS3Storage_jobsRetryStorageFaultsAndFailWithTheServersReason(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	srv.CreateBucket(t, "vaults")
	cfg, err := config.Parse([]byte(`{"regions": {"us-east-1": {"vaults": {"offsite": {"storage": "s3://vaults/engine?endpoint=`+srv.Endpoint+`"}}}}}`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	storage := &faultyStorage{next: awshttp.NewBuildableClient()}
	quickRetries := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts, o.MaxBackoff = 10, 20*time.Millisecond
			o.RateLimiter = ratelimit.None
		})
	}
	dataDir := t.TempDir()
	e := &s3Env{jobEnv: newJobEnv(t, engine.Options{DataDir: dataDir, Config: cfg, S3Storage: []s3blob.Option{
		s3blob.WithCredentials(credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, "")),
		s3blob.WithHTTPClient(storage), s3blob.WithRetryer(quickRetries),
	}}), s3: srv, dataDir: dataDir}
	e.vault(t, "offsite")
	src := t.TempDir()
	enginetest.WriteTree(t, src, 53)
	arn := e.register(t, src)

	storage.mode.Store(storageFlaky)
	flaky := e.backup(t, "offsite", arn)
	if storage.faults.Load() < 3 {
		t.Fatalf("only %d faults were injected: the flaky phase proves nothing", storage.faults.Load())
	}
	restoreFrom(t, e.c, aws.ToString(flaky.RecoveryPointArn), src)
	storage.mode.Store(storageHealthy)

	fresh := make([]byte, 2<<20)
	_, _ = rand.Read(fresh)
	if err := os.WriteFile(filepath.Join(src, "new.bin"), fresh, 0o600); err != nil {
		t.Fatal(err)
	}
	storage.mode.Store(storageRefusing)
	refused := e.waitBackup(t, aws.ToString(e.startBackup(t, "offsite", arn).BackupJobId))
	storage.mode.Store(storageHealthy)
	if refused.State != types.BackupJobStateFailed || !strings.Contains(aws.ToString(refused.StatusMessage), "AccessDenied") {
		t.Errorf("a backup whose writes the server refuses: %s %q, want FAILED naming AccessDenied", refused.State, aws.ToString(refused.StatusMessage))
	}
	points, err := e.c.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("offsite")})
	if err != nil {
		t.Fatal(err)
	}
	if len(points.RecoveryPoints) != 1 {
		t.Errorf("%d recovery points after the refused backup, want only the first", len(points.RecoveryPoints))
	}

	healthy := e.backup(t, "offsite", arn)
	e.verifyOffsite(t)
	restoreFrom(t, e.c, aws.ToString(healthy.RecoveryPointArn), src)
}
