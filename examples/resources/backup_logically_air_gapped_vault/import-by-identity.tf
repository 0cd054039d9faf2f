# Terraform 1.12 or later: import by identity, the same attributes `terraform query` lists.
import {
  to = backup_logically_air_gapped_vault.isolated
  identity = {
    name = "prod-isolated-vault"
  }
}
