package api_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
)

// Two engines on one data dir (a daemon and an embedded provider, say) share the job queue and
// the vault repository: jobs queued through one run in either, each exactly once, and the
// repository they both wrote verifies.
func TestTwoEnginesOnOneDataDirShareTheWork(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	a := newJobEnv(t, engine.Options{DataDir: dataDir})
	b := newJobEnv(t, engine.Options{DataDir: dataDir})
	var arns []string
	for i := range 3 {
		src := filepath.Join(t.TempDir(), "data")
		enginetest.WriteTree(t, src, uint64(50+i))
		arns = append(arns, a.register(t, src))
	}
	a.vault(t, "shared")
	var ids []string
	for round := range 2 {
		for _, arn := range arns {
			env := a
			if round == 1 {
				env = b
			}
			ids = append(ids, aws.ToString(env.startBackup(t, "shared", arn).BackupJobId))
		}
	}
	points := map[string]bool{}
	for _, id := range ids {
		job := b.waitBackup(t, id)
		if job.State != types.BackupJobStateCompleted {
			t.Fatalf("job %s ended %s: %s", id, job.State, aws.ToString(job.StatusMessage))
		}
		points[aws.ToString(job.RecoveryPointArn)] = true
	}
	v, _ := a.c.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("shared")})
	if len(points) != len(ids) || v.NumberOfRecoveryPoints != int64(len(ids)) {
		t.Errorf("%d jobs made %d distinct points; the vault counts %d", len(ids), len(points), v.NumberOfRecoveryPoints)
	}
	verifyVault(t, dataDir, a.srv.Key.AccountID, "shared")
}

// Closing an engine (SIGTERM to `engine serve`) stops its running jobs and records why.
func TestClosingTheEngineFailsItsRunningJobWithAReason(t *testing.T) {
	ctx := context.Background()
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	// Hold the job in its first pack write.
	stores := &faultyStores{onOpen: func(fs *blob.Faulty) {
		fs.SetHook(func(op, name string) error {
			if op == "save" && strings.HasPrefix(name, "packs/") {
				select {
				case entered <- struct{}{}:
				default:
				}
				<-release
			}
			return nil
		})
	}}
	dataDir := t.TempDir()
	e, err := engine.Open(ctx, engine.Options{DataDir: dataDir, BlobStore: stores.open, Jobs: queue.Options{Concurrency: 1},
		Filesystem: engine.FilesystemAccess{Unconfined: true}}) // it backs up a temp dir, as enginetest.Start's engines may
	if err != nil {
		t.Fatal(err)
	}
	// A second engine on the data dir, to look from after the first is closed. Its runner is
	// stopped, so only the engine under test runs the job.
	srv := enginetest.Start(t, engine.Options{DataDir: dataDir})
	srv.Engine.Scheduler().Stop()
	closed := false
	defer func() {
		if !closed {
			e.Close()
		}
	}()
	local := &jobEnv{c: srv.Client("us-east-1"), reg: srv.Registry("us-east-1"), srv: srv}
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 61)
	arn := local.register(t, src)
	local.vault(t, "v1")
	started, err := backupClientFor(e).StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the job never wrote a pack")
	}
	done := make(chan error, 1)
	go func() { done <- e.Close() }()
	time.Sleep(100 * time.Millisecond)
	close(release)
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Logf("close: %v", err)
	}
	closed = true
	job := local.waitBackup(t, aws.ToString(started.BackupJobId))
	if job.State != types.BackupJobStateFailed || !strings.Contains(aws.ToString(job.StatusMessage), "shut down") || aws.ToString(job.MessageCategory) != "ENGINE_STOPPED" {
		t.Errorf("after Close the job is %s %q (%s), want FAILED saying the engine was shut down", job.State, aws.ToString(job.StatusMessage), aws.ToString(job.MessageCategory))
	}
}

// backupClientFor returns an SDK client that calls e in-process.
func backupClientFor(e *engine.Engine) *backup.Client {
	k := e.PrimaryKey()
	return backup.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: awscreds.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, ""),
		HTTPClient: &http.Client{Transport: e.InProcessTransport()}}, func(o *backup.Options) { o.BaseEndpoint = aws.String(engine.InProcessEndpoint) })
}
