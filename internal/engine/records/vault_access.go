package records

import (
	"fmt"
	"strconv"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/policy"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Enforcement of vault access policies (the domain's vault_policy.go stores them; package policy
// evaluates).
//
// Which requests a vault's policy governs here:
//
//   - backup:CopyIntoBackupVault, on the destination vault, for every copy job. A copy from another
//     account needs the policy's explicit Allow ("To allow AWS Backup access to the source account,
//     include … "Principal": {"AWS": "arn:aws:iam::SourceAccountID:root"}, "Action":
//     "backup:CopyIntoBackupVault"" — Setting up cross-account backup); a copy within the vault's
//     account is refused only by an explicit Deny.
//   - The actions that delete recovery points: DeleteRecoveryPoint, UpdateRecoveryPointLifecycle (a
//     shorter lifecycle is a deletion) and DeleteBackupVault — the actions AWS Config's
//     backup-recovery-point-manual-deletion-disabled rule and the default policy of EFS's automatic
//     backup vault deny — plus StartCopyJob on the source point. An explicit Deny refuses them with
//     AccessDeniedException, even for the vault's own account (the engine's keys act as their
//     account, whose identity allows everything, so only a Deny in the vault's policy can refuse).
//
// PutBackupVaultAccessPolicy and DeleteBackupVaultAccessPolicy are not refused to the vault's own
// account: its keys act as the account's root user, which, as with S3 bucket policies, can always
// repair a policy that locks everyone out. A vault access policy is therefore a guard rail against
// mistakes by the account's own callers and the gate for other accounts' copies; protection that
// nobody can lift is Vault Lock's (the domain's vault_lock.go).
//
// Lifecycle expiry is AWS Backup acting, not a caller, and is not governed by the policy.
// Cross-account requests other than CopyIntoBackupVault never reach a vault here: operations find
// vaults in the caller's own account ("Regardless of the AWS Backup vault's access policy,
// cross-account access for any action other than backup:CopyIntoBackupVault will be rejected" —
// Vault access policies).

// Actions (IAM action names without "backup:") the engine checks against vault access policies.
const (
	ActionCopyInto           = "CopyIntoBackupVault"
	ActionStartCopyJob       = "StartCopyJob"
	ActionDeletePoint        = "DeleteRecoveryPoint"
	ActionUpdateLifecycle    = "UpdateRecoveryPointLifecycle"
	ActionDeleteVault        = "DeleteBackupVault"
	principalTypeAccountRoot = "Account"
)

// IAMOnlyActions are AWS Backup IAM actions that are no API operation, which vault access policies
// may name (Actions, resources, and condition keys for AWS Backup): a cross-account copy is
// authorised by backup:CopyIntoBackupVault on the destination vault, and backup:CopyFromBackupVault
// on the source.
var IAMOnlyActions = []string{ActionCopyInto, "CopyFromBackupVault"}

// vaultPolicyDecision evaluates vault v's access policy for action by account on resource (an
// ARN) at now. A vault without a policy gives an implicit deny. The request context carries the
// global condition keys the engine knows: aws:PrincipalAccount, aws:PrincipalArn,
// aws:PrincipalType, aws:PrincipalIsAWSService, aws:ResourceAccount, aws:CurrentTime,
// aws:EpochTime and aws:RequestedRegion. Keys it cannot know (aws:PrincipalOrgID: there are no
// organisations here; aws:SourceIp, aws:SecureTransport) are absent, so conditions on them
// behave as IAM documents for absent keys.
func vaultPolicyDecision(tx store.Tx, v Vault, account, region, action, resource string, now time.Time) (policy.Decision, string, error) {
	p, found, err := GetDoc[VaultPolicy](tx, CollVaultPolicies, VaultKey(v.AccountID, v.Region, v.Name))
	if err != nil || !found {
		return policy.ImplicitDeny, "", err
	}
	// The document was validated when it was put; Options{} accepts the same documents.
	doc, err := policy.Parse(p.Policy, policy.Options{})
	if err != nil {
		return policy.ImplicitDeny, "", fmt.Errorf("the access policy of backup vault %s no longer parses: %w", v.Name, err)
	}
	principal := "arn:aws:iam::" + account + ":root"
	decision, by := doc.Decide(policy.Request{
		Account: account, PrincipalARN: principal, Action: action, Resource: resource,
		Context: map[string][]string{
			"aws:PrincipalAccount":      {account},
			"aws:PrincipalArn":          {principal},
			"aws:PrincipalType":         {principalTypeAccountRoot},
			"aws:CurrentTime":           {now.UTC().Format(time.RFC3339)},
			"aws:EpochTime":             {strconv.FormatInt(now.Unix(), 10)},
			"aws:RequestedRegion":       {region},
			"aws:ResourceAccount":       {v.AccountID},
			"aws:PrincipalIsAWSService": {"false"},
		},
	})
	statement := ""
	if by >= 0 {
		statement = fmt.Sprintf("Statement[%d]", by)
		if sid := doc.Statements[by].Sid; sid != "" {
			statement += fmt.Sprintf(" (Sid %q)", sid)
		}
	}
	return decision, statement, nil
}

// RefuseByVaultPolicy returns AccessDeniedException when vault v's access policy explicitly
// denies action on resource to account (a caller of the vault's own account, or any caller of an
// action this engine lets other accounts perform only with an Allow: see RequireVaultPolicyAllow).
func RefuseByVaultPolicy(tx store.Tx, v Vault, account, region, action, resource string, now time.Time) error {
	decision, by, err := vaultPolicyDecision(tx, v, account, region, action, resource, now)
	if err != nil {
		return err
	}
	if decision == policy.ExplicitDeny {
		return apierr.New(apierr.AccessDenied, "the access policy of backup vault %s denies backup:%s on %s to account %s (%s): change the vault's policy to allow it",
			v.Name, action, resource, account, by)
	}
	return nil
}

// RequireVaultPolicyAllow is the rule for a request from another account than the vault's: the
// vault's policy must allow it explicitly, and not deny it.
func RequireVaultPolicyAllow(tx store.Tx, v Vault, account, region, action, resource string, now time.Time) error {
	decision, by, err := vaultPolicyDecision(tx, v, account, region, action, resource, now)
	if err != nil {
		return err
	}
	switch decision {
	case policy.ExplicitDeny:
		return apierr.New(apierr.AccessDenied, "the access policy of backup vault %s denies backup:%s to account %s (%s)", v.ARN, action, account, by)
	case policy.ImplicitDeny:
		return apierr.New(apierr.AccessDenied, "the access policy of backup vault %s does not grant backup:%s to account %s: add a statement allowing it to the principal arn:aws:iam::%s:root",
			v.ARN, action, account, account)
	}
	return nil
}
