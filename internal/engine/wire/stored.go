package wire

// Lifecycle is the wire Lifecycle, stored as-is in points and jobs (so its JSON names are the
// model's): when a recovery point moves to cold storage and when it is
// deleted.
type Lifecycle struct {
	DeleteAfterDays                     *int64 `json:"DeleteAfterDays,omitempty"`
	DeleteAfterEvent                    string `json:"DeleteAfterEvent,omitempty"`
	MoveToColdStorageAfterDays          *int64 `json:"MoveToColdStorageAfterDays,omitempty"`
	OptInToArchiveForSupportedResources *bool  `json:"OptInToArchiveForSupportedResources,omitempty"`
}

// RecoveryPointCreator is the model's RecoveryPointCreator: the plan and rule that made a point.
type RecoveryPointCreator struct {
	BackupPlanArn      string `json:"BackupPlanArn,omitempty"`
	BackupPlanId       string `json:"BackupPlanId,omitempty"`
	BackupPlanName     string `json:"BackupPlanName,omitempty"`
	BackupPlanVersion  string `json:"BackupPlanVersion,omitempty"`
	BackupRuleCron     string `json:"BackupRuleCron,omitempty"`
	BackupRuleId       string `json:"BackupRuleId,omitempty"`
	BackupRuleName     string `json:"BackupRuleName,omitempty"`
	BackupRuleTimezone string `json:"BackupRuleTimezone,omitempty"`
}

// CopyAction is the wire CopyAction, stored as-is in backup jobs: where a rule copies each new
// recovery point.
type CopyAction struct {
	DestinationBackupVaultArn string     `json:"DestinationBackupVaultArn"`
	Lifecycle                 *Lifecycle `json:"Lifecycle,omitempty"`
}
