package auditing

import (
	"slices"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/reports"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Report gathers and renders the report of plan p at now. Job reports list the jobs created in
// the 24 hours before now, in the accounts and Regions the plan's setting names (its own account
// and Region by default; ROOT names every account the engine holds, "*" every Region).
// Compliance reports evaluate each framework the plan names at now and list the verdicts.
func Report(tx store.Tx, p records.ReportPlan, now time.Time) (reports.Table, error) {
	period := reports.Period{Start: now.Add(-Day), End: now}
	rs := p.Setting
	if reports.IsCompliance(rs.ReportTemplate) {
		var verdicts []reports.Verdict
		for _, arn := range rs.FrameworkArns {
			var f records.Framework
			found := false
			if err := records.ScanDocs(tx, records.CollFrameworks, scope(p.AccountID, p.Region), func(x *records.Framework) {
				if x.ARN == arn {
					f, found = *x, true
				}
			}); err != nil {
				return reports.Table{}, err
			}
			if !found {
				continue // deleted since the plan named it: it has nothing to report
			}
			ev, err := EvaluateNow(tx, f, now)
			if err != nil {
				return reports.Table{}, err
			}
			for _, r := range ev.Results {
				verdicts = append(verdicts, reports.Verdict{AccountID: f.AccountID, Region: f.Region, FrameworkName: f.Name, FrameworkARN: f.ARN,
					ControlName: r.ControlName, ResourceType: r.ResourceType, ResourceARN: r.ResourceARN, Status: r.Status, Reason: r.Reason, EvaluatedAt: ev.EvaluatedAt})
			}
		}
		return reports.ComplianceTable(rs.ReportTemplate, period, verdicts)
	}
	in := func(account, region string, created time.Time) bool {
		if created.Before(period.Start) || created.After(period.End) {
			return false
		}
		accountOK := account == p.AccountID && len(rs.Accounts) == 0 || slices.Contains(rs.Accounts, account) || slices.Contains(rs.Accounts, "ROOT")
		regionOK := region == p.Region && len(rs.Regions) == 0 || slices.Contains(rs.Regions, region) || slices.Contains(rs.Regions, "*")
		return accountOK && regionOK
	}
	var jobs []reports.Job
	var err error
	switch rs.ReportTemplate {
	case reports.BackupJobReport:
		err = records.ScanDocs(tx, records.CollBackupJobs, "", func(j *records.BackupJob) {
			if !in(j.AccountID, j.Region, j.CreationDate) {
				return
			}
			row := reports.Job{AccountID: j.AccountID, Region: j.Region, ID: j.ID, Status: j.State, Message: j.StatusMessage, ResourceType: j.Resource.Type,
				ResourceARN: j.Resource.ARN, Created: j.CreationDate, Completed: j.CompletionDate, RecoveryPointARN: j.RecoveryPointARN,
				SizeInBytes: j.BackupSizeInBytes, VaultName: j.VaultName, VaultARN: j.VaultARN, IamRoleARN: j.IamRoleARN}
			if c := j.CreatedBy; c != nil {
				row.PlanARN, row.RuleID = c.BackupPlanArn, c.BackupRuleId
			}
			jobs = append(jobs, row)
		})
	case reports.CopyJobReport:
		err = records.ScanDocs(tx, records.CollCopyJobs, "", func(j *records.CopyJob) {
			if in(j.AccountID, j.Region, j.CreationDate) {
				jobs = append(jobs, reports.Job{AccountID: j.AccountID, Region: j.Region, ID: j.ID, Status: j.State, Message: j.StatusMessage,
					ResourceType: j.Resource.Type, ResourceARN: j.Resource.ARN, Created: j.CreationDate, Completed: j.CompletionDate,
					RecoveryPointARN: j.SourcePointARN, DestRecoveryPointARN: j.DestPointARN, SizeInBytes: j.BackupSizeInBytes,
					VaultARN: j.SourceVaultARN, DestVaultARN: j.DestVaultARN, IamRoleARN: j.IamRoleARN})
			}
		})
	case reports.RestoreJobReport:
		err = records.ScanDocs(tx, records.CollRestoreJobs, "", func(j *records.RestoreJob) {
			if in(j.AccountID, j.Region, j.CreationDate) {
				jobs = append(jobs, reports.Job{AccountID: j.AccountID, Region: j.Region, ID: j.ID, Status: j.Status, Message: j.StatusMessage,
					ResourceType: j.Source.Type, ResourceARN: j.Source.ARN, RecoveryPointARN: j.RecoveryPointARN, Created: j.CreationDate,
					Completed: j.CompletionDate, SizeInBytes: j.BackupSizeInBytes, CreatedResourceARN: j.CreatedResourceARN, IamRoleARN: j.IamRoleARN})
			}
		})
	}
	if err != nil {
		return reports.Table{}, err
	}
	slices.SortStableFunc(jobs, func(a, b reports.Job) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return reports.JobTable(rs.ReportTemplate, period, jobs)
}
