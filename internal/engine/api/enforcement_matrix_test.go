package api_test

import (
	"context"
	"errors"
	"fmt"
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
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// The enforcement matrix of issue 7: every way a recovery point could be lost or have its
// protection weakened, against every kind of vault, with and without a legal hold. A hold or a lock
// is worthless if a single path gets around it, so each cell runs the real path — API calls on a
// real backup, the lifecycle sweep driven by the engine's clock, the provider's force_destroy code
// — and asserts AWS's documented outcome: refused with the right error, deferred, or allowed.
// Where the point must survive, the test restores it and compares the restored tree with the
// source, so "intact" means the data, not just the record.
//
// The rules the cells encode, and where AWS documents them:
//
//   - Legal hold (AWS Backup developer guide, "Legal holds and AWS Backup",
//     https://docs.aws.amazon.com/aws-backup/latest/devguide/legalhold.html): "While the hold is in
//     place, backups under a hold cannot be deleted and lifecycle policies that would alter the
//     backup status (such as transition to a Deleted state) are delayed until the legal hold is
//     removed." "After all legal holds on a backup are removed, it is subject to its retention
//     lifecycle properties." CreateLegalHold: "A legal hold is a restraint on altering or deleting
//     a backup". A CANCELED hold "is fully released and no longer has any effect" (LegalHold
//     Status). So: deleting a held point is refused, shortening its retention is refused, its
//     expiry is deferred until the hold is cancelled and then happens.
//   - Vault lock, either mode ("AWS Backup Vault Lock",
//     https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html): "AWS Backup ensures
//     that your backups are available for you until they reach the expiration of their retention
//     periods. If any user (including the root user) attempts to delete a backup or change the
//     lifecycle properties of a backup in a locked vault, AWS Backup will deny the operation." So
//     deletion before retention's end is refused, shortening is refused ("you can extend the
//     retention period … but you cannot shorten it"), and expiry at retention's end is allowed.
//     PutBackupVaultLockConfiguration: "any backup or copy job to the vault must have a lifecycle
//     policy with a retention period equal to or longer than the minimum retention period … [or]
//     equal to or shorter than the maximum … then the vault fails the backup or copy job";
//     ChangeableForDays: "Before the lock date, you can delete Vault Lock from the vault using
//     DeleteBackupVaultLockConfiguration … On and after the lock date, the Vault Lock becomes
//     immutable and cannot be changed or deleted"; DeleteBackupVaultLockConfiguration: "If the
//     Vault Lock configuration is immutable … you will receive an InvalidRequestException". A
//     governance lock has no lock date and can be removed at any time.
//   - Logically air-gapped vault ("Logically air-gapped vault",
//     https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html): "each
//     vault is equipped with AWS Backup Vault Lock's compliance mode"; CreateLogicallyAirGappedBackupVault
//     "Creates a logical container to where backups may be copied", so its points come from copy
//     jobs (StartCopyJob), and its MinRetentionDays/MaxRetentionDays fail "the backup or copy job"
//     whose retention is outside them. Its lock is set at creation and cannot be removed, and its
//     points are never deleted by hand — "recovery points can't be deleted by any principal,
//     including the account root user … within the retention period" (AWS, Cyber resilience on
//     AWS) — only by their lifecycle; the engine refuses manual deletion even after retention ends,
//     as the lifecycle deletes the point then anyway.
//   - DeleteBackupVault: "A vault can be deleted only if it is empty." Vault Lock: "Vaults locked in
//     compliance mode cannot be deleted once the cooling-off period ("grace time") expires if any
//     recovery points are in the vault".
//   - Vault access policy ("Vault access policies",
//     https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html, and
//     AWS re:Post "How do I delete a recovery point": "Verify that there isn't an access policy
//     configured on the backup vault that denies deletion of recovery points", with the example
//     {"Effect": "Deny", "Principal": "*", "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}):
//     an explicit Deny refuses the request with AccessDeniedException before the service looks at
//     holds or locks, so every vault state and hold state gives the same answer.
//   - The provider's force_destroy (awsbackup.DeleteVault) deletes nothing when any point is
//     protected, and says how many and why (lock until DATE, legal hold ID, policy).
//
// Two engines serve the 120 cells: lifecycle expiry moves the clock past every point's retention,
// so its 15 cells have an engine of their own; the other 105 share one, whose clock moves only
// once, before any cell runs. Every cell has its own vault with one real recovery point (copied
// in, for an air-gapped vault), so the cells run in parallel.

type vaultState int

const (
	noLock vaultState = iota
	governance
	complianceBeforeLockDate
	complianceAfterLockDate
	airGapped
)

var vaultStates = []string{"no lock", "governance", "compliance before its lock date", "compliance after its lock date", "air-gapped"}

type holdState int

const (
	noHold holdState = iota
	activeHold
	cancelledHold
)

var holdStates = []string{"no hold", "active hold", "cancelled hold"}

// outcome is what AWS documents for a cell.
type outcome struct {
	allowed bool
	// deferred: lifecycle expiry waits while the hold is active, and happens once it is cancelled.
	deferred bool
	// refused: the API error code and fragments of its message.
	code string
	says []string
	// jobFails: refused by failing the job(s); says are fragments of their status messages.
	jobFails bool
	// force: force_destroy refused before deleting anything, for these reasons.
	force *forceRefusal
}

// forceRefusal is what force_destroy's refusal must name.
type forceRefusal struct {
	held bool
	lock string // "", or a fragment naming the lock's protection
}

func refused(code string, says ...string) outcome { return outcome{code: code, says: says} }

func forceRefused(held bool, lock string) outcome {
	return outcome{force: &forceRefusal{held: held, lock: lock}}
}

var (
	allowed  = outcome{allowed: true}
	deferred = outcome{deferred: true}
	// heldDelete and heldShorten: the legal hold's refusals (checked before the lock's).
	heldDelete  = refused("InvalidRequestException", "cannot be deleted because it has active legal hold(s)")
	heldShorten = refused("InvalidRequestException", "cannot be given a shorter retention because it has active legal hold(s)")
	// lockedDelete and lockedShorten: Backup Vault Lock's refusals, in either mode.
	lockedDelete  = refused("InvalidRequestException", "cannot be deleted before")
	lockedShorten = refused("InvalidRequestException", "can be extended but not shortened")
	airGapDelete  = refused("InvalidRequestException", "cannot be deleted by hand, only by their lifecycle")
	notEmpty      = refused("InvalidRequestException", "cannot be deleted because it contains 1 recovery points: delete them first")
	notEmptyAir   = refused("InvalidRequestException", "cannot be deleted because it contains 1 recovery points, which in a logically air-gapped vault are deleted only by their lifecycle")
	notEmptyHeld  = refused("InvalidRequestException", "cannot be deleted because it contains 1 recovery points, 1 of them under legal hold")
	immutableLock = refused("InvalidRequestException", "became immutable on its lock date")
	airGapLock    = refused("InvalidRequestException", "logically air-gapped vault", "cannot be removed")
	policyDenied  = refused("AccessDeniedException", "denies backup:DeleteRecoveryPoint", `Sid "NoDeletes"`)
	jobsOutside   = outcome{jobFails: true, says: []string{"shorter than the minimum of 7 days", "longer than the maximum of 100 days"}}
)

// The lock fragments force_destroy's refusal must carry, by vault state.
const (
	forceGovernance = "(GOVERNANCE mode)"
	forceRemovable  = "(COMPLIANCE mode, removable until its lock date"
	forceImmutable  = "(COMPLIANCE mode, immutable since"
	forceAirGapped  = "logically air-gapped vault, whose points are never deleted by hand"
)

// action is one path that could delete a point or weaken its protection.
type action struct {
	name string
	// ownEngine: the action moves the clock past every retention, so its cells get an engine of
	// their own; prepare runs on it before they do.
	ownEngine bool
	prepare   func(t *testing.T, m *matrix, cells []*cell)
	// run performs the path on the cell and returns the decisive error.
	run func(t *testing.T, m *matrix, c *cell) error
	// effect checks what an allowed run did.
	effect func(t *testing.T, m *matrix, c *cell)
	// want is the outcome by vault state and hold state.
	want [5][3]outcome
}

type cell struct {
	vault vaultState
	hold  holdState
	act   *action
	name  string // the vault's name
	point string // its recovery point
	// holdID is the active hold holding the point.
	holdID string
	// goneEarly is set when lifecycle expiry deleted the point before its retention ended.
	goneEarly error
}

type matrix struct {
	ctx   context.Context
	e     *jobEnv
	src   string // what every point was taken of
	arn   string // its registered resource
	start time.Time
	// source is a point in an ordinary vault that copy jobs copy into air-gapped vaults.
	source string
}

const (
	pointRetentionDays = 30 // every point's DeleteAfterDays: inside every lock's range
	lockMinDays        = 7
	lockMaxDays        = 100
	// A compliance lock put at the start with 3 changeable days is past its lock date once the
	// matrix clock has moved 4 days; one with 60 is still before it when every retention has ended.
	changeableShort = 3
	changeableLong  = 60
)

// allHolds returns the same outcome for every hold state.
func allHolds(o outcome) [3]outcome { return [3]outcome{o, o, o} }

func matrixActions() []*action {
	deletePoint := func(_ *testing.T, m *matrix, c *cell) error {
		_, err := m.e.c.DeleteRecoveryPoint(m.ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String(c.name), RecoveryPointArn: aws.String(c.point)})
		return err
	}
	pointGone := func(t *testing.T, m *matrix, c *cell) {
		t.Helper()
		_, err := m.e.c.DescribeRecoveryPoint(m.ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String(c.name), RecoveryPointArn: aws.String(c.point)})
		if apiCode(err) != "ResourceNotFoundException" {
			t.Errorf("the point is still there: %v", err)
		}
	}
	vaultGone := func(t *testing.T, m *matrix, c *cell) {
		t.Helper()
		_, err := m.e.c.DescribeBackupVault(m.ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String(c.name)})
		if apiCode(err) != "ResourceNotFoundException" {
			t.Errorf("the vault is still there after an allowed deletion: %v", err)
		}
	}
	return []*action{
		{
			name: "DeleteRecoveryPoint",
			run:  deletePoint, effect: pointGone,
			want: [5][3]outcome{
				noLock:                   {allowed, heldDelete, allowed},
				governance:               {lockedDelete, heldDelete, lockedDelete},
				complianceBeforeLockDate: {lockedDelete, heldDelete, lockedDelete},
				complianceAfterLockDate:  {lockedDelete, heldDelete, lockedDelete},
				airGapped:                {airGapDelete, heldDelete, airGapDelete},
			},
		},
		{
			// The lifecycle sweep, driven by the engine's clock: just before the points' retention
			// ends every point is still there; just after it, the sweep has deleted every point
			// that no active hold holds, whatever the lock. A held point stays, whole, saying why,
			// and goes at the next sweep once its hold is cancelled.
			name:      "lifecycle expiry",
			ownEngine: true,
			prepare: func(t *testing.T, m *matrix, cells []*cell) {
				end := m.start.AddDate(0, 0, pointRetentionDays)
				m.advanceTo(t, end.Add(-time.Hour))
				for _, c := range cells {
					_, c.goneEarly = m.e.c.DescribeRecoveryPoint(m.ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String(c.name), RecoveryPointArn: aws.String(c.point)})
				}
				m.advanceTo(t, end.Add(time.Hour))
			},
			run: func(t *testing.T, m *matrix, c *cell) error {
				if c.goneEarly != nil {
					t.Errorf("an hour before its retention ended the point was already gone: %v", c.goneEarly)
				}
				rp, err := m.e.c.DescribeRecoveryPoint(m.ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String(c.name), RecoveryPointArn: aws.String(c.point)})
				switch {
				case apiCode(err) == "ResourceNotFoundException":
					return nil
				case err != nil:
					t.Fatal(err)
				}
				return &keptError{message: aws.ToString(rp.StatusMessage)}
			},
			effect: pointGone,
			want: [5][3]outcome{
				noLock:                   {allowed, deferred, allowed},
				governance:               {allowed, deferred, allowed},
				complianceBeforeLockDate: {allowed, deferred, allowed},
				complianceAfterLockDate:  {allowed, deferred, allowed},
				airGapped:                {allowed, deferred, allowed},
			},
		},
		{
			name: "UpdateRecoveryPointLifecycle shortening the retention",
			run: func(_ *testing.T, m *matrix, c *cell) error {
				_, err := m.e.c.UpdateRecoveryPointLifecycle(m.ctx, &backup.UpdateRecoveryPointLifecycleInput{BackupVaultName: aws.String(c.name),
					RecoveryPointArn: aws.String(c.point), Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(10)}})
				return err
			},
			effect: func(t *testing.T, m *matrix, c *cell) {
				rp, err := m.e.c.DescribeRecoveryPoint(m.ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String(c.name), RecoveryPointArn: aws.String(c.point)})
				if err != nil || rp.Lifecycle == nil || aws.ToInt64(rp.Lifecycle.DeleteAfterDays) != 10 {
					t.Errorf("after an allowed shortening: %+v, %v; want DeleteAfterDays 10", rp, err)
				}
			},
			want: [5][3]outcome{
				noLock:                   {allowed, heldShorten, allowed},
				governance:               {lockedShorten, heldShorten, lockedShorten},
				complianceBeforeLockDate: {lockedShorten, heldShorten, lockedShorten},
				complianceAfterLockDate:  {lockedShorten, heldShorten, lockedShorten},
				airGapped:                {lockedShorten, heldShorten, lockedShorten},
			},
		},
		{
			name: "DeleteBackupVault",
			run: func(_ *testing.T, m *matrix, c *cell) error {
				_, err := m.e.c.DeleteBackupVault(m.ctx, &backup.DeleteBackupVaultInput{BackupVaultName: aws.String(c.name)})
				return err
			},
			want: [5][3]outcome{
				noLock: {notEmpty, notEmptyHeld, notEmpty}, governance: {notEmpty, notEmptyHeld, notEmpty},
				complianceBeforeLockDate: {notEmpty, notEmptyHeld, notEmpty}, complianceAfterLockDate: {notEmpty, notEmptyHeld, notEmpty},
				airGapped: {notEmptyAir, notEmptyHeld, notEmptyAir},
			},
		},
		{
			// The provider's force_destroy: the code backup_vault's Delete runs. It looks at holds
			// and the lock before deleting anything, and refuses the whole deletion when any point
			// is protected.
			name: "provider force_destroy",
			run: func(_ *testing.T, m *matrix, c *cell) error {
				return awsbackup.DeleteVault(m.ctx, m.e.c, c.name, awsbackup.DeleteVaultOptions{Force: true, Now: m.now})
			},
			effect: vaultGone,
			want: [5][3]outcome{
				noLock:                   {allowed, forceRefused(true, ""), allowed},
				governance:               {forceRefused(false, forceGovernance), forceRefused(true, forceGovernance), forceRefused(false, forceGovernance)},
				complianceBeforeLockDate: {forceRefused(false, forceRemovable), forceRefused(true, forceRemovable), forceRefused(false, forceRemovable)},
				complianceAfterLockDate:  {forceRefused(false, forceImmutable), forceRefused(true, forceImmutable), forceRefused(false, forceImmutable)},
				airGapped:                {forceRefused(false, forceAirGapped), forceRefused(true, forceAirGapped), forceRefused(false, forceAirGapped)},
			},
		},
		{
			// Removing the lock, then deleting the point: the lock's removal must not open a way
			// around a legal hold, and an immutable lock must not be removable at all.
			name: "DeleteBackupVaultLockConfiguration, then DeleteRecoveryPoint",
			run: func(t *testing.T, m *matrix, c *cell) error {
				if _, err := m.e.c.DeleteBackupVaultLockConfiguration(m.ctx, &backup.DeleteBackupVaultLockConfigurationInput{BackupVaultName: aws.String(c.name)}); err != nil {
					return err
				}
				return deletePoint(t, m, c)
			},
			effect: func(t *testing.T, m *matrix, c *cell) {
				v, err := m.e.c.DescribeBackupVault(m.ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String(c.name)})
				if err != nil || aws.ToBool(v.Locked) {
					t.Errorf("after an allowed lock removal the vault is %+v, %v; want it unlocked", v, err)
				}
				pointGone(t, m, c)
			},
			want: [5][3]outcome{
				noLock:                   {allowed, heldDelete, allowed},
				governance:               {allowed, heldDelete, allowed},
				complianceBeforeLockDate: {allowed, heldDelete, allowed},
				complianceAfterLockDate:  allHolds(immutableLock),
				airGapped:                allHolds(airGapLock),
			},
		},
		{
			// Two jobs into the vault, one keeping its point 3 days (below the lock's minimum of
			// 7), one 200 (above its maximum of 100): backup jobs into a backup vault, copy jobs
			// into an air-gapped one (which takes no backup jobs).
			name: "a job whose retention is outside the lock's min and max",
			run: func(t *testing.T, m *matrix, c *cell) error {
				var msgs []string
				failed := 0
				for _, days := range []int64{3, 200} {
					state, msg := m.job(t, c, days)
					switch state {
					case "COMPLETED":
					case "FAILED":
						failed++
						msgs = append(msgs, msg)
					default:
						t.Fatalf("a job of %d days into %s ended %s: %s", days, c.name, state, msg)
					}
				}
				switch failed {
				case 0:
					return nil
				case 2:
					return &jobsFailed{messages: msgs}
				}
				return fmt.Errorf("one job of two failed: %s", strings.Join(msgs, "; "))
			},
			want: [5][3]outcome{
				noLock:                   allHolds(allowed),
				governance:               allHolds(jobsOutside),
				complianceBeforeLockDate: allHolds(jobsOutside),
				complianceAfterLockDate:  allHolds(jobsOutside),
				airGapped:                allHolds(jobsOutside),
			},
		},
		{
			// A Deny of backup:DeleteRecoveryPoint in the vault's access policy refuses the
			// deletion with AccessDeniedException in every vault, held or not.
			name: "DeleteRecoveryPoint denied by the vault access policy",
			run: func(t *testing.T, m *matrix, c *cell) error {
				policy := `{"Version":"2012-10-17","Statement":[{"Sid":"NoDeletes","Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"}]}`
				if _, err := m.e.c.PutBackupVaultAccessPolicy(m.ctx, &backup.PutBackupVaultAccessPolicyInput{BackupVaultName: aws.String(c.name), Policy: aws.String(policy)}); err != nil {
					t.Fatalf("PutBackupVaultAccessPolicy: %v", err)
				}
				return deletePoint(t, m, c)
			},
			want: [5][3]outcome{
				noLock: allHolds(policyDenied), governance: allHolds(policyDenied), complianceBeforeLockDate: allHolds(policyDenied),
				complianceAfterLockDate: allHolds(policyDenied), airGapped: allHolds(policyDenied),
			},
		},
	}
}

