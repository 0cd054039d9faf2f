package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/schedule"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Plan rules firing: the part of Due that creates the backup jobs of scheduled rules.
//
// Each rule has a cursor, the last instant it fired at (or, before its first firing, the creation
// of the plan version it appeared in). At an instant t the rule's selections are resolved against
// the protected-resource registry with selection.Match, and one backup job is created per matched
// resource, under the idempotency key plan/rule/t/resource, in the transaction that moves the
// cursor to t: a rule fires at most once per instant and resource, whichever process fires it.
//
// # Catching up after downtime
//
// AWS Backup creates a scheduled job at the rule's time and keeps it CREATED until it starts:
// "During the start window, the backup job status remains in CREATED status until it has
// successfully begun or until the start window time has run out ... until the job status changes
// to EXPIRED (which is expected to occur when the start window time is over)" (BackupRule
// StartWindowMinutes, AWS Backup API reference). When no engine ran at a rule's time, the engine
// finds the missed instants when it comes back and treats them as AWS would have: an instant
// whose start window has closed gets its jobs recorded as EXPIRED (they could not have started);
// of the instants whose window is still open, only the latest runs, and the earlier ones are
// EXPIRED as superseded by it, so a rule that fires hourly does not start eight backups of each
// resource at once after an eight-hour outage. At most maxCatchUp missed instants per rule are
// recorded; earlier ones are only logged.
const maxCatchUp = 500

// activeRule is a rule of a live plan's current version, with its parsed schedule and cursor.
type activeRule struct {
	plan    records.Plan
	version records.PlanVersion
	rule    wire.BackupRule
	sched   *schedule.Schedule
	cursor  time.Time
}

func (r *activeRule) cursorKey() string { return records.RuleCursorKey(r.plan.Key(), r.rule.RuleId) }

// nextFiring returns the rule's first instant strictly after both its cursor and after.
func (r *activeRule) nextFiring(after time.Time) time.Time {
	if every, isRate := r.sched.Rate(); isRate {
		// A rate() keeps its cadence from the cursor.
		if !after.After(r.cursor) {
			return r.cursor.Add(every)
		}
		return r.cursor.Add((after.Sub(r.cursor)/every + 1) * every)
	}
	if after.Before(r.cursor) {
		after = r.cursor
	}
	return r.sched.Next(after)
}

