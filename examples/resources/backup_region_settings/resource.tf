# Protect directories and databases in this region, but not S3 buckets selected by tag.
resource "backup_region_settings" "this" {
  resource_type_opt_in_preference = {
    EFS = true
    RDS = true
    S3  = false
  }

  resource_type_management_preference = {
    EFS = true
  }
}
