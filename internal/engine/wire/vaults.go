package wire

// CreateBackupVaultInput is the wire input of CreateBackupVault.
type CreateBackupVaultInput struct {
	BackupVaultName  string            `json:"BackupVaultName"`
	BackupVaultTags  map[string]string `json:"BackupVaultTags,omitempty"`
	CreatorRequestId string            `json:"CreatorRequestId,omitempty"`
	EncryptionKeyArn string            `json:"EncryptionKeyArn,omitempty"`
}

// CreateBackupVaultOutput is the wire output of CreateBackupVault.
type CreateBackupVaultOutput struct {
	BackupVaultArn  string     `json:"BackupVaultArn"`
	BackupVaultName string     `json:"BackupVaultName"`
	CreationDate    *Timestamp `json:"CreationDate"`
}

// DescribeBackupVaultInput is the wire input of DescribeBackupVault.
type DescribeBackupVaultInput struct {
	BackupVaultName      string `json:"BackupVaultName"`
	BackupVaultAccountId string `json:"BackupVaultAccountId,omitempty"`
}

// DescribeBackupVaultOutput is the wire output of DescribeBackupVault.
type DescribeBackupVaultOutput struct {
	BackupVaultArn         string     `json:"BackupVaultArn"`
	BackupVaultName        string     `json:"BackupVaultName"`
	CreationDate           *Timestamp `json:"CreationDate,omitempty"`
	CreatorRequestId       string     `json:"CreatorRequestId,omitempty"`
	EncryptionKeyArn       string     `json:"EncryptionKeyArn,omitempty"`
	EncryptionKeyType      string     `json:"EncryptionKeyType,omitempty"`
	NumberOfRecoveryPoints int64      `json:"NumberOfRecoveryPoints"`
	VaultState             string     `json:"VaultState,omitempty"`
	VaultType              string     `json:"VaultType,omitempty"`
	Locked                 *bool      `json:"Locked,omitempty"`
	MinRetentionDays       *int64     `json:"MinRetentionDays,omitempty"`
	MaxRetentionDays       *int64     `json:"MaxRetentionDays,omitempty"`
	LockDate               *Timestamp `json:"LockDate,omitempty"`
	SourceBackupVaultArn   string     `json:"SourceBackupVaultArn,omitempty"`

	// Headers are the engine's extra response headers (the lock's changeable-for-days); they are
	// not part of the JSON body.
	Headers map[string]string `json:"-"`
}

// ExtensionHeaders returns response headers the engine adds to AWS's answer; the API layer writes
// them.
func (o *DescribeBackupVaultOutput) ExtensionHeaders() map[string]string { return o.Headers }

// DeleteBackupVaultInput is the wire input of DeleteBackupVault.
type DeleteBackupVaultInput struct {
	BackupVaultName string `json:"BackupVaultName"`
}

// ListBackupVaultsInput is the wire input of ListBackupVaults.
type ListBackupVaultsInput struct {
	ByShared    *bool  `json:"ByShared,omitempty"`
	ByVaultType string `json:"ByVaultType,omitempty"`
	MaxResults  *int32 `json:"MaxResults,omitempty"`
	NextToken   string `json:"NextToken,omitempty"`
}

// BackupVaultListMember is one vault in ListBackupVaults.
type BackupVaultListMember struct {
	BackupVaultArn         string     `json:"BackupVaultArn"`
	BackupVaultName        string     `json:"BackupVaultName"`
	CreationDate           *Timestamp `json:"CreationDate,omitempty"`
	CreatorRequestId       string     `json:"CreatorRequestId,omitempty"`
	EncryptionKeyArn       string     `json:"EncryptionKeyArn,omitempty"`
	EncryptionKeyType      string     `json:"EncryptionKeyType,omitempty"`
	NumberOfRecoveryPoints int64      `json:"NumberOfRecoveryPoints"`
	VaultState             string     `json:"VaultState,omitempty"`
	VaultType              string     `json:"VaultType,omitempty"`
	Locked                 *bool      `json:"Locked,omitempty"`
	MinRetentionDays       *int64     `json:"MinRetentionDays,omitempty"`
	MaxRetentionDays       *int64     `json:"MaxRetentionDays,omitempty"`
	LockDate               *Timestamp `json:"LockDate,omitempty"`
}

// ListBackupVaultsOutput is the wire output of ListBackupVaults.
type ListBackupVaultsOutput struct {
	BackupVaultList []*BackupVaultListMember `json:"BackupVaultList"`
	NextToken       string                   `json:"NextToken,omitempty"`
}
