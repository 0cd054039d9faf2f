# EFS recovery points of the last week in one vault, oldest first.
data "backup_recovery_points" "recent_efs" {
  vault_name    = "prod-primary-vault"
  resource_type = "EFS"
  created_after = timeadd(plantimestamp(), "-168h")
}

output "newest_efs_point" {
  value = try(data.backup_recovery_points.recent_efs.arns[length(data.backup_recovery_points.recent_efs.arns) - 1], null)
}

# The points a legal hold covers.
data "backup_recovery_points" "held" {
  legal_hold_id = "0192f5e4-7c1a-7d3e-9b1f-3c5a2e8d4f60"
}
