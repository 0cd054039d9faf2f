# The quickstart `make demo` applies on the embedded engine: protect a directory, back it up into
# a vault, find the recovery point, and restore it to a new directory.
terraform {
  required_providers {
    backup = {
      source = "strongroom/backup"
    }
  }
}

variable "data_dir" {
  type        = string
  description = "Where the embedded engine keeps its state."
}

variable "source_dir" {
  type        = string
  description = "The directory to protect (absolute path)."
}

variable "restore_dir" {
  type        = string
  description = "Where to restore it: a directory that does not exist yet (absolute path)."
}

provider "backup" {
  data_dir = var.data_dir

  default_tags {
    tags = {
      managed_by = "terraform"
    }
  }
}

# 1. Register the directory: it becomes an EFS-like file system with an ARN.
resource "backup_protected_resource" "app_data" {
  type = "EFS"
  path = var.source_dir

  tags = {
    Name   = "app-data"
    Backup = "true"
  }
}

# 2. A vault to keep recovery points in.
resource "backup_vault" "primary" {
  name = "prod-primary-vault"

  tags = {
    team = "platform"
  }
}

# 3. An on-demand backup: apply waits until the backup job has completed.
resource "backup_recovery_point" "before_release" {
  vault_name   = backup_vault.primary.name
  resource_arn = backup_protected_resource.app_data.arn
  delete_after = 35

  tags = {
    reason = "before-release"
  }
}

# 4. The vault's EFS recovery points, as `aws backup list-recovery-points-by-backup-vault` shows them.
data "backup_recovery_points" "efs" {
  vault_name    = backup_vault.primary.name
  resource_type = "EFS"

  depends_on = [backup_recovery_point.before_release]
}

# The newest one, with the metadata a restore starts from.
data "backup_recovery_point" "latest" {
  vault_name         = backup_vault.primary.name
  recovery_point_arn = data.backup_recovery_points.efs.arns[length(data.backup_recovery_points.efs.arns) - 1]
}

# 5. Restore it to a new directory: the restore metadata, with a new destination.
resource "backup_restore_job" "to_new_directory" {
  recovery_point_arn = data.backup_recovery_point.latest.recovery_point_arn
  metadata = merge(data.backup_recovery_point.latest.restore_metadata, {
    "destination-path" = var.restore_dir
  })
}

output "protected_resource_arn" {
  value = backup_protected_resource.app_data.arn
}

output "recovery_point" {
  value = {
    arn          = backup_recovery_point.before_release.arn
    backup_job   = backup_recovery_point.before_release.backup_job_id
    status       = backup_recovery_point.before_release.status
    size_bytes   = backup_recovery_point.before_release.backup_size_bytes
    delete_at    = backup_recovery_point.before_release.calculated_lifecycle.delete_at
    storage      = backup_recovery_point.before_release.storage_class
    vault_points = length(data.backup_recovery_points.efs.arns)
  }
}

output "restore_metadata" {
  value = data.backup_recovery_point.latest.restore_metadata
}

output "restore" {
  value = {
    job_id               = backup_restore_job.to_new_directory.id
    status               = backup_restore_job.to_new_directory.status
    destination_path     = backup_restore_job.to_new_directory.destination_path
    created_resource_arn = backup_restore_job.to_new_directory.created_resource_arn
  }
}
