package scheduler

import (
	"context"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/auditing"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Backup Audit Manager's daily work on the engine's clock: each framework is evaluated a day
// after its last evaluation (DueEvaluate), and each report plan queues a report job every day
// from its creation (DueReport). After downtime a plan runs once for the time missed, not once
// per missed day, and keeps its time of day.

// nextDaily is the first instant after now that is a whole number of days after at.
func nextDaily(at, now time.Time) time.Time {
	next := at.Add(auditing.Day)
	if !next.After(now) {
		next = at.Add(auditing.Day * (now.Sub(at)/auditing.Day + 1))
	}
	return next
}

// evaluateFramework is a DueEvaluate entry's work.
func (d Due) evaluateFramework(ctx context.Context, e records.DueEntry, now time.Time) error {
	return d.Store.Update(ctx, func(tx store.Tx) error { return auditing.EvaluateDue(tx, e.Ref, now) })
}

// runReportPlan is a DueReport entry's work: it queues the plan's report job.
func (d Due) runReportPlan(ctx context.Context, e records.DueEntry, now time.Time) (bool, error) {
	queued := false
	err := d.Store.Update(ctx, func(tx store.Tx) error {
		p, found, err := records.GetDoc[records.ReportPlan](tx, records.CollReportPlans, e.Ref)
		if err != nil {
			return err
		}
		if !found {
			return records.ClearDue(tx, records.DueReport, e.Ref)
		}
		if _, err := jobs.InsertReportJob(tx, p, now); err != nil {
			return err
		}
		queued = true
		return records.SetDue(tx, records.DueReport, e.Ref, nextDaily(e.At, now))
	})
	return queued, err
}
