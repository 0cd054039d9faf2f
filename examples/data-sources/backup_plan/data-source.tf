data "backup_plan" "prod" {
  plan_id = "8b5e2c1a-4f0d-4d7e-9a63-2f1c0b9e7d41"
}

output "prod_plan_schedules" {
  value = { for r in data.backup_plan.prod.rule : r.rule_name => r.schedule }
}
