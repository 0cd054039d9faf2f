package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
)

// faultyStores hands the engine fault-injecting blob stores and keeps them for the test.
type faultyStores struct {
	// onOpen, if set, configures each store as it is opened.
	onOpen func(*blob.Faulty)
	mu     sync.Mutex
	byDir  map[string]*blob.Faulty
	latest *blob.Faulty
}

func (f *faultyStores) open(dir string) (blob.Store, error) {
	local, err := blob.NewLocal(dir)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byDir == nil {
		f.byDir = map[string]*blob.Faulty{}
	}
	fs := blob.NewFaulty(local)
	if f.onOpen != nil {
		f.onOpen(fs)
	}
	f.byDir[dir], f.latest = fs, fs
	return fs, nil
}

func (f *faultyStores) store(t *testing.T) *blob.Faulty {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.latest == nil {
		t.Fatal("no vault repository was opened yet")
	}
	return f.latest
}

// verifyVault checks a vault's repository the way `engine verify --read-data` does.
func verifyVault(t *testing.T, dataDir, account, vault string) {
	t.Helper()
	ctx := context.Background()
	mk, err := content.LoadOrCreateMasterKey(engine.MasterKeyPath(dataDir))
	if err != nil {
		t.Fatal(err)
	}
	st, err := blob.NewLocal(repoDir(t, dataDir, account, "us-east-1", vault))
	if err != nil {
		t.Fatal(err)
	}
	repo, err := content.Open(ctx, st, mk)
	if err != nil {
		t.Fatalf("open the repository of %s: %v", vault, err)
	}
	var problems []string
	if err := repo.Verify(ctx, true, func(p string) { problems = append(problems, p) }); err != nil || len(problems) > 0 {
		t.Errorf("the repository of %s does not verify: %v\n%s", vault, err, strings.Join(problems, "\n"))
	}
}

// A full disk fails the backup with a message that says so, and loses nothing: the earlier
// recovery point still restores byte-identical and the repository verifies.
func TestFullDiskFailsTheJobAndLosesNothing(t *testing.T) {
	ctx := context.Background()
	stores := &faultyStores{}
	dataDir := t.TempDir()
	e := newJobEnv(t, engine.Options{DataDir: dataDir, BlobStore: stores.open})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 31)
	arn := e.register(t, src)
	e.vault(t, "v1")
	first := e.backup(t, "v1", arn)

	// New data that needs new packs; the disk has room for a few kilobytes only.
	added := filepath.Join(src, "added")
	enginetest.WriteTree(t, added, 32)
	stores.store(t).NoSpaceAfter(4096)
	failed := e.waitBackup(t, aws.ToString(e.startBackup(t, "v1", arn).BackupJobId))
	if failed.State != types.BackupJobStateFailed || !strings.Contains(aws.ToString(failed.StatusMessage), "the disk is full") ||
		aws.ToString(failed.MessageCategory) != "INSUFFICIENT_STORAGE" {
		t.Fatalf("backup on a full disk: %s %q (%s)", failed.State, aws.ToString(failed.StatusMessage), aws.ToString(failed.MessageCategory))
	}
	stores.store(t).Reset()
	points, _ := e.c.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("v1")})
	if len(points.RecoveryPoints) != 1 {
		t.Fatalf("%d recovery points after the failure, want the first one only", len(points.RecoveryPoints))
	}
	verifyVault(t, dataDir, e.srv.Key.AccountID, "v1")

	dest := filepath.Join(t.TempDir(), "restored")
	rs, err := e.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: first.RecoveryPointArn, Metadata: map[string]string{"destination-path": dest}})
	if err != nil {
		t.Fatal(err)
	}
	if job := e.waitRestore(t, aws.ToString(rs.RestoreJobId)); job.Status != types.RestoreJobStatusCompleted {
		t.Fatalf("restore after the failure: %s %q", job.Status, aws.ToString(job.StatusMessage))
	}
	if err := os.RemoveAll(added); err != nil {
		t.Fatal(err)
	}
	if diffs := enginetest.DiffTrees(t, src, dest); len(diffs) > 0 {
		t.Errorf("the first point no longer restores the tree it took:\n%s", strings.Join(diffs, "\n"))
	}
	// With space again, backing up works.
	e.backup(t, "v1", arn)
}

