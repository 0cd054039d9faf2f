# Every legal hold of the region that is holding recovery points now.
data "backup_legal_holds" "active" {
  status = "ACTIVE"
}

output "active_matters" {
  value = [for h in data.backup_legal_holds.active.legal_holds : h.title]
}
