# Completed restores of EFS file systems.
data "backup_restore_jobs" "efs" {
  resource_type = "EFS"
  status        = "COMPLETED"
}

output "restored_to" {
  value = [for j in data.backup_restore_jobs.efs.restore_jobs : j.created_resource_arn]
}

# The restore tests of a restore testing plan: did each validate, and was its copy deleted?
data "backup_restore_jobs" "weekly_tests" {
  restore_testing_plan_arn = backup_restore_testing_plan.weekly.arn
}

output "failed_restore_tests" {
  value = [for j in data.backup_restore_jobs.weekly_tests.restore_jobs : j.restore_job_id
  if j.validation_status != "SUCCESSFUL" || j.deletion_status != "SUCCESSFUL"]
}
