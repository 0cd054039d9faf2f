resource "backup_vault" "primary" {
  name = "prod-primary-vault"

  tags = {
    team = "platform"
  }
}

# A vault encrypted with a customer-managed key, emptied on destroy.
resource "backup_vault" "scratch" {
  name          = "scratch-vault"
  kms_key_arn   = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  force_destroy = true
}
