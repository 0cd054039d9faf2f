package console

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

// restoreTestPlan is a restore testing plan as the restore tests page shows it: its schedule and
// recovery point choice, its selections, and its recent restore test jobs, newest first.
type restoreTestPlan struct {
	*types.RestoreTestingPlanForGet
	Selections []*types.RestoreTestingSelectionForGet
	Tests      []restoreTest
}

// restoreTest is one restore job a restore testing plan started.
type restoreTest struct {
	types.RestoreJobsListMember
}

// Failed: the restore itself failed, or what was restored did not validate (in time). A
// restore test is only as good as its validation, so a FAILED or TIMED_OUT validation is a
// failed test even though the restore job COMPLETED.
func (t restoreTest) Failed() bool {
	return restoreTestFailed(t.RestoreJobsListMember)
}

// Duration is how long the restore took, empty while it runs.
func (t restoreTest) Duration() string {
	if t.CompletionDate == nil || t.CreationDate == nil {
		return ""
	}
	return t.CompletionDate.Sub(*t.CreationDate).Round(time.Second).String()
}

func restoreTestFailed(j types.RestoreJobsListMember) bool {
	switch {
	case j.Status == types.RestoreJobStatusFailed || j.Status == types.RestoreJobStatusAborted:
		return true
	case j.ValidationStatus == types.RestoreValidationStatusFailed || j.ValidationStatus == types.RestoreValidationStatusTimedOut:
		return true
	}
	return false
}

// isRestoreTest reports whether a restore job was started by a restore testing plan.
func isRestoreTest(j types.RestoreJobsListMember) bool {
	return j.CreatedBy != nil && aws.ToString(j.CreatedBy.RestoreTestingPlanArn) != ""
}

type restoreTestsData struct {
	Plans   []restoreTestPlan
	Running int
}

func (d restoreTestsData) Live() bool { return d.Running > 0 }

func (c *Console) restoreTests(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	cl := s.clients
	var d restoreTestsData
	for p := backup.NewListRestoreTestingPlansPaginator(cl.Backup, &backup.ListRestoreTestingPlansInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		for _, listed := range out.RestoreTestingPlans {
			plan, err := restoreTestPlanOf(ctx, cl, aws.ToString(listed.RestoreTestingPlanName))
			if err != nil {
				c.fail(w, r, s, err)
				return
			}
			for _, t := range plan.Tests {
				if t.Status == types.RestoreJobStatusPending || t.Status == types.RestoreJobStatusRunning {
					d.Running++
				}
			}
			d.Plans = append(d.Plans, plan)
		}
	}
	c.render(w, r, s, "restore-tests", http.StatusOK, d)
}

// restoreTestPlanOf reads one plan, its selections and its recent restore test jobs.
func restoreTestPlanOf(ctx context.Context, cl Clients, name string) (restoreTestPlan, error) {
	got, err := cl.Backup.GetRestoreTestingPlan(ctx, &backup.GetRestoreTestingPlanInput{RestoreTestingPlanName: &name})
	if err != nil {
		return restoreTestPlan{}, err
	}
	plan := restoreTestPlan{RestoreTestingPlanForGet: got.RestoreTestingPlan}
	for p := backup.NewListRestoreTestingSelectionsPaginator(cl.Backup, &backup.ListRestoreTestingSelectionsInput{RestoreTestingPlanName: &name}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return plan, err
		}
		for _, sel := range out.RestoreTestingSelections {
			// The list leaves out what the selection tests (ARNs, conditions): the Get has it.
			gs, err := cl.Backup.GetRestoreTestingSelection(ctx, &backup.GetRestoreTestingSelectionInput{RestoreTestingPlanName: &name,
				RestoreTestingSelectionName: sel.RestoreTestingSelectionName})
			if err != nil {
				return plan, err
			}
			plan.Selections = append(plan.Selections, gs.RestoreTestingSelection)
		}
	}
	var jobs []types.RestoreJobsListMember
	for p := backup.NewListRestoreJobsPaginator(cl.Backup, &backup.ListRestoreJobsInput{ByRestoreTestingPlanArn: got.RestoreTestingPlan.RestoreTestingPlanArn}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return plan, err
		}
		jobs = append(jobs, out.RestoreJobs...)
	}
	for _, j := range newest(jobs) {
		plan.Tests = append(plan.Tests, restoreTest{j})
	}
	return plan, nil
}
