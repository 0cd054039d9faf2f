# Restore the newest recovery point of a directory into a new directory, which becomes a new
# protected resource (created_resource_arn).
data "backup_recovery_points" "app_data" {
  vault_name   = "prod-primary-vault"
  resource_arn = backup_protected_resource.app_data.arn
  status       = "COMPLETED"
}

data "backup_recovery_point" "latest" {
  vault_name         = "prod-primary-vault"
  recovery_point_arn = data.backup_recovery_points.app_data.arns[length(data.backup_recovery_points.app_data.arns) - 1]
}

resource "backup_restore_job" "to_new_directory" {
  recovery_point_arn = data.backup_recovery_point.latest.recovery_point_arn
  metadata = merge(data.backup_recovery_point.latest.restore_metadata, {
    newFileSystem      = "true"
    "destination-path" = "/srv/restore/app-data-20240117"
  })
}

# Put two files back into the original directory; a file that is already there fails the restore
# rather than being overwritten.
resource "backup_restore_job" "two_files" {
  recovery_point_arn = data.backup_recovery_point.latest.recovery_point_arn
  metadata = {
    newFileSystem      = "false"
    "destination-path" = backup_protected_resource.app_data.path
    ItemsToRestore     = jsonencode(["/config/app.yaml", "/docs/runbook.md"])
  }
}

# Restore a bucket's recovery point into a new bucket, which becomes a new protected resource;
# without NewBucket (as the restore metadata says) it restores into the original bucket, skipping
# the objects it still has.
resource "backup_restore_job" "assets_to_new_bucket" {
  recovery_point_arn = var.assets_recovery_point_arn
  metadata = {
    DestinationBucketName = "site-assets-restored"
    NewBucket             = "true"
    ItemsToRestore        = jsonencode(["s3://site-assets/images/", "s3://site-assets/index.html"])
  }
}

variable "assets_recovery_point_arn" {
  type = string
}

output "restored_to" {
  value = backup_restore_job.to_new_directory.destination_path
}
