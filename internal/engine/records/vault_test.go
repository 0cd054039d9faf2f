package records

import (
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

var t0 = time.Date(2030, 1, 1, 8, 0, 0, 0, time.UTC)

func i64(v int64) *int64 { return &v }

// wantCode fails t unless err is an API error with code whose message has every fragment.
func wantCode(t *testing.T, err error, code string, fragments ...string) {
	t.Helper()
	e, ok := apierr.As(err)
	if !ok {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%s), want %s", e.Code, e.Message, code)
	}
	for _, f := range fragments {
		if !strings.Contains(e.Message, f) {
			t.Errorf("message %q does not mention %q", e.Message, f)
		}
	}
}

func TestLockForbidsDeletionUntilRetentionEnds(t *testing.T) {
	created := t0
	gov := &VaultLock{MinRetentionDays: i64(30)}
	comp := &VaultLock{MinRetentionDays: i64(30), ChangeableForDays: i64(3), LockDate: t0.Add(3 * day)}
	noMin := &VaultLock{MaxRetentionDays: i64(365)}
	cases := []struct {
		name        string
		lock        *VaultLock
		retainUntil time.Time
		now         time.Time
		forbidden   bool
		until       time.Time
	}{
		{"no lock: always allowed", nil, time.Time{}, t0, false, time.Time{}},
		{"governance, before lifecycle end", gov, t0.Add(90 * day), t0.Add(89 * day), true, t0.Add(90 * day)},
		{"governance, at lifecycle end", gov, t0.Add(90 * day), t0.Add(90 * day), false, t0.Add(90 * day)},
		{"compliance, before lifecycle end", comp, t0.Add(90 * day), t0.Add(10 * day), true, t0.Add(90 * day)},
		{"compliance, after lifecycle end", comp, t0.Add(90 * day), t0.Add(91 * day), false, t0.Add(90 * day)},
		{"indefinite point, younger than min", comp, time.Time{}, t0.Add(29 * day), true, t0.Add(30 * day)},
		{"indefinite point, as old as min", comp, time.Time{}, t0.Add(30 * day), false, t0.Add(30 * day)},
		{"indefinite point, lock without min: protected while the lock stands", noMin, time.Time{}, t0.Add(10000 * day), true, time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			forbidden, until := lockForbidsDeletion(tc.lock, created, tc.retainUntil, tc.now)
			if forbidden != tc.forbidden || !until.Equal(tc.until) {
				t.Errorf("lockForbidsDeletion = %v, %v; want %v, %v", forbidden, until, tc.forbidden, tc.until)
			}
		})
	}
}

func TestRefuseManualPointDeletion(t *testing.T) {
	const arn = "arn:aws:backup:us-east-1:123456789012:recovery-point:rp-1"
	plain := Vault{Name: "plain", Type: VaultTypeBackup}
	locked := Vault{Name: "locked", Type: VaultTypeBackup, Lock: &VaultLock{MinRetentionDays: i64(7), LockDate: t0}}
	airGapped := Vault{Name: "lag", Type: VaultTypeAirGapped, Lock: &VaultLock{MinRetentionDays: i64(7), MaxRetentionDays: i64(30), LockDate: t0}}
	cases := []struct {
		name        string
		v           Vault
		retainUntil time.Time
		now         time.Time
		wantMessage string // "" when allowed
	}{
		{"unlocked vault", plain, t0.Add(30 * day), t0, ""},
		{"locked vault before retention ends", locked, t0.Add(30 * day), t0.Add(day), "cannot be deleted before " + t0.Add(30*day).Format(time.RFC3339)},
		{"locked vault after retention ends", locked, t0.Add(30 * day), t0.Add(31 * day), ""},
		{"air-gapped vault before retention ends", airGapped, t0.Add(30 * day), t0.Add(day), "cannot be deleted by hand"},
		{"air-gapped vault long after retention ends", airGapped, t0.Add(30 * day), t0.Add(3650 * day), "only by their lifecycle"},
		{"air-gapped vault even with the lock gone from the record", Vault{Name: "lag", Type: VaultTypeAirGapped}, time.Time{}, t0, "air-gapped"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.v.RefuseManualPointDeletion(arn, t0, tc.retainUntil, tc.now)
			if tc.wantMessage == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			wantCode(t, err, apierr.InvalidRequest, tc.wantMessage, arn)
		})
	}
}

func TestCheckJobRetentionAgainstTheLock(t *testing.T) {
	v := func(l *VaultLock) Vault {
		return Vault{Name: "v", Type: VaultTypeBackup, Lock: l}
	}
	both := &VaultLock{MinRetentionDays: i64(7), MaxRetentionDays: i64(35)}
	cases := []struct {
		name        string
		v           Vault
		days        *int64
		wantMessage string
	}{
		{"no lock, any retention", v(nil), i64(1), ""},
		{"no lock, indefinite", v(nil), nil, ""},
		{"at the minimum", v(both), i64(7), ""},
		{"at the maximum", v(both), i64(35), ""},
		{"below the minimum", v(both), i64(6), "shorter than the minimum of 7 days"},
		{"above the maximum", v(both), i64(36), "longer than the maximum of 35 days"},
		{"indefinite with a maximum", v(both), nil, "indefinitely, longer than the maximum of 35 days"},
		{"indefinite with only a minimum", v(&VaultLock{MinRetentionDays: i64(7)}), nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.v.CheckJobRetention(tc.days)
			if tc.wantMessage == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			wantCode(t, err, apierr.InvalidRequest, tc.wantMessage)
		})
	}
}
