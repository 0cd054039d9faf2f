# Copy the newest recovery point of the primary vault to the DR vault in another region before a
# risky change (Terraform 1.14 or later), or on demand with
# `terraform apply -invoke=action.backup_start_copy_job.to_dr`.
data "backup_recovery_points" "primary" {
  vault_name = backup_vault.primary.name
}

locals {
  # The newest recovery point, or null while the vault is still empty. try() keeps the plan clean
  # then: indexing an empty list (arns[length(arns) - 1]) is an "Invalid index" error on every plan.
  newest_primary_point = try(data.backup_recovery_points.primary.arns[length(data.backup_recovery_points.primary.arns) - 1], null)
}

action "backup_start_copy_job" "to_dr" {
  config {
    source_vault_name     = backup_vault.primary.name
    recovery_point_arn    = local.newest_primary_point
    destination_vault_arn = "arn:aws:backup:eu-west-1:123456789012:backup-vault:dr-vault"
    delete_after          = 90
  }
}

resource "terraform_data" "migration" {
  input = var.schema_version

  lifecycle {
    action_trigger {
      events  = [before_update]
      actions = [action.backup_start_copy_job.to_dr]
    }
  }
}
