# Back the directory up before each release is applied (Terraform 1.14 or later), or on demand
# with `terraform apply -invoke=action.backup_start_backup_job.before_release`.
#
# The vault is named through its resource, not as a literal: the reference makes Terraform create
# the vault before the action runs. With a literal name the action races the vault's creation.
action "backup_start_backup_job" "before_release" {
  config {
    vault_name   = backup_vault.primary.name
    resource_arn = backup_protected_resource.app_data.arn
    delete_after = 35
    recovery_point_tags = {
      reason = "before-release"
    }
  }
}

resource "terraform_data" "release" {
  input = var.release

  lifecycle {
    action_trigger {
      events  = [before_create, before_update]
      actions = [action.backup_start_backup_job.before_release]
    }
  }
}
