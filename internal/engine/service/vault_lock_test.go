package service

import (
	"fmt"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

func TestVaultLockRangesAreAWSs(t *testing.T) {
	cases := []struct {
		name          string
		min, max, cfd *int64
		wantMessage   string // "" when the put is accepted
	}{
		{name: "min 1 is the floor", min: i64(1)},
		{name: "max 36500 is the ceiling", max: i64(36500)},
		{name: "min equal to max", min: i64(30), max: i64(30)},
		{name: "changeable for 3 days is the floor", min: i64(7), cfd: i64(3)},
		{name: "changeable for 36500 days is the ceiling", cfd: i64(36500)},
		{name: "nothing set is a governance lock without limits"},
		{name: "min 0", min: i64(0), wantMessage: "MinRetentionDays must be at least 1, got 0"},
		{name: "negative min", min: i64(-5), wantMessage: "MinRetentionDays must be at least 1, got -5"},
		{name: "min above the ceiling", min: i64(36501), wantMessage: "MinRetentionDays must be at most 36500"},
		{name: "max 0", max: i64(0), wantMessage: "MaxRetentionDays must be at least 1, got 0"},
		{name: "max above the ceiling", max: i64(36501), wantMessage: "MaxRetentionDays must be at most 36500 days"},
		{name: "min above max", min: i64(31), max: i64(30), wantMessage: "MinRetentionDays (31) must not be greater than MaxRetentionDays (30)"},
		{name: "changeable for 2 days", cfd: i64(2), wantMessage: "ChangeableForDays must be at least 3, got 2"},
		{name: "changeable for 0 days", cfd: i64(0), wantMessage: "72-hour cooling-off"},
		{name: "changeable beyond 100 years", cfd: i64(36501), wantMessage: "ChangeableForDays must be at most 36500"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestService(t)
			ts.createVault("locked")
			_, err := ts.PutBackupVaultLockConfiguration(ts.ctx, &wire.PutBackupVaultLockConfigurationInput{
				BackupVaultName: "locked", MinRetentionDays: tc.min, MaxRetentionDays: tc.max, ChangeableForDays: tc.cfd,
			})
			if tc.wantMessage == "" {
				if err != nil {
					t.Fatalf("put: %v", err)
				}
				if !*ts.describe("locked").Locked {
					t.Errorf("accepted lock does not show as Locked")
				}
				return
			}
			wantCode(t, err, apierr.InvalidParameterValue, tc.wantMessage)
			if ts.storedVault("locked").Lock != nil {
				t.Errorf("a refused put left a lock on the vault")
			}
		})
	}
}

func TestVaultLockOnAMissingVaultIsNotFound(t *testing.T) {
	ts := newTestService(t)
	_, err := ts.PutBackupVaultLockConfiguration(ts.ctx, &wire.PutBackupVaultLockConfigurationInput{BackupVaultName: "nope", MinRetentionDays: i64(1)})
	wantCode(t, err, apierr.ResourceNotFound, "nope")
	_, err = ts.DeleteBackupVaultLockConfiguration(ts.ctx, &wire.DeleteBackupVaultLockConfigurationInput{BackupVaultName: "nope"})
	wantCode(t, err, apierr.ResourceNotFound, "nope")
}

