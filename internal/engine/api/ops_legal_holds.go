package api

import "github.com/strongroom/terraform-provider-backup/internal/engine/service"

func legalHoldOperations(s *service.Service) map[string]opFunc {
	return map[string]opFunc{
		"CreateLegalHold":               op(s.CreateLegalHold),
		"GetLegalHold":                  op(s.GetLegalHold),
		"ListLegalHolds":                op(s.ListLegalHolds),
		"CancelLegalHold":               op(s.CancelLegalHold),
		"ListRecoveryPointsByLegalHold": op(s.ListRecoveryPointsByLegalHold),
	}
}
