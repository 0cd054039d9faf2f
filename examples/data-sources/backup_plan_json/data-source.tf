# Manage a plan exported from elsewhere (aws backup export-backup-plan-template, or the JSON of
# aws backup create-backup-plan --backup-plan) without rewriting it in HCL. The document must be
# strict JSON: strip // comments, and leave selections to backup_selection.
data "backup_plan_json" "exported" {
  json = file("${path.module}/prod-plan.json")
}

resource "backup_plan" "prod" {
  name = data.backup_plan_json.exported.name

  dynamic "rule" {
    for_each = data.backup_plan_json.exported.rule
    content {
      rule_name                    = rule.value.rule_name
      target_vault_name            = rule.value.target_vault_name
      schedule                     = rule.value.schedule
      schedule_expression_timezone = rule.value.schedule_expression_timezone
      enable_continuous_backup     = rule.value.enable_continuous_backup
      start_window                 = rule.value.start_window
      completion_window            = rule.value.completion_window
      recovery_point_tags          = rule.value.recovery_point_tags

      dynamic "lifecycle" {
        for_each = rule.value.lifecycle
        content {
          cold_storage_after = lifecycle.value.cold_storage_after
          delete_after       = lifecycle.value.delete_after
        }
      }

      dynamic "copy_action" {
        for_each = rule.value.copy_action
        content {
          destination_vault_arn = copy_action.value.destination_vault_arn
          dynamic "lifecycle" {
            for_each = copy_action.value.lifecycle
            content {
              cold_storage_after = lifecycle.value.cold_storage_after
              delete_after       = lifecycle.value.delete_after
            }
          }
        }
      }
    }
  }
}
