# A legal hold and the recovery points it covers.
data "backup_legal_hold" "matter" {
  legal_hold_id = "0192f5e4-7c1a-7d3e-9b1f-3c5a2e8d4f60"
}

output "held_points" {
  value = data.backup_legal_hold.matter.recovery_point_arns
}

# The same points with their details, through backup_recovery_points.
data "backup_recovery_points" "held" {
  legal_hold_id = data.backup_legal_hold.matter.id
}
