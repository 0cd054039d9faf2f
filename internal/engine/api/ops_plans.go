package api

import "github.com/strongroom/terraform-provider-backup/internal/engine/service"

func planOperations(s *service.Service) map[string]opFunc {
	return map[string]opFunc{
		"CreateBackupPlan":          op(s.CreateBackupPlan),
		"GetBackupPlan":             op(s.GetBackupPlan),
		"UpdateBackupPlan":          op(s.UpdateBackupPlan),
		"DeleteBackupPlan":          op(s.DeleteBackupPlan),
		"ListBackupPlans":           op(s.ListBackupPlans),
		"ListBackupPlanVersions":    op(s.ListBackupPlanVersions),
		"GetBackupPlanFromJSON":     op(s.GetBackupPlanFromJSON),
		"ExportBackupPlanTemplate":  op(s.ExportBackupPlanTemplate),
		"ListBackupPlanTemplates":   op(s.ListBackupPlanTemplates),
		"GetBackupPlanFromTemplate": op(s.GetBackupPlanFromTemplate),
		"CreateBackupSelection":     op(s.CreateBackupSelection),
		"GetBackupSelection":        op(s.GetBackupSelection),
		"DeleteBackupSelection":     op(s.DeleteBackupSelection),
		"ListBackupSelections":      op(s.ListBackupSelections),
	}
}
