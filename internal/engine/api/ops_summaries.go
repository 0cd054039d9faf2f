package api

import "github.com/strongroom/terraform-provider-backup/internal/engine/service"

func jobSummaryOperations(s *service.Service) map[string]opFunc {
	return map[string]opFunc{
		"ListBackupJobSummaries":  op(s.ListBackupJobSummaries),
		"ListRestoreJobSummaries": op(s.ListRestoreJobSummaries),
	}
}
