package wire

// ProtectedResource is the model's ProtectedResource.
type ProtectedResource struct {
	LastBackupTime       *Timestamp `json:"LastBackupTime,omitempty"`
	LastBackupVaultArn   string     `json:"LastBackupVaultArn,omitempty"`
	LastRecoveryPointArn string     `json:"LastRecoveryPointArn,omitempty"`
	ResourceArn          string     `json:"ResourceArn"`
	ResourceName         string     `json:"ResourceName,omitempty"`
	ResourceType         string     `json:"ResourceType"`
}

// ListProtectedResourcesInput is the wire input of ListProtectedResources.
type ListProtectedResourcesInput struct {
	MaxResults *int32 `json:"MaxResults,omitempty"`
	NextToken  string `json:"NextToken,omitempty"`
}

// ListProtectedResourcesOutput is the wire output of ListProtectedResources.
type ListProtectedResourcesOutput struct {
	Results   []*ProtectedResource `json:"Results"`
	NextToken string               `json:"NextToken,omitempty"`
}

// DescribeProtectedResourceInput is the wire input of DescribeProtectedResource.
type DescribeProtectedResourceInput struct {
	ResourceArn string `json:"ResourceArn"`
}

// DescribeProtectedResourceOutput is the wire output of DescribeProtectedResource.
type DescribeProtectedResourceOutput struct {
	ProtectedResource
	LatestRestoreExecutionTimeMinutes      *int64     `json:"LatestRestoreExecutionTimeMinutes,omitempty"`
	LatestRestoreJobCreationDate           *Timestamp `json:"LatestRestoreJobCreationDate,omitempty"`
	LatestRestoreRecoveryPointCreationDate *Timestamp `json:"LatestRestoreRecoveryPointCreationDate,omitempty"`
}

// ListProtectedResourcesByBackupVaultInput is the wire input of ListProtectedResourcesByBackupVault.
type ListProtectedResourcesByBackupVaultInput struct {
	BackupVaultName      string `json:"BackupVaultName"`
	BackupVaultAccountId string `json:"BackupVaultAccountId,omitempty"`
	MaxResults           *int32 `json:"MaxResults,omitempty"`
	NextToken            string `json:"NextToken,omitempty"`
}
