package api

import "github.com/strongroom/terraform-provider-backup/internal/engine/service"

func recoveryPointOperations(s *service.Service) map[string]opFunc {
	return map[string]opFunc{
		"DescribeRecoveryPoint":               op(s.DescribeRecoveryPoint),
		"ListRecoveryPointsByBackupVault":     op(s.ListRecoveryPointsByBackupVault),
		"ListRecoveryPointsByResource":        op(s.ListRecoveryPointsByResource),
		"DeleteRecoveryPoint":                 op(s.DeleteRecoveryPoint),
		"UpdateRecoveryPointLifecycle":        op(s.UpdateRecoveryPointLifecycle),
		"GetRecoveryPointRestoreMetadata":     op(s.GetRecoveryPointRestoreMetadata),
		"ListProtectedResources":              op(s.ListProtectedResources),
		"DescribeProtectedResource":           op(s.DescribeProtectedResource),
		"ListProtectedResourcesByBackupVault": op(s.ListProtectedResourcesByBackupVault),
	}
}
