# Terraform 1.14 or later: `terraform query`. Every legal hold.
list "backup_legal_hold" "all" {
  provider = backup
}
