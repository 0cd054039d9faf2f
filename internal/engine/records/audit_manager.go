package records

import (
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Deployment and report job statuses (the model's documentation of DeploymentStatus and
// ReportJob.Status).
const (
	DeploymentCompleted = "COMPLETED"
	ReportJobCreated    = "CREATED"
	ReportJobRunning    = "RUNNING"
	ReportJobCompleted  = "COMPLETED"
	ReportJobFailed     = "FAILED"
)

// Framework is a Backup Audit Manager framework as stored, in CollFrameworks under FrameworkKey.
type Framework struct {
	Name             string                  `json:"name"`
	ARN              string                  `json:"arn"`
	AccountID        string                  `json:"account_id"`
	Region           string                  `json:"region"`
	Description      string                  `json:"description,omitempty"`
	Controls         []wire.FrameworkControl `json:"controls"`
	CreationTime     time.Time               `json:"creation_time"`
	IdempotencyToken string                  `json:"idempotency_token,omitempty"`
	DeploymentStatus string                  `json:"deployment_status"`
}

// ListOrder is the order ListFrameworks gives: creation time, then name.
func (f *Framework) ListOrder() (time.Time, string) { return f.CreationTime, f.Name }

// Key is the framework's key in CollFrameworks and CollFrameworkResults.
func (f Framework) Key() string { return FrameworkKey(f.AccountID, f.Region, f.Name) }

// FrameworkKey is a framework's key: {account}/{region}/{name}.
func FrameworkKey(account, region, name string) string { return account + "/" + region + "/" + name }

// FindFramework returns the framework named name, or ResourceNotFoundException.
func FindFramework(tx store.Tx, account, region, name string) (Framework, error) {
	f, found, err := GetDoc[Framework](tx, CollFrameworks, FrameworkKey(account, region, name))
	if err != nil {
		return f, err
	}
	if !found {
		return f, apierr.NotFound("framework %s does not exist in account %s, region %s: check the name (ListFrameworks lists them)", name, account, region)
	}
	return f, nil
}

// ControlResult is one control's verdict on one resource.
type ControlResult struct {
	ControlName  string `json:"control"`
	ResourceARN  string `json:"resource_arn"`
	ResourceType string `json:"resource_type"`
	Status       string `json:"status"`
	Reason       string `json:"reason,omitempty"`
}

// FrameworkEvaluation is a framework's latest evaluation, in CollFrameworkResults under the
// framework's key.
type FrameworkEvaluation struct {
	FrameworkARN string          `json:"framework_arn"`
	EvaluatedAt  time.Time       `json:"evaluated_at"`
	Results      []ControlResult `json:"results"`
}

// ReportPlan is a report plan as stored, in CollReportPlans under ReportPlanKey.
type ReportPlan struct {
	Name             string                     `json:"name"`
	ARN              string                     `json:"arn"`
	AccountID        string                     `json:"account_id"`
	Region           string                     `json:"region"`
	Description      string                     `json:"description,omitempty"`
	Delivery         wire.ReportDeliveryChannel `json:"delivery"`
	Setting          wire.ReportSetting         `json:"setting"`
	CreationTime     time.Time                  `json:"creation_time"`
	DeploymentStatus string                     `json:"deployment_status"`
	LastAttempted    time.Time                  `json:"last_attempted,omitzero"`
	LastSuccessful   time.Time                  `json:"last_successful,omitzero"`
}

// ListOrder is the order ListReportPlans gives: creation time, then name.
func (p *ReportPlan) ListOrder() (time.Time, string) { return p.CreationTime, p.Name }

// Key is the plan's key in CollReportPlans.
func (p ReportPlan) Key() string { return ReportPlanKey(p.AccountID, p.Region, p.Name) }

// ReportPlanKey is a report plan's key: {account}/{region}/{name}.
func ReportPlanKey(account, region, name string) string { return account + "/" + region + "/" + name }

// FindReportPlan returns the report plan named name, or ResourceNotFoundException.
func FindReportPlan(tx store.Tx, account, region, name string) (ReportPlan, error) {
	p, found, err := GetDoc[ReportPlan](tx, CollReportPlans, ReportPlanKey(account, region, name))
	if err != nil {
		return p, err
	}
	if !found {
		return p, apierr.NotFound("report plan %s does not exist in account %s, region %s: check the name (ListReportPlans lists them)", name, account, region)
	}
	return p, nil
}

// ReportJob is a report job as stored, in CollReportJobs under JobKey.
type ReportJob struct {
	ID             string    `json:"id"`
	AccountID      string    `json:"account_id"`
	Region         string    `json:"region"`
	PlanName       string    `json:"plan_name"`
	PlanARN        string    `json:"plan_arn"`
	Template       string    `json:"template"`
	Status         string    `json:"status"`
	StatusMessage  string    `json:"status_message,omitempty"`
	CreationTime   time.Time `json:"creation_time"`
	CompletionTime time.Time `json:"completion_time,omitzero"`
	Bucket         string    `json:"bucket,omitempty"`
	Keys           []string  `json:"keys,omitempty"`
}

// ListOrder is the order ListReportJobs gives: creation time, then ID.
func (j *ReportJob) ListOrder() (time.Time, string) { return j.CreationTime, j.ID }

// Key is the job's key in CollReportJobs.
func (j ReportJob) Key() string { return JobKey(j.AccountID, j.Region, j.ID) }
