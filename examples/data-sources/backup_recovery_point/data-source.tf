data "backup_recovery_point" "point" {
  vault_name         = "prod-primary-vault"
  recovery_point_arn = "arn:aws:backup:us-east-1:123456789012:recovery-point:01932d4e-5f6a-7b8c-9d0e-1f2a3b4c5d6e"
}

# What a restore of it starts from (for EFS: file-system-id, newFileSystem, source-path, ...).
output "restore_metadata" {
  value = data.backup_recovery_point.point.restore_metadata
}
