# Terraform 1.12 or later: import by identity, the same attributes `terraform query` lists.
import {
  to = backup_restore_job.to_new_directory
  identity = {
    id = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
  }
}