// A governance-mode lock (no ChangeableForDays) has no lock date: it can be changed and removed
// however much time passes.
func TestGovernanceLockCanBeChangedOrRemovedAtAnyTime(t *testing.T) {
	for _, after := range []time.Duration{0, time.Hour, 4 * day, 400 * day, 100 * 365 * day} {
		t.Run(fmt.Sprintf("after %v", after), func(t *testing.T) {
			ts := newTestService(t)
			ts.createVault("gov")
			if _, err := ts.PutBackupVaultLockConfiguration(ts.ctx, &wire.PutBackupVaultLockConfigurationInput{BackupVaultName: "gov", MinRetentionDays: i64(7), MaxRetentionDays: i64(30)}); err != nil {
				t.Fatal(err)
			}
			d := ts.describe("gov")
			if !*d.Locked || d.LockDate != nil || *d.MinRetentionDays != 7 || *d.MaxRetentionDays != 30 {
				t.Fatalf("governance lock shows Locked=%v LockDate=%v min=%v max=%v", *d.Locked, d.LockDate, d.MinRetentionDays, d.MaxRetentionDays)
			}
			ts.clock.Advance(after)
			if _, err := ts.PutBackupVaultLockConfiguration(ts.ctx, &wire.PutBackupVaultLockConfigurationInput{BackupVaultName: "gov", MinRetentionDays: i64(1), MaxRetentionDays: i64(3650)}); err != nil {
				t.Fatalf("change after %v: %v", after, err)
			}
			if d := ts.describe("gov"); *d.MinRetentionDays != 1 || *d.MaxRetentionDays != 3650 {
				t.Errorf("change did not take: min=%d max=%d", *d.MinRetentionDays, *d.MaxRetentionDays)
			}
			if _, err := ts.DeleteBackupVaultLockConfiguration(ts.ctx, &wire.DeleteBackupVaultLockConfigurationInput{BackupVaultName: "gov"}); err != nil {
				t.Fatalf("remove after %v: %v", after, err)
			}
			if d := ts.describe("gov"); *d.Locked || d.MinRetentionDays != nil || d.MaxRetentionDays != nil || d.LockDate != nil {
				t.Errorf("removed lock still shows: %+v", d)
			}
		})
	}
}

// A compliance-mode lock can be changed or removed until its lock date, and from then on neither,
// with InvalidRequestException.
func TestComplianceLockIsImmutableFromItsLockDate(t *testing.T) {
	const cfd = 3
	lockDate := t0.Add(cfd * day)
	cases := []struct {
		at        time.Time
		immutable bool
	}{
		{t0, false},
		{t0.Add(time.Hour), false},
		{t0.Add(2 * day), false},
		{lockDate.Add(-time.Millisecond), false},
		{lockDate, true},
		{lockDate.Add(time.Second), true},
		{lockDate.Add(10 * 365 * day), true},
	}
	for _, tc := range cases {
		t.Run(tc.at.Sub(lockDate).String()+" from the lock date", func(t *testing.T) {
			for _, action := range []string{"change", "remove"} {
				t.Run(action, func(t *testing.T) {
					ts := newTestService(t)
					ts.createVault("compliance")
					if _, err := ts.PutBackupVaultLockConfiguration(ts.ctx, &wire.PutBackupVaultLockConfigurationInput{BackupVaultName: "compliance", MinRetentionDays: i64(7), ChangeableForDays: i64(cfd)}); err != nil {
						t.Fatal(err)
					}
					if got := ts.describe("compliance").LockDate.Time(); !got.Equal(lockDate) {
						t.Fatalf("LockDate = %v, want now + %d days = %v", got, cfd, lockDate)
					}
					ts.clock.Set(tc.at)
					var err error
					if action == "change" {
						_, err = ts.PutBackupVaultLockConfiguration(ts.ctx, &wire.PutBackupVaultLockConfigurationInput{BackupVaultName: "compliance", MinRetentionDays: i64(1)})
					} else {
						_, err = ts.DeleteBackupVaultLockConfiguration(ts.ctx, &wire.DeleteBackupVaultLockConfigurationInput{BackupVaultName: "compliance"})
					}
					if !tc.immutable {
						if err != nil {
							t.Fatalf("%s before the lock date: %v", action, err)
						}
						return
					}
					wantCode(t, err, apierr.InvalidRequest, "compliance mode", "immutable", lockDate.Format(time.RFC3339))
					l := ts.storedVault("compliance").Lock
					if l == nil || *l.MinRetentionDays != 7 || !l.LockDate.Equal(lockDate) {
						t.Errorf("a refused %s altered the lock: %+v", action, l)
					}
				})
			}
		})
	}
}