// jobsFailed is the matrix's error for jobs that FAILED.
type jobsFailed struct{ messages []string }

func (j *jobsFailed) Error() string { return "jobs FAILED: " + strings.Join(j.messages, "; ") }

// keptError is a point that outlived its retention, with the status message saying why.
type keptError struct{ message string }

func (k *keptError) Error() string { return "the point outlived its retention: " + k.message }

func TestEnforcementMatrix(t *testing.T) {
	actions := matrixActions()
	var shared, own []*cell
	for ai, act := range actions {
		var cells []*cell
		for v := range vaultStates {
			for h := range holdStates {
				cells = append(cells, &cell{vault: vaultState(v), hold: holdState(h), act: act, name: fmt.Sprintf("matrix-a%d-v%d-h%d", ai, v, h)})
			}
		}
		if act.ownEngine {
			own = append(own, cells...)
		} else {
			shared = append(shared, cells...)
		}
	}
	m := newMatrix(t, shared, false)

	run := func(t *testing.T, m *matrix, act *action, cells []*cell) {
		for _, c := range cells {
			if c.act != act {
				continue
			}
			t.Run(vaultStates[c.vault]+"/"+holdStates[c.hold], func(t *testing.T) {
				t.Parallel()
				m.runCell(t, c)
			})
		}
	}
	for _, act := range actions {
		t.Run(act.name, func(t *testing.T) {
			t.Parallel()
			if !act.ownEngine {
				run(t, m, act, shared)
				return
			}
			om := newMatrix(t, own, true)
			act.prepare(t, om, own)
			run(t, om, act, own)
		})
	}
}

