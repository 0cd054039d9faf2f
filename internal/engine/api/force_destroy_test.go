package api_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

// force_destroy (awsbackup.DeleteVault with Force) deletes nothing while any of the vault's
// points is protected — a legal hold on one point of three, the vault's access policy — instead
// of deleting the unprotected ones and stopping at the first protected one; once nothing
// protects them it deletes them all and the vault.
func TestForceDestroyDeletesNothingWhileAnyPointIsProtected(t *testing.T) {
	ctx := context.Background()
	fake := clock.NewFake(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	e := newJobEnv(t, engine.Options{Clock: fake})
	now := func(ctx context.Context) (time.Time, error) {
		clk, err := e.reg.GetClock(ctx)
		if err != nil {
			return time.Time{}, err
		}
		return clk.Now, nil
	}
	forceDestroy := func(vault string) error {
		return awsbackup.DeleteVault(ctx, e.c, vault, awsbackup.DeleteVaultOptions{Force: true, Now: now})
	}
	pointsIn := func(vault string) int {
		t.Helper()
		out, err := e.c.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String(vault)})
		if err != nil {
			t.Fatalf("list the points of %s: %v", vault, err)
		}
		return len(out.RecoveryPoints)
	}
	srcA, srcB := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	writeSmallTree(t, srcA, 1)
	writeSmallTree(t, srcB, 2)
	arnA, arnB := e.register(t, srcA), e.register(t, srcB)
	e.vault(t, "mixed")
	e.backup(t, "mixed", arnA)
	e.backup(t, "mixed", arnA)
	e.backup(t, "mixed", arnB)
	fake.Advance(time.Minute)

	// A hold on resource B's point: one point of three.
	hold, err := e.c.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{Title: aws.String("case-b"), Description: aws.String("resource B only"),
		RecoveryPointSelection: &types.RecoveryPointSelection{ResourceIdentifiers: []string{arnB}}})
	if err != nil {
		t.Fatal(err)
	}
	err = forceDestroy("mixed")
	var p *awsbackup.ProtectedPointsError
	if !errors.As(err, &p) || p.Total != 3 || p.Protected != 1 || len(p.Holds) != 1 || p.Holds[0].ID != aws.ToString(hold.LegalHoldId) || p.Lock != nil {
		t.Fatalf("force_destroy with one point of three held: %v (%+v); want its refusal naming the hold", err, p)
	}
	for _, says := range []string{`deleted nothing from backup vault "mixed"`, "1 of its 3 recovery points is protected", "half-emptied",
		"under legal hold " + aws.ToString(hold.LegalHoldId) + ` ("case-b")`, "Cancel the hold"} {
		if !strings.Contains(err.Error(), says) {
			t.Errorf("force_destroy's refusal %q does not say %q", err, says)
		}
	}
	if n := pointsIn("mixed"); n != 3 {
		t.Fatalf("after the refused force_destroy the vault has %d points, want all 3", n)
	}

	// The hold cancelled, a Deny in the vault's access policy: the first deletion is refused, and
	// nothing was deleted.
	if _, err := e.c.CancelLegalHold(ctx, &backup.CancelLegalHoldInput{LegalHoldId: hold.LegalHoldId, CancelDescription: aws.String("closed")}); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"NoDeletes","Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"}]}`
	if _, err := e.c.PutBackupVaultAccessPolicy(ctx, &backup.PutBackupVaultAccessPolicyInput{BackupVaultName: aws.String("mixed"), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	err = forceDestroy("mixed")
	if !errors.As(err, &p) || p.PolicyDenial == nil || awsbackup.ErrorCode(err) != "AccessDeniedException" ||
		!strings.Contains(err.Error(), "access policy denies deleting its recovery points") || !strings.Contains(err.Error(), "Remove the Deny on backup:DeleteRecoveryPoint") {
		t.Fatalf("force_destroy against a Deny: %v; want the policy's refusal, saying what to change", err)
	}
	if n := pointsIn("mixed"); n != 3 {
		t.Fatalf("after the policy's refusal the vault has %d points, want all 3", n)
	}

	// Nothing protects them any more: all go, and the vault with them.
	if _, err := e.c.DeleteBackupVaultAccessPolicy(ctx, &backup.DeleteBackupVaultAccessPolicyInput{BackupVaultName: aws.String("mixed")}); err != nil {
		t.Fatal(err)
	}
	if err := forceDestroy("mixed"); err != nil {
		t.Fatalf("force_destroy once nothing protects the points: %v", err)
	}
	if _, err := e.c.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("mixed")}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("the vault survived force_destroy: %v", err)
	}
}

// force_destroy judges a lock's protection by the engine's clock, not the caller's: a point kept
// indefinitely in a vault whose lock has a 7-day minimum is protected for its first 7 days of
// engine time (the engine's clock here is months behind the wall clock) and deletable after.
func TestForceDestroyJudgesTheLockByTheEnginesClock(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	fake := clock.NewFake(start)
	e := newJobEnv(t, engine.Options{Clock: fake})
	now := func(ctx context.Context) (time.Time, error) {
		clk, err := e.reg.GetClock(ctx)
		if err != nil {
			return time.Time{}, err
		}
		return clk.Now, nil
	}
	src := filepath.Join(t.TempDir(), "a")
	writeSmallTree(t, src, 3)
	arn := e.register(t, src)
	e.vault(t, "minimum")
	if _, err := e.c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("minimum"), MinRetentionDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	e.backup(t, "minimum", arn) // no lifecycle: kept indefinitely

	fake.Advance(3 * 24 * time.Hour)
	err := awsbackup.DeleteVault(ctx, e.c, "minimum", awsbackup.DeleteVaultOptions{Force: true, Now: now})
	var p *awsbackup.ProtectedPointsError
	until := start.AddDate(0, 0, 7)
	if !errors.As(err, &p) || p.Lock == nil || p.Lock.Points != 1 || !p.Lock.Until.Equal(until) || !strings.Contains(err.Error(), "(GOVERNANCE mode) until its retention ends at "+until.Format(time.RFC3339)) {
		t.Fatalf("force_destroy on day 3 of the lock's 7-day minimum: %v (%+v); want the lock's protection until %s", err, p, until)
	}
	fake.Advance(5 * 24 * time.Hour)
	if err := awsbackup.DeleteVault(ctx, e.c, "minimum", awsbackup.DeleteVaultOptions{Force: true, Now: now}); err != nil {
		t.Fatalf("force_destroy on day 8: %v; want the point and the vault deleted", err)
	}
}
