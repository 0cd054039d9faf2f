# Backup jobs of the production vault that did not complete in the last day.
data "backup_backup_jobs" "failed" {
  vault_name    = "prod-primary-vault"
  state         = "FAILED"
  created_after = timeadd(plantimestamp(), "-24h")
}

output "failed_resources" {
  value = [for j in data.backup_backup_jobs.failed.backup_jobs : "${j.resource_arn}: ${j.status_message}"]
}
