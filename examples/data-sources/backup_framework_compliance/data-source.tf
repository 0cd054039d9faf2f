data "backup_framework_compliance" "audit" {
  framework_name = "prod_backup_controls"
}

# Fails the plan when any resource is out of compliance, naming them.
check "every_resource_compliant" {
  assert {
    condition     = data.backup_framework_compliance.audit.compliance_status == "COMPLIANT"
    error_message = "Not compliant: ${join(", ", data.backup_framework_compliance.audit.non_compliant_resource_arns)}"
  }
}
