package wire

// RecoveryPointCreator is the model's RecoveryPointCreator, stored as-is in a point.

// DescribeRecoveryPointInput is the wire input of DescribeRecoveryPoint.
type DescribeRecoveryPointInput struct {
	BackupVaultName      string `json:"BackupVaultName"`
	RecoveryPointArn     string `json:"RecoveryPointArn"`
	BackupVaultAccountId string `json:"BackupVaultAccountId,omitempty"`
}

// DescribeRecoveryPointOutput is the wire output of DescribeRecoveryPoint.
type DescribeRecoveryPointOutput struct {
	BackupSizeInBytes    int64                 `json:"BackupSizeInBytes"`
	BackupVaultArn       string                `json:"BackupVaultArn"`
	BackupVaultName      string                `json:"BackupVaultName"`
	CalculatedLifecycle  *CalculatedLifecycle  `json:"CalculatedLifecycle,omitempty"`
	CompletionDate       *Timestamp            `json:"CompletionDate,omitempty"`
	CreatedBy            *RecoveryPointCreator `json:"CreatedBy,omitempty"`
	CreationDate         *Timestamp            `json:"CreationDate,omitempty"`
	EncryptionKeyArn     string                `json:"EncryptionKeyArn,omitempty"`
	EncryptionKeyType    string                `json:"EncryptionKeyType,omitempty"`
	IamRoleArn           string                `json:"IamRoleArn,omitempty"`
	InitiationDate       *Timestamp            `json:"InitiationDate,omitempty"`
	IsEncrypted          bool                  `json:"IsEncrypted"`
	IsParent             bool                  `json:"IsParent"`
	LastRestoreTime      *Timestamp            `json:"LastRestoreTime,omitempty"`
	Lifecycle            *Lifecycle            `json:"Lifecycle,omitempty"`
	RecoveryPointArn     string                `json:"RecoveryPointArn"`
	ResourceArn          string                `json:"ResourceArn"`
	ResourceName         string                `json:"ResourceName,omitempty"`
	ResourceType         string                `json:"ResourceType"`
	SourceBackupVaultArn string                `json:"SourceBackupVaultArn,omitempty"`
	Status               string                `json:"Status"`
	StatusMessage        string                `json:"StatusMessage,omitempty"`
	StorageClass         string                `json:"StorageClass"`
	VaultType            string                `json:"VaultType,omitempty"`
}

// ListRecoveryPointsByBackupVaultInput is the wire input of ListRecoveryPointsByBackupVault.
type ListRecoveryPointsByBackupVaultInput struct {
	BackupVaultName          string     `json:"BackupVaultName"`
	BackupVaultAccountId     string     `json:"BackupVaultAccountId,omitempty"`
	ByBackupPlanId           string     `json:"ByBackupPlanId,omitempty"`
	ByCreatedAfter           *Timestamp `json:"ByCreatedAfter,omitempty"`
	ByCreatedBefore          *Timestamp `json:"ByCreatedBefore,omitempty"`
	ByParentRecoveryPointArn string     `json:"ByParentRecoveryPointArn,omitempty"`
	ByResourceArn            string     `json:"ByResourceArn,omitempty"`
	ByResourceType           string     `json:"ByResourceType,omitempty"`
	MaxResults               *int32     `json:"MaxResults,omitempty"`
	NextToken                string     `json:"NextToken,omitempty"`
}

// RecoveryPointByBackupVault is one point in ListRecoveryPointsByBackupVault.
type RecoveryPointByBackupVault struct {
	BackupSizeInBytes    int64                 `json:"BackupSizeInBytes"`
	BackupVaultArn       string                `json:"BackupVaultArn"`
	BackupVaultName      string                `json:"BackupVaultName"`
	CalculatedLifecycle  *CalculatedLifecycle  `json:"CalculatedLifecycle,omitempty"`
	CompletionDate       *Timestamp            `json:"CompletionDate,omitempty"`
	CreatedBy            *RecoveryPointCreator `json:"CreatedBy,omitempty"`
	CreationDate         *Timestamp            `json:"CreationDate,omitempty"`
	EncryptionKeyArn     string                `json:"EncryptionKeyArn,omitempty"`
	EncryptionKeyType    string                `json:"EncryptionKeyType,omitempty"`
	IamRoleArn           string                `json:"IamRoleArn,omitempty"`
	InitiationDate       *Timestamp            `json:"InitiationDate,omitempty"`
	IsEncrypted          bool                  `json:"IsEncrypted"`
	IsParent             bool                  `json:"IsParent"`
	LastRestoreTime      *Timestamp            `json:"LastRestoreTime,omitempty"`
	Lifecycle            *Lifecycle            `json:"Lifecycle,omitempty"`
	RecoveryPointArn     string                `json:"RecoveryPointArn"`
	ResourceArn          string                `json:"ResourceArn"`
	ResourceName         string                `json:"ResourceName,omitempty"`
	ResourceType         string                `json:"ResourceType"`
	SourceBackupVaultArn string                `json:"SourceBackupVaultArn,omitempty"`
	Status               string                `json:"Status"`
	StatusMessage        string                `json:"StatusMessage,omitempty"`
	VaultType            string                `json:"VaultType,omitempty"`
}

