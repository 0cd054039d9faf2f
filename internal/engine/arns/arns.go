// Package arns parses and builds the Amazon Resource Names the engine reads and answers: those of
// backup vaults, recovery points, plans, legal holds and the engine-managed KMS key. Parsing and
// formatting are aws-sdk-go-v2's; this package adds the engine's rules on top: the partition,
// service and resource must be present, and a region or account, where an ARN has one, must have
// a region's or an account's form (each becomes a directory level of the data dir). A refusal is
// InvalidParameterValueException naming what is wrong.
package arns

import (
	"crypto/sha1"
	"fmt"
	"strings"

	awsarn "github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/names"
	"github.com/strongroom/terraform-provider-backup/internal/engine/region"
)

// ARN is a parsed Amazon Resource Name. Its Resource is everything after the account, e.g.
// "backup-vault:prod".
type ARN struct{ awsarn.ARN }

// Kind is the resource type of a backup ARN: "backup-vault" for
// arn:aws:backup:us-east-1:123456789012:backup-vault:prod.
// A framework's ARN separates with a slash (framework/NAME-UUID), so Kind cuts at the first ':'
// or '/'.
func (a ARN) Kind() string {
	kind, _ := a.split()
	return kind
}

func (a ARN) split() (kind, name string) {
	if i := strings.IndexAny(a.Resource, ":/"); i >= 0 {
		return a.Resource[:i], a.Resource[i+1:]
	}
	return a.Resource, ""
}

// Name is the resource ID after the kind: "prod" for ...:backup-vault:prod.
func (a ARN) Name() string {
	_, name := a.split()
	return name
}

// Parse parses s, or returns an InvalidParameterValueException that says what is wrong.
func Parse(s string) (ARN, error) {
	a, err := awsarn.Parse(s)
	if err != nil || a.Partition == "" || a.Service == "" || a.Resource == "" {
		return ARN{}, apierr.InvalidParameter("%q is not a valid ARN: expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE", s)
	}
	if err := checkParts(s, a.Region, a.AccountID); err != nil {
		return ARN{}, err
	}
	return ARN{a}, nil
}

// checkParts checks an ARN's region and account fields, which may be empty (an S3 bucket's ARN
// has neither) but otherwise must be a region name and an account ID.
func checkParts(s, regionName, account string) error {
	if regionName != "" {
		if err := region.ValidName(regionName); err != nil {
			return apierr.InvalidParameter("%q is not a valid ARN: its region %v", s, err)
		}
	}
	if account != "" {
		if err := names.Account(account); err != nil {
			return apierr.InvalidParameter("%q is not a valid ARN: its %v", s, err)
		}
	}
	return nil
}

// backup is the ARN of an AWS Backup resource of the given kind.
func backup(region, account, kind, id string) string {
	return awsarn.ARN{Partition: "aws", Service: "backup", Region: region, AccountID: account, Resource: kind + ":" + id}.String()
}

// Vault is the ARN of a backup vault.
func Vault(region, account, name string) string { return backup(region, account, "backup-vault", name) }

// RecoveryPoint is the ARN of a recovery point.
func RecoveryPoint(region, account, id string) string {
	return backup(region, account, "recovery-point", id)
}

// Plan is the ARN of a backup plan.
func Plan(region, account, id string) string { return backup(region, account, "backup-plan", id) }

// LegalHold is the ARN of a legal hold.
func LegalHold(region, account, id string) string { return backup(region, account, "legal-hold", id) }

// DefaultKey is the ARN of the engine-managed key (AWS's aws/backup key) that encrypts vaults
// created without an EncryptionKeyArn. It is stable per account and region.
func DefaultKey(region, account string) string {
	sum := sha1.Sum([]byte("aws/backup/" + account + "/" + region))
	sum[6] = (sum[6] & 0x0f) | 0x50 // UUID version 5
	sum[8] = (sum[8] & 0x3f) | 0x80
	id := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	return awsarn.ARN{Partition: "aws", Service: "kms", Region: region, AccountID: account, Resource: "key/" + id}.String()
}

// CheckKMSKey accepts the KMS key and alias ARNs AWS accepts as a vault's EncryptionKeyArn.
func CheckKMSKey(s string) error {
	a, err := Parse(s)
	if err != nil {
		return apierr.InvalidParameter("EncryptionKeyArn %q is not a valid KMS key ARN: expected arn:aws:kms:REGION:ACCOUNT:key/KEY_ID", s)
	}
	isKey := strings.HasPrefix(a.Resource, "key/") && len(a.Resource) > len("key/")
	isAlias := strings.HasPrefix(a.Resource, "alias/") && len(a.Resource) > len("alias/")
	if a.Service != "kms" || (!isKey && !isAlias) {
		return apierr.InvalidParameter("EncryptionKeyArn %q is not a KMS key ARN: expected arn:aws:kms:REGION:ACCOUNT:key/KEY_ID", s)
	}
	return nil
}

// Framework is the ARN of a Backup Audit Manager framework: AWS names it framework/NAME-UUID
// ("arn:aws:backup:us-east-1:123456789012:framework/Control1-ce7655ae-…", Creating frameworks
// using the AWS Backup API).
func Framework(region, account, nameAndID string) string {
	return awsarn.ARN{Partition: "aws", Service: "backup", Region: region, AccountID: account, Resource: "framework/" + nameAndID}.String()
}

// ReportPlan is the ARN of a Backup Audit Manager report plan (report-plan:NAME-UUID).
func ReportPlan(region, account, nameAndID string) string {
	return backup(region, account, "report-plan", nameAndID)
}
