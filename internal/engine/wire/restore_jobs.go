package wire

// StartRestoreJobInput is the wire input of StartRestoreJob.
type StartRestoreJobInput struct {
	RecoveryPointArn                 string            `json:"RecoveryPointArn"`
	Metadata                         map[string]string `json:"Metadata"`
	IamRoleArn                       string            `json:"IamRoleArn,omitempty"`
	IdempotencyToken                 string            `json:"IdempotencyToken,omitempty"`
	ResourceType                     string            `json:"ResourceType,omitempty"`
	CopySourceTagsToRestoredResource *bool             `json:"CopySourceTagsToRestoredResource,omitempty"`
}

// StartRestoreJobOutput is the wire output of StartRestoreJob.
type StartRestoreJobOutput struct {
	RestoreJobId string `json:"RestoreJobId"`
}

// RestoreJob is the model's RestoreJobsListMember; DescribeRestoreJob answers the same members.
type RestoreJob struct {
	AccountId                 string             `json:"AccountId"`
	BackupSizeInBytes         int64              `json:"BackupSizeInBytes"`
	BackupVaultArn            string             `json:"BackupVaultArn,omitempty"`
	CompletionDate            *Timestamp         `json:"CompletionDate,omitempty"`
	CreatedBy                 *RestoreJobCreator `json:"CreatedBy,omitempty"`
	CreatedResourceArn        string             `json:"CreatedResourceArn,omitempty"`
	CreationDate              *Timestamp         `json:"CreationDate"`
	DeletionStatus            string             `json:"DeletionStatus,omitempty"`
	DeletionStatusMessage     string             `json:"DeletionStatusMessage,omitempty"`
	IamRoleArn                string             `json:"IamRoleArn,omitempty"`
	IsParent                  bool               `json:"IsParent"`
	PercentDone               string             `json:"PercentDone"`
	RecoveryPointArn          string             `json:"RecoveryPointArn"`
	RecoveryPointCreationDate *Timestamp         `json:"RecoveryPointCreationDate,omitempty"`
	ResourceType              string             `json:"ResourceType"`
	RestoreJobId              string             `json:"RestoreJobId"`
	SourceResourceArn         string             `json:"SourceResourceArn,omitempty"`
	Status                    string             `json:"Status"`
	StatusMessage             string             `json:"StatusMessage,omitempty"`
	ValidationStatus          string             `json:"ValidationStatus,omitempty"`
	ValidationStatusMessage   string             `json:"ValidationStatusMessage,omitempty"`
}

// DescribeRestoreJobInput is the wire input of DescribeRestoreJob and GetRestoreJobMetadata.
type DescribeRestoreJobInput struct {
	RestoreJobId string `json:"RestoreJobId"`
}

// GetRestoreJobMetadataOutput is the wire output of GetRestoreJobMetadata.
type GetRestoreJobMetadataOutput struct {
	Metadata     map[string]string `json:"Metadata"`
	RestoreJobId string            `json:"RestoreJobId"`
}

// ListRestoreJobsInput is the wire input of ListRestoreJobs.
type ListRestoreJobsInput struct {
	ByAccountId             string     `json:"ByAccountId,omitempty"`
	ByCompleteAfter         *Timestamp `json:"ByCompleteAfter,omitempty"`
	ByCompleteBefore        *Timestamp `json:"ByCompleteBefore,omitempty"`
	ByCreatedAfter          *Timestamp `json:"ByCreatedAfter,omitempty"`
	ByCreatedBefore         *Timestamp `json:"ByCreatedBefore,omitempty"`
	ByParentJobId           string     `json:"ByParentJobId,omitempty"`
	ByResourceType          string     `json:"ByResourceType,omitempty"`
	ByRestoreTestingPlanArn string     `json:"ByRestoreTestingPlanArn,omitempty"`
	ByStatus                string     `json:"ByStatus,omitempty"`
	MaxResults              *int32     `json:"MaxResults,omitempty"`
	NextToken               string     `json:"NextToken,omitempty"`
}

// ListRestoreJobsOutput is the wire output of ListRestoreJobs.
type ListRestoreJobsOutput struct {
	RestoreJobs []*RestoreJob `json:"RestoreJobs"`
	NextToken   string        `json:"NextToken,omitempty"`
}

// ListRestoreJobsByProtectedResourceInput is the wire input of ListRestoreJobsByProtectedResource.
type ListRestoreJobsByProtectedResourceInput struct {
	ResourceArn                       string     `json:"ResourceArn"`
	ByRecoveryPointCreationDateAfter  *Timestamp `json:"ByRecoveryPointCreationDateAfter,omitempty"`
	ByRecoveryPointCreationDateBefore *Timestamp `json:"ByRecoveryPointCreationDateBefore,omitempty"`
	ByStatus                          string     `json:"ByStatus,omitempty"`
	MaxResults                        *int32     `json:"MaxResults,omitempty"`
	NextToken                         string     `json:"NextToken,omitempty"`
}
