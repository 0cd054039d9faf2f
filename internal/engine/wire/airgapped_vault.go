package wire

// CreateLogicallyAirGappedBackupVaultInput is the wire input of CreateLogicallyAirGappedBackupVault.
type CreateLogicallyAirGappedBackupVaultInput struct {
	BackupVaultName  string            `json:"BackupVaultName"`
	BackupVaultTags  map[string]string `json:"BackupVaultTags,omitempty"`
	CreatorRequestId string            `json:"CreatorRequestId,omitempty"`
	EncryptionKeyArn string            `json:"EncryptionKeyArn,omitempty"`
	MaxRetentionDays *int64            `json:"MaxRetentionDays"`
	MinRetentionDays *int64            `json:"MinRetentionDays"`
}

// CreateLogicallyAirGappedBackupVaultOutput is the wire output of CreateLogicallyAirGappedBackupVault.
type CreateLogicallyAirGappedBackupVaultOutput struct {
	BackupVaultArn  string     `json:"BackupVaultArn"`
	BackupVaultName string     `json:"BackupVaultName"`
	CreationDate    *Timestamp `json:"CreationDate"`
	VaultState      string     `json:"VaultState"`
}
