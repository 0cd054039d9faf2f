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

# A PostgreSQL database, protected like an RDS instance: backed up with pg_dump, restored into a
# NEW database named by DBInstanceIdentifier.
resource "backup_protected_resource" "orders_db" {
  type = "RDS"
  url  = "postgres://backup@127.0.0.1:5432/orders"
  tags = {
    Backup = "true"
  }
}
