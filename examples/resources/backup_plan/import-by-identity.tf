# Terraform 1.12 or later: import by identity, the same attributes `terraform query` lists.
import {
  to = backup_plan.daily
  identity = {
    id = "8b5e2c1a-4f0d-4d7e-9a63-2f1c0b9e7d41"
  }
}
