// Package compliance is Backup Audit Manager's control catalogue and the evaluation of its
// controls: every control AWS documents, with its input parameters, their defaults and allowed
// values, and pure functions from a snapshot of the engine's state (State) to per-resource
// verdicts (Result). It reads no store and no clock, so the domain, the report jobs and the
// provider's plan-time validation all apply the same rules.
//
// The controls, their parameters and defaults are those of the AWS Backup Developer Guide:
// "Choosing your controls" (https://docs.aws.amazon.com/aws-backup/latest/devguide/choosing-controls.html)
// and "Controls and remediation"
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html), with
// the parameter names of "Creating frameworks using the AWS Backup API"
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/creating-frameworks-api.html). On those
// pages "values in brackets ("[ ]") are the default parameter values".
package compliance

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

// Control names, as CreateFramework's ControlName takes them.
const (
	ProtectedByBackupPlan     = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"
	PlanMinFrequencyRetention = "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"
	ManualDeletionDisabled    = "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED"
	RecoveryPointEncrypted    = "BACKUP_RECOVERY_POINT_ENCRYPTED"
	RecoveryPointMinRetention = "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK"
	ProtectedByCrossRegion    = "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION"
	ProtectedByCrossAccount   = "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT"
	ProtectedByVaultLock      = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK"
	LastRecoveryPointCreated  = "BACKUP_LAST_RECOVERY_POINT_CREATED"
	RestoreTimeMeetsTarget    = "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET"
	// ProtectedByAirGappedVault is the logically air-gapped vault control. Its parameters and
	// limits are those of AWS Config's *_RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT rules, which it
	// deploys (recoveryPointAgeValue "No more than 2184 for hours, 91 for days", default 1 day).
	ProtectedByAirGappedVault = "BACKUP_RESOURCES_PROTECTED_BY_AIR_GAPPED_VAULT"
)

// MaxControls is AWS's limit: "You can use up to 50 controls per account per Region. Using the
// same control in two different frameworks counts as using two controls of the 50 control limit."
const MaxControls = 50

// Kind is what a control evaluates.
type Kind string

// What controls evaluate ("Resource:" on the Controls and remediation page).
const (
	KindResource      Kind = "resource"       // protected resources (selections, copies, points of a resource)
	KindPlan          Kind = "backup-plan"    // backup plans
	KindVault         Kind = "backup-vault"   // backup vaults
	KindRecoveryPoint Kind = "recovery-point" // recovery points
)

// ParamType is how a parameter's value is read.
type ParamType string

// Parameter value types.
const (
	Integer     ParamType = "integer"      // a whole number in [Min, Max]
	Enum        ParamType = "enum"         // one of Allowed
	RegionList  ParamType = "region-list"  // comma-separated region names, at most MaxItems
	AccountList ParamType = "account-list" // comma-separated 12-digit account IDs, at most MaxItems
	ARNList     ParamType = "arn-list"     // comma-separated IAM principal ARNs, at most MaxItems
)

// Parameter is one input parameter of a control.
type Parameter struct {
	Name     string
	Type     ParamType
	Default  string // "" when the parameter has no default
	Required bool
	Allowed  []string // Enum
	Min, Max int      // Integer
	MaxItems int      // lists
	Doc      string
}

// Control is one control of the catalogue.
type Control struct {
	Name        string
	Title       string // the control's name on the Choosing your controls page
	Description string
	Evaluates   Kind
	Parameters  []Parameter
}

var (
	frequencyUnit = Parameter{Name: "requiredFrequencyUnit", Type: Enum, Default: "days", Allowed: []string{"hours", "days"},
		Doc: "the unit of the required backup frequency"}
	frequencyValue = Parameter{Name: "requiredFrequencyValue", Type: Integer, Default: "1", Min: 1, Max: 744,
		Doc: "a plan must back up at least once every this many units [1 day]"}
	retentionDays = Parameter{Name: "requiredRetentionDays", Type: Integer, Default: "35", Min: 1, Max: 36500,
		Doc: "the least retention in days [35 days]"}
	ageUnit = Parameter{Name: "recoveryPointAgeUnit", Type: Enum, Default: "days", Allowed: []string{"hours", "days"},
		Doc: "the unit of the most a latest recovery point may age"}
)

