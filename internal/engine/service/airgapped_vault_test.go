package service

import (
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

func TestAirGappedVaultRetentionRules(t *testing.T) {
	cases := []struct {
		name     string
		min, max *int64
		code     string
		fragment string
	}{
		{name: "min 7 is the floor", min: i64(7), max: i64(7)},
		{name: "max 36500 is the ceiling", min: i64(30), max: i64(36500)},
		{name: "min 6", min: i64(6), max: i64(30), code: apierr.InvalidParameterValue, fragment: "MinRetentionDays must be at least 7, got 6"},
		{name: "max above the ceiling", min: i64(7), max: i64(36501), code: apierr.InvalidParameterValue, fragment: "MaxRetentionDays must be at most 36500"},
		{name: "min above max", min: i64(60), max: i64(30), code: apierr.InvalidParameterValue, fragment: "MinRetentionDays (60) must not be greater than MaxRetentionDays (30)"},
		{name: "no min", max: i64(30), code: apierr.MissingParameterValue, fragment: "MinRetentionDays is required"},
		{name: "no max", min: i64(7), code: apierr.MissingParameterValue, fragment: "MaxRetentionDays is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestService(t)
			_, err := ts.CreateLogicallyAirGappedBackupVault(ts.ctx, &wire.CreateLogicallyAirGappedBackupVaultInput{BackupVaultName: "lag", MinRetentionDays: tc.min, MaxRetentionDays: tc.max})
			if tc.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantCode(t, err, tc.code, tc.fragment)
			if _, err := ts.DescribeBackupVault(ts.ctx, &wire.DescribeBackupVaultInput{BackupVaultName: "lag"}); !apierr.Is(err, apierr.ResourceNotFound) {
				t.Errorf("a refused create left a vault behind (describe: %v)", err)
			}
		})
	}
}