// The story of a lock moving from governance to compliance and becoming immutable, step by step on
// the fake clock.
func TestVaultLockGovernanceToComplianceTransition(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("journey")
	type want struct {
		mode     string
		lockDate time.Time // zero: none
		cfd      string    // the ChangeableForDays header, "" when absent
	}
	steps := []struct {
		name    string
		advance time.Duration
		put     *wire.PutBackupVaultLockConfigurationInput // nil: delete
		errCode string
		want    *want // the lock afterwards; nil: no lock
	}{
		{"governance lock", 0, &wire.PutBackupVaultLockConfigurationInput{MinRetentionDays: i64(7), MaxRetentionDays: i64(365)}, "",
			&want{mode: LockModeGovernance}},
		{"still governance ten days on", 10 * day, &wire.PutBackupVaultLockConfigurationInput{MinRetentionDays: i64(14), MaxRetentionDays: i64(365)}, "",
			&want{mode: LockModeGovernance}},
		{"to compliance with 5 days' grace", 0, &wire.PutBackupVaultLockConfigurationInput{MinRetentionDays: i64(14), MaxRetentionDays: i64(365), ChangeableForDays: i64(5)}, "",
			&want{mode: LockModeCompliance, lockDate: t0.Add(15 * day), cfd: "5"}},
		{"back to governance inside the grace time", 2 * day, &wire.PutBackupVaultLockConfigurationInput{MinRetentionDays: i64(14)}, "",
			&want{mode: LockModeGovernance}},
		{"compliance again: the lock date restarts from now", day, &wire.PutBackupVaultLockConfigurationInput{MinRetentionDays: i64(30), MaxRetentionDays: i64(400), ChangeableForDays: i64(3)}, "",
			&want{mode: LockModeCompliance, lockDate: t0.Add(16 * day), cfd: "3"}},
		{"changing it again restarts the lock date", day, &wire.PutBackupVaultLockConfigurationInput{MinRetentionDays: i64(30), MaxRetentionDays: i64(400), ChangeableForDays: i64(3)}, "",
			&want{mode: LockModeCompliance, lockDate: t0.Add(17 * day), cfd: "3"}},
		{"lock date reached: change refused", 3 * day, &wire.PutBackupVaultLockConfigurationInput{MinRetentionDays: i64(1)}, apierr.InvalidRequest,
			&want{mode: LockModeCompliance, lockDate: t0.Add(17 * day), cfd: "3"}},
		{"lock date passed: removal refused", 365 * day, nil, apierr.InvalidRequest,
			&want{mode: LockModeCompliance, lockDate: t0.Add(17 * day), cfd: "3"}},
	}
	for _, st := range steps {
		ts.clock.Advance(st.advance)
		var err error
		if st.put != nil {
			in := *st.put
			in.BackupVaultName = "journey"
			_, err = ts.PutBackupVaultLockConfiguration(ts.ctx, &in)
		} else {
			_, err = ts.DeleteBackupVaultLockConfiguration(ts.ctx, &wire.DeleteBackupVaultLockConfigurationInput{BackupVaultName: "journey"})
		}
		if st.errCode == "" && err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if st.errCode != "" && !apierr.Is(err, st.errCode) {
			t.Fatalf("%s: err = %v, want %s", st.name, err, st.errCode)
		}
		d := ts.describe("journey")
		l := ts.storedVault("journey").Lock
		if st.want == nil {
			if l != nil || *d.Locked {
				t.Fatalf("%s: lock still there", st.name)
			}
			continue
		}
		if l == nil || !*d.Locked {
			t.Fatalf("%s: no lock", st.name)
		}
		if l.Mode() != st.want.mode {
			t.Errorf("%s: mode %s, want %s", st.name, l.Mode(), st.want.mode)
		}
		if got := d.LockDate.Time(); !got.Equal(st.want.lockDate) {
			t.Errorf("%s: LockDate %v, want %v", st.name, got, st.want.lockDate)
		}
		if got := d.ExtensionHeaders()[HeaderLockChangeableForDays]; got != st.want.cfd {
			t.Errorf("%s: %s header = %q, want %q", st.name, HeaderLockChangeableForDays, got, st.want.cfd)
		}
	}
}

