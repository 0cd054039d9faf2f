package jobs

import (
	"context"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/auditing"
	"github.com/strongroom/terraform-provider-backup/internal/engine/reports"

	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// KindReport is the queue kind of report jobs.
const KindReport = "report"

// InsertReportJob stores a new report job of plan p, CREATED at now, and queues it.
func InsertReportJob(tx store.Tx, p records.ReportPlan, now time.Time) (records.ReportJob, error) {
	j := records.ReportJob{ID: NewPointID(), AccountID: p.AccountID, Region: p.Region, PlanName: p.Name, PlanARN: p.ARN,
		Template: p.Setting.ReportTemplate, Status: records.ReportJobCreated, CreationTime: now}
	if err := records.InsertDoc(tx, records.CollReportJobs, j.Key(), j); err != nil {
		return j, err
	}
	return j, queue.Enqueue(tx, KindReport, j.Key())
}

// reportHandler runs report jobs: it renders the plan's report (package auditing gathers the
// rows, package reports renders them) in every format the plan asks for and delivers each file
// to the report target. A failed delivery leaves the job FAILED with the reason; the plan's next
// daily run tries again.
type reportHandler struct{ x *executor }

func (h reportHandler) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	j, found, err := records.GetDoc[records.ReportJob](tx, records.CollReportJobs, t.Key)
	if err != nil || !found || j.Status != records.ReportJobCreated {
		return false, err
	}
	j.Status = records.ReportJobRunning
	return true, records.PutDoc(tx, records.CollReportJobs, t.Key, j)
}

// reportFile is one rendered file of a report.
type reportFile struct {
	key  string
	body []byte
}

func (h reportHandler) Run(ctx context.Context, t *queue.Task) error {
	var j records.ReportJob
	var plan records.ReportPlan
	var files []reportFile
	var failure string
	now := h.x.clock.Now()
	err := t.Update(ctx, func(tx store.Tx) error {
		files, failure = nil, ""
		var found bool
		var err error
		if j, found, err = records.GetDoc[records.ReportJob](tx, records.CollReportJobs, t.Key); err != nil || !found {
			return err
		}
		p, err := records.FindReportPlan(tx, j.AccountID, j.Region, j.PlanName)
		if apierr.Is(err, apierr.ResourceNotFound) {
			failure = "report plan " + j.PlanName + " was deleted before its report ran"
			return nil
		} else if err != nil {
			return err
		}
		plan = p
		table, err := auditing.Report(tx, p, now)
		if err != nil {
			return err
		}
		for _, format := range p.Delivery.Formats {
			body, err := reports.Encode(table, format)
			if err != nil {
				return err
			}
			files = append(files, reportFile{key: reports.Key(p.Delivery.S3KeyPrefix, p.Region, p.Name, table.Template, now, format), body: body})
		}
		return nil
	})
	if err != nil {
		return err
	}
	var keys []string
	if failure == "" {
		for _, f := range files {
			if err := h.x.reports.Put(ctx, plan.Delivery.S3BucketName, f.key, f.body); err != nil {
				failure = "the report could not be delivered: " + err.Error()
				break
			}
			keys = append(keys, f.key)
		}
	}
	done := h.x.clock.Now()
	return t.Finish(ctx, func(tx store.Tx) error {
		j.CompletionTime, j.Bucket, j.Keys = done, plan.Delivery.S3BucketName, keys
		j.Status, j.StatusMessage = records.ReportJobCompleted, ""
		if failure != "" {
			j.Status, j.StatusMessage = records.ReportJobFailed, failure
		}
		if err := records.PutDoc(tx, records.CollReportJobs, j.Key(), j); err != nil {
			return err
		}
		p, found, err := records.GetDoc[records.ReportPlan](tx, records.CollReportPlans, records.ReportPlanKey(j.AccountID, j.Region, j.PlanName))
		if err != nil || !found {
			return err
		}
		p.LastAttempted = done
		if failure == "" {
			p.LastSuccessful = done
		}
		return records.PutDoc(tx, records.CollReportPlans, p.Key(), p)
	})
}

func (h reportHandler) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	j, found, err := records.GetDoc[records.ReportJob](tx, records.CollReportJobs, t.Key)
	if err != nil || !found {
		return false, nil, err
	}
	j.Status, j.StatusMessage, j.CompletionTime = records.ReportJobFailed, "the report job was interrupted: "+reason, h.x.clock.Now()
	return false, nil, records.PutDoc(tx, records.CollReportJobs, t.Key, j)
}
