# Terraform 1.12 or later: import by identity, the same attributes `terraform query` lists.
import {
  to = backup_vault_lock.primary
  identity = {
    backup_vault_name = "prod-primary-vault"
  }
}
