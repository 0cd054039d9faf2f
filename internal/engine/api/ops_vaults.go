package api

import "github.com/strongroom/terraform-provider-backup/internal/engine/service"

func vaultOperations(s *service.Service) map[string]opFunc {
	return map[string]opFunc{
		"CreateBackupVault":         op(s.CreateBackupVault),
		"DescribeBackupVault":       op(s.DescribeBackupVault),
		"DeleteBackupVault":         op(s.DeleteBackupVault),
		"ListBackupVaults":          op(s.ListBackupVaults),
		"TagResource":               op(s.TagResource),
		"UntagResource":             op(s.UntagResource),
		"ListTags":                  op(s.ListTags),
		"GetSupportedResourceTypes": op(s.GetSupportedResourceTypes),
	}
}
