# Terraform 1.12 or later: import by identity, the same attributes `terraform query` lists.
import {
  to = backup_selection.all_tagged
  identity = {
    plan_id = "8b5e2c1a-4f0d-4d7e-9a63-2f1c0b9e7d41"
    id      = "1c4d9f2e-7a3b-4c8d-9e0f-5a6b7c8d9e0f"
  }
}
