package rules

import (
	"maps"
	"slices"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

// The global settings AWS documents (DescribeGlobalSettings: "the flags
// isCrossAccountBackupEnabled, isMpaEnabled and isDelegatedAdministratorEnabled"), whose values
// are the strings "true" and "false".
const (
	SettingCrossAccountBackup     = "isCrossAccountBackupEnabled"
	SettingMpa                    = "isMpaEnabled"
	SettingDelegatedAdministrator = "isDelegatedAdministratorEnabled"
)

// GlobalSettingNames are the global settings, sorted.
var GlobalSettingNames = []string{SettingCrossAccountBackup, SettingDelegatedAdministrator, SettingMpa}

// GlobalSettings checks UpdateGlobalSettings' GlobalSettings: at least one flag, each one AWS
// documents, each "true" or "false".
func GlobalSettings(settings map[string]string) error {
	if len(settings) == 0 {
		return apierr.Missing("GlobalSettings must set at least one flag, e.g. %s=true", SettingCrossAccountBackup)
	}
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		if !slices.Contains(GlobalSettingNames, k) {
			return apierr.InvalidParameter("GlobalSettings: %q is not a global setting; the settings are %s", k, strings.Join(GlobalSettingNames, ", "))
		}
		if v := settings[k]; v != "true" && v != "false" {
			return apierr.InvalidParameter("GlobalSettings: %s is %q; set it to \"true\" or \"false\"", k, v)
		}
	}
	return nil
}
