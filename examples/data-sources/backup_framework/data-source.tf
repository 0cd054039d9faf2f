data "backup_framework" "audit" {
  name = "prod_backup_controls"
}

# Every parameter the service holds, defaults included.
output "controls" {
  value = { for c in data.backup_framework.audit.control : c.name => { for p in c.input_parameter : p.name => p.value } }
}
