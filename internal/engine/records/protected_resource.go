package records

import "time"

// Protection is what the engine remembers about a resource it has backed up, in CollProtections
// under ProtectionKey.
type Protection struct {
	ResourceARN  string `json:"resource_arn"`
	ResourceType string `json:"resource_type"`
	ResourceName string `json:"resource_name"`
	// The newest restore job from one of the resource's points.
	LatestRestoreJobCreationDate           time.Time `json:"latest_restore_job_creation_date,omitzero"`
	LatestRestoreRecoveryPointCreationDate time.Time `json:"latest_restore_recovery_point_creation_date,omitzero"`
	LatestRestoreExecutionTimeMinutes      int64     `json:"latest_restore_execution_time_minutes,omitempty"`
}
