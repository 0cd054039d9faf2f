package wire

// CreateBackupPlanInput is the wire input of CreateBackupPlan.
type CreateBackupPlanInput struct {
	BackupPlan       BackupPlanInput   `json:"BackupPlan"`
	BackupPlanTags   map[string]string `json:"BackupPlanTags,omitempty"`
	CreatorRequestId string            `json:"CreatorRequestId,omitempty"`
}

// CreateBackupPlanOutput is the wire output of CreateBackupPlan.
type CreateBackupPlanOutput struct {
	AdvancedBackupSettings []AdvancedBackupSetting `json:"AdvancedBackupSettings,omitempty"`
	BackupPlanArn          string                  `json:"BackupPlanArn"`
	BackupPlanId           string                  `json:"BackupPlanId"`
	CreationDate           *Timestamp              `json:"CreationDate"`
	VersionId              string                  `json:"VersionId"`
}

// GetBackupPlanInput is the wire input of GetBackupPlan.
type GetBackupPlanInput struct {
	BackupPlanId            string `json:"BackupPlanId"`
	VersionId               string `json:"VersionId,omitempty"`
	MaxScheduledRunsPreview *int32 `json:"MaxScheduledRunsPreview,omitempty"`
}

// ScheduledPlanExecutionMember is one upcoming run in GetBackupPlan's preview.
type ScheduledPlanExecutionMember struct {
	ExecutionTime     *Timestamp `json:"ExecutionTime"`
	RuleExecutionType string     `json:"RuleExecutionType"`
	RuleId            string     `json:"RuleId"`
}

// GetBackupPlanOutput is the wire output of GetBackupPlan.
type GetBackupPlanOutput struct {
	AdvancedBackupSettings []AdvancedBackupSetting         `json:"AdvancedBackupSettings,omitempty"`
	BackupPlan             BackupPlan                      `json:"BackupPlan"`
	BackupPlanArn          string                          `json:"BackupPlanArn"`
	BackupPlanId           string                          `json:"BackupPlanId"`
	CreationDate           *Timestamp                      `json:"CreationDate,omitempty"`
	CreatorRequestId       string                          `json:"CreatorRequestId,omitempty"`
	DeletionDate           *Timestamp                      `json:"DeletionDate,omitempty"`
	LastExecutionDate      *Timestamp                      `json:"LastExecutionDate,omitempty"`
	ScheduledRunsPreview   []*ScheduledPlanExecutionMember `json:"ScheduledRunsPreview,omitempty"`
	VersionId              string                          `json:"VersionId"`
}

// UpdateBackupPlanInput is the wire input of UpdateBackupPlan.
type UpdateBackupPlanInput struct {
	BackupPlanId string          `json:"BackupPlanId"`
	BackupPlan   BackupPlanInput `json:"BackupPlan"`
}

// UpdateBackupPlanOutput is the wire output of UpdateBackupPlan.
type UpdateBackupPlanOutput struct {
	AdvancedBackupSettings []AdvancedBackupSetting `json:"AdvancedBackupSettings,omitempty"`
	BackupPlanArn          string                  `json:"BackupPlanArn"`
	BackupPlanId           string                  `json:"BackupPlanId"`
	CreationDate           *Timestamp              `json:"CreationDate"`
	ScanSettings           []ScanSetting           `json:"ScanSettings,omitempty"`
	VersionId              string                  `json:"VersionId"`
}

// DeleteBackupPlanInput is the wire input of DeleteBackupPlan.
type DeleteBackupPlanInput struct {
	BackupPlanId string `json:"BackupPlanId"`
}

// DeleteBackupPlanOutput is the wire output of DeleteBackupPlan.
type DeleteBackupPlanOutput struct {
	BackupPlanArn string     `json:"BackupPlanArn"`
	BackupPlanId  string     `json:"BackupPlanId"`
	DeletionDate  *Timestamp `json:"DeletionDate"`
	VersionId     string     `json:"VersionId"`
}

// BackupPlansListMember is one plan, or one version of a plan, in a list.
type BackupPlansListMember struct {
	AdvancedBackupSettings []AdvancedBackupSetting `json:"AdvancedBackupSettings,omitempty"`
	BackupPlanArn          string                  `json:"BackupPlanArn"`
	BackupPlanId           string                  `json:"BackupPlanId"`
	BackupPlanName         string                  `json:"BackupPlanName"`
	CreationDate           *Timestamp              `json:"CreationDate,omitempty"`
	CreatorRequestId       string                  `json:"CreatorRequestId,omitempty"`
	DeletionDate           *Timestamp              `json:"DeletionDate,omitempty"`
	LastExecutionDate      *Timestamp              `json:"LastExecutionDate,omitempty"`
	VersionId              string                  `json:"VersionId"`
}

// ListBackupPlansInput is the wire input of ListBackupPlans.
type ListBackupPlansInput struct {
	IncludeDeleted *bool  `json:"IncludeDeleted,omitempty"`
	MaxResults     *int32 `json:"MaxResults,omitempty"`
	NextToken      string `json:"NextToken,omitempty"`
}

// ListBackupPlansOutput is the wire output of ListBackupPlans.
type ListBackupPlansOutput struct {
	BackupPlansList []*BackupPlansListMember `json:"BackupPlansList"`
	NextToken       string                   `json:"NextToken,omitempty"`
}

// ListBackupPlanVersionsInput is the wire input of ListBackupPlanVersions.
type ListBackupPlanVersionsInput struct {
	BackupPlanId string `json:"BackupPlanId"`
	MaxResults   *int32 `json:"MaxResults,omitempty"`
	NextToken    string `json:"NextToken,omitempty"`
}

// ListBackupPlanVersionsOutput is the wire output of ListBackupPlanVersions.
type ListBackupPlanVersionsOutput struct {
	BackupPlanVersionsList []*BackupPlansListMember `json:"BackupPlanVersionsList"`
	NextToken              string                   `json:"NextToken,omitempty"`
}
