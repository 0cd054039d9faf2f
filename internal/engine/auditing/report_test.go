package auditing

import (
	"context"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/reports"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

const (
	own   = "111122223333"
	other = "444455556666"
)

var now = time.Date(2024, 3, 2, 9, 0, 0, 0, time.UTC)

// A job report covers the 24 hours before it runs, in the plan's own account and Region unless
// its setting names others: ROOT every account, "*" every Region.
func TestJobReportCoversThePlansAccountsAndRegions(t *testing.T) {
	st := store.NewMemory()
	ctx := context.Background()
	err := st.Update(ctx, func(tx store.Tx) error {
		for _, j := range []records.BackupJob{
			{ID: "home", AccountID: own, Region: "us-east-1", CreationDate: now.Add(-time.Hour)},
			{ID: "old", AccountID: own, Region: "us-east-1", CreationDate: now.Add(-25 * time.Hour)},
			{ID: "europe", AccountID: own, Region: "eu-west-1", CreationDate: now.Add(-2 * time.Hour)},
			{ID: "tenant", AccountID: other, Region: "us-east-1", CreationDate: now.Add(-3 * time.Hour), Resource: resources.Resource{Type: "EFS"}},
		} {
			if err := records.InsertDoc(tx, records.CollBackupJobs, j.Key(), j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		accounts, regions []string
		want              []string
	}{
		"own account and Region": {nil, nil, []string{"home"}},
		"every Region":           {nil, []string{"*"}, []string{"europe", "home"}},
		"named account":          {[]string{other}, []string{"us-east-1"}, []string{"tenant"}},
		"every account, Region":  {[]string{"ROOT"}, []string{"*"}, []string{"tenant", "europe", "home"}},
	} {
		p := records.ReportPlan{Name: "p", AccountID: own, Region: "us-east-1",
			Setting: wire.ReportSetting{ReportTemplate: reports.BackupJobReport, Accounts: tc.accounts, Regions: tc.regions}}
		var table reports.Table
		if err := st.View(ctx, func(tx store.Tx) error {
			var err error
			table, err = Report(tx, p, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range table.Rows {
			got = append(got, r[4]) // Backup Job ID, oldest first
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: jobs %v, want %v", name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: jobs %v, want %v", name, got, tc.want)
				break
			}
		}
	}
}

// The daily evaluation on the engine clock re-judges a framework with the time moved on, stores
// the verdicts, and schedules the next one; a framework deleted since leaves nothing due.
func TestDailyEvaluationMovesWithTheClock(t *testing.T) {
	st := store.NewMemory()
	ctx := context.Background()
	res := "arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/fs-1"
	f := records.Framework{Name: "f", ARN: "arn:aws:backup:us-east-1:111122223333:framework/f-1", AccountID: own, Region: "us-east-1",
		Controls: []wire.FrameworkControl{{ControlName: "BACKUP_LAST_RECOVERY_POINT_CREATED", ControlInputParameters: []wire.ControlInputParameter{
			{ParameterName: "recoveryPointAgeUnit", ParameterValue: "days"}, {ParameterName: "recoveryPointAgeValue", ParameterValue: "1"}}}}}
	stored := func() records.FrameworkEvaluation {
		var ev records.FrameworkEvaluation
		if err := st.View(ctx, func(tx store.Tx) error {
			var err error
			ev, _, err = records.GetDoc[records.FrameworkEvaluation](tx, records.CollFrameworkResults, f.Key())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	err := st.Update(ctx, func(tx store.Tx) error {
		r := resources.Resource{ARN: res, Type: "EFS", ID: "fs-1", AccountID: own, Region: "us-east-1"}
		if err := records.InsertDoc(tx, records.CollResources, records.ResourceKey(own, "us-east-1", "fs-1"), r); err != nil {
			return err
		}
		p := records.RecoveryPoint{ID: "p1", ARN: "arn:aws:backup:us-east-1:111122223333:recovery-point:p1", AccountID: own, Region: "us-east-1",
			VaultName: "v", ResourceARN: res, ResourceType: "EFS", Status: records.RecoveryPointCompleted, CreationDate: now.Add(-time.Hour)}
		if err := records.InsertDoc(tx, records.CollRecoveryPoints, records.PointKey(own, "us-east-1", "v", "p1"), p); err != nil {
			return err
		}
		if err := records.InsertDoc(tx, records.CollFrameworks, f.Key(), f); err != nil {
			return err
		}
		_, err := EvaluateNow(tx, f, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if ev := stored(); len(ev.Results) != 1 || ev.Results[0].Status != "COMPLIANT" {
		t.Fatalf("evaluated at creation: %+v", ev)
	}
	later := now.Add(Day)
	if err := st.Update(ctx, func(tx store.Tx) error { return EvaluateDue(tx, f.Key(), later) }); err != nil {
		t.Fatal(err)
	}
	if ev := stored(); !ev.EvaluatedAt.Equal(later) || len(ev.Results) != 1 || ev.Results[0].Status != "NON_COMPLIANT" {
		t.Errorf("a day later: %+v", ev)
	}
	due := func() []records.DueEntry {
		var out []records.DueEntry
		if err := st.View(ctx, func(tx store.Tx) error {
			var err error
			out, err = records.DueUntil(tx, now.Add(10*Day))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if d := due(); len(d) != 1 || d[0].Kind != records.DueEvaluate || !d[0].At.Equal(later.Add(Day)) {
		t.Errorf("due after the daily evaluation: %+v", d)
	}
	if err := st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Delete(records.CollFrameworks, f.Key()); err != nil {
			return err
		}
		return EvaluateDue(tx, f.Key(), later.Add(Day))
	}); err != nil {
		t.Fatal(err)
	}
	if d := due(); len(d) != 0 {
		t.Errorf("due after the framework was deleted: %+v", d)
	}
}
