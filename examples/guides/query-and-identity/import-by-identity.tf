# Terraform 1.12 or later: import by identity. Each resource's identity is the attributes its
# import ID is made of, named (see the table above).
import {
  to = backup_vault.primary
  identity = {
    name = "prod-primary-vault"
  }
}

import {
  to = backup_selection.all_tagged
  identity = {
    plan_id = "8b5e2c1a-4f0d-4d7e-9a63-2f1c0b9e7d41"
    id      = "1c4d9f2e-7a3b-4c8d-9e0f-5a6b7c8d9e0f"
  }
}

import {
  to = backup_recovery_point.before_release
  identity = {
    vault_name = "prod-primary-vault"
    arn        = "arn:aws:backup:us-east-1:123456789012:recovery-point:5e1d2c3b-4a59-4687-8a9b-0c1d2e3f4a5b"
  }
}
