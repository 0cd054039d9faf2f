package service

// Backup Audit Manager report plans and report jobs: CreateReportPlan, DescribeReportPlan,
// UpdateReportPlan, DeleteReportPlan, ListReportPlans, StartReportJob, DescribeReportJob and
// ListReportJobs. A report job is queued here and run by package jobs (rendering in package
// reports, delivery to the operator's S3 server or directory); the scheduler queues one per
// plan every day on the engine's clock.
//
// AWS's rules (API reference, ReportSetting and ReportDeliveryChannel): the templates are
// "RESOURCE_COMPLIANCE_REPORT | CONTROL_COMPLIANCE_REPORT | BACKUP_JOB_REPORT | COPY_JOB_REPORT |
// RESTORE_JOB_REPORT | SCAN_JOB_REPORT"; Formats are "CSV, JSON, or both. If not specified, the
// default format is CSV"; the compliance templates cover the frameworks FrameworkArns names;
// Regions take "*" for all Regions and Accounts "ROOT" for the whole organization. A report plan's
// DeploymentStatus is "CREATE_IN_PROGRESS | UPDATE_IN_PROGRESS | DELETE_IN_PROGRESS | COMPLETED":
// the engine deploys within the call, so COMPLETED.

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/reports"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

var (
	reportAccountPattern = regexp.MustCompile(`^(\d{12}|ROOT)$`)
	reportRegionPattern  = regexp.MustCompile(`^([a-z]{2}(-[a-z]+)+-\d|\*)$`)
	// Compiled on first use: its bounded repetition makes a large program for a start-up.
	bucketNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`) })
)

// checkReportPlan validates a plan's delivery channel and setting, and fills in AWS's defaults.
func checkReportPlan(tx store.Tx, c Caller, d *wire.ReportDeliveryChannel, rs *wire.ReportSetting) error {
	if d == nil {
		return apierr.Missing("ReportDeliveryChannel is required: give S3BucketName (and optionally S3KeyPrefix and Formats)")
	}
	if rs == nil {
		return apierr.Missing("ReportSetting is required: give ReportTemplate, one of %s", strings.Join(reports.Templates, ", "))
	}
	if d.S3BucketName == "" {
		return apierr.Missing("ReportDeliveryChannel.S3BucketName is required: the bucket reports are delivered to")
	}
	if !bucketNamePattern().MatchString(d.S3BucketName) {
		return apierr.InvalidParameter("ReportDeliveryChannel.S3BucketName %q is not an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens", d.S3BucketName)
	}
	if strings.HasPrefix(d.S3KeyPrefix, "/") || strings.Contains(d.S3KeyPrefix, "..") {
		return apierr.InvalidParameter("ReportDeliveryChannel.S3KeyPrefix %q must not start with '/' or contain '..'", d.S3KeyPrefix)
	}
	if len(d.Formats) == 0 {
		d.Formats = []string{reports.CSV}
	}
	for i, f := range d.Formats {
		if f != reports.CSV && f != reports.JSON {
			return apierr.InvalidParameter("ReportDeliveryChannel.Formats[%d] %q is not a report format: give CSV, JSON, or both", i, f)
		}
		if slices.Index(d.Formats, f) != i {
			return apierr.InvalidParameter("ReportDeliveryChannel.Formats names %s twice", f)
		}
	}
	if rs.ReportTemplate == reports.ScanJobReport {
		return apierr.InvalidParameter("ReportSetting.ReportTemplate %s is not supported: the engine runs no malware scans; give one of %s", rs.ReportTemplate, strings.Join(reports.Templates, ", "))
	}
	if !slices.Contains(reports.Templates, rs.ReportTemplate) {
		return apierr.InvalidParameter("ReportSetting.ReportTemplate %q is not a report template: give one of %s", rs.ReportTemplate, strings.Join(reports.Templates, ", "))
	}
	if len(rs.OrganizationUnits) > 0 {
		return apierr.InvalidParameter("ReportSetting.OrganizationUnits: the engine has no AWS Organization; name accounts in ReportSetting.Accounts instead")
	}
	for i, a := range rs.Accounts {
		if !reportAccountPattern.MatchString(a) {
			return apierr.InvalidParameter("ReportSetting.Accounts[%d] %q is not a 12-digit account ID or ROOT", i, a)
		}
	}
	for i, r := range rs.Regions {
		if !reportRegionPattern.MatchString(r) {
			return apierr.InvalidParameter("ReportSetting.Regions[%d] %q is not a Region name (such as us-east-1) or *", i, r)
		}
	}
	isCompliance := reports.IsCompliance(rs.ReportTemplate)
	if isCompliance && len(rs.FrameworkArns) == 0 {
		return apierr.Missing("ReportSetting.FrameworkArns is required for %s: name the frameworks the report covers", rs.ReportTemplate)
	}
	if !isCompliance && len(rs.FrameworkArns) > 0 {
		return apierr.InvalidParameter("ReportSetting.FrameworkArns applies only to RESOURCE_COMPLIANCE_REPORT and CONTROL_COMPLIANCE_REPORT, not %s: remove it", rs.ReportTemplate)
	}
	for i, fa := range rs.FrameworkArns {
		a, err := arns.Parse(fa)
		if err != nil || a.Kind() != "framework" {
			return apierr.InvalidParameter("ReportSetting.FrameworkArns[%d] %q is not a framework ARN (arn:aws:backup:REGION:ACCOUNT:framework/NAME-ID)", i, fa)
		}
		if a.AccountID != c.AccountID || a.Region != c.Region {
			return apierr.InvalidParameter("ReportSetting.FrameworkArns[%d] %s is in account %s, region %s: a report plan covers frameworks of its own account and region (%s, %s)", i, fa, a.AccountID, a.Region, c.AccountID, c.Region)
		}
		f, err := records.FindFramework(tx, c.AccountID, c.Region, nameInARN(a))
		if err != nil || f.ARN != fa {
			return apierr.InvalidParameter("ReportSetting.FrameworkArns[%d]: framework %s does not exist (ListFrameworks lists them)", i, fa)
		}
	}
	rs.NumberOfFrameworks = int32(len(rs.FrameworkArns))
	return nil
}

func reportPlanOut(p records.ReportPlan) *wire.ReportPlan {
	d, rs := p.Delivery, p.Setting
	return &wire.ReportPlan{CreationTime: wire.NewTimestamp(p.CreationTime), DeploymentStatus: p.DeploymentStatus,
		LastAttemptedExecutionTime: wire.NewTimestamp(p.LastAttempted), LastSuccessfulExecutionTime: wire.NewTimestamp(p.LastSuccessful),
		ReportDeliveryChannel: &d, ReportPlanArn: p.ARN, ReportPlanDescription: p.Description, ReportPlanName: p.Name, ReportSetting: &rs}
}

// CreateReportPlan creates a report plan; its first report runs a day later, then daily.
func (s *Service) CreateReportPlan(ctx context.Context, in *wire.CreateReportPlanInput) (*wire.CreateReportPlanOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.ReportPlanTags); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	p := records.ReportPlan{Name: in.ReportPlanName, AccountID: c.AccountID, Region: c.Region, Description: in.ReportPlanDescription,
		CreationTime: now, DeploymentStatus: records.DeploymentCompleted}
	p.ARN = arns.ReportPlan(c.Region, c.AccountID, p.Name+"-"+newPointID())
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if prior, found, err := records.GetDoc[records.ReportPlan](tx, records.CollReportPlans, p.Key()); err != nil {
			return err
		} else if found {
			return &apierr.Error{Code: apierr.AlreadyExists, Arn: prior.ARN,
				Message: "report plan " + p.Name + " already exists in account " + c.AccountID + ", region " + c.Region + ": choose another name, or UpdateReportPlan it"}
		}
		if err := checkReportPlan(tx, c, in.ReportDeliveryChannel, in.ReportSetting); err != nil {
			return err
		}
		p.Delivery, p.Setting = *in.ReportDeliveryChannel, *in.ReportSetting
		if err := records.InsertDoc(tx, records.CollReportPlans, p.Key(), p); err != nil {
			return err
		}
		if len(in.ReportPlanTags) > 0 {
			if err := records.PutDoc(tx, records.CollTags, p.ARN, in.ReportPlanTags); err != nil {
				return err
			}
		}
		return records.SetDue(tx, records.DueReport, p.Key(), now.Add(24*time.Hour))
	})
	if err != nil {
		return nil, internal("create report plan", err)
	}
	s.sched.Wake()
	return &wire.CreateReportPlanOutput{CreationTime: wire.NewTimestamp(p.CreationTime), ReportPlanArn: p.ARN, ReportPlanName: p.Name}, nil
}

// DescribeReportPlan describes one report plan.
func (s *Service) DescribeReportPlan(ctx context.Context, in *wire.DescribeReportPlanInput) (*wire.DescribeReportPlanOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.DescribeReportPlanOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		p, err := records.FindReportPlan(tx, c.AccountID, c.Region, in.ReportPlanName)
		if err != nil {
			return err
		}
		out = &wire.DescribeReportPlanOutput{ReportPlan: reportPlanOut(p)}
		return nil
	})
	if err != nil {
		return nil, internal("describe report plan", err)
	}
	return out, nil
}

// UpdateReportPlan replaces a report plan's delivery channel, setting or description; members
// left out keep their value.
func (s *Service) UpdateReportPlan(ctx context.Context, in *wire.UpdateReportPlanInput) (*wire.UpdateReportPlanOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var p records.ReportPlan
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if p, err = records.FindReportPlan(tx, c.AccountID, c.Region, in.ReportPlanName); err != nil {
			return err
		}
		d, rs := p.Delivery, p.Setting
		if in.ReportDeliveryChannel != nil {
			d = *in.ReportDeliveryChannel
		}
		if in.ReportSetting != nil {
			rs = *in.ReportSetting
		}
		if err := checkReportPlan(tx, c, &d, &rs); err != nil {
			return err
		}
		p.Delivery, p.Setting = d, rs
		if in.ReportPlanDescription != nil {
			p.Description = *in.ReportPlanDescription
		}
		return records.PutDoc(tx, records.CollReportPlans, p.Key(), p)
	})
	if err != nil {
		return nil, internal("update report plan", err)
	}
	return &wire.UpdateReportPlanOutput{CreationTime: wire.NewTimestamp(p.CreationTime), ReportPlanArn: p.ARN, ReportPlanName: p.Name}, nil
}

// DeleteReportPlan deletes a report plan; its report jobs' records stay.
func (s *Service) DeleteReportPlan(ctx context.Context, in *wire.DeleteReportPlanInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		p, err := records.FindReportPlan(tx, c.AccountID, c.Region, in.ReportPlanName)
		if err != nil {
			return err
		}
		if err := tx.Delete(records.CollReportPlans, p.Key()); err != nil {
			return err
		}
		if err := records.ClearDue(tx, records.DueReport, p.Key()); err != nil {
			return err
		}
		return deleteTags(tx, p.ARN)
	})
	if err != nil {
		return nil, internal("delete report plan", err)
	}
	return &struct{}{}, nil
}

// ListReportPlans lists the caller's report plans, oldest first.
func (s *Service) ListReportPlans(ctx context.Context, in *wire.ListReportPlansInput) (*wire.ListReportPlansOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListReportPlansOutput{ReportPlans: []*wire.ReportPlan{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		list, next, err := records.Page[records.ReportPlan](tx, records.CollReportPlans, c.scope(), in.NextToken, in.MaxResults, nil)
		if err != nil {
			return err
		}
		for _, p := range list {
			out.ReportPlans = append(out.ReportPlans, reportPlanOut(*p))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list report plans", err)
	}
	return out, nil
}

func (s *Service) reportPlanExistsByARN(tx store.Tx, a arns.ARN) error {
	p, err := records.FindReportPlan(tx, a.AccountID, a.Region, nameInARN(a))
	if err == nil && p.ARN != a.String() {
		return apierr.NotFound("report plan %s does not exist", a.String())
	}
	return err
}

// StartReportJob queues a report job for a plan now.
func (s *Service) StartReportJob(ctx context.Context, in *wire.StartReportJobInput) (*wire.StartReportJobOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var id string
	err = s.store.Update(ctx, func(tx store.Tx) error {
		p, err := records.FindReportPlan(tx, c.AccountID, c.Region, in.ReportPlanName)
		if err != nil {
			return err
		}
		if in.IdempotencyToken != "" {
			idemKey := c.scope() + "StartReportJob/" + in.IdempotencyToken
			rec, found, err := records.GetDoc[records.IdempotencyRecord](tx, records.CollIdempotency, idemKey)
			if err != nil {
				return err
			}
			if found {
				if rec.Fingerprint != p.Name {
					return apierr.InvalidParameter("IdempotencyToken %q was already used to start a report job of plan %s: use a new token", in.IdempotencyToken, rec.Fingerprint)
				}
				id = rec.JobID
				return nil
			}
		}
		j, err := jobs.InsertReportJob(tx, p, now)
		if err != nil {
			return err
		}
		id = j.ID
		if in.IdempotencyToken == "" {
			return nil
		}
		return records.PutDoc(tx, records.CollIdempotency, c.scope()+"StartReportJob/"+in.IdempotencyToken, records.IdempotencyRecord{JobID: id, Fingerprint: p.Name})
	})
	if err != nil {
		return nil, internal("start report job", err)
	}
	s.runner.Notify()
	return &wire.StartReportJobOutput{ReportJobId: id}, nil
}

func reportJobOut(j records.ReportJob) *wire.ReportJob {
	out := &wire.ReportJob{CompletionTime: wire.NewTimestamp(j.CompletionTime), CreationTime: wire.NewTimestamp(j.CreationTime), ReportJobId: j.ID,
		ReportPlanArn: j.PlanARN, ReportTemplate: j.Template, Status: j.Status, StatusMessage: j.StatusMessage}
	if j.Bucket != "" {
		out.ReportDestination = &wire.ReportDestination{S3BucketName: j.Bucket, S3Keys: j.Keys}
	}
	return out
}

// DescribeReportJob describes one report job: its status and the keys it wrote.
func (s *Service) DescribeReportJob(ctx context.Context, in *wire.DescribeReportJobInput) (*wire.DescribeReportJobOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.DescribeReportJobOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		j, found, err := records.GetDoc[records.ReportJob](tx, records.CollReportJobs, records.JobKey(c.AccountID, c.Region, in.ReportJobId))
		if err != nil {
			return err
		}
		if !found {
			return apierr.NotFound("report job %s does not exist in account %s, region %s (ListReportJobs lists them)", in.ReportJobId, c.AccountID, c.Region)
		}
		out = &wire.DescribeReportJobOutput{ReportJob: reportJobOut(j)}
		return nil
	})
	if err != nil {
		return nil, internal("describe report job", err)
	}
	return out, nil
}

var reportJobStatuses = []string{records.ReportJobCreated, records.ReportJobRunning, records.ReportJobCompleted, records.ReportJobFailed, "COMPLETED_WITH_ISSUES"}

// ListReportJobs lists the caller's report jobs, oldest first, filtered as asked.
func (s *Service) ListReportJobs(ctx context.Context, in *wire.ListReportJobsInput) (*wire.ListReportJobsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if in.ByStatus != "" && !slices.Contains(reportJobStatuses, in.ByStatus) {
		return nil, apierr.InvalidParameter("ByStatus %q is not a report job status: give one of %s", in.ByStatus, strings.Join(reportJobStatuses, ", "))
	}
	after, before := in.ByCreationAfter.Time(), in.ByCreationBefore.Time()
	out := &wire.ListReportJobsOutput{ReportJobs: []*wire.ReportJob{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		if in.ByReportPlanName != "" {
			if _, err := records.FindReportPlan(tx, c.AccountID, c.Region, in.ByReportPlanName); err != nil {
				return err
			}
		}
		list, next, err := records.Page(tx, records.CollReportJobs, c.scope(), in.NextToken, in.MaxResults, func(j *records.ReportJob) bool {
			return (in.ByReportPlanName == "" || j.PlanName == in.ByReportPlanName) && (in.ByStatus == "" || j.Status == in.ByStatus) &&
				(after.IsZero() || j.CreationTime.After(after)) && (before.IsZero() || j.CreationTime.Before(before))
		})
		if err != nil {
			return err
		}
		for _, j := range list {
			out.ReportJobs = append(out.ReportJobs, reportJobOut(*j))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list report jobs", err)
	}
	return out, nil
}