func TestListBackupVaultsShowsLocks(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("a-plain")
	ts.createVault("b-governance")
	ts.createVault("c-compliance")
	if _, err := ts.PutBackupVaultLockConfiguration(ts.ctx, &wire.PutBackupVaultLockConfigurationInput{BackupVaultName: "b-governance", MaxRetentionDays: i64(90)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.PutBackupVaultLockConfiguration(ts.ctx, &wire.PutBackupVaultLockConfigurationInput{BackupVaultName: "c-compliance", MinRetentionDays: i64(30), ChangeableForDays: i64(3)}); err != nil {
		t.Fatal(err)
	}
	out, err := ts.ListBackupVaults(ts.ctx, &wire.ListBackupVaultsInput{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range out.BackupVaultList {
		got[v.BackupVaultName] = fmt.Sprintf("locked=%v min=%v max=%v date=%v", *v.Locked, deref(v.MinRetentionDays), deref(v.MaxRetentionDays), v.LockDate.Time())
	}
	want := map[string]string{
		"a-plain":      fmt.Sprintf("locked=false min=0 max=0 date=%v", time.Time{}),
		"b-governance": fmt.Sprintf("locked=true min=0 max=90 date=%v", time.Time{}),
		"c-compliance": fmt.Sprintf("locked=true min=30 max=0 date=%v", t0.Add(3*day)),
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %s, want %s", name, got[name], w)
		}
	}
}

// The lock guards points, not an empty vault: a vault under an immutable compliance lock is
// deleted once empty, and its lock, policy and notification configuration go with it.
func TestDeletingAnEmptyVaultRemovesItsLockPolicyAndNotifications(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("short-lived")
	if _, err := ts.PutBackupVaultLockConfiguration(ts.ctx, &wire.PutBackupVaultLockConfigurationInput{BackupVaultName: "short-lived", MinRetentionDays: i64(7), ChangeableForDays: i64(3)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.PutBackupVaultAccessPolicy(ts.ctx, &wire.PutBackupVaultAccessPolicyInput{BackupVaultName: "short-lived", Policy: ptr(denyDeletePolicy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.PutBackupVaultNotifications(ts.ctx, &wire.PutBackupVaultNotificationsInput{BackupVaultName: "short-lived", SNSTopicArn: "arn:aws:sns:us-east-1:123456789012:t", BackupVaultEvents: []string{"BACKUP_JOB_FAILED"}}); err != nil {
		t.Fatal(err)
	}
	ts.clock.Advance(30 * day) // well past the lock date
	if _, err := ts.DeleteBackupVault(ts.ctx, &wire.DeleteBackupVaultInput{BackupVaultName: "short-lived"}); err != nil {
		t.Fatalf("delete an empty vault under an immutable compliance lock: %v", err)
	}
	ts.createVault("short-lived")
	if d := ts.describe("short-lived"); *d.Locked || d.LockDate != nil {
		t.Errorf("a new vault of the same name inherited the old lock: %+v", d)
	}
	_, err := ts.GetBackupVaultAccessPolicy(ts.ctx, &wire.GetBackupVaultAccessPolicyInput{BackupVaultName: "short-lived"})
	wantCode(t, err, apierr.ResourceNotFound, "no access policy")
	_, err = ts.GetBackupVaultNotifications(ts.ctx, &wire.GetBackupVaultNotificationsInput{BackupVaultName: "short-lived"})
	wantCode(t, err, apierr.ResourceNotFound, "no notification configuration")
}

// Removing a lock that is not there succeeds, so a retried removal does not fail.
func TestDeletingAMissingLockSucceeds(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("unlocked")
	for i := 0; i < 2; i++ {
		if _, err := ts.DeleteBackupVaultLockConfiguration(ts.ctx, &wire.DeleteBackupVaultLockConfigurationInput{BackupVaultName: "unlocked"}); err != nil {
			t.Fatalf("delete #%d: %v", i+1, err)
		}
	}
	if ts.storedVault("unlocked").Lock != nil || *ts.describe("unlocked").Locked {
		t.Errorf("a lock appeared")
	}
}
