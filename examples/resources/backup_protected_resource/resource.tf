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

# A bucket on an S3-compatible endpoint (path-style URL), protected as arn:aws:s3:::site-assets.
# The keys are in the URL: the engine lends its own credentials (?profile=NAME, its AWS_*
# environment) only where its operator allows it. It keeps the URL sealed and shows it masked.
variable "s3_access_key" {
  type = string
}

variable "s3_secret_key" {
  type      = string
  sensitive = true
}

resource "backup_protected_resource" "site_assets" {
  type = "S3"
  url  = "http://${var.s3_access_key}:${var.s3_secret_key}@127.0.0.1:7070/site-assets"
  tags = {
    Backup = "true"
  }
}
