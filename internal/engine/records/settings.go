package records

import (
	"maps"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

const settingTrue, settingFalse = "true", "false"

// DefaultGlobalSettings are an account's global settings before it updates them. The engine has
// no AWS Organizations: every account is its own management account. Cross-account backup starts
// enabled, unlike a new AWS organization, because cross-account copies worked before the setting
// existed and data dirs written then must keep their copy actions working; the destination
// vault's access policy is still required (RequireVaultPolicyAllow). Multi-party approval is off;
// delegated administration has nothing to delegate to and reads false.
func DefaultGlobalSettings() map[string]string {
	return map[string]string{rules.SettingCrossAccountBackup: settingTrue, rules.SettingMpa: settingFalse, rules.SettingDelegatedAdministrator: settingFalse}
}

// GlobalSettings is an account's stored global settings: the flags it has set, over the
// defaults, and when it last set them.
type GlobalSettings struct {
	Settings       map[string]string `json:"settings"`
	LastUpdateTime time.Time         `json:"last_update_time"`
}

// Effective is every documented flag: the defaults with the account's own values over them.
func (g GlobalSettings) Effective() map[string]string {
	out := DefaultGlobalSettings()
	maps.Copy(out, g.Settings)
	return out
}

// GetGlobalSettings reads an account's global settings; an account that never set them has the
// defaults and no LastUpdateTime.
func GetGlobalSettings(tx store.Tx, account string) (GlobalSettings, error) {
	g, _, err := GetDoc[GlobalSettings](tx, CollGlobalSettings, GlobalSettingsKey(account))
	return g, err
}

// CrossAccountBackupEnabled reports whether account may copy recovery points into another
// account's vaults (isCrossAccountBackupEnabled).
func CrossAccountBackupEnabled(tx store.Tx, account string) (bool, error) {
	g, err := GetGlobalSettings(tx, account)
	if err != nil {
		return false, err
	}
	return g.Effective()[rules.SettingCrossAccountBackup] == settingTrue, nil
}

// RegionSettings is an account's stored settings in one region: the opt-in and full-management
// preference of each resource type it has set. A type it has not set takes the default, true:
// the engine's resource types are opted in and fully managed until the account says otherwise.
type RegionSettings struct {
	OptIn      map[string]bool `json:"opt_in,omitempty"`
	Management map[string]bool `json:"management,omitempty"`
}

// GetRegionSettings reads an account's settings in a region (empty when it set none).
func GetRegionSettings(tx store.Tx, account, region string) (RegionSettings, error) {
	r, _, err := GetDoc[RegionSettings](tx, CollRegionSettings, RegionSettingsKey(account, region))
	return r, err
}

// OptedIn reports whether resource type t is opted in (ResourceTypeOptInPreference).
func (r RegionSettings) OptedIn(t string) bool {
	on, set := r.OptIn[t]
	return !set || on
}
