package records

import "fmt"

// The keys of the engine's documents. Most are scoped by account and region first, so one
// account's documents in one region form a contiguous range that a List call scans by prefix.
// A key, once released, never changes shape: existing data dirs are read with these functions.

// VaultKey is the key of a vault in CollVaults (and of its policy and notifications).
func VaultKey(account, region, name string) string { return account + "/" + region + "/" + name }

// PointKey is the key of a recovery point in CollRecoveryPoints: under its vault's key, so a
// vault's points are one range.
func PointKey(account, region, vault, id string) string {
	return VaultKey(account, region, vault) + "/" + id
}

// JobKey is the key of a backup, copy or restore job in its collection.
func JobKey(account, region, id string) string { return account + "/" + region + "/" + id }

// HoldKey is the key of a legal hold in CollLegalHolds.
func HoldKey(account, region, id string) string { return account + "/" + region + "/" + id }

// PlanKey is the key of a backup plan in CollPlans.
func PlanKey(account, region, id string) string { return account + "/" + region + "/" + id }

// PlanVersionKey is the key of a plan's version seq in CollPlanVersions; the fixed width makes
// versions sort in the order they were made.
func PlanVersionKey(plan string, seq int) string { return fmt.Sprintf("%s/%08d", plan, seq) }

// SelectionKey is the key of a plan's selection in CollSelections: under its plan's key, so a
// plan's selections are one range.
func SelectionKey(plan, id string) string { return plan + "/" + id }

// RuleCursorKey is the key of a plan rule's cursor in CollRuleCursors.
func RuleCursorKey(plan, ruleID string) string { return plan + "/" + ruleID }

// ProtectionKey is the key of a protected resource's restore summary in CollProtections.
func ProtectionKey(account, region, arn string) string {
	return account + "/" + region + "/" + arn
}

// ResourceKey is the key of a registered resource in CollResources.
func ResourceKey(account, region, id string) string { return account + "/" + region + "/" + id }

// GlobalSettingsKey is the key of an account's global settings in CollGlobalSettings.
func GlobalSettingsKey(account string) string { return account }

// RegionSettingsKey is the key of an account's settings in a region in CollRegionSettings.
func RegionSettingsKey(account, region string) string { return account + "/" + region }
