package awsbackup

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

// DeleteVaultOptions configure DeleteVault.
type DeleteVaultOptions struct {
	// Force deletes the vault's recovery points before the vault (backup_vault's force_destroy),
	// provided none of them is protected; see DeleteVault.
	Force bool
	// Now returns the time the service judges retention by. An engine may run on a fake clock
	// far from the wall clock, so a caller talking to one passes the engine's clock; nil means
	// the wall clock, which is AWS Backup's.
	Now func(context.Context) (time.Time, error)
	// Log reports progress; nil for none.
	Log func(msg string, kv map[string]any)
}

// DeleteVault deletes a vault. Without Force a vault that still holds recovery points is left as
// it is, with the API's refusal.
//
// With Force it deletes the points first, but only when it can delete them all: a force_destroy
// that stopped at the first protected point would leave the vault half emptied, its unprotected
// points lost and the vault still there. So before deleting anything it asks the API what
// protects the vault's points —
//
//   - legal holds: ListLegalHolds, and ListRecoveryPointsByLegalHold for every hold that is not
//     CANCELED ("A backup cannot be deleted as long as it has at least one legal hold", AWS
//     Backup developer guide, Legal holds);
//   - the vault's lock, from DescribeBackupVault: a locked vault, in either mode, refuses to
//     delete a point before its retention ends ("If any user (including the root user) attempts
//     to delete a backup … in a locked vault, AWS Backup will deny the operation", AWS Backup
//     Vault Lock);
//   - a logically air-gapped vault, whose points are never deleted by hand, only by their
//     lifecycle —
//
// and when any point is protected it deletes nothing and returns a *ProtectedPointsError that
// says how many points are protected, by what, and what to do. A vault access policy cannot be
// read for its effect in advance (its conditions depend on the caller); an explicit Deny shows up
// as AccessDeniedException on the first deletion, before anything was deleted, and is reported
// the same way. Only a protection that appears while the points are being deleted (a hold
// created meanwhile, a policy that denies some points and not others) can stop the deletion part
// way; the error then says how many points were deleted.
func DeleteVault(ctx context.Context, c *backup.Client, name string, o DeleteVaultOptions) error {
	logf := o.Log
	if logf == nil {
		logf = func(string, map[string]any) {}
	}
	err := deleteEmptyVault(ctx, c, name)
	if err == nil || !o.Force || ErrorCode(err) != "InvalidRequestException" {
		return err
	}
	points, err := listVaultPoints(ctx, c, name)
	if err != nil {
		return err
	}
	if len(points) == 0 {
		// The refusal was not about points (a job writing into the vault): report it as it is.
		return deleteEmptyVault(ctx, c, name)
	}
	if perr, err := protectedPoints(ctx, c, name, points, o.Now); err != nil {
		return err
	} else if perr != nil {
		return perr
	}
	for i, rp := range points {
		arn := aws.ToString(rp.RecoveryPointArn)
		logf("force_destroy: deleting recovery point", map[string]any{"vault": name, "recovery_point_arn": arn})
		_, err := c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String(name), RecoveryPointArn: aws.String(arn)})
		switch {
		case err == nil || ErrorCode(err) == "ResourceNotFoundException":
			continue
		case i == 0 && ErrorCode(err) == "AccessDeniedException":
			return &ProtectedPointsError{Vault: name, Total: len(points), PolicyDenial: err}
		case i == 0:
			return fmt.Errorf("force_destroy deleted nothing from backup vault %q: the deletion of its recovery point %s was refused: %w", name, arn, err)
		default:
			return fmt.Errorf("force_destroy of backup vault %q deleted %d of its %d recovery points, then the deletion of %s was refused: %w. "+
				"Something started protecting the vault's points during the deletion (a legal hold, the vault's access policy); see the refusal, then destroy again",
				name, i, len(points), arn, err)
		}
	}
	if err := waitVaultEmptied(ctx, c, name); err != nil {
		return err
	}
	return deleteEmptyVault(ctx, c, name)
}

// vaultEmptyingPatience bounds how long DeleteVault waits for the points it deleted to be gone.
const vaultEmptyingPatience = 2 * time.Minute

// deleteEmptyVault deletes a vault that holds no recovery point.
func deleteEmptyVault(ctx context.Context, c *backup.Client, name string) error {
	_, err := c.DeleteBackupVault(ctx, &backup.DeleteBackupVaultInput{BackupVaultName: aws.String(name)})
	return notFoundOr(fmt.Sprintf("backup vault %q", name), err)
}

// waitVaultEmptied waits until the vault lists no recovery point: AWS Backup deletes some points
// in the background (their status is DELETING meanwhile), and refuses to delete a vault that
// still lists any. The engine deletes points at once, so against it this returns on the first look.
func waitVaultEmptied(ctx context.Context, c *backup.Client, name string) error {
	poll := 250 * time.Millisecond
	for waited := time.Duration(0); ; waited += poll {
		points, err := listVaultPoints(ctx, c, name)
		if err != nil || len(points) == 0 {
			return err
		}
		if waited >= vaultEmptyingPatience {
			return fmt.Errorf("backup vault %q still lists %d recovery points %s after their deletion; destroy again once they are gone", name, len(points), vaultEmptyingPatience)
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for the recovery points of backup vault %q to be deleted: %w", name, ctx.Err())
		case <-t.C:
		}
	}
}

