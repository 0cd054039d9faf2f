package console

import (
	"context"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

func (c *Console) plans(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	var plans []types.BackupPlansListMember
	for p := backup.NewListBackupPlansPaginator(s.clients.Backup, &backup.ListBackupPlansInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		plans = append(plans, out.BackupPlansList...)
	}
	c.render(w, r, s, "plans", http.StatusOK, plans)
}

type planData struct {
	Plan       *backup.GetBackupPlanOutput
	Selections []selectionData
	// Resources are what the plan's selections together cover now.
	Resources []string
}

// selectionData is a selection with the registered resources it alone covers now.
type selectionData struct {
	*backup.GetBackupSelectionOutput
	Resources []string
}

func (c *Console) plan(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session, id string) {
	cl := s.clients
	pl, err := cl.Backup.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: &id, MaxScheduledRunsPreview: 5})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d := planData{Plan: pl}
	for p := backup.NewListBackupSelectionsPaginator(cl.Backup, &backup.ListBackupSelectionsInput{BackupPlanId: &id}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		for _, sel := range out.BackupSelectionsList {
			got, err := cl.Backup.GetBackupSelection(ctx, &backup.GetBackupSelectionInput{BackupPlanId: &id, SelectionId: sel.SelectionId})
			if err != nil {
				c.fail(w, r, s, err)
				return
			}
			// What the selection matches now, resolved by the engine as a rule firing now would.
			matched, err := cl.Extension.SelectionResources(ctx, id, aws.ToString(sel.SelectionId))
			if err != nil {
				c.fail(w, r, s, err)
				return
			}
			d.Selections = append(d.Selections, selectionData{got, matched})
		}
	}
	if d.Resources, err = cl.Extension.PlanResources(ctx, id); err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, s, "plan", http.StatusOK, d)
}
