# Completed restores of EFS file systems.
data "backup_restore_jobs" "efs" {
  resource_type = "EFS"
  status        = "COMPLETED"
}

output "restored_to" {
  value = [for j in data.backup_restore_jobs.efs.restore_jobs : j.created_resource_arn]
}