// Controls is the catalogue, in the order of the Choosing your controls page.
var Controls = []Control{
	{Name: ProtectedByBackupPlan, Title: "Backup resources are protected by a backup plan", Evaluates: KindResource,
		Description: "Evaluates if resources are protected by a backup plan (included in at least one backup plan's selection)."},
	{Name: PlanMinFrequencyRetention, Title: "Backup plan has minimum frequency and minimum retention", Evaluates: KindPlan,
		Description: "Evaluates if a backup plan has at least one rule whose backup frequency is at least [1 day] and whose retention period is at least [35 days].",
		Parameters:  []Parameter{frequencyUnit, frequencyValue, retentionDays}},
	{Name: ManualDeletionDisabled, Title: "Vaults prevent manual deletion of recovery points", Evaluates: KindVault,
		Description: "Evaluates if backup vaults do not allow manual deletion of recovery points except by certain IAM roles. By default, there are no IAM role exceptions.",
		Parameters: []Parameter{{Name: "principalArnList", Type: ARNList, MaxItems: 5,
			Doc: "up to 5 IAM role ARNs, comma-separated, that may still delete recovery points manually"}}},
	{Name: RecoveryPointEncrypted, Title: "Recovery points are encrypted", Evaluates: KindRecoveryPoint,
		Description: "Evaluates if the recovery points are encrypted."},
	{Name: RecoveryPointMinRetention, Title: "Minimum retention established for recovery point", Evaluates: KindRecoveryPoint,
		Description: "Evaluates if the recovery point retention period is at least [35 days].",
		Parameters:  []Parameter{retentionDays}},
	{Name: ProtectedByCrossRegion, Title: "Cross-Region backup copy is scheduled", Evaluates: KindResource,
		Description: "Evaluates if a resource is configured to create copies of its backups to another AWS Region.",
		Parameters: []Parameter{{Name: "crossRegionList", Type: RegionList, MaxItems: 3,
			Doc: "up to 3 destination Regions, comma-separated; any other Region when left out"}}},
	{Name: ProtectedByCrossAccount, Title: "Cross-account backup copy is scheduled", Evaluates: KindResource,
		Description: "Evaluates if a resource has a cross-account backup copy configured.",
		Parameters: []Parameter{{Name: "crossAccountList", Type: AccountList, MaxItems: 5,
			Doc: "up to 5 destination account IDs, comma-separated; any other account when left out"}}},
	{Name: ProtectedByVaultLock, Title: "Backups are protected by AWS Backup Vault Lock", Evaluates: KindResource,
		Description: "Evaluates if a resource is configured to have backups in a locked backup vault, whose lock's retention is within Min Retention Days and Max Retention Days when given.",
		Parameters: []Parameter{
			{Name: "minRetentionDays", Type: Integer, Min: 1, Max: 36500, Doc: "the least minimum retention the vault's lock may have"},
			{Name: "maxRetentionDays", Type: Integer, Min: 1, Max: 36500, Doc: "the most maximum retention the vault's lock may have"}}},
	{Name: LastRecoveryPointCreated, Title: "Last recovery point was created", Evaluates: KindResource,
		Description: "Evaluates if a recovery point was created within [1 day].",
		Parameters: []Parameter{ageUnit, {Name: "recoveryPointAgeValue", Type: Integer, Default: "1", Min: 1, Max: 744,
			Doc: "the most a resource's latest recovery point may age [1 day]; at most 744 hours or 31 days"}}},
	{Name: RestoreTimeMeetsTarget, Title: "Restore time for resources meet target", Evaluates: KindResource,
		Description: "Evaluates if the restore of a resource completed within the target restore time [720 minutes].",
		Parameters: []Parameter{{Name: "maxRestoreTime", Type: Integer, Default: "720", Min: 1, Max: 43200,
			Doc: "the target restore time in minutes [720]"}}},
	{Name: ProtectedByAirGappedVault, Title: "Resources are protected by a logically air-gapped vault", Evaluates: KindResource,
		Description: "Evaluates if a resource has a recovery point in a logically air-gapped vault created within [1 day].",
		Parameters: []Parameter{ageUnit, {Name: "recoveryPointAgeValue", Type: Integer, Default: "1", Min: 1, Max: 2184,
			Doc: "the most the recovery point may age [1 day]; at most 2184 hours or 91 days"}}},
}

