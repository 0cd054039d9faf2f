// Package auditing connects Backup Audit Manager to the engine's records: it reads one account's
// state in one region into the snapshot package compliance evaluates (Snapshot), evaluates a
// framework's controls and stores the verdicts per control and resource (Evaluate), and gathers
// the rows of a report plan's report (Report), which package reports renders.
//
// When frameworks are evaluated: every read of results (the engine's compliance endpoint, a
// report job) evaluates against the state at that moment, so a change to anything a control
// reads shows at the next read; a framework is also evaluated when it is created or changed, and
// daily on the engine's clock (the scheduler's DueEvaluate entries), so results stored for a
// framework are never more than a day old and time travel on the fake clock moves them.
package auditing

import (
	"slices"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/compliance"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/selection"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Day is how often frameworks are evaluated and report plans run on the engine's clock.
const Day = 24 * time.Hour

func scope(account, region string) string { return account + "/" + region + "/" }

// Snapshot reads what the controls read of account's state in region at now.
func Snapshot(tx store.Tx, account, region string, now time.Time) (compliance.State, error) {
	st := compliance.State{Now: now, AccountID: account, Region: region}
	prefix := scope(account, region)

	var registry []resources.Resource
	if err := records.ScanDocs(tx, records.CollResources, prefix, func(r *resources.Resource) { registry = append(registry, *r) }); err != nil {
		return st, err
	}
	plans, err := records.LivePlans(tx, prefix)
	if err != nil {
		return st, err
	}
	type compiled struct {
		planID string
		sel    *selection.Selection
	}
	var selections []compiled
	for _, p := range plans {
		v, err := records.ReadPlanVersion(tx, p, p.VersionID)
		if err != nil {
			return st, err
		}
		tags, err := tagsOf(tx, p.ARN)
		if err != nil {
			return st, err
		}
		cp := compliance.Plan{ID: p.ID, ARN: p.ARN, Name: p.Name, Tags: tags}
		for _, r := range v.Plan.Rules {
			rule := compliance.Rule{Name: r.RuleName, ScheduleExpression: r.ScheduleExpression, Timezone: r.ScheduleExpressionTimezone,
				TargetVaultName: r.TargetBackupVaultName}
			if r.Lifecycle != nil {
				rule.DeleteAfterDays = r.Lifecycle.DeleteAfterDays
			}
			for _, ca := range r.CopyActions {
				rule.CopyDestinations = append(rule.CopyDestinations, ca.DestinationBackupVaultArn)
			}
			cp.Rules = append(cp.Rules, rule)
		}
		st.Plans = append(st.Plans, cp)
		sels, err := records.PlanSelections(tx, p)
		if err != nil {
			return st, err
		}
		for _, s := range sels {
			c, err := selection.Compile(s.Selection.Spec())
			if err != nil {
				continue // stored selections were validated; a rule change must not stop the others
			}
			selections = append(selections, compiled{planID: p.ID, sel: c})
		}
	}
	for _, r := range registry {
		cr := compliance.Resource{ARN: r.ARN, Type: r.Type, ID: r.ID, Tags: r.Tags}
		for _, s := range selections {
			if !slices.Contains(cr.PlanIDs, s.planID) && s.sel.Match(selection.Resource{ARN: r.ARN, Type: r.Type, Tags: r.Tags}) {
				cr.PlanIDs = append(cr.PlanIDs, s.planID)
			}
		}
		st.Resources = append(st.Resources, cr)
	}

	var scanErr error
	if err := records.ScanDocs(tx, records.CollVaults, prefix, func(v *records.Vault) {
		cv := compliance.Vault{Name: v.Name, ARN: v.ARN, AirGapped: v.Type == records.VaultTypeAirGapped}
		if v.Lock != nil {
			cv.Locked, cv.LockMin, cv.LockMax = true, v.Lock.MinRetentionDays, v.Lock.MaxRetentionDays
		}
		if cv.Tags, scanErr = tagsOf(tx, v.ARN); scanErr != nil {
			return
		}
		pol, found, err := records.GetDoc[records.VaultPolicy](tx, records.CollVaultPolicies, records.VaultKey(v.AccountID, v.Region, v.Name))
		if err != nil {
			scanErr = err
			return
		}
		if found {
			cv.Policy = pol.Policy
		}
		st.Vaults = append(st.Vaults, cv)
	}); err != nil {
		return st, err
	}
	if scanErr != nil {
		return st, scanErr
	}
	if err := records.ScanDocs(tx, records.CollRecoveryPoints, prefix, func(p *records.RecoveryPoint) {
		cp := compliance.RecoveryPoint{ARN: p.ARN, ResourceARN: p.ResourceARN, ResourceType: p.ResourceType, VaultName: p.VaultName,
			Completed: p.Status == records.RecoveryPointCompleted || p.Status == records.RecoveryPointPartial,
			Encrypted: p.EncryptionKeyARN != "", CreationDate: p.CreationDate, Tags: p.Resource.Tags}
		if p.Lifecycle != nil {
			cp.DeleteAfterDays = p.Lifecycle.DeleteAfterDays
		}
		st.Points = append(st.Points, cp)
	}); err != nil {
		return st, err
	}
	err = records.ScanDocs(tx, records.CollRestoreJobs, prefix, func(j *records.RestoreJob) {
		st.Restores = append(st.Restores, compliance.Restore{ResourceARN: j.Source.ARN, ResourceType: j.Source.Type,
			Completed: j.Status == records.RestoreJobCompleted, Created: j.CreationDate, Finished: j.CompletionDate})
	})
	return st, err
}

func tagsOf(tx store.Tx, arn string) (map[string]string, error) {
	tags, _, err := records.GetDoc[map[string]string](tx, records.CollTags, arn)
	return tags, err
}

// Instances returns a framework's controls as compliance evaluates them. The stored controls
// were checked when the framework was written, with their defaults filled in.
func Instances(controls []wire.FrameworkControl) []compliance.Instance {
	out := make([]compliance.Instance, 0, len(controls))
	for _, fc := range controls {
		in := compliance.Instance{Name: fc.ControlName, Params: map[string]string{}}
		for _, p := range fc.ControlInputParameters {
			in.Params[p.ParameterName] = p.ParameterValue
		}
		if s := fc.ControlScope; s != nil {
			in.Scope = compliance.Scope{ResourceIDs: s.ComplianceResourceIds, ResourceTypes: s.ComplianceResourceTypes, Tags: s.Tags}
		}
		out = append(out, in)
	}
	return out
}

// Evaluate evaluates framework f against st and stores the verdicts under the framework's key,
// replacing the previous evaluation, and schedules the next daily evaluation.
func Evaluate(tx store.Tx, f records.Framework, st compliance.State) (records.FrameworkEvaluation, error) {
	ev := records.FrameworkEvaluation{FrameworkARN: f.ARN, EvaluatedAt: st.Now, Results: []records.ControlResult{}}
	for _, r := range compliance.Evaluate(Instances(f.Controls), st) {
		ev.Results = append(ev.Results, records.ControlResult{ControlName: r.Control, ResourceARN: r.ResourceARN, ResourceType: r.ResourceType,
			Status: r.Status, Reason: r.Reason})
	}
	if err := records.PutDoc(tx, records.CollFrameworkResults, f.Key(), ev); err != nil {
		return ev, err
	}
	return ev, records.SetDue(tx, records.DueEvaluate, f.Key(), st.Now.Add(Day))
}

// EvaluateNow evaluates framework f at now: Snapshot, then Evaluate.
func EvaluateNow(tx store.Tx, f records.Framework, now time.Time) (records.FrameworkEvaluation, error) {
	st, err := Snapshot(tx, f.AccountID, f.Region, now)
	if err != nil {
		return records.FrameworkEvaluation{}, err
	}
	return Evaluate(tx, f, st)
}

// EvaluateDue is the scheduler's daily evaluation of the framework under key (a DueEvaluate
// entry's ref). A framework deleted since has nothing to do.
func EvaluateDue(tx store.Tx, key string, now time.Time) error {
	f, found, err := records.GetDoc[records.Framework](tx, records.CollFrameworks, key)
	if err != nil {
		return err
	}
	if !found {
		return records.ClearDue(tx, records.DueEvaluate, key)
	}
	_, err = EvaluateNow(tx, f, now)
	return err
}
