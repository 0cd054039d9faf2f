package records

// The collections of the engine's documents, all in one place: together they are the layout of a
// data dir, so a name here never changes once released (existing data dirs must keep working).
// The job queue, the scheduler's lease and the event outbox keep their own collections in their
// packages.

// Vaults and what hangs off them.
const (
	// CollVaults holds vaults under {account}/{region}/{name} (VaultKey).
	CollVaults = "vaults"
	// CollTags holds the tags of any taggable resource, under its ARN.
	CollTags = "tags"
	// Keyed like vaults (VaultKey): one document per vault that has one.
	CollVaultPolicies      = "vault-access-policies"
	CollVaultNotifications = "vault-notifications"
)

// Recovery points and their indexes.
const (
	// CollRecoveryPoints holds points under {account}/{region}/{vault}/{id} (the layout
	// CountRecoveryPoints counts).
	CollRecoveryPoints = "recovery-points"
	// CollPointVaults maps {account}/{region}/{id} to the vault holding the point, for calls
	// that name a point by ARN alone (StartRestoreJob).
	CollPointVaults = "recovery-point-vaults"
	// CollResourcePoints lists a resource's points under {account}/{region}/{resource ARN}/{id}.
	CollResourcePoints = "resource-recovery-points"
	// CollPendingForgets holds the snapshot removals queued for the forget job.
	CollPendingForgets = "pending-forgets"
	// CollPendingCold holds the moves to cold storage queued for the cold-move job.
	CollPendingCold = "pending-cold"
)

// Jobs.
const (
	CollBackupJobs  = "backup-jobs"
	CollIdempotency = "idempotency"
	// CollProtections holds, per resource ever backed up, what DescribeProtectedResource reports
	// about its restores: {account}/{region}/{resource ARN}.
	CollProtections = "protected-resources"
	CollCopyJobs    = "copy-jobs"
	// CollActiveCopies lists the unfinished copy jobs writing into a vault, under
	// {dest vault key}/{copy job key}, so a vault being written into is not deleted.
	CollActiveCopies = "copy-jobs-into-vault"
	CollRestoreJobs  = "restore-jobs"
)

// Legal holds.
const (
	// CollLegalHolds: {account}/{region}/{id} → legalHold.
	CollLegalHolds = "legal-holds"
	// CollLegalHoldPoints: {account}/{region}/{hold id}/{point id} → holdMember.
	CollLegalHoldPoints = "legal-hold-points"
	// CollPointLegalHolds: {account}/{region}/{point id}/{hold id} → holdRef, while the hold holds
	// the point.
	CollPointLegalHolds = "recovery-point-legal-holds"
)

// Plans, their versions and their selections, and what the scheduler keeps of their rules.
const (
	CollPlans        = "backup-plans"
	CollPlanVersions = "backup-plan-versions"
	CollSelections   = "backup-selections"
	// CollRuleCursors holds each rule's cursor under {plan key}/{rule ID}.
	CollRuleCursors = "rule-cursors"
	// CollScheduledRuns holds the idempotency keys of scheduled jobs.
	CollScheduledRuns = "scheduled-runs"
)

// CollResources holds the protected-resource registry under {account}/{region}/{id}.
const CollResources = "resources"

// Account settings: the Global and Region settings of AWS Backup's console "Settings" page.
const (
	// CollGlobalSettings holds an account's global settings under {account} (GlobalSettingsKey).
	CollGlobalSettings = "global-settings"
	// CollRegionSettings holds an account's settings in one region under {account}/{region}
	// (RegionSettingsKey).
	CollRegionSettings = "region-settings"
)

// Backup Audit Manager: frameworks, their latest evaluations, report plans and report jobs.
const (
	// CollFrameworks: {account}/{region}/{name} → Framework.
	CollFrameworks = "frameworks"
	// CollFrameworkResults: {account}/{region}/{name} → FrameworkEvaluation, the framework's
	// latest results per control and resource.
	CollFrameworkResults = "framework-results"
	// CollReportPlans: {account}/{region}/{name} → ReportPlan.
	CollReportPlans = "report-plans"
	// CollReportJobs: {account}/{region}/{id} → ReportJob.
	CollReportJobs = "report-jobs"
)
