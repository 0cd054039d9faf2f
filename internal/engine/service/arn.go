package service

import (
	"crypto/sha1"
	"fmt"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

// ARN is a parsed Amazon Resource Name.
type ARN struct {
	Partition string
	Service   string
	Region    string
	AccountID string
	// Resource is everything after the account, e.g. "backup-vault:prod".
	Resource string
}

func (a ARN) String() string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", a.Partition, a.Service, a.Region, a.AccountID, a.Resource)
}

// Kind is the resource type of a backup ARN: "backup-vault" for
// arn:aws:backup:us-east-1:123456789012:backup-vault:prod.
func (a ARN) Kind() string {
	kind, _, _ := strings.Cut(a.Resource, ":")
	return kind
}

// Name is the resource ID after the kind: "prod" for ...:backup-vault:prod.
func (a ARN) Name() string {
	_, name, _ := strings.Cut(a.Resource, ":")
	return name
}

// ParseARN parses s, or returns an InvalidParameterValueException that says what is wrong.
func ParseARN(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" || parts[5] == "" {
		return ARN{}, apierr.InvalidParameter("%q is not a valid ARN: expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE", s)
	}
	if err := checkARNParts(s, parts[3], parts[4]); err != nil {
		return ARN{}, err
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], AccountID: parts[4], Resource: parts[5]}, nil
}

// VaultARN is the ARN of a backup vault.
func VaultARN(region, account, name string) string {
	return ARN{Partition: "aws", Service: "backup", Region: region, AccountID: account, Resource: "backup-vault:" + name}.String()
}

// defaultKeyARN is the ARN of the engine-managed key (AWS's aws/backup key) that encrypts vaults
// created without an EncryptionKeyArn. It is stable per account and region.
func defaultKeyARN(region, account string) string {
	sum := sha1.Sum([]byte("aws/backup/" + account + "/" + region))
	sum[6] = (sum[6] & 0x0f) | 0x50 // UUID version 5
	sum[8] = (sum[8] & 0x3f) | 0x80
	id := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	return ARN{Partition: "aws", Service: "kms", Region: region, AccountID: account, Resource: "key/" + id}.String()
}

// validateKeyARN accepts the KMS key and alias ARNs AWS accepts as a vault's EncryptionKeyArn.
func validateKeyARN(s string) error {
	a, err := ParseARN(s)
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
