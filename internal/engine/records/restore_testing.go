package records

import (
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Restore testing: plans, their selections, and what a restore test keeps on its restore job.
// AWS documents the model in "Restore testing" of the AWS Backup Developer Guide
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html).
const (
	// CollRestoreTestingPlans holds plans under {account}/{region}/{name} (RestoreTestingPlanKey).
	CollRestoreTestingPlans = "restore-testing-plans"
	// CollRestoreTestingSelections holds selections under {plan key}/{selection name}.
	CollRestoreTestingSelections = "restore-testing-selections"
)

// Due kinds of restore testing (the due index, due.go).
const (
	// DueRestoreTestRun is a restore testing plan's next scheduled run: ref is the plan key.
	DueRestoreTestRun = "restore-test-run"
	// DueRestoreValidationEnd is the end of a restore test's validation window: ref is the
	// restore job key.
	DueRestoreValidationEnd = "restore-validation-end"
)

// The model's RestoreValidationStatus and RestoreDeletionStatus.
const (
	ValidationFailed     = "FAILED"
	ValidationSuccessful = "SUCCESSFUL"
	ValidationTimedOut   = "TIMED_OUT"
	ValidationValidating = "VALIDATING"

	DeletionDeleting   = "DELETING"
	DeletionFailed     = "FAILED"
	DeletionSuccessful = "SUCCESSFUL"
)

// RestoreTestingPlanKey is a plan's key in CollRestoreTestingPlans.
func RestoreTestingPlanKey(account, region, name string) string {
	return account + "/" + region + "/" + name
}

// RestoreTestingPlan is a restore testing plan as stored, with AWS's defaults filled in.
type RestoreTestingPlan struct {
	AccountID                  string                                    `json:"account_id"`
	Region                     string                                    `json:"region"`
	Name                       string                                    `json:"name"`
	ARN                        string                                    `json:"arn"`
	CreatorRequestID           string                                    `json:"creator_request_id,omitempty"`
	ScheduleExpression         string                                    `json:"schedule_expression"`
	ScheduleExpressionTimezone string                                    `json:"schedule_expression_timezone,omitempty"`
	StartWindowHours           int32                                     `json:"start_window_hours"`
	RecoveryPointSelection     wire.RestoreTestingRecoveryPointSelection `json:"recovery_point_selection"`
	CreationTime               time.Time                                 `json:"creation_time"`
	LastUpdateTime             time.Time                                 `json:"last_update_time,omitzero"`
	LastExecutionTime          time.Time                                 `json:"last_execution_time,omitzero"`
}

// Key is the plan's key in CollRestoreTestingPlans.
func (p *RestoreTestingPlan) Key() string {
	return RestoreTestingPlanKey(p.AccountID, p.Region, p.Name)
}

// ListOrder is the order ListRestoreTestingPlans gives: creation time, then name.
func (p *RestoreTestingPlan) ListOrder() (time.Time, string) { return p.CreationTime, p.Name }

// RestoreTestingSelection is a restore testing selection as stored.
type RestoreTestingSelection struct {
	PlanKey                     string                            `json:"plan_key"`
	PlanName                    string                            `json:"plan_name"`
	Name                        string                            `json:"name"`
	CreatorRequestID            string                            `json:"creator_request_id,omitempty"`
	IamRoleARN                  string                            `json:"iam_role_arn"`
	ProtectedResourceType       string                            `json:"protected_resource_type"`
	ProtectedResourceArns       []string                          `json:"protected_resource_arns,omitempty"`
	ProtectedResourceConditions *wire.ProtectedResourceConditions `json:"protected_resource_conditions,omitempty"`
	RestoreMetadataOverrides    map[string]string                 `json:"restore_metadata_overrides,omitempty"`
	ValidationWindowHours       int32                             `json:"validation_window_hours"`
	CreationTime                time.Time                         `json:"creation_time"`
	LastUpdateTime              time.Time                         `json:"last_update_time,omitzero"`
}

// Key is the selection's key in CollRestoreTestingSelections.
func (s *RestoreTestingSelection) Key() string { return s.PlanKey + "/" + s.Name }

// ListOrder is the order ListRestoreTestingSelections gives: creation time, then name.
func (s *RestoreTestingSelection) ListOrder() (time.Time, string) { return s.CreationTime, s.Name }

// RestoreTest is what a restore job started by a restore testing plan carries besides the job:
// its creator, and its validation and cleanup (the model's CreatedBy, ValidationStatus,
// ValidationStatusMessage, DeletionStatus and DeletionStatusMessage).
type RestoreTest struct {
	PlanARN       string `json:"plan_arn"`
	PlanName      string `json:"plan_name"`
	SelectionName string `json:"selection_name"`
	// Validation is the built-in validation the selection asked for; nil: the test waits for
	// PutRestoreValidationResult until the validation window ends.
	Validation              *BuiltInValidation `json:"validation,omitempty"`
	ValidationWindowHours   int32              `json:"validation_window_hours"`
	ValidationStatus        string             `json:"validation_status,omitempty"`
	ValidationStatusMessage string             `json:"validation_status_message,omitempty"`
	DeletionStatus          string             `json:"deletion_status,omitempty"`
	DeletionStatusMessage   string             `json:"deletion_status_message,omitempty"`
	// RestoreDuration is how long the restore took, from creation to completion: what SLA
	// reports measure.
	RestoreDuration time.Duration `json:"restore_duration,omitempty"`
}

// BuiltInValidation is the check the engine runs on a restored resource.
type BuiltInValidation struct {
	// Query (RDS) runs on the restored database; MinRowCount, when set, is the least count it
	// must answer.
	Query       string `json:"query,omitempty"`
	MinRowCount *int64 `json:"min_row_count,omitempty"`
}
