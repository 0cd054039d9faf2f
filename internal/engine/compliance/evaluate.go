package compliance

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/policy"
	"github.com/strongroom/terraform-provider-backup/internal/engine/schedule"
)

// Verdicts, as AWS Config names them in compliance reports.
const (
	Compliant    = "COMPLIANT"
	NonCompliant = "NON_COMPLIANT"
)

// The resource types of what is not a protected resource, as AWS Config names them (the
// "AWS Config recording resource type" column of Choosing your controls).
const (
	TypeBackupPlan    = "AWS::Backup::BackupPlan"
	TypeBackupVault   = "AWS::Backup::BackupVault"
	TypeRecoveryPoint = "AWS::Backup::RecoveryPoint"
)

// State is what the controls read: one account's state in one region at Now. The caller (the
// engine's auditing) fills it from the store; the controls only read it.
type State struct {
	Now       time.Time
	AccountID string
	Region    string
	Resources []Resource
	Plans     []Plan
	Vaults    []Vault
	Points    []RecoveryPoint
	Restores  []Restore
}

// Resource is a protected resource: one the engine's registry holds.
type Resource struct {
	ARN  string
	Type string // AWS Backup's type name: EFS, RDS, S3
	ID   string
	Tags map[string]string
	// PlanIDs are the plans whose selections include the resource now.
	PlanIDs []string
}

// Plan is a backup plan's current version.
type Plan struct {
	ID, ARN, Name string
	Tags          map[string]string
	Rules         []Rule
}

// Rule is one rule of a plan.
type Rule struct {
	Name               string
	ScheduleExpression string // "" for a rule that never fires on its own
	Timezone           string
	DeleteAfterDays    *int64 // nil: points are kept indefinitely
	TargetVaultName    string
	// CopyDestinations are the vault ARNs the rule's copy actions copy to.
	CopyDestinations []string
}

// Vault is a backup vault.
type Vault struct {
	Name, ARN string
	AirGapped bool
	Tags      map[string]string
	// Locked is set when the vault has a Backup Vault Lock; LockMin and LockMax are its
	// retention bounds (nil: none).
	Locked           bool
	LockMin, LockMax *int64
	// Policy is the vault's access policy document ("" when it has none).
	Policy string
}

// RecoveryPoint is one recovery point.
type RecoveryPoint struct {
	ARN          string
	ResourceARN  string
	ResourceType string
	VaultName    string
	Tags         map[string]string
	Completed    bool // COMPLETED (or PARTIAL): a point that can be restored from
	Encrypted    bool
	CreationDate time.Time
	// DeleteAfterDays is the point's retention from its creation (nil: kept indefinitely).
	DeleteAfterDays *int64
}

// Restore is one restore job.
type Restore struct {
	ResourceARN  string // the resource whose recovery point was restored
	ResourceType string
	Completed    bool
	Created      time.Time
	Finished     time.Time
}

// Instance is one control of a framework: a catalogue control with its parameters (defaults
// filled in, as CheckParameters returns them) and scope.
type Instance struct {
	Name   string
	Params map[string]string
	Scope  Scope
}

// Result is one control's verdict on one resource, with the reason in words.
type Result struct {
	Control      string
	ResourceARN  string
	ResourceType string
	Status       string
	Reason       string
}

// subject is anything a control evaluates, as its scope sees it.
type subject struct {
	arn, typ, id string
	tags         map[string]string
}

func (sc Scope) includes(s subject, kind Kind) bool {
	if len(sc.ResourceTypes) > 0 && (kind == KindResource || kind == KindRecoveryPoint) && !slices.Contains(sc.ResourceTypes, s.typ) {
		return false
	}
	if len(sc.ResourceIDs) > 0 && !slices.ContainsFunc(sc.ResourceIDs, func(id string) bool { return id == s.arn || id == s.id }) {
		return false
	}
	for k, v := range sc.Tags {
		got, ok := s.tags[k]
		if !ok || (v != "" && got != v) {
			return false
		}
	}
	return true
}