// StopBackupJob ends a queued job at once and a running one through ABORTING, with no point.
func TestStopBackupJob(t *testing.T) {
	ctx := context.Background()
	stores := &faultyStores{}
	e := newJobEnv(t, engine.Options{BlobStore: stores.open, Jobs: queue.Options{Concurrency: 1}})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 33)
	arn := e.register(t, src)
	e.vault(t, "v1")
	e.backup(t, "v1", arn) // opens the repository, so its store can be held up below

	// Hold the next job inside its first pack write, so it is RUNNING, and the one after it
	// waits for the only slot in CREATED.
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	stores.store(t).SetHook(func(op, name string) error {
		if op == "save" && strings.HasPrefix(name, "packs/") {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
		}
		return nil
	})
	os.WriteFile(filepath.Join(src, "new.bin"), []byte(strings.Repeat("fresh data ", 100000)), 0o644)
	running := e.startBackup(t, "v1", arn)
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the backup never wrote a pack")
	}
	queued := e.startBackup(t, "v1", arn)
	if j, _ := e.c.DescribeBackupJob(ctx, &backup.DescribeBackupJobInput{BackupJobId: running.BackupJobId}); j.State != types.BackupJobStateRunning {
		t.Errorf("the held job is %s, want RUNNING", j.State)
	}
	if j, _ := e.c.DescribeBackupJob(ctx, &backup.DescribeBackupJobInput{BackupJobId: queued.BackupJobId}); j.State != types.BackupJobStateCreated {
		t.Errorf("the waiting job is %s, want CREATED", j.State)
	}

	if _, err := e.c.StopBackupJob(ctx, &backup.StopBackupJobInput{BackupJobId: queued.BackupJobId}); err != nil {
		t.Fatal(err)
	}
	if j, _ := e.c.DescribeBackupJob(ctx, &backup.DescribeBackupJobInput{BackupJobId: queued.BackupJobId}); j.State != types.BackupJobStateAborted ||
		aws.ToString(j.StatusMessage) != "stopped by StopBackupJob before it started" {
		t.Errorf("the stopped queued job is %s %q, want ABORTED at once", j.State, aws.ToString(j.StatusMessage))
	}
	if _, err := e.c.StopBackupJob(ctx, &backup.StopBackupJobInput{BackupJobId: running.BackupJobId}); err != nil {
		t.Fatal(err)
	}
	if j, _ := e.c.DescribeBackupJob(ctx, &backup.DescribeBackupJobInput{BackupJobId: running.BackupJobId}); j.State != types.BackupJobStateAborting && j.State != types.BackupJobStateAborted {
		t.Errorf("the stopped running job is %s, want ABORTING", j.State)
	}
	close(release)
	stopped := e.waitBackup(t, aws.ToString(running.BackupJobId))
	if stopped.State != types.BackupJobStateAborted || !strings.Contains(aws.ToString(stopped.StatusMessage), "StopBackupJob") {
		t.Errorf("the stopped running job ended %s %q, want ABORTED", stopped.State, aws.ToString(stopped.StatusMessage))
	}
	if _, err := e.c.StopBackupJob(ctx, &backup.StopBackupJobInput{BackupJobId: stopped.BackupJobId}); apiCode(err) != "InvalidRequestException" {
		t.Errorf("stopping an ABORTED job: %v, want InvalidRequestException", err)
	}
	if _, err := e.c.StopBackupJob(ctx, &backup.StopBackupJobInput{BackupJobId: aws.String("NOPE")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("stopping an unknown job: %v", err)
	}
	points, _ := e.c.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("v1")})
	if len(points.RecoveryPoints) != 1 {
		t.Errorf("%d recovery points, want only the first (stopped jobs make none)", len(points.RecoveryPoints))
	}
}
