package wire

// StartCopyJobInput is the wire input of StartCopyJob.
type StartCopyJobInput struct {
	SourceBackupVaultName     string     `json:"SourceBackupVaultName"`
	RecoveryPointArn          string     `json:"RecoveryPointArn"`
	DestinationBackupVaultArn string     `json:"DestinationBackupVaultArn"`
	IamRoleArn                string     `json:"IamRoleArn"`
	IdempotencyToken          string     `json:"IdempotencyToken,omitempty"`
	Lifecycle                 *Lifecycle `json:"Lifecycle,omitempty"`
}

// StartCopyJobOutput is the wire output of StartCopyJob.
type StartCopyJobOutput struct {
	CopyJobId    string     `json:"CopyJobId"`
	CreationDate *Timestamp `json:"CreationDate"`
	IsParent     bool       `json:"IsParent"`
}

// CopyJob is the model's CopyJob.
type CopyJob struct {
	AccountId                         string                `json:"AccountId"`
	BackupSizeInBytes                 int64                 `json:"BackupSizeInBytes"`
	CompletionDate                    *Timestamp            `json:"CompletionDate,omitempty"`
	CopyJobId                         string                `json:"CopyJobId"`
	CreatedBy                         *RecoveryPointCreator `json:"CreatedBy,omitempty"`
	CreatedByBackupJobId              string                `json:"CreatedByBackupJobId,omitempty"`
	CreationDate                      *Timestamp            `json:"CreationDate"`
	DestinationBackupVaultArn         string                `json:"DestinationBackupVaultArn"`
	DestinationEncryptionKeyArn       string                `json:"DestinationEncryptionKeyArn,omitempty"`
	DestinationRecoveryPointArn       string                `json:"DestinationRecoveryPointArn,omitempty"`
	DestinationRecoveryPointLifecycle *Lifecycle            `json:"DestinationRecoveryPointLifecycle,omitempty"`
	DestinationVaultLockState         string                `json:"DestinationVaultLockState,omitempty"`
	DestinationVaultType              string                `json:"DestinationVaultType,omitempty"`
	IamRoleArn                        string                `json:"IamRoleArn"`
	IsParent                          bool                  `json:"IsParent"`
	MessageCategory                   string                `json:"MessageCategory,omitempty"`
	ResourceArn                       string                `json:"ResourceArn"`
	ResourceName                      string                `json:"ResourceName,omitempty"`
	ResourceType                      string                `json:"ResourceType"`
	SourceBackupVaultArn              string                `json:"SourceBackupVaultArn"`
	SourceRecoveryPointArn            string                `json:"SourceRecoveryPointArn"`
	State                             string                `json:"State"`
	StatusMessage                     string                `json:"StatusMessage,omitempty"`
}

// DescribeCopyJobInput is the wire input of DescribeCopyJob.
type DescribeCopyJobInput struct {
	CopyJobId string `json:"CopyJobId"`
}

// DescribeCopyJobOutput is the wire output of DescribeCopyJob.
type DescribeCopyJobOutput struct {
	CopyJob *CopyJob `json:"CopyJob"`
}

// ListCopyJobsInput is the wire input of ListCopyJobs.
type ListCopyJobsInput struct {
	ByAccountId              string     `json:"ByAccountId,omitempty"`
	ByCompleteAfter          *Timestamp `json:"ByCompleteAfter,omitempty"`
	ByCompleteBefore         *Timestamp `json:"ByCompleteBefore,omitempty"`
	ByCreatedAfter           *Timestamp `json:"ByCreatedAfter,omitempty"`
	ByCreatedBefore          *Timestamp `json:"ByCreatedBefore,omitempty"`
	ByDestinationVaultArn    string     `json:"ByDestinationVaultArn,omitempty"`
	ByMessageCategory        string     `json:"ByMessageCategory,omitempty"`
	ByParentJobId            string     `json:"ByParentJobId,omitempty"`
	ByResourceArn            string     `json:"ByResourceArn,omitempty"`
	ByResourceType           string     `json:"ByResourceType,omitempty"`
	BySourceRecoveryPointArn string     `json:"BySourceRecoveryPointArn,omitempty"`
	ByState                  string     `json:"ByState,omitempty"`
	MaxResults               *int32     `json:"MaxResults,omitempty"`
	NextToken                string     `json:"NextToken,omitempty"`
}

// ListCopyJobsOutput is the wire output of ListCopyJobs.
type ListCopyJobsOutput struct {
	CopyJobs  []*CopyJob `json:"CopyJobs"`
	NextToken string     `json:"NextToken,omitempty"`
}

// ListCopyJobSummariesInput is the wire input of ListCopyJobSummaries.
type ListCopyJobSummariesInput struct {
	AccountId         string `json:"AccountId,omitempty"`
	AggregationPeriod string `json:"AggregationPeriod,omitempty"`
	MaxResults        *int32 `json:"MaxResults,omitempty"`
	MessageCategory   string `json:"MessageCategory,omitempty"`
	NextToken         string `json:"NextToken,omitempty"`
	ResourceType      string `json:"ResourceType,omitempty"`
	State             string `json:"State,omitempty"`
}

// CopyJobSummary is the model's CopyJobSummary.
type CopyJobSummary struct {
	AccountId       string     `json:"AccountId"`
	Count           int        `json:"Count"`
	EndTime         *Timestamp `json:"EndTime"`
	MessageCategory string     `json:"MessageCategory"`
	Region          string     `json:"Region"`
	ResourceType    string     `json:"ResourceType"`
	StartTime       *Timestamp `json:"StartTime"`
	State           string     `json:"State"`
}

// ListCopyJobSummariesOutput is the wire output of ListCopyJobSummaries.
type ListCopyJobSummariesOutput struct {
	AggregationPeriod string            `json:"AggregationPeriod"`
	CopyJobSummaries  []*CopyJobSummary `json:"CopyJobSummaries"`
	NextToken         string            `json:"NextToken,omitempty"`
}
