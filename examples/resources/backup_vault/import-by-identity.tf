# Terraform 1.12 or later: import by identity, the same attributes `terraform query` lists.
import {
  to = backup_vault.primary
  identity = {
    name = "prod-primary-vault"
  }
}
