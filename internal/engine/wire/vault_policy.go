package wire

// PutBackupVaultAccessPolicyInput is the wire input of PutBackupVaultAccessPolicy.
type PutBackupVaultAccessPolicyInput struct {
	BackupVaultName string  `json:"BackupVaultName"`
	Policy          *string `json:"Policy,omitempty"`
}

// GetBackupVaultAccessPolicyInput is the wire input of GetBackupVaultAccessPolicy.
type GetBackupVaultAccessPolicyInput struct {
	BackupVaultName string `json:"BackupVaultName"`
}

// GetBackupVaultAccessPolicyOutput is the wire output of GetBackupVaultAccessPolicy.
type GetBackupVaultAccessPolicyOutput struct {
	BackupVaultArn  string `json:"BackupVaultArn"`
	BackupVaultName string `json:"BackupVaultName"`
	Policy          string `json:"Policy"`
}

// DeleteBackupVaultAccessPolicyInput is the wire input of DeleteBackupVaultAccessPolicy.
type DeleteBackupVaultAccessPolicyInput struct {
	BackupVaultName string `json:"BackupVaultName"`
}