// Evaluate runs each control over the state and returns its verdicts, control by control in the
// order given, and within a control in the state's order. A resource a control does not apply
// to (RESTORE_TIME_FOR_RESOURCES_MEET_TARGET on a resource never restored) gets no verdict.
func Evaluate(controls []Instance, st State) []Result {
	var out []Result
	for _, in := range controls {
		c, ok := Lookup(in.Name)
		if !ok {
			continue
		}
		add := func(s subject, ok bool, reason string) {
			status := NonCompliant
			if ok {
				status = Compliant
			}
			out = append(out, Result{Control: in.Name, ResourceARN: s.arn, ResourceType: s.typ, Status: status, Reason: reason})
		}
		switch c.Evaluates {
		case KindResource:
			for _, r := range st.Resources {
				s := subject{arn: r.ARN, typ: r.Type, id: r.ID, tags: r.Tags}
				if !in.Scope.includes(s, c.Evaluates) {
					continue
				}
				if ok, reason, applies := evaluateResource(in, st, r); applies {
					add(s, ok, reason)
				}
			}
		case KindPlan:
			for _, p := range st.Plans {
				s := subject{arn: p.ARN, typ: TypeBackupPlan, id: p.ID, tags: p.Tags}
				if in.Scope.includes(s, c.Evaluates) {
					ok, reason := planFrequencyAndRetention(in.Params, st.Now, p)
					add(s, ok, reason)
				}
			}
		case KindVault:
			for _, v := range st.Vaults {
				s := subject{arn: v.ARN, typ: TypeBackupVault, id: v.Name, tags: v.Tags}
				if in.Scope.includes(s, c.Evaluates) {
					ok, reason := manualDeletionDisabled(in.Params, st, v)
					add(s, ok, reason)
				}
			}
		case KindRecoveryPoint:
			for _, p := range st.Points {
				if !p.Completed {
					continue
				}
				s := subject{arn: p.ARN, typ: p.ResourceType, id: p.ARN, tags: p.Tags}
				if !in.Scope.includes(s, c.Evaluates) {
					continue
				}
				var ok bool
				var reason string
				if in.Name == RecoveryPointEncrypted {
					ok, reason = p.Encrypted, "the recovery point is encrypted"
					if !ok {
						reason = "the recovery point is not encrypted"
					}
				} else {
					ok, reason = pointRetention(in.Params, p)
				}
				s.typ = TypeRecoveryPoint
				add(s, ok, reason)
			}
		}
	}
	return out
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func duration(unit, value string) time.Duration {
	d := time.Duration(atoi(value)) * time.Hour
	if unit == "days" {
		d *= 24
	}
	return d
}

// evaluateResource evaluates a control on a protected resource; applies is false when the
// control has nothing to judge the resource on.
func evaluateResource(in Instance, st State, r Resource) (ok bool, reason string, applies bool) {
	switch in.Name {
	case ProtectedByBackupPlan:
		if len(r.PlanIDs) == 0 {
			return false, "no backup plan's selection includes the resource", true
		}
		return true, "included in backup plan(s) " + strings.Join(r.PlanIDs, ", "), true
	case ProtectedByCrossRegion, ProtectedByCrossAccount:
		ok, reason := crossCopy(in, st, r)
		return ok, reason, true
	case ProtectedByVaultLock:
		ok, reason := vaultLocked(in.Params, st, r)
		return ok, reason, true
	case LastRecoveryPointCreated, ProtectedByAirGappedVault:
		ok, reason := recentPoint(in, st, r)
		return ok, reason, true
	case RestoreTimeMeetsTarget:
		return restoreTime(in.Params, st, r)
	}
	return false, "", false
}

// planFrequencyAndRetention: "Evaluates if backup plans contain at least one backup rule with a
// backup frequency of at least [1 day] and retention period of at least [35 days]."
func planFrequencyAndRetention(params map[string]string, now time.Time, p Plan) (bool, string) {
	maxGap := duration(params["requiredFrequencyUnit"], params["requiredFrequencyValue"])
	minDays := int64(atoi(params["requiredRetentionDays"]))
	var why []string
	for _, r := range p.Rules {
		gap, fires := ruleMaxGap(r, now)
		switch {
		case !fires:
			why = append(why, fmt.Sprintf("rule %s has no schedule", r.Name))
		case gap > maxGap:
			why = append(why, fmt.Sprintf("rule %s backs up only every %s (at least every %s required)", r.Name, gap, maxGap))
		case r.DeleteAfterDays != nil && *r.DeleteAfterDays < minDays:
			why = append(why, fmt.Sprintf("rule %s keeps recovery points %d days (at least %d required)", r.Name, *r.DeleteAfterDays, minDays))
		default:
			return true, fmt.Sprintf("rule %s backs up at least every %s and keeps recovery points at least %d days", r.Name, maxGap, minDays)
		}
	}
	if len(why) == 0 {
		return false, "the plan has no rules"
	}
	return false, strings.Join(why, "; ")
}

// ruleMaxGap is the longest time between consecutive firings of r over the 35 days after now
// (long enough for weekly and monthly schedules to show their gap).
func ruleMaxGap(r Rule, now time.Time) (time.Duration, bool) {
	if r.ScheduleExpression == "" {
		return 0, false
	}
	s, err := schedule.Parse(r.ScheduleExpression, r.Timezone)
	if err != nil {
		return 0, false
	}
	if d, isRate := s.Rate(); isRate {
		return d, true
	}
	until := now.Add(35 * 24 * time.Hour)
	var gap time.Duration
	prev := s.Next(now)
	n := 0
	for !prev.IsZero() && !prev.After(until) && n < 50000 {
		next := s.Next(prev)
		if next.IsZero() {
			break
		}
		gap = max(gap, next.Sub(prev))
		prev = next
		n++
	}
	return gap, n > 0
}

// manualDeletionDisabled: "Evaluates if backup vaults do not allow manual deletion of recovery
// points except by certain IAM roles": the vault's access policy must explicitly deny
// backup:DeleteRecoveryPoint to any principal of the account not in principalArnList.
func manualDeletionDisabled(params map[string]string, st State, v Vault) (bool, string) {
	if v.Policy == "" {
		return false, "the vault has no access policy, so recovery points can be deleted manually"
	}
	doc, err := policy.Parse(v.Policy, policy.Options{})
	if err != nil {
		return false, "the vault's access policy cannot be read: " + err.Error()
	}
	// A principal not in the exemption list: the account's own root stands for everyone else.
	probe := "arn:aws:iam::" + st.AccountID + ":root"
	for _, p := range SplitList(params["principalArnList"]) {
		if p == probe {
			probe = "arn:aws:iam::" + st.AccountID + ":role/not-exempt"
		}
	}
	d := doc.Evaluate(policy.Request{Account: st.AccountID, PrincipalARN: probe, Action: "DeleteRecoveryPoint", Resource: v.ARN})
	if d != policy.ExplicitDeny {
		return false, "the vault's access policy does not deny backup:DeleteRecoveryPoint, so recovery points can be deleted manually"
	}
	return true, "the vault's access policy denies backup:DeleteRecoveryPoint"
}

// pointRetention: "Evaluates if the recovery point retention period is at least [35 days]."
func pointRetention(params map[string]string, p RecoveryPoint) (bool, string) {
	want := int64(atoi(params["requiredRetentionDays"]))
	if p.DeleteAfterDays == nil {
		return true, "the recovery point is kept indefinitely"
	}
	if *p.DeleteAfterDays < want {
		return false, fmt.Sprintf("the recovery point is kept %d days, less than the required %d", *p.DeleteAfterDays, want)
	}
	return true, fmt.Sprintf("the recovery point is kept %d days", *p.DeleteAfterDays)
}

func (st State) rulesOf(r Resource) []Rule {
	var out []Rule
	for _, p := range st.Plans {
		if slices.Contains(r.PlanIDs, p.ID) {
			out = append(out, p.Rules...)
		}
	}
	return out
}

// crossCopy: cross-Region ("Evaluates if a resource is configured to create copies of its
// backups to another AWS Region") and cross-account ("has a cross-account backup copy
// configured"): a rule of a plan that selects the resource copies to a vault in another Region
// (account), one of crossRegionList (crossAccountList) when given.
func crossCopy(in Instance, st State, r Resource) (bool, string) {
	region := in.Name == ProtectedByCrossRegion
	want := SplitList(in.Params["crossAccountList"])
	noun := "account"
	if region {
		want, noun = SplitList(in.Params["crossRegionList"]), "Region"
	}
	for _, rule := range st.rulesOf(r) {
		for _, dest := range rule.CopyDestinations {
			destRegion, destAccount := arnRegionAccount(dest)
			got, own := destAccount, st.AccountID
			if region {
				got, own = destRegion, st.Region
			}
			if got != own && (len(want) == 0 || slices.Contains(want, got)) {
				return true, fmt.Sprintf("rule %s copies its backups to %s in %s %s", rule.Name, dest, noun, got)
			}
		}
	}
	if len(want) > 0 {
		return false, fmt.Sprintf("no backup rule of the resource copies its backups to %s %s", noun, strings.Join(want, " or "))
	}
	return false, "no backup rule of the resource copies its backups to another " + noun
}

func arnRegionAccount(arn string) (region, account string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return "", ""
	}
	return parts[3], parts[4]
}