func TestAirGappedVaultIsBornComplianceLocked(t *testing.T) {
	ts := newTestService(t)
	out, err := ts.CreateLogicallyAirGappedBackupVault(ts.ctx, &wire.CreateLogicallyAirGappedBackupVaultInput{
		BackupVaultName: "lag", MinRetentionDays: i64(7), MaxRetentionDays: i64(35), BackupVaultTags: map[string]string{"tier": "dr"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.VaultState != VaultStateAvailable || !out.CreationDate.Time().Equal(t0) || out.BackupVaultArn != VaultARN(testRegion, testAccount, "lag") {
		t.Errorf("create answered %+v", out)
	}
	d := ts.describe("lag")
	if d.VaultType != VaultTypeAirGapped || !*d.Locked || *d.MinRetentionDays != 7 || *d.MaxRetentionDays != 35 || !d.LockDate.Time().Equal(t0) {
		t.Errorf("describe: type=%s locked=%v min=%v max=%v lockDate=%v; want air-gapped, locked 7..35 since %v",
			d.VaultType, *d.Locked, deref(d.MinRetentionDays), deref(d.MaxRetentionDays), d.LockDate.Time(), t0)
	}
	if ts.storedVault("lag").Lock.Mode() != LockModeCompliance {
		t.Errorf("air-gapped vault's lock is not in compliance mode")
	}
	tags, err := ts.ListTags(ts.ctx, &wire.ListTagsInput{ResourceArn: out.BackupVaultArn})
	if err != nil || tags.Tags["tier"] != "dr" {
		t.Errorf("tags = %v, %v", tags, err)
	}

	// Its lock can be neither changed nor removed, at creation or ever after.
	for _, at := range []time.Duration{0, 365 * day} {
		ts.clock.Set(t0.Add(at))
		_, err = ts.PutBackupVaultLockConfiguration(ts.ctx, &wire.PutBackupVaultLockConfigurationInput{BackupVaultName: "lag", MinRetentionDays: i64(1)})
		wantCode(t, err, apierr.InvalidRequest, "logically air-gapped", "cannot be changed")
		_, err = ts.DeleteBackupVaultLockConfiguration(ts.ctx, &wire.DeleteBackupVaultLockConfigurationInput{BackupVaultName: "lag"})
		wantCode(t, err, apierr.InvalidRequest, "logically air-gapped", "cannot be removed")
	}
	if l := ts.storedVault("lag").Lock; l == nil || *l.MinRetentionDays != 7 || *l.MaxRetentionDays != 35 {
		t.Errorf("lock altered: %+v", l)
	}
	// Its points can never be deleted by hand.
	err = ts.storedVault("lag").RefuseManualPointDeletion("arn:aws:backup:us-east-1:123456789012:recovery-point:x", t0, t0.Add(35*day), t0.Add(3650*day))
	wantCode(t, err, apierr.InvalidRequest, "air-gapped")
}

func TestAirGappedVaultsListByVaultTypeAndShareTheNameSpace(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("plain")
	for _, name := range []string{"lag-a", "lag-b"} {
		if _, err := ts.CreateLogicallyAirGappedBackupVault(ts.ctx, &wire.CreateLogicallyAirGappedBackupVaultInput{BackupVaultName: name, MinRetentionDays: i64(7), MaxRetentionDays: i64(30)}); err != nil {
			t.Fatal(err)
		}
	}
	names := func(vaultType string) []string {
		out, err := ts.ListBackupVaults(ts.ctx, &wire.ListBackupVaultsInput{ByVaultType: vaultType})
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, v := range out.BackupVaultList {
			n = append(n, v.BackupVaultName+"/"+v.VaultType)
		}
		return n
	}
	if got := names(VaultTypeAirGapped); len(got) != 2 || got[0] != "lag-a/"+VaultTypeAirGapped || got[1] != "lag-b/"+VaultTypeAirGapped {
		t.Errorf("by air-gapped type: %v", got)
	}
	if got := names(VaultTypeBackup); len(got) != 1 || got[0] != "plain/"+VaultTypeBackup {
		t.Errorf("by backup-vault type: %v", got)
	}
	if got := names(""); len(got) != 3 {
		t.Errorf("all: %v", got)
	}
	_, err := ts.CreateLogicallyAirGappedBackupVault(ts.ctx, &wire.CreateLogicallyAirGappedBackupVaultInput{BackupVaultName: "plain", MinRetentionDays: i64(7), MaxRetentionDays: i64(30)})
	wantCode(t, err, apierr.AlreadyExists, "plain")
	_, err = ts.CreateBackupVault(ts.ctx, &wire.CreateBackupVaultInput{BackupVaultName: "lag-a"})
	wantCode(t, err, apierr.AlreadyExists, "lag-a")
}

func TestAirGappedVaultCreateIsIdempotentOnCreatorRequestId(t *testing.T) {
	ts := newTestService(t)
	in := &wire.CreateLogicallyAirGappedBackupVaultInput{BackupVaultName: "lag", MinRetentionDays: i64(7), MaxRetentionDays: i64(30), CreatorRequestId: "req-1"}
	first, err := ts.CreateLogicallyAirGappedBackupVault(ts.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	ts.clock.Advance(time.Minute)
	again, err := ts.CreateLogicallyAirGappedBackupVault(ts.ctx, in)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if !again.CreationDate.Time().Equal(first.CreationDate.Time()) {
		t.Errorf("retry made a new vault: %v vs %v", again.CreationDate.Time(), first.CreationDate.Time())
	}
	// The same token on an ordinary vault of the same name is a different request.
	_, err = ts.CreateBackupVault(ts.ctx, &wire.CreateBackupVaultInput{BackupVaultName: "lag", CreatorRequestId: "req-1"})
	wantCode(t, err, apierr.AlreadyExists)
}

func TestAnEmptyAirGappedVaultCanBeDeleted(t *testing.T) {
	ts := newTestService(t)
	if _, err := ts.CreateLogicallyAirGappedBackupVault(ts.ctx, &wire.CreateLogicallyAirGappedBackupVaultInput{BackupVaultName: "lag", MinRetentionDays: i64(7), MaxRetentionDays: i64(30)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.DeleteBackupVault(ts.ctx, &wire.DeleteBackupVaultInput{BackupVaultName: "lag"}); err != nil {
		t.Fatalf("delete empty air-gapped vault: %v", err)
	}
	_, err := ts.DescribeBackupVault(ts.ctx, &wire.DescribeBackupVaultInput{BackupVaultName: "lag"})
	wantCode(t, err, apierr.ResourceNotFound)
}
