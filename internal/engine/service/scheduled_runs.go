package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/schedule"
	"github.com/strongroom/terraform-provider-backup/internal/engine/selection"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Scheduled runs: the plan rules firing, and the work package scheduler asks the service to do
// when it comes due (scheduledWork).
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

// scheduledWork implements scheduler.Work over the service.
type scheduledWork struct{ s *Service }

// activeRule is a rule of a live plan's current version, with its parsed schedule and cursor.
type activeRule struct {
	plan    planRecord
	version planVersion
	rule    wire.BackupRule
	sched   *schedule.Schedule
	cursor  time.Time
}

func (r *activeRule) cursorKey() string { return r.plan.key() + "/" + r.rule.RuleId }

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
	docs, err := tx.Scan(records.CollPlans, "", "", 0)
	if err != nil {
		return nil, err
	}
	var out []*activeRule
	for _, d := range docs {
		var p planRecord
		if err := json.Unmarshal(d.Value, &p); err != nil {
			return nil, fmt.Errorf("decode %s/%s: %w", records.CollPlans, d.Key, err)
		}
		if p.deleted() {
			continue
		}
		v, err := readVersion(tx, p, p.VersionID)
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

// NextDue returns the earliest rule firing or due entry strictly after after.
func (w scheduledWork) NextDue(ctx context.Context, after time.Time) (time.Time, error) {
	var next time.Time
	err := w.s.store.View(ctx, func(tx store.Tx) error {
		rules, err := activeRules(tx)
		if err != nil {
			return err
		}
		for _, r := range rules {
			if t := r.nextFiring(after); !t.IsZero() && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
		t, found, err := records.NextDueAfter(tx, after)
		if err != nil {
			return err
		}
		if found && (next.IsZero() || t.Before(next)) {
			next = t
		}
		return nil
	})
	return next, err
}

// Idle reports whether every queued job has finished and every event is in the event log.
// Deliveries to webhooks are not waited for: a dead webhook retries for minutes.
func (w scheduledWork) Idle(ctx context.Context) (bool, error) {
	var busy, logged bool
	err := w.s.store.View(ctx, func(tx store.Tx) error {
		var err error
		if busy, err = jobs.Busy(tx, events.DeliveryKind); err != nil {
			return err
		}
		logged, err = w.s.events.Logged(tx)
		return err
	})
	return err == nil && !busy && logged, err
}

// firing is one instant of one rule that RunDue handles.
type firing struct {
	rule *activeRule
	at   time.Time
	// expired, when not empty, is why the instant's jobs are recorded EXPIRED instead of run.
	expired string
}

// RunDue fires the rules due at or before now (catching up as the package comment says) and
// handles the due entries up to now, in time order.
func (w scheduledWork) RunDue(ctx context.Context, now time.Time) (int, error) {
	s := w.s
	var firings []firing
	var dues []records.DueEntry
	err := s.store.View(ctx, func(tx store.Tx) error {
		rules, err := activeRules(tx)
		if err != nil {
			return err
		}
		for _, r := range rules {
			firings = append(firings, catchUp(r, now, s.log)...)
		}
		dues, err = records.DueUntil(tx, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	// Merge in time order; at one instant, rules fire before deadlines are enforced.
	type item struct {
		at   time.Time
		fire *firing
		due  *records.DueEntry
	}
	items := make([]item, 0, len(firings)+len(dues))
	for i := range firings {
		items = append(items, item{at: firings[i].at, fire: &firings[i]})
	}
	for i := range dues {
		items = append(items, item{at: dues[i].At, due: &dues[i]})
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		switch {
		case a.fire != nil && b.fire == nil:
			return -1
		case a.fire == nil && b.fire != nil:
			return 1
		}
		return 0
	})
	var errs []error
	started := 0
	tags := newOwnTags() // resources' own tags, fetched once in this run
	for _, it := range items {
		if ctx.Err() != nil {
			return started, ctx.Err()
		}
		var n int
		var err error
		if it.fire != nil {
			n, err = s.fire(ctx, *it.fire, now, tags)
		} else {
			n, err = s.runDueEntry(ctx, *it.due, now)
		}
		started += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	s.runner.Notify()
	s.eventsRecorded()
	return started, errors.Join(errs...)
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

// matchedResource is a registered resource a selection covers, with the role to back it up with.
type matchedResource struct {
	res  resources.Resource
	role string
}

// resolveSelections returns the registered resources of plan p's account and region that any of
// its selections covers, in registry order, each once. Resources are matched on their registry
// tags merged with their own tags in own (resource_tags.go).
func resolveSelections(tx store.Tx, p planRecord, own *ownTags) ([]matchedResource, error) {
	sels, err := planSelections(tx, p)
	if err != nil || len(sels) == 0 {
		return nil, err
	}
	type compiled struct {
		sel  *selection.Selection
		role string
	}
	var cs []compiled
	for _, rec := range sels {
		sel, err := selection.Compile(rec.Selection.Spec())
		if err != nil {
			continue // stored selections were validated
		}
		cs = append(cs, compiled{sel, rec.Selection.IamRoleArn})
	}
	docs, err := tx.Scan(records.CollResources, p.AccountID+"/"+p.Region+"/", "", 0)
	if err != nil {
		return nil, err
	}
	var out []matchedResource
	for _, d := range docs {
		var r resources.Resource
		if err := json.Unmarshal(d.Value, &r); err != nil {
			return nil, fmt.Errorf("decode %s/%s: %w", records.CollResources, d.Key, err)
		}
		sr := selection.Resource{ARN: r.ARN, Type: r.Type, Tags: own.merged(r)}
		for _, c := range cs {
			if c.sel.Match(sr) {
				out = append(out, matchedResource{res: r, role: c.role})
				break
			}
		}
	}
	return out, nil
}

// fire creates the jobs of one rule instant, and moves the rule's cursor there. It returns how
// many jobs it queued to run.
func (s *Service) fire(ctx context.Context, f firing, now time.Time, own *ownTags) (int, error) {
	r := f.rule
	created, queued := 0, 0
	if err := s.fetchOwnTags(ctx, own, r.plan); err != nil {
		return 0, fmt.Errorf("fire rule %s of backup plan %s: %w", r.rule.RuleName, r.plan.ID, err)
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		created, queued = 0, 0
		c, found, err := records.GetDoc[records.RuleCursor](tx, records.CollRuleCursors, r.cursorKey())
		if err != nil {
			return err
		}
		if found && !c.Last.Before(f.at) {
			return nil // fired already (by another process)
		}
		p, found, err := records.GetDoc[planRecord](tx, records.CollPlans, r.plan.key())
		if err != nil {
			return err
		}
		if !found || p.deleted() || p.VersionID != r.version.VersionID {
			return nil // changed meanwhile: the next RunDue sees the new version
		}
		matched, err := resolveSelections(tx, p, own)
		if err != nil {
			return err
		}
		v, vaultFound, err := records.GetDoc[records.Vault](tx, records.CollVaults, records.VaultKey(p.AccountID, p.Region, r.rule.TargetBackupVaultName))
		if err != nil {
			return err
		}
		for _, m := range matched {
			runKey := r.cursorKey() + "/" + records.DueTime(f.at) + "/" + m.res.ARN
			j := s.scheduledJob(p, r, m, f.at)
			if err := records.InsertDoc(tx, records.CollScheduledRuns, runKey, records.IdempotencyRecord{JobID: j.ID}); errors.Is(err, store.ErrExists) {
				continue
			} else if err != nil {
				return err
			}
			switch {
			case f.expired != "":
				j.State, j.StatusMessage, j.CompletionDate = BackupJobExpired, f.expired, minTime(j.StartBy, now)
			case !vaultFound:
				j.State, j.MessageCategory, j.CompletionDate = BackupJobFailed, categoryFailed, f.at
				j.StatusMessage = fmt.Sprintf("backup vault %s does not exist in account %s, region %s: create it, or change rule %s's TargetBackupVaultName", r.rule.TargetBackupVaultName, p.AccountID, p.Region, r.rule.RuleName)
			case v.Type == VaultTypeAirGapped:
				j.State, j.MessageCategory, j.CompletionDate = BackupJobFailed, categoryFailed, f.at
				j.StatusMessage = fmt.Sprintf("backup vault %s is logically air-gapped: back up into a backup vault and copy the recovery point into it (a CopyAction)", v.Name)
			}
			if vaultFound {
				j.VaultName, j.VaultARN, j.VaultType = v.Name, v.ARN, v.Type
				j.EncryptionKeyARN, j.EncryptionKeyType = v.EncryptionKeyARN, v.EncryptionKeyType
			}
			if err := s.insertBackupJob(tx, j); err != nil {
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
			if err := records.PutDoc(tx, records.CollPlans, p.key(), p); err != nil {
				return err
			}
		}
		return records.PutDoc(tx, records.CollRuleCursors, r.cursorKey(), records.RuleCursor{Last: f.at})
	})
	if err != nil {
		return 0, fmt.Errorf("fire rule %s of backup plan %s at %s: %w", r.rule.RuleName, r.plan.ID, f.at.Format(time.RFC3339), err)
	}
	if created > 0 {
		s.log.Info("backup rule fired", slog.String("backup_plan_id", r.plan.ID), slog.String("rule", r.rule.RuleName),
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
func (s *Service) scheduledJob(p planRecord, r *activeRule, m matchedResource, at time.Time) records.BackupJob {
	rule := r.rule
	start, complete := deref(rule.StartWindowMinutes), deref(rule.CompletionWindowMinutes)
	supportsCold := false
	if conn, ok := s.connectors[m.res.Type]; ok {
		supportsCold = conn.SupportsColdStorage()
	}
	j := records.BackupJob{
		ID: newJobID(), AccountID: p.AccountID, Region: p.Region, IamRoleARN: m.role, State: BackupJobCreated,
		Resource: withBackupOptions(m.res, r.version.Plan.AdvancedBackupSettings), CreationDate: at, StartBy: at.Add(time.Duration(start) * time.Minute), CompleteBy: at.Add(time.Duration(complete) * time.Minute),
		StartWindowMinutes: start, CompleteWindowMinutes: complete,
		Lifecycle: effectiveLifecycle(rule.Lifecycle, supportsCold), RecoveryPointTags: maps.Clone(rule.RecoveryPointTags),
		CopyActions: slices.Clone(rule.CopyActions), VaultName: rule.TargetBackupVaultName,
		VaultARN: VaultARN(p.Region, p.AccountID, rule.TargetBackupVaultName),
		CreatedBy: &wire.RecoveryPointCreator{
			BackupPlanArn: p.ARN, BackupPlanId: p.ID, BackupPlanName: r.version.Plan.BackupPlanName, BackupPlanVersion: r.version.VersionID,
			BackupRuleCron: rule.ScheduleExpression, BackupRuleId: rule.RuleId, BackupRuleName: rule.RuleName, BackupRuleTimezone: rule.ScheduleExpressionTimezone,
		},
	}
	j.RecoveryPointID = newPointID()
	j.RecoveryPointARN = RecoveryPointARN(p.Region, p.AccountID, j.RecoveryPointID)
	return j
}

// withBackupOptions is res with the plan's advanced backup settings for its type.
func withBackupOptions(res resources.Resource, settings []wire.AdvancedBackupSetting) resources.Resource {
	for _, s := range settings {
		if s.ResourceType == res.Type {
			res.BackupOptions = maps.Clone(s.BackupOptions)
		}
	}
	return res
}

// runDueEntry does one due entry's work; it returns 1 if that queued or stopped a job.
func (s *Service) runDueEntry(ctx context.Context, e records.DueEntry, now time.Time) (int, error) {
	var started bool
	var err error
	switch e.Kind {
	case records.DueStartBy, records.DueCompleteBy:
		started, err = s.enforceWindow(ctx, e, now)
	case records.DueCold:
		started, err = s.startColdTransition(ctx, e, now)
	case records.DueDelete:
		started, err = s.expirePoint(ctx, e, now)
	default:
		err = s.store.Update(ctx, func(tx store.Tx) error { return records.ClearDue(tx, e.Kind, e.Ref) })
	}
	if err != nil {
		return 0, fmt.Errorf("%s of %s at %s: %w", e.Kind, e.Ref, e.At.Format(time.RFC3339), err)
	}
	if started {
		return 1, nil
	}
	return 0, nil
}

// enforceWindow expires a backup job that has not started by its start window's end, and stops
// one still running at its completion window's end.
func (s *Service) enforceWindow(ctx context.Context, e records.DueEntry, now time.Time) (bool, error) {
	stop := false
	err := s.store.Update(ctx, func(tx store.Tx) error {
		stop = false
		j, found, err := records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, e.Ref)
		if err != nil {
			return err
		}
		if !found || records.BackupJobDone(j.State) {
			return records.ClearDue(tx, e.Kind, e.Ref)
		}
		_, claimed, err := jobs.Claimed(tx, kindBackup, e.Ref)
		if err != nil {
			return err
		}
		if err := records.ClearDue(tx, e.Kind, e.Ref); err != nil {
			return err
		}
		switch {
		case !claimed && j.State == BackupJobCreated:
			if _, err := jobs.Dequeue(tx, kindBackup, e.Ref); err != nil {
				return err
			}
			j.State, j.CompletionDate = BackupJobExpired, now
			j.StatusMessage = fmt.Sprintf("the job did not start within its start window (StartWindowMinutes %d, by %s): the engine was running other jobs (at most --max-concurrent-jobs at once) or was not running",
				j.StartWindowMinutes, j.StartBy.Format(time.RFC3339))
			return s.saveBackupJob(tx, j)
		case e.Kind == records.DueStartBy:
			return nil // it started: the runner has it
		case j.State == BackupJobAborting:
			return nil // already being stopped
		}
		// Still running at the end of its completion window.
		j.State = BackupJobAborting
		j.StopReason = fmt.Sprintf("the job did not finish within its completion window (CompleteWindowMinutes %d, by %s), so it was stopped; the data it had written was discarded and no recovery point was created",
			j.CompleteWindowMinutes, j.CompleteBy.Format(time.RFC3339))
		if _, err := jobs.RequestStop(tx, kindBackup, e.Ref); err != nil {
			return err
		}
		stop = true
		return s.saveBackupJob(tx, j)
	})
	if err == nil && stop {
		s.runner.StopTask(kindBackup, e.Ref)
	}
	return stop, err
}

// ListPlanResources resolves a plan's selections against the protected-resource registry, as a
// rule firing now would: which resources the plan covers. (AWS Backup has no such operation; the
// extension API serves it, to check a selection before the schedule fires.)
func (s *Service) ListPlanResources(ctx context.Context, in *wire.ListPlanResourcesInput) (*wire.ListPlanResourcesOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListPlanResourcesOutput{ResourceArns: []string{}}
	var p planRecord
	err = s.store.View(ctx, func(tx store.Tx) error {
		p, err = findLivePlan(tx, c, in.BackupPlanId)
		return err
	})
	if err != nil {
		return nil, internal("list plan resources", err)
	}
	own := newOwnTags()
	if err := s.fetchOwnTags(ctx, own, p); err != nil {
		return nil, internal("list plan resources", err)
	}
	err = s.store.View(ctx, func(tx store.Tx) error {
		p, err := findLivePlan(tx, c, in.BackupPlanId)
		if err != nil {
			return err
		}
		matched, err := resolveSelections(tx, p, own)
		for _, m := range matched {
			out.ResourceArns = append(out.ResourceArns, m.res.ARN)
		}
		return err
	})
	if err != nil {
		return nil, internal("list plan resources", err)
	}
	return out, nil
}
