package api

import "github.com/strongroom/terraform-provider-backup/internal/engine/service"

// settingsOperations are the account's settings: global settings per account (cross-account
// backup, enforced on copies) and region settings per account and region (the resource types'
// opt-in, enforced on backups, and full management).
func settingsOperations(s *service.Service) map[string]opFunc {
	return map[string]opFunc{
		"DescribeGlobalSettings": op(s.DescribeGlobalSettings),
		"UpdateGlobalSettings":   op(s.UpdateGlobalSettings),
		"DescribeRegionSettings": op(s.DescribeRegionSettings),
		"UpdateRegionSettings":   op(s.UpdateRegionSettings),
	}
}
