package compliance

import (
	"strings"
	"testing"
	"time"
)

const (
	acct = "111122223333"
	res  = "arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/fs-0123456789abcdef0"
)

var now = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func days(n int64) *int64 { return &n }

// base is a state with one registered resource and a vault; each case adds what its control reads.
func base() State {
	return State{Now: now, AccountID: acct, Region: "us-east-1",
		Resources: []Resource{{ARN: res, Type: "EFS", ID: "fs-0123456789abcdef0", Tags: map[string]string{"tier": "gold"}}},
		Vaults:    []Vault{{Name: "main", ARN: "arn:aws:backup:us-east-1:111122223333:backup-vault:main"}}}
}

func withPlan(st State, r Rule) State {
	st.Plans = append(st.Plans, Plan{ID: "plan-1", ARN: "arn:aws:backup:us-east-1:111122223333:backup-plan:plan-1", Name: "daily", Rules: []Rule{r}})
	st.Resources[0].PlanIDs = []string{"plan-1"}
	return st
}

func withPoint(st State, vault string, created time.Time, encrypted bool, keep *int64) State {
	st.Points = append(st.Points, RecoveryPoint{ARN: "arn:aws:backup:us-east-1:111122223333:recovery-point:p1", ResourceARN: res, ResourceType: "EFS",
		VaultName: vault, Completed: true, Encrypted: encrypted, CreationDate: created, DeleteAfterDays: keep})
	return st
}

func withVault(st State, v Vault) State {
	st.Vaults = append(st.Vaults, v)
	return st
}

