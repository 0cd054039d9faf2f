package service

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/layout"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// A backup job carrying its rule's CopyActions (as the scheduler records them) queues a copy job
// per action when it completes, in the transaction that completes it: one into another region's
// vault with the action's lifecycle, and one into a vault that does not exist, which is recorded as
// a FAILED copy job saying so.
func TestCompletedBackupJobStartsACopyJobPerCopyAction(t *testing.T) {
	dir := t.TempDir()
	s := newWired(Config{Store: store.NewMemory(), Repos: &jobs.Repos{
		Dir: func(account, region, vault string) (string, error) {
			return layout.VaultRepo(dir, account, region, vault)
		},
		MasterKeyPath: filepath.Join(dir, "master.key"),
		NewStore:      func(d string) (blob.Store, error) { return blob.NewLocal(d) },
	}}, queue.Options{Poll: 20 * time.Millisecond})
	t.Cleanup(func() { s.Close() })
	us := WithCaller(context.Background(), Caller{AccountID: testAccount, Region: testRegion})
	eu := WithCaller(context.Background(), Caller{AccountID: testAccount, Region: "eu-west-1"})
	for ctx, name := range map[context.Context]string{us: "prod", eu: "dr-vault"} {
		if _, err := s.CreateBackupVault(ctx, &wire.CreateBackupVaultInput{BackupVaultName: name}); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("nightly data"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := s.RegisterResource(us, &wire.RegisterResourceInput{ResourceType: "EFS", Locator: src})
	if err != nil {
		t.Fatal(err)
	}
	started, err := s.StartBackupJob(us, &wire.StartBackupJobInput{BackupVaultName: "prod", ResourceArn: res.ResourceArn,
		IamRoleArn: "arn:aws:iam::123456789012:role/backup", Lifecycle: &wire.Lifecycle{DeleteAfterDays: i64(35)}})
	if err != nil {
		t.Fatal(err)
	}
	// The runner is not started yet: give the queued job its rule's copy actions, as the
	// scheduler does for a scheduled job.
	drARN := arns.Vault("eu-west-1", testAccount, "dr-vault")
	err = s.store.Update(us, func(tx store.Tx) error {
		key := records.JobKey(testAccount, testRegion, started.BackupJobId)
		j, _, err := records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, key)
		if err != nil {
			return err
		}
		j.CopyActions = []wire.CopyAction{
			{DestinationBackupVaultArn: drARN, Lifecycle: &wire.Lifecycle{DeleteAfterDays: i64(365)}},
			{DestinationBackupVaultArn: arns.Vault("eu-west-1", testAccount, "gone")},
		}
		return records.PutDoc(tx, records.CollBackupJobs, key, j)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()

	var list *wire.ListCopyJobsOutput
	deadline := time.Now().Add(30 * time.Second)
	for {
		list, err = s.ListCopyJobs(us, &wire.ListCopyJobsInput{})
		if err != nil {
			t.Fatal(err)
		}
		done := len(list.CopyJobs) == 2
		for _, j := range list.CopyJobs {
			done = done && records.CopyJobDone(j.State)
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("copy jobs after 30s: %+v", list.CopyJobs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	bj, err := s.DescribeBackupJob(us, &wire.DescribeBackupJobInput{BackupJobId: started.BackupJobId})
	if err != nil || bj.State != BackupJobCompleted {
		t.Fatalf("backup job: %+v, %v", bj, err)
	}
	var ok, failed *wire.CopyJob
	for _, j := range list.CopyJobs {
		if j.CreatedByBackupJobId != started.BackupJobId || j.SourceRecoveryPointArn != started.RecoveryPointArn {
			t.Errorf("copy job %+v was not made by backup job %s", j, started.BackupJobId)
		}
		if j.State == CopyJobCompleted {
			ok = j
		} else {
			failed = j
		}
	}
	if ok == nil || failed == nil {
		t.Fatalf("want one completed and one failed copy job, got %+v", list.CopyJobs)
	}
	if ok.DestinationBackupVaultArn != drARN || ok.DestinationRecoveryPointLifecycle == nil || *ok.DestinationRecoveryPointLifecycle.DeleteAfterDays != 365 {
		t.Errorf("completed copy job: %+v", ok)
	}
	if failed.State != CopyJobFailed || failed.StatusMessage == "" {
		t.Errorf("copy into a missing vault: %+v", failed)
	}
	point, err := s.DescribeRecoveryPoint(eu, &wire.DescribeRecoveryPointInput{BackupVaultName: "dr-vault", RecoveryPointArn: ok.DestinationRecoveryPointArn})
	if err != nil {
		t.Fatal(err)
	}
	if point.SourceBackupVaultArn != arns.Vault(testRegion, testAccount, "prod") || point.Lifecycle == nil || *point.Lifecycle.DeleteAfterDays != 365 {
		t.Errorf("the copy in eu-west-1: %+v", point)
	}
}