func listVaultPoints(ctx context.Context, c *backup.Client, name string) ([]types.RecoveryPointByBackupVault, error) {
	var out []types.RecoveryPointByBackupVault
	p := backup.NewListRecoveryPointsByBackupVaultPaginator(c, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the recovery points of backup vault %q: %w", name, err)
		}
		out = append(out, page.RecoveryPoints...)
	}
	return out, nil
}

// ProtectedPointsError is force_destroy's refusal: some of the vault's recovery points cannot be
// deleted, so none was.
type ProtectedPointsError struct {
	Vault string
	// Total is the number of recovery points in the vault; Protected how many of them are
	// protected by a legal hold or the vault's lock (0 when the access policy refused).
	Total, Protected int
	// Holds are the legal holds holding points of the vault.
	Holds []HoldProtection
	// Lock is the protection of the vault's lock (or air gap), nil when it protects none.
	Lock *LockProtection
	// PolicyDenial is the AccessDeniedException the vault's access policy answered the first
	// deletion with; nil otherwise.
	PolicyDenial error
}

// HoldProtection is one legal hold holding points of a vault.
type HoldProtection struct {
	ID, Title, Status string
	Points            int
}

// LockProtection is what a vault's lock protects.
type LockProtection struct {
	// AirGapped is set for a logically air-gapped vault: its points are never deleted by hand.
	AirGapped bool
	// Mode is GOVERNANCE (no lock date) or COMPLIANCE.
	Mode string
	// LockDate is a compliance-mode lock's lock date; Immutable is set when it has passed.
	LockDate  time.Time
	Immutable bool
	// Points counts the points the lock protects now; Until is when the last of them stops being
	// protected (their retention ends and their lifecycle deletes them), zero when one is
	// protected for as long as the lock stands.
	Points int
	Until  time.Time
}

func (e *ProtectedPointsError) Unwrap() error { return e.PolicyDenial }

