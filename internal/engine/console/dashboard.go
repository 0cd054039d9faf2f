package console

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

// stateCount is one state's count of one job type.
type stateCount struct {
	State string
	Count int
}

// failure is a job that failed, with its message.
type failure struct {
	Kind, ID, Resource, State, Message string
	When                               *time.Time
}

type scheduledRun struct {
	Plan, PlanID, Rule string
	When               time.Time
}

type vaultRow struct {
	Name, Arn     string
	Points        int64
	Size          int64
	Locked        bool
	MinDays       *int64
	MaxDays       *int64
	EncryptionKey string
}

type dashboardData struct {
	Now                    time.Time
	ClockMode              string
	Backup, Copy, Restore  []stateCount
	Failures               []failure
	Runs                   []scheduledRun
	Vaults                 []vaultRow
	BackupTotal, CopyTotal int
	RestoreTotal, Running  int
	// RestoreTests are the restore jobs restore testing plans started in the 24 hours, and
	// RestoreTestsFailed those that failed their restore or validation.
	RestoreTests, RestoreTestsFailed int
	// Frameworks is how many compliance frameworks there are, NonCompliant how many of them
	// have a NON_COMPLIANT verdict now.
	Frameworks, NonCompliant int
}

func (d dashboardData) Live() bool { return d.Running > 0 }

func countStates[T any](jobs []T, state func(T) string) ([]stateCount, int) {
	m := map[string]int{}
	for _, j := range jobs {
		m[state(j)]++
	}
	var out []stateCount
	for st, n := range m {
		out = append(out, stateCount{st, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].State < out[j].State })
	return out, len(jobs)
}

// lastDay returns the jobs created in the 24 hours before the engine clock's now.
func (c *Console) lastDay(ctx context.Context, cl Clients) (now time.Time, mode string, bj []types.BackupJob, cj []types.CopyJob, rj []types.RestoreJobsListMember, err error) {
	clk, err := cl.Extension.GetClock(ctx)
	if err != nil {
		return now, "", nil, nil, nil, err
	}
	now, mode = clk.Now, clk.Mode
	since := now.Add(-24 * time.Hour)
	for p := backup.NewListBackupJobsPaginator(cl.Backup, &backup.ListBackupJobsInput{ByCreatedAfter: &since}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return now, mode, nil, nil, nil, err
		}
		bj = append(bj, out.BackupJobs...)
	}
	for p := backup.NewListCopyJobsPaginator(cl.Backup, &backup.ListCopyJobsInput{ByCreatedAfter: &since}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return now, mode, nil, nil, nil, err
		}
		cj = append(cj, out.CopyJobs...)
	}
	for p := backup.NewListRestoreJobsPaginator(cl.Backup, &backup.ListRestoreJobsInput{ByCreatedAfter: &since}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return now, mode, nil, nil, nil, err
		}
		rj = append(rj, out.RestoreJobs...)
	}
	return now, mode, bj, cj, rj, nil
}

func (c *Console) dashboard(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	cl := s.clients
	now, mode, bj, cj, rj, err := c.lastDay(ctx, cl)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d := dashboardData{Now: now, ClockMode: mode}
	d.Backup, d.BackupTotal = countStates(bj, func(j types.BackupJob) string { return string(j.State) })
	d.Copy, d.CopyTotal = countStates(cj, func(j types.CopyJob) string { return string(j.State) })
	d.Restore, d.RestoreTotal = countStates(rj, func(j types.RestoreJobsListMember) string { return string(j.Status) })
	for _, j := range bj {
		switch j.State {
		case types.BackupJobStateFailed, types.BackupJobStateAborted, types.BackupJobStateExpired, types.BackupJobStatePartial:
			d.Failures = append(d.Failures, failure{"Backup", aws.ToString(j.BackupJobId), aws.ToString(j.ResourceArn), string(j.State), aws.ToString(j.StatusMessage), j.CreationDate})
		case types.BackupJobStateRunning, types.BackupJobStateCreated, types.BackupJobStatePending:
			d.Running++
		}
	}
	for _, j := range cj {
		switch j.State {
		case types.CopyJobStateFailed, types.CopyJobStatePartial:
			d.Failures = append(d.Failures, failure{"Copy", aws.ToString(j.CopyJobId), aws.ToString(j.ResourceArn), string(j.State), aws.ToString(j.StatusMessage), j.CreationDate})
		case types.CopyJobStateCreated, types.CopyJobStateRunning:
			d.Running++
		}
	}
	for _, j := range rj {
		switch j.Status {
		case types.RestoreJobStatusFailed, types.RestoreJobStatusAborted:
			d.Failures = append(d.Failures, failure{"Restore", aws.ToString(j.RestoreJobId), aws.ToString(j.RecoveryPointArn), string(j.Status), aws.ToString(j.StatusMessage), j.CreationDate})
		case types.RestoreJobStatusPending, types.RestoreJobStatusRunning:
			d.Running++
		}
	}
	for _, j := range rj {
		if isRestoreTest(j) {
			d.RestoreTests++
			if restoreTestFailed(j) {
				d.RestoreTestsFailed++
			}
		}
	}
	if d.Frameworks, d.NonCompliant, err = frameworksNonCompliant(ctx, cl); err != nil {
		c.fail(w, r, s, err)
		return
	}
	if d.Runs, err = nextRuns(ctx, cl, 3); err != nil {
		c.fail(w, r, s, err)
		return
	}
	if d.Vaults, err = listVaults(ctx, cl); err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, s, "dashboard", http.StatusOK, d)
}

// nextRuns previews each plan's next runs (GetBackupPlan's ScheduledRunsPreview), soonest first.
func nextRuns(ctx context.Context, cl Clients, perPlan int32) ([]scheduledRun, error) {
	var runs []scheduledRun
	for p := backup.NewListBackupPlansPaginator(cl.Backup, &backup.ListBackupPlansInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, pl := range out.BackupPlansList {
			got, err := cl.Backup.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: pl.BackupPlanId, MaxScheduledRunsPreview: perPlan})
			if err != nil {
				return nil, err
			}
			rules := map[string]string{}
			if got.BackupPlan != nil {
				for _, rule := range got.BackupPlan.Rules {
					rules[aws.ToString(rule.RuleId)] = aws.ToString(rule.RuleName)
				}
			}
			for _, run := range got.ScheduledRunsPreview {
				runs = append(runs, scheduledRun{Plan: aws.ToString(pl.BackupPlanName), PlanID: aws.ToString(pl.BackupPlanId),
					Rule: rules[aws.ToString(run.RuleId)], When: aws.ToTime(run.ExecutionTime)})
			}
		}
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].When.Before(runs[j].When) })
	return runs, nil
}

// frameworksNonCompliant evaluates every framework now and counts those with a NON_COMPLIANT
// verdict.
func frameworksNonCompliant(ctx context.Context, cl Clients) (total, nonCompliantCount int, err error) {
	frameworks, err := listFrameworks(ctx, cl)
	if err != nil {
		return 0, 0, err
	}
	for _, f := range frameworks {
		verdicts, err := cl.Extension.GetFrameworkCompliance(ctx, aws.ToString(f.FrameworkName))
		if err != nil {
			return 0, 0, err
		}
		if verdicts.ComplianceStatus == nonCompliant {
			nonCompliantCount++
		}
	}
	return len(frameworks), nonCompliantCount, nil
}
