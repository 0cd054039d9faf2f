# An on-demand backup of a protected directory; apply waits until the backup job has completed.
resource "backup_recovery_point" "before_release" {
  vault_name   = backup_vault.primary.name
  resource_arn = backup_protected_resource.app_data.arn

  # Keep it 35 days; the lifecycle can change in place later.
  delete_after = 35

  tags = {
    reason = "before-release"
  }

  # A new release takes a new backup.
  triggers = {
    release = var.release
  }

  timeouts {
    create = "2h"
  }
}