// Lookup returns the control named name.
func Lookup(name string) (Control, bool) {
	i := slices.IndexFunc(Controls, func(c Control) bool { return c.Name == name })
	if i < 0 {
		return Control{}, false
	}
	return Controls[i], true
}

// Names returns every control name, in catalogue order.
func Names() []string {
	out := make([]string, len(Controls))
	for i, c := range Controls {
		out[i] = c.Name
	}
	return out
}

// ResourceTypes are the resource types a ControlScope may name: AWS Backup's resource type
// names (GetSupportedResourceTypes' values on AWS).
var ResourceTypes = []string{"Aurora", "CloudFormation", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "Neptune",
	"RDS", "Redshift", "S3", "SAP HANA on Amazon EC2", "Storage Gateway", "Timestream", "VirtualMachine"}

var (
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	accountPattern = regexp.MustCompile(`^\d{12}$`)
	iamARNPattern  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:(role|user)/\S+$`)
)

// CheckParameters checks a control's input parameters (name to value) and returns them with
// the defaults filled in. field names the control in messages, such as "FrameworkControls[0]".
func CheckParameters(field string, c Control, given map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for name, v := range given {
		i := slices.IndexFunc(c.Parameters, func(p Parameter) bool { return p.Name == name })
		if i < 0 {
			if len(c.Parameters) == 0 {
				return nil, apierr.InvalidParameter("%s: control %s takes no input parameters, got %q: remove ControlInputParameters", field, c.Name, name)
			}
			return nil, apierr.InvalidParameter("%s: control %s has no parameter %q: its parameters are %s", field, c.Name, name, strings.Join(paramNames(c), ", "))
		}
		if err := checkValue(field, c, c.Parameters[i], v); err != nil {
			return nil, err
		}
		out[name] = v
	}
	for _, p := range c.Parameters {
		if _, ok := out[p.Name]; ok {
			continue
		}
		if p.Required {
			return nil, apierr.Missing("%s: control %s needs parameter %s (%s)", field, c.Name, p.Name, p.Doc)
		}
		if p.Default != "" {
			out[p.Name] = p.Default
		}
	}
	if u, v := out["requiredFrequencyUnit"], out["requiredFrequencyValue"]; u == "days" && v != "" {
		if n, _ := strconv.Atoi(v); n > 31 {
			return nil, apierr.InvalidParameter("%s: requiredFrequencyValue %s is more than 31 days: give at most 31 days, or a unit of hours", field, v)
		}
	}
	if u, v := out["recoveryPointAgeUnit"], out["recoveryPointAgeValue"]; u == "days" && v != "" {
		limit := 31
		if c.Name == ProtectedByAirGappedVault {
			limit = 91
		}
		if n, _ := strconv.Atoi(v); n > limit {
			return nil, apierr.InvalidParameter("%s: recoveryPointAgeValue %s is more than %d days: give at most %d days, or a unit of hours", field, v, limit, limit)
		}
	}
	if lo, hi := out["minRetentionDays"], out["maxRetentionDays"]; lo != "" && hi != "" {
		l, _ := strconv.Atoi(lo)
		h, _ := strconv.Atoi(hi)
		if l > h {
			return nil, apierr.InvalidParameter("%s: minRetentionDays (%d) is more than maxRetentionDays (%d): no vault lock could satisfy both", field, l, h)
		}
	}
	return out, nil
}

func paramNames(c Control) []string {
	out := make([]string, len(c.Parameters))
	for i, p := range c.Parameters {
		out[i] = p.Name
	}
	return out
}

func checkValue(field string, c Control, p Parameter, v string) error {
	bad := func(format string, args ...any) error {
		return apierr.InvalidParameter("%s: control %s parameter %s: %s", field, c.Name, p.Name, fmt.Sprintf(format, args...))
	}
	switch p.Type {
	case Integer:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return bad("%q is not a whole number (%s)", v, p.Doc)
		}
		if n < p.Min || n > p.Max {
			return bad("%d is out of range: give %d to %d (%s)", n, p.Min, p.Max, p.Doc)
		}
	case Enum:
		if !slices.Contains(p.Allowed, v) {
			return bad("%q is not allowed: give one of %s", v, strings.Join(p.Allowed, ", "))
		}
	case RegionList, AccountList, ARNList:
		items := SplitList(v)
		if len(items) == 0 {
			return bad("the list is empty (%s)", p.Doc)
		}
		if len(items) > p.MaxItems {
			return bad("%d entries, at most %d allowed", len(items), p.MaxItems)
		}
		pattern, noun := regionPattern, "a Region name such as us-west-2"
		switch p.Type {
		case AccountList:
			pattern, noun = accountPattern, "a 12-digit account ID"
		case ARNList:
			pattern, noun = iamARNPattern, "an IAM role ARN such as arn:aws:iam::123456789012:role/Admin"
		}
		for _, it := range items {
			if !pattern.MatchString(it) {
				return bad("%q is not %s", it, noun)
			}
		}
	}
	return nil
}

// SplitList reads a comma-separated list parameter.
func SplitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Scope is a control's scope, as ControlScope gives it.
type Scope struct {
	ResourceIDs   []string
	ResourceTypes []string
	Tags          map[string]string
}

// CheckScope checks a ControlScope as AWS defines it: "The control scope can include one or
// more resource types, a combination of a tag key and value, or a combination of one resource
// type and one resource ID"; Tags: "A maximum of one key-value pair can be provided".
func CheckScope(field string, s Scope) error {
	if len(s.Tags) > 1 {
		return apierr.InvalidParameter("%s.ControlScope.Tags has %d tags: a control scope takes at most one tag key and value", field, len(s.Tags))
	}
	for k := range s.Tags {
		if strings.TrimSpace(k) == "" {
			return apierr.InvalidParameter("%s.ControlScope.Tags has an empty key: give the tag key to scope by", field)
		}
	}
	for i, t := range s.ResourceTypes {
		if !slices.Contains(ResourceTypes, t) {
			return apierr.InvalidParameter("%s.ControlScope.ComplianceResourceTypes[%d] %q is not an AWS Backup resource type: give one of %s", field, i, t, strings.Join(ResourceTypes, ", "))
		}
	}
	if len(s.ResourceIDs) > 0 {
		if len(s.ResourceIDs) > 100 {
			return apierr.InvalidParameter("%s.ControlScope.ComplianceResourceIds has %d IDs: at most 100", field, len(s.ResourceIDs))
		}
		if len(s.ResourceTypes) != 1 {
			return apierr.InvalidParameter("%s.ControlScope: ComplianceResourceIds needs exactly one ComplianceResourceTypes entry (the type of the resource it names), got %d", field, len(s.ResourceTypes))
		}
		if len(s.Tags) > 0 {
			return apierr.InvalidParameter("%s.ControlScope: give either ComplianceResourceIds or Tags, not both", field)
		}
	}
	return nil
}
