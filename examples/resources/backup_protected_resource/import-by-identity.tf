# Terraform 1.12 or later: import by identity, the same attributes `terraform query` lists.
import {
  to = backup_protected_resource.app_data
  identity = {
    arn = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123456789abcdef0"
  }
}
