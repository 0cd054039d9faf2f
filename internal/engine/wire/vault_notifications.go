package wire

// PutBackupVaultNotificationsInput is the wire input of PutBackupVaultNotifications.
type PutBackupVaultNotificationsInput struct {
	BackupVaultName   string   `json:"BackupVaultName"`
	SNSTopicArn       string   `json:"SNSTopicArn"`
	BackupVaultEvents []string `json:"BackupVaultEvents"`
}

// GetBackupVaultNotificationsInput is the wire input of GetBackupVaultNotifications.
type GetBackupVaultNotificationsInput struct {
	BackupVaultName string `json:"BackupVaultName"`
}

// GetBackupVaultNotificationsOutput is the wire output of GetBackupVaultNotifications.
type GetBackupVaultNotificationsOutput struct {
	BackupVaultArn    string   `json:"BackupVaultArn"`
	BackupVaultName   string   `json:"BackupVaultName"`
	SNSTopicArn       string   `json:"SNSTopicArn"`
	BackupVaultEvents []string `json:"BackupVaultEvents"`
}

// DeleteBackupVaultNotificationsInput is the wire input of DeleteBackupVaultNotifications.
type DeleteBackupVaultNotificationsInput struct {
	BackupVaultName string `json:"BackupVaultName"`
}
