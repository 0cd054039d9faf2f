resource "backup_vault" "primary" {
  name = "prod-primary-vault"
}

resource "backup_vault_notifications" "primary" {
  backup_vault_name = backup_vault.primary.name
  sns_topic_arn     = "arn:aws:sns:us-east-1:123456789012:backup-events"
  backup_vault_events = [
    "BACKUP_JOB_FAILED",
    "COPY_JOB_FAILED",
    "RESTORE_JOB_COMPLETED",
  ]
}