func (st State) vault(name string) (Vault, bool) {
	i := slices.IndexFunc(st.Vaults, func(v Vault) bool { return v.Name == name })
	if i < 0 {
		return Vault{}, false
	}
	return st.Vaults[i], true
}

// vaultLocked: "Evaluates if a resource is configured to have backups in locked backup vault",
// with the lock's retention within minRetentionDays and maxRetentionDays when given: the
// resource has a recovery point in such a vault.
func vaultLocked(params map[string]string, st State, r Resource) (bool, string) {
	lo, hi := params["minRetentionDays"], params["maxRetentionDays"]
	sawPoint := false
	var why string
	for _, p := range st.Points {
		if p.ResourceARN != r.ARN || !p.Completed {
			continue
		}
		sawPoint = true
		v, ok := st.vault(p.VaultName)
		switch {
		case !ok || !v.Locked:
			why = fmt.Sprintf("vault %s has no Backup Vault Lock", p.VaultName)
		case lo != "" && (v.LockMin == nil || *v.LockMin < int64(atoi(lo))):
			why = fmt.Sprintf("vault %s's lock has a minimum retention below %s days", p.VaultName, lo)
		case hi != "" && (v.LockMax == nil || *v.LockMax > int64(atoi(hi))):
			why = fmt.Sprintf("vault %s's lock has no maximum retention of at most %s days", p.VaultName, hi)
		default:
			return true, fmt.Sprintf("recovery point %s is in locked vault %s", p.ARN, p.VaultName)
		}
	}
	if !sawPoint {
		return false, "the resource has no recovery point"
	}
	return false, "no recovery point of the resource is in a suitably locked vault: " + why
}