// newMatrix starts an engine and gives every cell its vault in its state, one real recovery point
// in it (a backup, or a copy into an air-gapped vault) with 30 days of retention, and its hold:
// the clock then moves 4 days, past the lock date of the compliance locks meant to be past it.
// The active-hold cells share one hold, or with holdPerCell each has its own (its cell cancels
// it); the cancelled-hold cells share one hold, cancelled.
func newMatrix(t *testing.T, cells []*cell, holdPerCell bool) *matrix {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)
	m := &matrix{ctx: ctx, e: newJobEnv(t, engine.Options{Clock: clock.NewFake(start)}), src: filepath.Join(t.TempDir(), "records"), start: start}
	writeSmallTree(t, m.src, 7)
	m.arn = m.e.register(t, m.src)
	m.e.vault(t, "matrix-source")
	if job := m.waitBackup(t, m.startBackup(t, "matrix-source", pointRetentionDays)); job.State != types.BackupJobStateCompleted {
		t.Fatalf("backup into the copies' source vault: %s %s", job.State, aws.ToString(job.StatusMessage))
	} else {
		m.source = aws.ToString(job.RecoveryPointArn)
	}

	backups, copies := map[*cell]string{}, map[*cell]string{}
	for _, c := range cells {
		if c.vault == airGapped {
			out, err := m.e.c.CreateLogicallyAirGappedBackupVault(ctx, &backup.CreateLogicallyAirGappedBackupVaultInput{BackupVaultName: aws.String(c.name),
				MinRetentionDays: aws.Int64(lockMinDays), MaxRetentionDays: aws.Int64(lockMaxDays)})
			if err != nil {
				t.Fatal(err)
			}
			copies[c] = m.e.startCopy(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("matrix-source"), RecoveryPointArn: aws.String(m.source),
				DestinationBackupVaultArn: out.BackupVaultArn, Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(pointRetentionDays)}})
			continue
		}
		m.e.vault(t, c.name)
		switch c.vault {
		case governance:
			m.lock(t, c.name, nil)
		case complianceBeforeLockDate:
			m.lock(t, c.name, aws.Int64(changeableLong))
		case complianceAfterLockDate:
			m.lock(t, c.name, aws.Int64(changeableShort))
		}
		backups[c] = m.startBackup(t, c.name, pointRetentionDays)
	}
	for c, id := range backups {
		job := m.waitBackup(t, id)
		if job.State != types.BackupJobStateCompleted {
			t.Fatalf("backup into %s: %s %s", c.name, job.State, aws.ToString(job.StatusMessage))
		}
		c.point = aws.ToString(job.RecoveryPointArn)
	}
	for c, id := range copies {
		job := m.e.waitCopy(t, id)
		if job.State != types.CopyJobStateCompleted {
			t.Fatalf("copy into the air-gapped vault %s: %s %s", c.name, job.State, aws.ToString(job.StatusMessage))
		}
		c.point = aws.ToString(job.DestinationRecoveryPointArn)
	}
	m.advanceTo(t, start.AddDate(0, 0, 4))

	var active, cancelled []string
	for _, c := range cells {
		switch {
		case c.hold == activeHold && holdPerCell:
			c.holdID = m.hold(t, "matrix: "+c.name, []string{c.name})
		case c.hold == activeHold:
			active = append(active, c.name)
		case c.hold == cancelledHold:
			cancelled = append(cancelled, c.name)
		}
	}
	if len(active) > 0 {
		id := m.hold(t, "matrix: active", active)
		for _, c := range cells {
			if c.hold == activeHold {
				c.holdID = id
			}
		}
		m.checkHeldPoints(t, id, cells)
	}
	if len(cancelled) > 0 {
		id := m.hold(t, "matrix: cancelled", cancelled)
		if _, err := m.e.c.CancelLegalHold(ctx, &backup.CancelLegalHoldInput{LegalHoldId: aws.String(id), CancelDescription: aws.String("matrix")}); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// runCell runs a cell's action and asserts its outcome.
func (m *matrix) runCell(t *testing.T, c *cell) {
	want := c.act.want[c.vault][c.hold]
	m.checkVaultState(t, c)
	err := c.act.run(t, m, c)
	switch {
	case want.allowed:
		if err != nil {
			t.Fatalf("refused: %v; want it allowed", err)
		}
		if c.act.effect != nil {
			c.act.effect(t, m, c)
		}
		return
	case want.deferred:
		var kept *keptError
		if !errors.As(err, &kept) {
			t.Fatalf("%v; want the expiry deferred while the legal hold is active", err)
		}
		if !strings.Contains(kept.message, "legal hold") || !strings.Contains(kept.message, c.holdID) {
			t.Errorf("the kept point's StatusMessage is %q; want it to name legal hold %s", kept.message, c.holdID)
		}
		m.checkIntact(t, c)
		// Once its hold is cancelled, the expiry that waited happens at the next sweep: the clock
		// does not move, the sweep runs what is overdue.
		if _, err := m.e.c.CancelLegalHold(m.ctx, &backup.CancelLegalHoldInput{LegalHoldId: aws.String(c.holdID), CancelDescription: aws.String("case closed")}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.e.reg.AdvanceClock(m.ctx, "0s", 0); err != nil {
			t.Fatal(err)
		}
		if c.act.effect != nil {
			c.act.effect(t, m, c)
		}
		return
	case err == nil:
		t.Errorf("allowed; want it refused (%+v)", want)
	case want.force != nil:
		m.checkForceRefusal(t, c, err, want.force)
	case want.jobFails:
		var jf *jobsFailed
		if !errors.As(err, &jf) {
			t.Errorf("%v; want every job FAILED", err)
			break
		}
		for i, says := range want.says {
			if !strings.Contains(jf.messages[i], says) {
				t.Errorf("job %d FAILED saying %q; want %q", i, jf.messages[i], says)
			}
		}
	default:
		if apiCode(err) != want.code {
			t.Errorf("refused with %s %q; want %s", apiCode(err), apiMessage(err), want.code)
		}
		for _, says := range want.says {
			if !strings.Contains(apiMessage(err), says) {
				t.Errorf("refused saying %q; want %q in it", apiMessage(err), says)
			}
		}
	}
	m.checkIntact(t, c)
}

// checkForceRefusal: force_destroy refused before deleting anything, naming the hold and the
// lock's protection (until the point's retention ends) that the cell has, and nothing else.
func (m *matrix) checkForceRefusal(t *testing.T, c *cell, err error, want *forceRefusal) {
	t.Helper()
	var p *awsbackup.ProtectedPointsError
	if !errors.As(err, &p) {
		t.Fatalf("force_destroy: %v; want its refusal of protected points", err)
	}
	msg := p.Error()
	t.Logf("force_destroy refused: %s", msg)
	if p.Total != 1 || p.Protected != 1 || p.PolicyDenial != nil || !strings.Contains(msg, "deleted nothing") {
		t.Errorf("force_destroy refused with %+v: %s", p, msg)
	}
	if want.held != (len(p.Holds) == 1) || (want.held && (p.Holds[0].ID != c.holdID || p.Holds[0].Points != 1 || !strings.Contains(msg, "under legal hold "+c.holdID))) {
		t.Errorf("force_destroy names the holds %+v (%s); want the cell's hold: %v", p.Holds, msg, want.held)
	}
	if want.lock == "" {
		if p.Lock != nil {
			t.Errorf("force_destroy names a lock %+v; the vault has none", p.Lock)
		}
		return
	}
	retentionEnds := m.start.AddDate(0, 0, pointRetentionDays)
	if p.Lock == nil || p.Lock.Points != 1 || !p.Lock.Until.Equal(retentionEnds) || !strings.Contains(msg, want.lock) ||
		!strings.Contains(msg, retentionEnds.Format(time.RFC3339)) {
		t.Errorf("force_destroy's lock protection %+v, %q; want 1 point protected until %s, saying %q", p.Lock, msg, retentionEnds.Format(time.RFC3339), want.lock)
	}
}

// checkVaultState asserts that the cell's vault is in the state the cell is about, at the
// engine's time: the lock there, in the mode and before or after its lock date it should be.
func (m *matrix) checkVaultState(t *testing.T, c *cell) {
	t.Helper()
	v, err := m.e.c.DescribeBackupVault(m.ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String(c.name)})
	if err != nil {
		t.Fatal(err)
	}
	now, err := m.now(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	locked, lockDate := aws.ToBool(v.Locked), v.LockDate
	var ok bool
	switch c.vault {
	case noLock:
		ok = !locked && v.VaultType == types.VaultTypeBackupVault
	case governance:
		ok = locked && lockDate == nil
	case complianceBeforeLockDate:
		ok = locked && lockDate != nil && lockDate.After(now)
	case complianceAfterLockDate:
		ok = locked && lockDate != nil && !lockDate.After(now)
	case airGapped:
		ok = locked && v.VaultType == types.VaultTypeLogicallyAirGappedBackupVault
	}
	if !ok {
		t.Fatalf("at %s vault %s is %s, locked %v, lock date %v; want it %s", now, c.name, v.VaultType, locked, lockDate, vaultStates[c.vault])
	}
}

// now is the engine's time, read as the provider reads it.
func (m *matrix) now(ctx context.Context) (time.Time, error) {
	clk, err := m.e.reg.GetClock(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return clk.Now, nil
}

// advanceTo moves the engine's clock, running what comes due on the way (the lifecycle sweep).
func (m *matrix) advanceTo(t *testing.T, to time.Time) {
	t.Helper()
	if _, err := m.e.reg.SetClock(m.ctx, to, 0); err != nil {
		t.Fatalf("move the engine clock to %s: %v", to, err)
	}
}

// job runs a job of days' retention into the cell's vault — a backup job, or a copy job into an
// air-gapped vault — and returns how it ended.
func (m *matrix) job(t *testing.T, c *cell, days int64) (string, string) {
	t.Helper()
	if c.vault == airGapped {
		v, err := m.e.c.DescribeBackupVault(m.ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String(c.name)})
		if err != nil {
			t.Fatal(err)
		}
		j := m.e.waitCopy(t, m.e.startCopy(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("matrix-source"), RecoveryPointArn: aws.String(m.source),
			DestinationBackupVaultArn: v.BackupVaultArn, Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(days)}}))
		return string(j.State), aws.ToString(j.StatusMessage)
	}
	j := m.waitBackup(t, m.startBackup(t, c.name, days))
	return string(j.State), aws.ToString(j.StatusMessage)
}