// ListRecoveryPointsByBackupVaultOutput is the wire output of ListRecoveryPointsByBackupVault.
type ListRecoveryPointsByBackupVaultOutput struct {
	RecoveryPoints []*RecoveryPointByBackupVault `json:"RecoveryPoints"`
	NextToken      string                        `json:"NextToken,omitempty"`
}

// ListRecoveryPointsByResourceInput is the wire input of ListRecoveryPointsByResource.
type ListRecoveryPointsByResourceInput struct {
	ResourceArn            string `json:"ResourceArn"`
	ManagedByAWSBackupOnly *bool  `json:"ManagedByAWSBackupOnly,omitempty"`
	MaxResults             *int32 `json:"MaxResults,omitempty"`
	NextToken              string `json:"NextToken,omitempty"`
}

// RecoveryPointByResource is one point in ListRecoveryPointsByResource.
type RecoveryPointByResource struct {
	BackupSizeBytes   int64      `json:"BackupSizeBytes"`
	BackupVaultName   string     `json:"BackupVaultName"`
	CreationDate      *Timestamp `json:"CreationDate,omitempty"`
	EncryptionKeyArn  string     `json:"EncryptionKeyArn,omitempty"`
	EncryptionKeyType string     `json:"EncryptionKeyType,omitempty"`
	IsParent          bool       `json:"IsParent"`
	RecoveryPointArn  string     `json:"RecoveryPointArn"`
	ResourceName      string     `json:"ResourceName,omitempty"`
	Status            string     `json:"Status"`
	StatusMessage     string     `json:"StatusMessage,omitempty"`
	VaultType         string     `json:"VaultType,omitempty"`
}

// ListRecoveryPointsByResourceOutput is the wire output of ListRecoveryPointsByResource.
type ListRecoveryPointsByResourceOutput struct {
	RecoveryPoints []*RecoveryPointByResource `json:"RecoveryPoints"`
	NextToken      string                     `json:"NextToken,omitempty"`
}

// DeleteRecoveryPointInput is the wire input of DeleteRecoveryPoint.
type DeleteRecoveryPointInput struct {
	BackupVaultName  string `json:"BackupVaultName"`
	RecoveryPointArn string `json:"RecoveryPointArn"`
}

// UpdateRecoveryPointLifecycleInput is the wire input of UpdateRecoveryPointLifecycle.
type UpdateRecoveryPointLifecycleInput struct {
	BackupVaultName  string     `json:"BackupVaultName"`
	RecoveryPointArn string     `json:"RecoveryPointArn"`
	Lifecycle        *Lifecycle `json:"Lifecycle,omitempty"`
}

// UpdateRecoveryPointLifecycleOutput is the wire output of UpdateRecoveryPointLifecycle.
type UpdateRecoveryPointLifecycleOutput struct {
	BackupVaultArn      string               `json:"BackupVaultArn"`
	CalculatedLifecycle *CalculatedLifecycle `json:"CalculatedLifecycle,omitempty"`
	Lifecycle           *Lifecycle           `json:"Lifecycle,omitempty"`
	RecoveryPointArn    string               `json:"RecoveryPointArn"`
}

// GetRecoveryPointRestoreMetadataInput is the wire input of GetRecoveryPointRestoreMetadata.
type GetRecoveryPointRestoreMetadataInput struct {
	BackupVaultName      string `json:"BackupVaultName"`
	RecoveryPointArn     string `json:"RecoveryPointArn"`
	BackupVaultAccountId string `json:"BackupVaultAccountId,omitempty"`
}

// GetRecoveryPointRestoreMetadataOutput is the wire output of GetRecoveryPointRestoreMetadata.
type GetRecoveryPointRestoreMetadataOutput struct {
	BackupVaultArn   string            `json:"BackupVaultArn"`
	RecoveryPointArn string            `json:"RecoveryPointArn"`
	ResourceType     string            `json:"ResourceType"`
	RestoreMetadata  map[string]string `json:"RestoreMetadata"`
}
