package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// servedVault runs an engine on a data dir, backs up a small tree into vault "vault-v" and returns
// the server, the source, the resource ARN and the point's ARN.
func servedVault(t *testing.T) (srv *enginetest.Server, src, arn, point string) {
	t.Helper()
	ctx := context.Background()
	srv = enginetest.Start(t, engine.Options{})
	src = filepath.Join(t.TempDir(), "src")
	enginetest.WriteTree(t, src, 71)
	res, err := srv.Registry("us-east-1").RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: src})
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client("us-east-1")
	if _, err := c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("vault-v")}); err != nil {
		t.Fatal(err)
	}
	return srv, src, res.ResourceArn, backupAndWait(t, c, res.ResourceArn)
}

func backupAndWait(t *testing.T, c *backup.Client, arn string) string {
	t.Helper()
	ctx := context.Background()
	out, err := c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("vault-v"), ResourceArn: aws.String(arn),
		IamRoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		j, err := c.DescribeBackupJob(ctx, &backup.DescribeBackupJobInput{BackupJobId: out.BackupJobId})
		if err != nil {
			t.Fatal(err)
		}
		switch j.State {
		case "COMPLETED":
			return *out.RecoveryPointArn
		case "FAILED", "ABORTED", "EXPIRED", "PARTIAL":
			t.Fatalf("backup job %s: %s", j.State, aws.ToString(j.StatusMessage))
		}
	}
	t.Fatal("backup did not finish")
	return ""
}

func pointStatus(t *testing.T, c *backup.Client, point string) (string, string) {
	t.Helper()
	rp, err := c.DescribeRecoveryPoint(context.Background(), &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("vault-v"), RecoveryPointArn: aws.String(point)})
	if err != nil {
		t.Fatal(err)
	}
	return string(rp.Status), aws.ToString(rp.StatusMessage)
}

// flipInPack flips one byte of the vault's (single) pack.
func flipInPack(t *testing.T, srv *enginetest.Server) {
	t.Helper()
	repoDir, err := engine.VaultRepoDir(srv.Engine.DataDir(), srv.Key.AccountID, "us-east-1", "vault-v")
	if err != nil {
		t.Fatal(err)
	}
	pack := firstObject(t, repoDir, "packs")
	b, err := os.ReadFile(pack)
	if err != nil {
		t.Fatal(err)
	}
	b[100] ^= 1
	if err := os.WriteFile(pack, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Repair re-reads the source of a damaged point, which stores the damaged chunk again: the
// point stays COMPLETED and the vault verifies clean.
func TestRepairStoresAgainWhatTheSourceStillHolds(t *testing.T) {
	srv, src, arn, point := servedVault(t)
	dataDir := srv.Engine.DataDir()
	flipInPack(t, srv)
	code, out, errOut := runCLI("repair", "--data-dir", dataDir, "--vault", "vault-v", "--allow-path", filepath.Dir(src))
	if code != 0 || !strings.Contains(out, "re-read: "+arn) || !strings.Contains(out, "every recovery point is whole") {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errOut)
	}
	if status, msg := pointStatus(t, srv.Client("us-east-1"), point); status != "COMPLETED" || msg != "" {
		t.Fatalf("point after repair: %s %q", status, msg)
	}
	if code, out, _ := runCLI("verify", "--data-dir", dataDir, "--vault", "vault-v", "--read-data"); code != 0 {
		t.Fatalf("verify after repair: exit %d\n%s", code, out)
	}
}

// Without the rescan (or with the source gone), repair drops the damaged chunk from the index
// and marks the point damaged; once a backup stored the chunk again, a second repair finds the
// point whole and gives it back its COMPLETED status.
func TestRepairMarksAPointAndReadmitsItOnceABackupHealedIt(t *testing.T) {
	srv, _, arn, point := servedVault(t)
	dataDir := srv.Engine.DataDir()
	flipInPack(t, srv)

	code, out, errOut := runCLI("repair", "--data-dir", dataDir, "--vault", "vault-v", "--rescan=false")
	if code != 1 || !strings.Contains(out, "cannot be made whole: recovery point "+point) || !strings.Contains(out, "back up again: "+arn) {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errOut)
	}
	c := srv.Client("us-east-1")
	if status, msg := pointStatus(t, c, point); status != "PARTIAL" || !strings.Contains(msg, "damaged") {
		t.Fatalf("point after repair: %s %q", status, msg)
	}
	// verify (structure only) now names the point, which uses a chunk the index left out.
	if code, out, _ := runCLI("verify", "--data-dir", dataDir, "--vault", "vault-v"); code != 1 || !strings.Contains(out, "recovery point "+point) {
		t.Fatalf("verify after repair: exit %d\n%s", code, out)
	}

	backupAndWait(t, c, arn)
	code, out, errOut = runCLI("repair", "--data-dir", dataDir, "--vault", "vault-v")
	if code != 0 || !strings.Contains(out, "whole again: recovery point "+point) {
		t.Fatalf("second repair: exit %d\n%s%s", code, out, errOut)
	}
	if status, msg := pointStatus(t, c, point); status != "COMPLETED" || msg != "" {
		t.Fatalf("point after the second repair: %s %q", status, msg)
	}
	if code, out, _ := runCLI("verify", "--data-dir", dataDir, "--vault", "vault-v", "--read-data"); code != 0 {
		t.Fatalf("verify after the heal: exit %d\n%s", code, out)
	}
}

func TestRepairWhoseSourceIsGoneReportsThePointsItCannotSave(t *testing.T) {
	srv, src, _, point := servedVault(t)
	flipInPack(t, srv)
	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("repair", "--data-dir", srv.Engine.DataDir(), "--vault", "vault-v")
	if code != 1 || !strings.Contains(out, "not re-read: ") || !strings.Contains(out, "cannot be made whole: recovery point "+point) {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errOut)
	}
}

func TestRepairWithoutAnEngineStoreSaysWhatIsMissing(t *testing.T) {
	dataDir, _ := newVault(t)
	code, _, errOut := runCLI("repair", "--data-dir", dataDir, "--vault", "prod-vault")
	if code != 1 || !strings.Contains(errOut, "no engine store") || !strings.Contains(errOut, "--data-dir") {
		t.Fatalf("repair without a store: exit %d, %s", code, errOut)
	}
	if code, _, errOut := runCLI("repair", "--data-dir", dataDir); code != 2 || !strings.Contains(errOut, "--vault is required") {
		t.Fatalf("repair without --vault: exit %d, %s", code, errOut)
	}
}

func TestVerifyWithoutAnEngineStoreSaysPointsWereNotCrossChecked(t *testing.T) {
	dataDir, _ := newVault(t)
	code, out, _ := runCLI("verify", "--data-dir", dataDir, "--vault", "prod-vault")
	if code != 0 || !strings.Contains(out, "no recovery points were cross-checked") {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
}

// Repair reads sources only where the engine's callers may: without an allowed path for the
// source (the daemon's --allow-path is not known to it), the source is not read and the point
// is reported, not healed from a directory no caller could have had the engine read.
func TestRepairReadsSourcesOnlyUnderTheEnginesPolicy(t *testing.T) {
	srv, _, arn, point := servedVault(t)
	flipInPack(t, srv)
	code, out, errOut := runCLI("repair", "--data-dir", srv.Engine.DataDir(), "--vault", "vault-v")
	if code != 1 || !strings.Contains(out, "not re-read: "+arn) || !strings.Contains(out, "no directory") ||
		!strings.Contains(out, "cannot be made whole: recovery point "+point) {
		t.Fatalf("repair without an allowed path: exit %d\n%s%s", code, out, errOut)
	}
}
