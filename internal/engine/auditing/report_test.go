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
