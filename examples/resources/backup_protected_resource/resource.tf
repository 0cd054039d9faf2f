# Protect a directory: it becomes an EFS file system the engine can back up, with a stable ARN.
resource "backup_protected_resource" "app_data" {
  type = "EFS"
  path = abspath("${path.module}/app-data")

  tags = {
    Name   = "app-data"
    Backup = "true"
  }
}

output "app_data_arn" {
  value = backup_protected_resource.app_data.arn
}
