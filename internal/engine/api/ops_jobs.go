package api

import "github.com/strongroom/terraform-provider-backup/internal/engine/service"

func jobOperations(s *service.Service) map[string]opFunc {
	return map[string]opFunc{
		"StartBackupJob":                     op(s.StartBackupJob),
		"DescribeBackupJob":                  op(s.DescribeBackupJob),
		"ListBackupJobs":                     op(s.ListBackupJobs),
		"StopBackupJob":                      op(s.StopBackupJob),
		"StartRestoreJob":                    op(s.StartRestoreJob),
		"DescribeRestoreJob":                 op(s.DescribeRestoreJob),
		"ListRestoreJobs":                    op(s.ListRestoreJobs),
		"ListRestoreJobsByProtectedResource": op(s.ListRestoreJobsByProtectedResource),
		"GetRestoreJobMetadata":              op(s.GetRestoreJobMetadata),
	}
}
