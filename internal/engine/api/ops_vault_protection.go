package api

import "github.com/strongroom/terraform-provider-backup/internal/engine/service"

// vaultProtectionOperations are a vault's protections: its lock, access policy and notification
// configuration, and the logically air-gapped vault, which is born locked.
func vaultProtectionOperations(s *service.Service) map[string]opFunc {
	return map[string]opFunc{
		"PutBackupVaultLockConfiguration":     op(s.PutBackupVaultLockConfiguration),
		"DeleteBackupVaultLockConfiguration":  op(s.DeleteBackupVaultLockConfiguration),
		"PutBackupVaultAccessPolicy":          op(s.PutBackupVaultAccessPolicy),
		"GetBackupVaultAccessPolicy":          op(s.GetBackupVaultAccessPolicy),
		"DeleteBackupVaultAccessPolicy":       op(s.DeleteBackupVaultAccessPolicy),
		"PutBackupVaultNotifications":         op(s.PutBackupVaultNotifications),
		"GetBackupVaultNotifications":         op(s.GetBackupVaultNotifications),
		"DeleteBackupVaultNotifications":      op(s.DeleteBackupVaultNotifications),
		"CreateLogicallyAirGappedBackupVault": op(s.CreateLogicallyAirGappedBackupVault),
	}
}
