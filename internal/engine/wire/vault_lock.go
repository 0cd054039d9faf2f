package wire

// PutBackupVaultLockConfigurationInput is the wire input of PutBackupVaultLockConfiguration.
type PutBackupVaultLockConfigurationInput struct {
	BackupVaultName   string `json:"BackupVaultName"`
	ChangeableForDays *int64 `json:"ChangeableForDays,omitempty"`
	MaxRetentionDays  *int64 `json:"MaxRetentionDays,omitempty"`
	MinRetentionDays  *int64 `json:"MinRetentionDays,omitempty"`
}

// DeleteBackupVaultLockConfigurationInput is the wire input of DeleteBackupVaultLockConfiguration.
type DeleteBackupVaultLockConfigurationInput struct {
	BackupVaultName string `json:"BackupVaultName"`
}
