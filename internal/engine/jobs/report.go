package jobs

import (
	"time"

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
