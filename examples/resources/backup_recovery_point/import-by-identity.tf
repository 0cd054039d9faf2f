# Terraform 1.12 or later: import by identity, the same attributes `terraform query` lists.
import {
  to = backup_recovery_point.before_release
  identity = {
    vault_name = "prod-primary-vault"
    arn        = "arn:aws:backup:us-east-1:123456789012:recovery-point:5e1d2c3b-4a59-4687-8a9b-0c1d2e3f4a5b"
  }
}