// activeRules lists the rules of every live plan, in plan key and rule order.
func activeRules(tx store.Tx) ([]*activeRule, error) {
	plans, err := records.LivePlans(tx, "")
	if err != nil {
		return nil, err
	}
	var out []*activeRule
	for _, p := range plans {
		v, err := records.ReadPlanVersion(tx, p, p.VersionID)
		if err != nil {
			return nil, err
		}
		for _, rule := range v.Plan.Rules {
			sched, err := schedule.Parse(rule.ScheduleExpression, rule.ScheduleExpressionTimezone)
			if err != nil {
				continue // stored rules were validated; a parser change must not stop the others
			}
			r := &activeRule{plan: p, version: v, rule: rule, sched: sched, cursor: v.CreationDate}
			c, found, err := records.GetDoc[records.RuleCursor](tx, records.CollRuleCursors, r.cursorKey())
			if err != nil {
				return nil, err
			}
			if found {
				r.cursor = c.Last
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// firing is one instant of one rule that RunDue handles.
type firing struct {
	rule *activeRule
	at   time.Time
	// expired, when not empty, is why the instant's jobs are recorded EXPIRED instead of run.
	expired string
}

// catchUp lists the instants of r from its cursor up to now, deciding which run and which are
// recorded EXPIRED (see the file comment).
func catchUp(r *activeRule, now time.Time, log *slog.Logger) []firing {
	var instants []time.Time
	skipped := 0
	for t := r.nextFiring(r.cursor); !t.IsZero() && !t.After(now); t = r.nextFiring(t) {
		instants = append(instants, t)
		if len(instants) > maxCatchUp {
			instants = instants[1:]
			skipped++
		}
	}
	if len(instants) == 0 {
		return nil
	}
	startWindow := time.Duration(deref(r.rule.StartWindowMinutes)) * time.Minute
	latestOpen := -1
	for i, t := range instants {
		if now.Before(t.Add(startWindow)) {
			latestOpen = i
		}
	}
	if skipped > 0 {
		log.Warn("scheduler: a rule missed more runs than are recorded; the earliest are not recorded as expired jobs",
			slog.String("backup_plan_id", r.plan.ID), slog.String("rule", r.rule.RuleName), slog.Int("not_recorded", skipped))
	}
	out := make([]firing, 0, len(instants))
	for i, t := range instants {
		f := firing{rule: r, at: t}
		switch {
		case i == latestOpen:
		case now.Before(t.Add(startWindow)):
			f.expired = fmt.Sprintf("superseded: when the engine caught up on rule %s at %s, only the job of its latest run (%s) was started",
				r.rule.RuleName, now.Format(time.RFC3339), instants[latestOpen].Format(time.RFC3339))
		default:
			f.expired = fmt.Sprintf("no engine was running during the job's start window (%s to %s, StartWindowMinutes %d), so it never started",
				t.Format(time.RFC3339), t.Add(startWindow).Format(time.RFC3339), deref(r.rule.StartWindowMinutes))
		}
		out = append(out, f)
	}
	return out
}

// fire creates the jobs of one rule instant, and moves the rule's cursor there. It returns how
// many jobs it queued to run.
func (d Due) fire(ctx context.Context, f firing, now time.Time, own *OwnTags) (int, error) {
	r := f.rule
	created, queued := 0, 0
	if err := d.selections().FetchOwnTags(ctx, own, r.plan); err != nil {
		return 0, fmt.Errorf("fire rule %s of backup plan %s: %w", r.rule.RuleName, r.plan.ID, err)
	}
	err := d.Store.Update(ctx, func(tx store.Tx) error {
		created, queued = 0, 0
		c, found, err := records.GetDoc[records.RuleCursor](tx, records.CollRuleCursors, r.cursorKey())
		if err != nil {
			return err
		}
		if found && !c.Last.Before(f.at) {
			return nil // fired already (by another process)
		}
		p, found, err := records.GetDoc[records.Plan](tx, records.CollPlans, r.plan.Key())
		if err != nil {
			return err
		}
		if !found || p.Deleted() || p.VersionID != r.version.VersionID {
			return nil // changed meanwhile: the next RunDue sees the new version
		}
		matched, err := ResolveSelections(tx, p, own)
		if err != nil {
			return err
		}
		v, vaultFound, err := records.GetDoc[records.Vault](tx, records.CollVaults, records.VaultKey(p.AccountID, p.Region, r.rule.TargetBackupVaultName))
		if err != nil {
			return err
		}
		for _, m := range matched {
			runKey := r.cursorKey() + "/" + records.DueTime(f.at) + "/" + m.Resource.ARN
			j := d.scheduledJob(p, r, m, f.at)
			if err := records.InsertDoc(tx, records.CollScheduledRuns, runKey, records.IdempotencyRecord{JobID: j.ID}); errors.Is(err, store.ErrExists) {
				continue
			} else if err != nil {
				return err
			}
			switch {
			case f.expired != "":
				j.State, j.StatusMessage, j.CompletionDate = records.BackupJobExpired, f.expired, minTime(j.StartBy, now)
			case !vaultFound:
				j.State, j.MessageCategory, j.CompletionDate = records.BackupJobFailed, jobs.CategoryFailed, f.at
				j.StatusMessage = fmt.Sprintf("backup vault %s does not exist in account %s, region %s: create it, or change rule %s's TargetBackupVaultName", r.rule.TargetBackupVaultName, p.AccountID, p.Region, r.rule.RuleName)
			case v.Type == records.VaultTypeAirGapped:
				j.State, j.MessageCategory, j.CompletionDate = records.BackupJobFailed, jobs.CategoryFailed, f.at
				j.StatusMessage = fmt.Sprintf("backup vault %s is logically air-gapped: back up into a backup vault and copy the recovery point into it (a CopyAction)", v.Name)
			}
			if vaultFound {
				j.VaultName, j.VaultARN, j.VaultType = v.Name, v.ARN, v.Type
				j.EncryptionKeyARN, j.EncryptionKeyType = v.EncryptionKeyARN, v.EncryptionKeyType
			}
			if err := jobs.InsertBackupJob(tx, d.Events, j); err != nil {
				return err
			}
			created++
			if !records.BackupJobDone(j.State) {
				queued++
			}
		}
		if f.expired == "" {
			at := f.at
			p.LastExecutionDate = &at
			if err := records.PutDoc(tx, records.CollPlans, p.Key(), p); err != nil {
				return err
			}
		}
		return records.PutDoc(tx, records.CollRuleCursors, r.cursorKey(), records.RuleCursor{Last: f.at})
	})
	if err != nil {
		return 0, fmt.Errorf("fire rule %s of backup plan %s at %s: %w", r.rule.RuleName, r.plan.ID, f.at.Format(time.RFC3339), err)
	}
	if created > 0 {
		d.Log.Info("backup rule fired", slog.String("backup_plan_id", r.plan.ID), slog.String("rule", r.rule.RuleName),
			slog.Time("at", f.at), slog.Int("jobs", created), slog.Bool("expired", f.expired != ""))
	}
	return queued, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// scheduledJob is the backup job a rule instant creates for one resource.
func (d Due) scheduledJob(p records.Plan, r *activeRule, m Match, at time.Time) records.BackupJob {
	rule := r.rule
	start, complete := deref(rule.StartWindowMinutes), deref(rule.CompletionWindowMinutes)
	supportsCold := false
	if conn, ok := d.Connectors[m.Resource.Type]; ok {
		supportsCold = conn.SupportsColdStorage()
	}
	j := records.BackupJob{
		ID: jobs.NewJobID(), AccountID: p.AccountID, Region: p.Region, IamRoleARN: m.Role, State: records.BackupJobCreated,
		Resource: m.Resource, CreationDate: at, StartBy: at.Add(time.Duration(start) * time.Minute), CompleteBy: at.Add(time.Duration(complete) * time.Minute),
		StartWindowMinutes: start, CompleteWindowMinutes: complete,
		Lifecycle: records.EffectiveLifecycle(rule.Lifecycle, supportsCold), RecoveryPointTags: maps.Clone(rule.RecoveryPointTags),
		CopyActions: slices.Clone(rule.CopyActions), VaultName: rule.TargetBackupVaultName,
		VaultARN: arns.Vault(p.Region, p.AccountID, rule.TargetBackupVaultName),
		CreatedBy: &wire.RecoveryPointCreator{
			BackupPlanArn: p.ARN, BackupPlanId: p.ID, BackupPlanName: r.version.Plan.BackupPlanName, BackupPlanVersion: r.version.VersionID,
			BackupRuleCron: rule.ScheduleExpression, BackupRuleId: rule.RuleId, BackupRuleName: rule.RuleName, BackupRuleTimezone: rule.ScheduleExpressionTimezone,
		},
	}
	j.RecoveryPointID = jobs.NewPointID()
	j.RecoveryPointARN = arns.RecoveryPoint(p.Region, p.AccountID, j.RecoveryPointID)
	return j
}

// PreviewRuns lists the next n runs of a plan version's rules after now, earliest first. A
// rate() rule counts its cadence from the version's creation, as its firings do (activeRule).
func PreviewRuns(v records.PlanVersion, now time.Time, n int) []*wire.ScheduledPlanExecutionMember {
	var runs []*wire.ScheduledPlanExecutionMember
	for _, r := range v.Plan.Rules {
		sched, err := schedule.Parse(r.ScheduleExpression, r.ScheduleExpressionTimezone)
		if err != nil {
			continue // stored rules were validated; a parser change must not break reads
		}
		kind := "SNAPSHOTS"
		if deref(r.EnableContinuousBackup) {
			kind = "CONTINUOUS"
		}
		t := now
		if every, isRate := sched.Rate(); isRate {
			t = v.CreationDate.Add(now.Sub(v.CreationDate) / every * every)
		}
		for i := 0; i < n; i++ {
			t = sched.Next(t)
			if t.IsZero() {
				break
			}
			runs = append(runs, &wire.ScheduledPlanExecutionMember{ExecutionTime: wire.NewTimestamp(t), RuleExecutionType: kind, RuleId: r.RuleId})
		}
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].ExecutionTime.Time().Before(runs[j].ExecutionTime.Time()) })
	if len(runs) > n {
		runs = runs[:n]
	}
	return runs
}
