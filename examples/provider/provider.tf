# Embedded engine (the default): no server, no credentials. State lives in
# ~/.local/share/terraform-provider-backup unless data_dir says otherwise.
provider "backup" {
  default_tags {
    tags = {
      managed_by = "terraform"
    }
  }
}

# An engine daemon started with `terraform-provider-backup engine serve`.
provider "backup" {
  alias    = "daemon"
  endpoint = "http://127.0.0.1:9191"
  region   = "us-east-1"
  # Credentials come from access_key/secret_key, a profile, the AWS_* environment
  # variables, or (for a local daemon) the key kept in its default data dir.
}

# AWS Backup itself, through the AWS SDK's default credential chain.
provider "backup" {
  alias    = "aws"
  endpoint = "aws"
  region   = "eu-west-1"
}
