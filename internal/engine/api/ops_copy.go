package api

import "github.com/strongroom/terraform-provider-backup/internal/engine/service"

func copyOperations(s *service.Service) map[string]opFunc {
	return map[string]opFunc{
		"StartCopyJob":         op(s.StartCopyJob),
		"DescribeCopyJob":      op(s.DescribeCopyJob),
		"ListCopyJobs":         op(s.ListCopyJobs),
		"ListCopyJobSummaries": op(s.ListCopyJobSummaries),
	}
}