func (e *ProtectedPointsError) Error() string {
	var b strings.Builder
	if e.PolicyDenial != nil {
		fmt.Fprintf(&b, "force_destroy deleted nothing from backup vault %q: its access policy denies deleting its recovery points (%s: %s). "+
			"Remove the Deny on backup:DeleteRecoveryPoint from the vault's access policy (PutBackupVaultAccessPolicy, or the backup_vault_policy resource), then destroy again.",
			e.Vault, ErrorCode(e.PolicyDenial), ErrorMessage(e.PolicyDenial))
		return b.String()
	}
	fmt.Fprintf(&b, "force_destroy deleted nothing from backup vault %q: %d of its %d recovery points %s protected",
		e.Vault, e.Protected, e.Total, isAre(e.Protected))
	if e.Protected < e.Total {
		b.WriteString(", and deleting only the others would leave a half-emptied vault")
	}
	b.WriteString(".")
	for _, h := range e.Holds {
		title := ""
		if h.Title != "" {
			title = fmt.Sprintf(" (%q)", h.Title)
		}
		fmt.Fprintf(&b, "\n  - %s under legal hold %s%s, %s: a point under a legal hold cannot be deleted until every hold on it is cancelled. "+
			"Cancel the hold (CancelLegalHold with a CancelDescription, or destroy its backup_legal_hold), then destroy again.",
			pointsAre(h.Points), h.ID, title, h.Status)
	}
	if l := e.Lock; l != nil {
		until := "for as long as the lock stands (a point kept indefinitely)"
		after := ""
		if !l.Until.IsZero() {
			date := l.Until.UTC().Format(time.RFC3339)
			until = "until its retention ends at " + date + ", when its lifecycle deletes it"
			if l.Points > 1 {
				until = "until their retention ends, the last at " + date + ", when their lifecycle deletes them"
			}
			after = " after " + date
		}
		switch {
		case l.AirGapped:
			fmt.Fprintf(&b, "\n  - %s in a logically air-gapped vault, whose points are never deleted by hand: kept %s. Its lock cannot be removed: destroy again%s.",
				pointsAre(l.Points), until, after)
		case l.Immutable:
			fmt.Fprintf(&b, "\n  - %s protected by the vault's lock (COMPLIANCE mode, immutable since %s) %s. The lock cannot be removed: destroy again%s.",
				pointsAre(l.Points), l.LockDate.UTC().Format(time.RFC3339), until, after)
		case l.Mode == "COMPLIANCE":
			fmt.Fprintf(&b, "\n  - %s protected by the vault's lock (COMPLIANCE mode, removable until its lock date %s) %s. "+
				"Remove the lock before %s (DeleteBackupVaultLockConfiguration, or destroy the backup_vault_lock) and destroy again, or destroy again%s.",
				pointsAre(l.Points), l.LockDate.UTC().Format(time.RFC3339), until, l.LockDate.UTC().Format(time.RFC3339), orLater(after))
		default:
			fmt.Fprintf(&b, "\n  - %s protected by the vault's lock (GOVERNANCE mode) %s. "+
				"Remove the lock (DeleteBackupVaultLockConfiguration, or destroy the backup_vault_lock) and destroy again, or destroy again%s.",
				pointsAre(l.Points), until, orLater(after))
		}
	}
	return b.String()
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func pointsAre(n int) string {
	if n == 1 {
		return "1 point is"
	}
	return fmt.Sprintf("%d points are", n)
}

func orLater(after string) string {
	if after == "" {
		return " once the lock is gone"
	}
	return after
}

// protectedPoints finds which of the vault's points a legal hold, the vault's lock or its air gap
// protects at the service's time, and returns the refusal naming them, or nil when none is.
func protectedPoints(ctx context.Context, c *backup.Client, name string, points []types.RecoveryPointByBackupVault, nowFn func(context.Context) (time.Time, error)) (*ProtectedPointsError, error) {
	inVault := make(map[string]bool, len(points))
	for _, rp := range points {
		inVault[aws.ToString(rp.RecoveryPointArn)] = true
	}
	protected := map[string]bool{}
	e := &ProtectedPointsError{Vault: name, Total: len(points)}

	holds, err := ListLegalHolds(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("force_destroy must know which of backup vault %q's recovery points are under legal hold before deleting any, and listing the legal holds failed: %w", name, err)
	}
	for _, h := range holds {
		if h.Status == types.LegalHoldStatusCanceled {
			continue // "fully released and no longer has any effect"
		}
		id := aws.ToString(h.LegalHoldId)
		members, err := ListRecoveryPointsByLegalHold(ctx, c, id)
		if IsNotFound(err) {
			continue // its record went while we looked
		}
		if err != nil {
			return nil, fmt.Errorf("force_destroy must know which of backup vault %q's recovery points legal hold %s holds before deleting any: %w", name, id, err)
		}
		n := 0
		for _, m := range members {
			arn := aws.ToString(m.RecoveryPointArn)
			if aws.ToString(m.BackupVaultName) == name && inVault[arn] {
				protected[arn] = true
				n++
			}
		}
		if n > 0 {
			e.Holds = append(e.Holds, HoldProtection{ID: id, Title: aws.ToString(h.Title), Status: string(h.Status), Points: n})
		}
	}
	sort.Slice(e.Holds, func(i, j int) bool { return e.Holds[i].ID < e.Holds[j].ID })

	v, err := FindVaultByName(ctx, c, name)
	if err != nil {
		return nil, err
	}
	airGapped := v.VaultType == types.VaultTypeLogicallyAirGappedBackupVault
	if airGapped || aws.ToBool(v.Locked) {
		now := time.Now()
		if nowFn != nil {
			if now, err = nowFn(ctx); err != nil {
				return nil, fmt.Errorf("force_destroy must know the service's time to tell which recovery points backup vault %q's lock still protects: %w", name, err)
			}
		}
		l := &LockProtection{AirGapped: airGapped, Mode: "GOVERNANCE"}
		if v.LockDate != nil {
			l.Mode, l.LockDate, l.Immutable = "COMPLIANCE", *v.LockDate, !now.Before(*v.LockDate)
		}
		indefinite := false
		for _, rp := range points {
			until, forever := lockProtectsUntil(rp, v.MinRetentionDays)
			if !airGapped && !forever && !until.After(now) {
				continue // its retention has ended: the lock no longer protects it
			}
			l.Points++
			protected[aws.ToString(rp.RecoveryPointArn)] = true
			if forever {
				indefinite = true
			} else if until.After(l.Until) {
				l.Until = until
			}
		}
		if indefinite {
			l.Until = time.Time{}
		}
		if l.Points > 0 {
			e.Lock = l
		}
	}
	e.Protected = len(protected)
	if e.Protected == 0 {
		return nil, nil
	}
	return e, nil
}

// lockProtectsUntil is when a vault lock stops protecting rp: the end of its retention, or for a
// point kept indefinitely, MinRetentionDays after its creation when the lock has a minimum;
// forever when it has none (the engine's and AWS's rule: a lock keeps a point until its
// retention ends).
func lockProtectsUntil(rp types.RecoveryPointByBackupVault, minDays *int64) (time.Time, bool) {
	if rp.CalculatedLifecycle != nil && rp.CalculatedLifecycle.DeleteAt != nil {
		return *rp.CalculatedLifecycle.DeleteAt, false
	}
	if minDays != nil && rp.CreationDate != nil {
		return rp.CreationDate.AddDate(0, 0, int(*minDays)), false
	}
	return time.Time{}, true
}

// IsProtectedPoints reports whether err is force_destroy's refusal to delete protected points.
func IsProtectedPoints(err error) bool {
	var p *ProtectedPointsError
	return errors.As(err, &p)
}
