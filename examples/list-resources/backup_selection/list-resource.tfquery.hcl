# Terraform 1.14 or later: `terraform query`. The selections of one plan.
list "backup_selection" "daily" {
  provider = backup

  config {
    plan_id = "8b5e2c1a-4f0d-4d7e-9a63-2f1c0b9e7d41" # unset: the selections of every plan
  }
}
