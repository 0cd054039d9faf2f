package api

import "github.com/strongroom/terraform-provider-backup/internal/engine/service"

func restoreTestingOperations(s *service.Service) map[string]opFunc {
	return map[string]opFunc{
		"CreateRestoreTestingPlan":          op(s.CreateRestoreTestingPlan),
		"GetRestoreTestingPlan":             op(s.GetRestoreTestingPlan),
		"UpdateRestoreTestingPlan":          op(s.UpdateRestoreTestingPlan),
		"DeleteRestoreTestingPlan":          op(s.DeleteRestoreTestingPlan),
		"ListRestoreTestingPlans":           op(s.ListRestoreTestingPlans),
		"CreateRestoreTestingSelection":     op(s.CreateRestoreTestingSelection),
		"GetRestoreTestingSelection":        op(s.GetRestoreTestingSelection),
		"UpdateRestoreTestingSelection":     op(s.UpdateRestoreTestingSelection),
		"DeleteRestoreTestingSelection":     op(s.DeleteRestoreTestingSelection),
		"ListRestoreTestingSelections":      op(s.ListRestoreTestingSelections),
		"GetRestoreTestingInferredMetadata": op(s.GetRestoreTestingInferredMetadata),
		"PutRestoreValidationResult":        op(s.PutRestoreValidationResult),
	}
}
