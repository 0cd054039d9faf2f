# The quickstart `make demo` applies: a vault on the embedded engine.
terraform {
  required_providers {
    backup = {
      source = "strongroom/backup"
    }
  }
}

variable "data_dir" {
  type        = string
  description = "Where the embedded engine keeps its state."
}

provider "backup" {
  data_dir = var.data_dir

  default_tags {
    tags = {
      managed_by = "terraform"
    }
  }
}

resource "backup_vault" "primary" {
  name = "prod-primary-vault"

  tags = {
    team = "platform"
  }
}

data "backup_vault" "primary" {
  name = backup_vault.primary.name
}

output "vault_arn" {
  value = backup_vault.primary.arn
}

output "vault_tags" {
  value = data.backup_vault.primary.tags
}
