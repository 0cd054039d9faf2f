package api_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// Deleting a vault right after its points (as force_destroy and `terraform destroy` do) races
// the background removal of the points' data. The engine must never let that removal write into
// a repository directory being removed: every vault is deleted in the end (the provider retries
// the transient refusal), no repository directory is left behind, and a vault made again under
// the same name backs up into a fresh, verifiable repository.
func TestDeletingAVaultRightAfterItsPointsLeavesNoRepositoryBehind(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	e := newJobEnv(t, engine.Options{DataDir: dataDir})
	src := filepath.Join(t.TempDir(), "src")
	enginetest.WriteTree(t, src, 5)
	arn := e.register(t, src)
	account := e.srv.Key.AccountID
	for i := 0; i < 6; i++ {
		name := fmt.Sprintf("short-lived-%d", i)
		e.vault(t, name)
		e.backup(t, name, arn)
		e.backup(t, name, arn)
		if err := awsbackup.DeleteVault(ctx, e.c, name, awsbackup.DeleteVaultOptions{Force: true}); err != nil {
			t.Fatalf("round %d: force delete: %v", i, err)
		}
		dir := repoDir(t, dataDir, account, "us-east-1", name)
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("round %d: the deleted vault's repository %s is still there (%v)", i, dir, err)
		}
	}
	// A client without a retry loop of its own (a script on the SDK or the CLI) deletes the
	// points, then the vault at once: the engine waits for the removal in flight, so the first
	// DeleteBackupVault succeeds.
	for i := 0; i < 6; i++ {
		name := fmt.Sprintf("scripted-%d", i)
		e.vault(t, name)
		jobs := []*backup.DescribeBackupJobOutput{e.backup(t, name, arn), e.backup(t, name, arn)}
		for _, j := range jobs {
			if _, err := e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String(name), RecoveryPointArn: j.RecoveryPointArn}); err != nil {
				t.Fatalf("round %d: delete point: %v", i, err)
			}
		}
		if _, err := e.c.DeleteBackupVault(ctx, &backup.DeleteBackupVaultInput{BackupVaultName: aws.String(name)}); err != nil {
			t.Fatalf("round %d: DeleteBackupVault right after its points: %v", i, err)
		}
		dir := repoDir(t, dataDir, account, "us-east-1", name)
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("round %d: the deleted vault's repository %s is still there (%v)", i, dir, err)
		}
	}
	// The name is free again, and its new repository works.
	e.vault(t, "short-lived-0")
	job := e.backup(t, "short-lived-0", arn)
	if _, err := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("short-lived-0"), RecoveryPointArn: job.RecoveryPointArn}); err != nil {
		t.Fatal(err)
	}
	verifyVault(t, dataDir, account, "short-lived-0")
}