// recentPoint: "Last recovery point was created" ("Evaluates if a recovery point was created
// within [1 day]") and the logically air-gapped vault control (the same, counting only points
// in logically air-gapped vaults).
func recentPoint(in Instance, st State, r Resource) (bool, string) {
	age := duration(in.Params["recoveryPointAgeUnit"], in.Params["recoveryPointAgeValue"])
	airGapped := in.Name == ProtectedByAirGappedVault
	var latest time.Time
	for _, p := range st.Points {
		if p.ResourceARN != r.ARN || !p.Completed {
			continue
		}
		if airGapped {
			if v, ok := st.vault(p.VaultName); !ok || !v.AirGapped {
				continue
			}
		}
		if p.CreationDate.After(latest) {
			latest = p.CreationDate
		}
	}
	where := "recovery point"
	if airGapped {
		where = "recovery point in a logically air-gapped vault"
	}
	if latest.IsZero() {
		return false, "the resource has no " + where
	}
	if st.Now.Sub(latest) > age {
		return false, fmt.Sprintf("the latest %s was created at %s, more than %s ago", where, latest.UTC().Format(time.RFC3339), age)
	}
	return true, fmt.Sprintf("the latest %s was created at %s", where, latest.UTC().Format(time.RFC3339))
}

// restoreTime: "Restore time for resources meet target": the resource's latest completed
// restore took at most maxRestoreTime minutes [720]. A resource never restored is not judged.
func restoreTime(params map[string]string, st State, r Resource) (bool, string, bool) {
	limit := time.Duration(atoi(params["maxRestoreTime"])) * time.Minute
	var latest *Restore
	for i, j := range st.Restores {
		if j.ResourceARN == r.ARN && j.Completed && (latest == nil || j.Finished.After(latest.Finished)) {
			latest = &st.Restores[i]
		}
	}
	if latest == nil {
		return false, "", false
	}
	took := latest.Finished.Sub(latest.Created)
	if took > limit {
		return false, fmt.Sprintf("the latest restore took %s, more than the target %s", took, limit), true
	}
	return true, fmt.Sprintf("the latest restore took %s, within the target %s", took, limit), true
}
