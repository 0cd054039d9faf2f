// Package names holds the service model's rules for the names that identify things in the
// engine: account IDs, vault names, and plan, rule and selection names. The API layer checks
// request members against the model, but names also arrive inside ARNs, through the extension
// API, from stored plans and from the CLI, and some operations' inputs (DeleteBackupVault's URI,
// DescribeBackupVault's BackupVaultAccountId) carry no pattern in the model at all. Every one of
// those paths checks with this package, and the path builder (package layout) checks again.
package names

import (
	"errors"
	"fmt"
	"regexp"
)

// ErrInvalid matches (errors.Is) every refusal.
var ErrInvalid = errors.New("invalid name")

// refusal is a refusal whose message says what the rule is; it is ErrInvalid without repeating
// it.
type refusal struct{ msg string }

func (r *refusal) Error() string        { return r.msg }
func (r *refusal) Is(target error) bool { return target == ErrInvalid }

func refuse(format string, args ...any) error { return &refusal{msg: fmt.Sprintf(format, args...)} }

// The model's patterns (service-2.json shapes AccountId, BackupVaultName, BackupSelectionName and
// BackupRuleName; BackupPlanName has none in the model, and AWS documents the rule's pattern
// for it). names_test.go checks them against the embedded model.
var (
	AccountPattern   = regexp.MustCompile(`^[0-9]{12}$`)
	VaultPattern     = regexp.MustCompile(`^` + VaultNameExpr + `$`)
	SelectionPattern = regexp.MustCompile(`^[a-zA-Z0-9\-\_\.]{1,50}$`)
	// DisplayPattern is the pattern of plan and rule names.
	DisplayPattern = regexp.MustCompile(`^[a-zA-Z0-9\-\_\.]{1,50}$`)
)

// The vault name rule, as an expression and in words, for every place that states it: ARN
// patterns that hold a vault name, the provider's validators and documentation, and messages.
// names_test.go checks that the words say what the expression does.
const (
	// VaultNameExpr is VaultPattern without its anchors.
	VaultNameExpr = `[a-zA-Z0-9\-\_]{2,50}`
	// VaultLength is how many characters a vault name has.
	VaultLength = "2 to 50"
	// VaultChars are the characters a vault name is made of.
	VaultChars = "letters, digits, hyphens (-) and underscores (_)"
	// VaultRule is the whole rule: "2 to 50 letters, digits, hyphens (-) and underscores (_)".
	VaultRule = VaultLength + " " + VaultChars
)

// DisplayRule is, in words, the rule DisplayPattern and SelectionPattern state.
const DisplayRule = "1 to 50 letters, digits, hyphens (-), underscores (_) or periods (.)"

// Account checks an account ID: 12 digits.
func Account(id string) error {
	if !AccountPattern.MatchString(id) {
		return refuse("account ID %q must be 12 digits", id)
	}
	return nil
}

// Vault checks a backup vault name: 2 to 50 letters, digits, hyphens and underscores.
func Vault(name string) error {
	if !VaultPattern.MatchString(name) {
		return refuse("backup vault name %q must be "+VaultRule, name)
	}
	return nil
}

// Plan checks a backup plan (or rule) name: 1 to 50 letters, digits, hyphens, underscores and
// periods.
func Plan(name string) error {
	if !DisplayPattern.MatchString(name) {
		return refuse("name %q must be "+DisplayRule, name)
	}
	return nil
}

// Selection checks a backup selection name, which follows the same rule as a plan name.
func Selection(name string) error {
	if !SelectionPattern.MatchString(name) {
		return refuse("selection name %q must be "+DisplayRule, name)
	}
	return nil
}
