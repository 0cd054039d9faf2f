# Terraform 1.14 or later: `terraform query`. Every resource registered with the engine.
list "backup_protected_resource" "all" {
  provider = backup
}
