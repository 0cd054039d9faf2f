# Terraform 1.12 or later: import by identity, the same attributes `terraform query` lists.
import {
  to = backup_legal_hold.litigation
  identity = {
    id = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
  }
}
