# Restore a recovery point into a new directory on demand (Terraform 1.14 or later):
#   terraform apply -invoke=action.backup_start_restore_job.to_scratch
action "backup_start_restore_job" "to_scratch" {
  config {
    recovery_point_arn = var.recovery_point_arn
    metadata = {
      newFileSystem      = "true"
      "destination-path" = "/srv/scratch/restored"
    }
    timeout = "2h"
  }
}