const denyDelete = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"backup:DeleteRecoveryPoint","Resource":"*"}]}`

// Every control of the catalogue, with one state that complies and one that does not.
func TestEveryControlHasACompliantAndANonCompliantFixture(t *testing.T) {
	daily := Rule{Name: "daily", ScheduleExpression: "cron(0 5 ? * * *)", DeleteAfterDays: days(35), TargetVaultName: "main"}
	weekly := Rule{Name: "weekly", ScheduleExpression: "cron(0 5 ? * MON *)", DeleteAfterDays: days(35), TargetVaultName: "main"}
	copyTo := func(dest string) Rule {
		r := daily
		r.CopyDestinations = []string{dest}
		return r
	}
	locked := Vault{Name: "locked", ARN: "arn:aws:backup:us-east-1:111122223333:backup-vault:locked", Locked: true, LockMin: days(7), LockMax: days(365)}
	lag := Vault{Name: "lag", ARN: "arn:aws:backup:us-east-1:111122223333:backup-vault:lag", AirGapped: true, Locked: true}
	restored := func(took time.Duration) State {
		st := base()
		st.Restores = []Restore{{ResourceARN: res, ResourceType: "EFS", Completed: true, Created: now.Add(-2 * time.Hour), Finished: now.Add(-2*time.Hour + took)}}
		return st
	}
	cases := []struct {
		control   string
		params    map[string]string
		compliant State
		violating State
		reason    string // in the violation's reason
	}{
		{ProtectedByBackupPlan, nil, withPlan(base(), daily), base(), "no backup plan"},
		{PlanMinFrequencyRetention, nil, withPlan(base(), daily), withPlan(base(), weekly), "backs up only every"},
		{PlanMinFrequencyRetention, map[string]string{"requiredRetentionDays": "90"}, withPlan(base(), Rule{Name: "forever", ScheduleExpression: "rate(12 hours)"}),
			withPlan(base(), daily), "keeps recovery points 35 days"},
		{ManualDeletionDisabled, nil, func() State { st := base(); st.Vaults[0].Policy = denyDelete; return st }(), base(), "no access policy"},
		{RecoveryPointEncrypted, nil, withPoint(base(), "main", now, true, nil), withPoint(base(), "main", now, false, nil), "not encrypted"},
		{RecoveryPointMinRetention, nil, withPoint(base(), "main", now, true, days(35)), withPoint(base(), "main", now, true, days(7)), "kept 7 days"},
		{ProtectedByCrossRegion, map[string]string{"crossRegionList": "eu-west-1"}, withPlan(base(), copyTo("arn:aws:backup:eu-west-1:111122223333:backup-vault:dr")),
			withPlan(base(), copyTo("arn:aws:backup:us-west-2:111122223333:backup-vault:dr")), "Region eu-west-1"},
		{ProtectedByCrossAccount, nil, withPlan(base(), copyTo("arn:aws:backup:us-east-1:444455556666:backup-vault:dr")),
			withPlan(base(), copyTo("arn:aws:backup:eu-west-1:111122223333:backup-vault:dr")), "another account"},
		{ProtectedByVaultLock, map[string]string{"minRetentionDays": "7"}, withPoint(withVault(base(), locked), "locked", now, true, nil),
			withPoint(base(), "main", now, true, nil), "no Backup Vault Lock"},
		{LastRecoveryPointCreated, nil, withPoint(base(), "main", now.Add(-23*time.Hour), true, nil), withPoint(base(), "main", now.Add(-25*time.Hour), true, nil), "more than 24h0m0s ago"},
		{RestoreTimeMeetsTarget, nil, restored(90 * time.Minute), restored(13 * time.Hour), "more than the target 12h0m0s"},
		{ProtectedByAirGappedVault, nil, withPoint(withVault(base(), lag), "lag", now.Add(-time.Hour), true, nil),
			withPoint(base(), "main", now.Add(-time.Hour), true, nil), "no recovery point in a logically air-gapped vault"},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.control] = true
		c, _ := Lookup(tc.control)
		params, err := CheckParameters("test", c, tc.params)
		if err != nil {
			t.Fatalf("%s: %v", tc.control, err)
		}
		in := []Instance{{Name: tc.control, Params: params}}
		good := Evaluate(in, tc.compliant)
		if len(good) != 1 || good[0].Status != Compliant {
			t.Errorf("%s on the compliant fixture = %+v, want one COMPLIANT", tc.control, good)
		}
		bad := Evaluate(in, tc.violating)
		if len(bad) != 1 || bad[0].Status != NonCompliant || !strings.Contains(bad[0].Reason, tc.reason) {
			t.Errorf("%s on the violating fixture = %+v, want one NON_COMPLIANT saying %q", tc.control, bad, tc.reason)
		}
	}
	for _, c := range Controls {
		if !seen[c.Name] {
			t.Errorf("control %s has no fixture", c.Name)
		}
	}
}

// A scope narrows what a control judges: by type, by tag (key and optional value), by ID.
func TestScopeSelectsTheResourcesAControlJudges(t *testing.T) {
	st := base()
	st.Resources = append(st.Resources, Resource{ARN: "arn:aws:rds:us-east-1:111122223333:db:orders", Type: "RDS", ID: "orders"})
	for name, tc := range map[string]struct {
		scope Scope
		want  int
	}{
		"no scope":        {Scope{}, 2},
		"type RDS":        {Scope{ResourceTypes: []string{"RDS"}}, 1},
		"tag key only":    {Scope{Tags: map[string]string{"tier": ""}}, 1},
		"tag other value": {Scope{Tags: map[string]string{"tier": "silver"}}, 0},
		"one ID":          {Scope{ResourceTypes: []string{"RDS"}, ResourceIDs: []string{"orders"}}, 1},
	} {
		got := Evaluate([]Instance{{Name: ProtectedByBackupPlan, Scope: tc.scope}}, st)
		if len(got) != tc.want {
			t.Errorf("%s: %d results, want %d: %+v", name, len(got), tc.want, got)
		}
	}
}

// Parameters are checked with messages that name the fix, and defaults are filled in.
func TestParametersAreCheckedAndDefaulted(t *testing.T) {
	c, _ := Lookup(PlanMinFrequencyRetention)
	got, err := CheckParameters("FrameworkControls[0]", c, nil)
	if err != nil || got["requiredFrequencyUnit"] != "days" || got["requiredFrequencyValue"] != "1" || got["requiredRetentionDays"] != "35" {
		t.Errorf("defaults = %v, %v", got, err)
	}
	for params, want := range map[string]map[string]string{
		"InvalidParameterValueException: FrameworkControls[0]: control BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK parameter requiredRetentionDays: \"x\" is not a whole number": {"requiredRetentionDays": "x"},
		"has no parameter \"retention\"":        {"retention": "1"},
		"more than 31 days":                     {"requiredFrequencyValue": "40"},
		"\"weeks\" is not allowed: give one of": {"requiredFrequencyUnit": "weeks"},
	} {
		_, err := CheckParameters("FrameworkControls[0]", c, want)
		if err == nil || !strings.Contains(err.Error(), params) {
			t.Errorf("%v: err = %v, want it to say %q", want, err, params)
		}
	}
	lock, _ := Lookup(ProtectedByVaultLock)
	if _, err := CheckParameters("f", lock, map[string]string{"minRetentionDays": "30", "maxRetentionDays": "7"}); err == nil {
		t.Error("minRetentionDays above maxRetentionDays was accepted")
	}
	if err := CheckScope("f", Scope{ResourceIDs: []string{"fs-1"}}); err == nil || !strings.Contains(err.Error(), "exactly one ComplianceResourceTypes") {
		t.Errorf("an ID without its type: err = %v", err)
	}
}