func (m *matrix) lock(t *testing.T, vault string, changeable *int64) {
	t.Helper()
	if _, err := m.e.c.PutBackupVaultLockConfiguration(m.ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String(vault),
		MinRetentionDays: aws.Int64(lockMinDays), MaxRetentionDays: aws.Int64(lockMaxDays), ChangeableForDays: changeable}); err != nil {
		t.Fatal(err)
	}
}

func (m *matrix) startBackup(t *testing.T, vault string, days int64) string {
	t.Helper()
	out, err := m.e.c.StartBackupJob(m.ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String(vault), ResourceArn: aws.String(m.arn),
		IamRoleArn: aws.String(role), Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(days)}})
	if err != nil {
		t.Fatalf("StartBackupJob into %s: %v", vault, err)
	}
	return aws.ToString(out.BackupJobId)
}

func (m *matrix) waitBackup(t *testing.T, id string) *backup.DescribeBackupJobOutput {
	t.Helper()
	return m.e.waitBackup(t, id)
}

func (m *matrix) hold(t *testing.T, title string, vaults []string) string {
	t.Helper()
	out, err := m.e.c.CreateLegalHold(m.ctx, &backup.CreateLegalHoldInput{Title: aws.String(title), Description: aws.String("enforcement matrix"),
		RecoveryPointSelection: &types.RecoveryPointSelection{VaultNames: vaults}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.LegalHoldStatusActive {
		t.Fatalf("hold %s is %s, want ACTIVE", title, out.Status)
	}
	return aws.ToString(out.LegalHoldId)
}

// checkHeldPoints: the hold holds exactly the points of the active-hold cells.
func (m *matrix) checkHeldPoints(t *testing.T, id string, cells []*cell) {
	t.Helper()
	want := map[string]bool{}
	for _, c := range cells {
		if c.hold == activeHold {
			want[c.point] = true
		}
	}
	got := map[string]bool{}
	for p := backup.NewListRecoveryPointsByLegalHoldPaginator(m.e.c, &backup.ListRecoveryPointsByLegalHoldInput{LegalHoldId: aws.String(id)}); p.HasMorePages(); {
		page, err := p.NextPage(m.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, rp := range page.RecoveryPoints {
			got[aws.ToString(rp.RecoveryPointArn)] = true
		}
	}
	if len(got) != len(want) {
		t.Fatalf("the active hold holds %d points, want %d", len(got), len(want))
	}
	for p := range want {
		if !got[p] {
			t.Fatalf("the active hold does not hold %s", p)
		}
	}
}

// checkIntact asserts that a cell's point survived: its record is there with its retention
// unchanged, and a restore of it gives back the source tree.
func (m *matrix) checkIntact(t *testing.T, c *cell) {
	t.Helper()
	rp, err := m.e.c.DescribeRecoveryPoint(m.ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String(c.name), RecoveryPointArn: aws.String(c.point)})
	if err != nil {
		t.Fatalf("the point is gone: %v", err)
	}
	if rp.Status != types.RecoveryPointStatusCompleted || rp.Lifecycle == nil || aws.ToInt64(rp.Lifecycle.DeleteAfterDays) != pointRetentionDays {
		t.Errorf("the point changed: status %s, lifecycle %+v", rp.Status, rp.Lifecycle)
	}
	meta, err := m.e.c.GetRecoveryPointRestoreMetadata(m.ctx, &backup.GetRecoveryPointRestoreMetadataInput{BackupVaultName: aws.String(c.name), RecoveryPointArn: aws.String(c.point)})
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "restored")
	meta.RestoreMetadata["destination-path"] = dest
	started, err := m.e.c.StartRestoreJob(m.ctx, &backup.StartRestoreJobInput{RecoveryPointArn: aws.String(c.point), Metadata: meta.RestoreMetadata,
		IamRoleArn: aws.String(role), ResourceType: aws.String("EFS")})
	if err != nil {
		t.Fatal(err)
	}
	if job := m.e.waitRestore(t, aws.ToString(started.RestoreJobId)); job.Status != types.RestoreJobStatusCompleted {
		t.Fatalf("restoring the point: %s %s", job.Status, aws.ToString(job.StatusMessage))
	}
	if diffs := enginetest.DiffTrees(t, m.src, dest); len(diffs) > 0 {
		t.Errorf("the restored point differs from its source:\n%s", strings.Join(diffs, "\n"))
	}
}
