# Terraform 1.12 or later: import by identity, the same attributes `terraform query` lists.
import {
  to = backup_engine_clock.this
  identity = {
    id = "engine-clock"
  }
}
