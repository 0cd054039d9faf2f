package wire

// StartBackupJobInput is the wire input of StartBackupJob.
type StartBackupJobInput struct {
	BackupVaultName                  string            `json:"BackupVaultName"`
	ResourceArn                      string            `json:"ResourceArn"`
	IamRoleArn                       string            `json:"IamRoleArn"`
	IdempotencyToken                 string            `json:"IdempotencyToken,omitempty"`
	Lifecycle                        *Lifecycle        `json:"Lifecycle,omitempty"`
	RecoveryPointTags                map[string]string `json:"RecoveryPointTags,omitempty"`
	StartWindowMinutes               *int64            `json:"StartWindowMinutes,omitempty"`
	CompleteWindowMinutes            *int64            `json:"CompleteWindowMinutes,omitempty"`
	BackupOptions                    map[string]string `json:"BackupOptions,omitempty"`
	Index                            string            `json:"Index,omitempty"`
	LogicallyAirGappedBackupVaultArn string            `json:"LogicallyAirGappedBackupVaultArn,omitempty"`
}

// StartBackupJobOutput is the wire output of StartBackupJob.
type StartBackupJobOutput struct {
	BackupJobId      string     `json:"BackupJobId"`
	CreationDate     *Timestamp `json:"CreationDate"`
	IsParent         bool       `json:"IsParent"`
	RecoveryPointArn string     `json:"RecoveryPointArn"`
}

// BackupJob is the model's BackupJob (ListBackupJobs); DescribeBackupJob answers the same members.
type BackupJob struct {
	AccountId              string                `json:"AccountId"`
	BackupJobId            string                `json:"BackupJobId"`
	BackupSizeInBytes      int64                 `json:"BackupSizeInBytes"`
	BackupVaultArn         string                `json:"BackupVaultArn"`
	BackupVaultName        string                `json:"BackupVaultName"`
	BytesTransferred       int64                 `json:"BytesTransferred"`
	CompletionDate         *Timestamp            `json:"CompletionDate,omitempty"`
	CreatedBy              *RecoveryPointCreator `json:"CreatedBy,omitempty"`
	CreationDate           *Timestamp            `json:"CreationDate"`
	EncryptionKeyArn       string                `json:"EncryptionKeyArn,omitempty"`
	ExpectedCompletionDate *Timestamp            `json:"ExpectedCompletionDate,omitempty"`
	IamRoleArn             string                `json:"IamRoleArn"`
	InitiationDate         *Timestamp            `json:"InitiationDate,omitempty"`
	IsEncrypted            bool                  `json:"IsEncrypted"`
	IsParent               bool                  `json:"IsParent"`
	MessageCategory        string                `json:"MessageCategory,omitempty"`
	PercentDone            string                `json:"PercentDone"`
	RecoveryPointArn       string                `json:"RecoveryPointArn,omitempty"`
	RecoveryPointLifecycle *Lifecycle            `json:"RecoveryPointLifecycle,omitempty"`
	ResourceArn            string                `json:"ResourceArn"`
	ResourceName           string                `json:"ResourceName,omitempty"`
	ResourceType           string                `json:"ResourceType"`
	StartBy                *Timestamp            `json:"StartBy,omitempty"`
	State                  string                `json:"State"`
	StatusMessage          string                `json:"StatusMessage,omitempty"`
	VaultType              string                `json:"VaultType,omitempty"`
}

// DescribeBackupJobInput is the wire input of DescribeBackupJob.
type DescribeBackupJobInput struct {
	BackupJobId string `json:"BackupJobId"`
}

// DescribeBackupJobOutput is the wire output of DescribeBackupJob.
type DescribeBackupJobOutput struct {
	BackupJob
	ChildJobsInState  map[string]int64 `json:"ChildJobsInState,omitempty"`
	NumberOfChildJobs int64            `json:"NumberOfChildJobs"`
}

// ListBackupJobsInput is the wire input of ListBackupJobs.
type ListBackupJobsInput struct {
	ByAccountId       string     `json:"ByAccountId,omitempty"`
	ByBackupVaultName string     `json:"ByBackupVaultName,omitempty"`
	ByCompleteAfter   *Timestamp `json:"ByCompleteAfter,omitempty"`
	ByCompleteBefore  *Timestamp `json:"ByCompleteBefore,omitempty"`
	ByCreatedAfter    *Timestamp `json:"ByCreatedAfter,omitempty"`
	ByCreatedBefore   *Timestamp `json:"ByCreatedBefore,omitempty"`
	ByMessageCategory string     `json:"ByMessageCategory,omitempty"`
	ByParentJobId     string     `json:"ByParentJobId,omitempty"`
	ByResourceArn     string     `json:"ByResourceArn,omitempty"`
	ByResourceType    string     `json:"ByResourceType,omitempty"`
	ByState           string     `json:"ByState,omitempty"`
	MaxResults        *int32     `json:"MaxResults,omitempty"`
	NextToken         string     `json:"NextToken,omitempty"`
}

// ListBackupJobsOutput is the wire output of ListBackupJobs.
type ListBackupJobsOutput struct {
	BackupJobs []*BackupJob `json:"BackupJobs"`
	NextToken  string       `json:"NextToken,omitempty"`
}

// StopBackupJobInput is the wire input of StopBackupJob.
type StopBackupJobInput struct {
	BackupJobId string `json:"BackupJobId"`
}
