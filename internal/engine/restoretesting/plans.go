package restoretesting

import (
	"context"
	"regexp"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/schedule"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// The plan rules of API_RestoreTestingPlanForCreate.html and
// API_RestoreTestingRecoveryPointSelection.html (AWS Backup API reference).
const (
	// DefaultStartWindowHours: "Defaults to 24 hours ... a maximum value of 168 hours".
	DefaultStartWindowHours = 24
	MaxStartWindowHours     = 168
	// DefaultSelectionWindowDays: AWS's console default; "Accepted values are integers from 1
	// to 365".
	DefaultSelectionWindowDays = 30
	MaxSelectionWindowDays     = 365

	AlgorithmLatest = "LATEST_WITHIN_WINDOW"
	AlgorithmRandom = "RANDOM_WITHIN_WINDOW"

	PointTypeSnapshot   = "SNAPSHOT"
	PointTypeContinuous = "CONTINUOUS"
)

// namePattern is the plan and selection name rule: "only alphanumeric characters and
// underscores. Maximum length is 50."
var namePattern = regexp.MustCompile(`^[a-zA-Z0-9_]{1,50}$`)

func checkName(member, name string) error {
	if name == "" {
		return apierr.Missing("%s is required", member)
	}
	if !namePattern.MatchString(name) {
		return apierr.InvalidParameter("%s %q must be 1 to 50 letters, digits and underscores (no hyphens or spaces), e.g. weekly_restore_test", member, name)
	}
	return nil
}

// planARN is a new plan's ARN. AWS's are arn:aws:backup:REGION:ACCOUNT:restore-testing-plan:NAME-ID.
func planARN(sc Scope, name string) string {
	return "arn:aws:backup:" + sc.Region + ":" + sc.AccountID + ":restore-testing-plan:" + name + "-" + uuid.NewString()
}

// checkPointSelection validates a plan's RecoveryPointSelection and fills in its defaults.
func checkPointSelection(sel *wire.RestoreTestingRecoveryPointSelection) (wire.RestoreTestingRecoveryPointSelection, error) {
	if sel == nil {
		return wire.RestoreTestingRecoveryPointSelection{}, apierr.Missing("RestoreTestingPlan.RecoveryPointSelection is required: give Algorithm, IncludeVaults and RecoveryPointTypes")
	}
	out := *sel
	out.IncludeVaults, out.ExcludeVaults = slices.Clone(sel.IncludeVaults), slices.Clone(sel.ExcludeVaults)
	out.RecoveryPointTypes = slices.Clone(sel.RecoveryPointTypes)
	const p = "RecoveryPointSelection."
	switch out.Algorithm {
	case AlgorithmLatest, AlgorithmRandom:
	case "":
		return out, apierr.Missing("%sAlgorithm is required: %s or %s", p, AlgorithmLatest, AlgorithmRandom)
	default:
		return out, apierr.InvalidParameter("%sAlgorithm %q: use %s or %s", p, out.Algorithm, AlgorithmLatest, AlgorithmRandom)
	}
	if len(out.IncludeVaults) == 0 {
		return out, apierr.Missing(`%sIncludeVaults is required: ["*"] for every vault, or vault ARNs (wildcards allowed)`, p)
	}
	for _, list := range []struct {
		name     string
		patterns []string
	}{{"IncludeVaults", out.IncludeVaults}, {"ExcludeVaults", out.ExcludeVaults}} {
		for _, v := range list.patterns {
			if err := checkVaultPattern(v); err != nil {
				return out, apierr.InvalidParameter("%s%s: %v", p, list.name, err)
			}
		}
	}
	if len(out.RecoveryPointTypes) == 0 {
		return out, apierr.Missing("%sRecoveryPointTypes is required: [%q]", p, PointTypeSnapshot)
	}
	for _, t := range out.RecoveryPointTypes {
		if t != PointTypeSnapshot && t != PointTypeContinuous {
			return out, apierr.InvalidParameter("%sRecoveryPointTypes: %q is not %s or %s", p, t, PointTypeSnapshot, PointTypeContinuous)
		}
	}
	if out.SelectionWindowDays == nil {
		d := int32(DefaultSelectionWindowDays)
		out.SelectionWindowDays = &d
	} else if d := *out.SelectionWindowDays; d < 1 || d > MaxSelectionWindowDays {
		return out, apierr.InvalidParameter("%sSelectionWindowDays %d is outside 1 to %d", p, d, MaxSelectionWindowDays)
	}
	return out, nil
}

// checkSchedule validates a plan's schedule with the rules backup plans use.
func checkSchedule(expr, timezone string) error {
	if expr == "" {
		return apierr.Missing("RestoreTestingPlan.ScheduleExpression is required, e.g. cron(0 1 ? * SUN *) for every Sunday at 01:00")
	}
	return rules.Schedule(expr, timezone, "RestoreTestingPlan.")
}

func checkStartWindow(h *int32) (int32, error) {
	if h == nil {
		return DefaultStartWindowHours, nil
	}
	if *h < 1 || *h > MaxStartWindowHours {
		return 0, apierr.InvalidParameter("RestoreTestingPlan.StartWindowHours %d is outside 1 to %d (one week)", *h, MaxStartWindowHours)
	}
	return *h, nil
}

// CreatePlan is CreateRestoreTestingPlan. A repeated request with the same CreatorRequestId
// answers the plan it created, so a retried create is safe.
func (s *Service) CreatePlan(ctx context.Context, sc Scope, in *wire.CreateRestoreTestingPlanInput) (*wire.CreateRestoreTestingPlanOutput, error) {
	plan := in.RestoreTestingPlan
	if plan == nil {
		return nil, apierr.Missing("RestoreTestingPlan is required")
	}
	if err := checkName("RestoreTestingPlan.RestoreTestingPlanName", plan.RestoreTestingPlanName); err != nil {
		return nil, err
	}
	if err := checkSchedule(plan.ScheduleExpression, plan.ScheduleExpressionTimezone); err != nil {
		return nil, err
	}
	window, err := checkStartWindow(plan.StartWindowHours)
	if err != nil {
		return nil, err
	}
	sel, err := checkPointSelection(plan.RecoveryPointSelection)
	if err != nil {
		return nil, err
	}
	if err := rules.Tags(in.Tags); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	p := records.RestoreTestingPlan{AccountID: sc.AccountID, Region: sc.Region, Name: plan.RestoreTestingPlanName, ARN: planARN(sc, plan.RestoreTestingPlanName),
		CreatorRequestID: in.CreatorRequestId, ScheduleExpression: plan.ScheduleExpression, ScheduleExpressionTimezone: plan.ScheduleExpressionTimezone,
		StartWindowHours: window, RecoveryPointSelection: sel, CreationTime: now}
	err = s.update(ctx, func(tx store.Tx) error {
		existing, found, err := records.GetDoc[records.RestoreTestingPlan](tx, records.CollRestoreTestingPlans, p.Key())
		if err != nil {
			return err
		}
		if found {
			if in.CreatorRequestId != "" && existing.CreatorRequestID == in.CreatorRequestId {
				p = existing
				return nil
			}
			e := apierr.New(apierr.AlreadyExists, "restore testing plan %s already exists (%s): choose another RestoreTestingPlanName, or update it", p.Name, existing.ARN)
			e.Arn, e.CreatorRequestId = existing.ARN, existing.CreatorRequestID
			return e
		}
		if err := records.InsertDoc(tx, records.CollRestoreTestingPlans, p.Key(), p); err != nil {
			return err
		}
		if len(in.Tags) > 0 {
			if err := records.PutDoc(tx, records.CollTags, p.ARN, in.Tags); err != nil {
				return err
			}
		}
		return armPlan(tx, p, now)
	})
	if err != nil {
		return nil, internal("create restore testing plan", err)
	}
	return &wire.CreateRestoreTestingPlanOutput{CreationTime: wire.NewTimestamp(p.CreationTime), RestoreTestingPlanArn: p.ARN, RestoreTestingPlanName: p.Name}, nil
}

// armPlan records the plan's next run after after in the due index, where the scheduler finds it.
func armPlan(tx store.Tx, p records.RestoreTestingPlan, after time.Time) error {
	sched, err := schedule.Parse(p.ScheduleExpression, p.ScheduleExpressionTimezone)
	if err != nil {
		return err
	}
	next := sched.Next(after)
	if next.IsZero() {
		return records.ClearDue(tx, records.DueRestoreTestRun, p.Key())
	}
	return records.SetDue(tx, records.DueRestoreTestRun, p.Key(), next)
}

func findPlan(tx store.Tx, sc Scope, name string) (records.RestoreTestingPlan, error) {
	if err := checkName("RestoreTestingPlanName", name); err != nil {
		return records.RestoreTestingPlan{}, err
	}
	p, found, err := records.GetDoc[records.RestoreTestingPlan](tx, records.CollRestoreTestingPlans, records.RestoreTestingPlanKey(sc.AccountID, sc.Region, name))
	if err != nil {
		return p, err
	}
	if !found {
		return p, apierr.NotFound("restore testing plan %s does not exist in account %s, region %s", name, sc.AccountID, sc.Region)
	}
	return p, nil
}

// GetPlan is GetRestoreTestingPlan.
func (s *Service) GetPlan(ctx context.Context, sc Scope, in *wire.RestoreTestingPlanNameInput) (*wire.GetRestoreTestingPlanOutput, error) {
	var p records.RestoreTestingPlan
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		p, err = findPlan(tx, sc, in.RestoreTestingPlanName)
		return err
	})
	if err != nil {
		return nil, internal("get restore testing plan", err)
	}
	sel := p.RecoveryPointSelection
	return &wire.GetRestoreTestingPlanOutput{RestoreTestingPlan: &wire.RestoreTestingPlanForGet{
		CreationTime: wire.NewTimestamp(p.CreationTime), CreatorRequestId: p.CreatorRequestID, LastExecutionTime: wire.NewTimestamp(p.LastExecutionTime),
		LastUpdateTime: wire.NewTimestamp(p.LastUpdateTime), RecoveryPointSelection: &sel, RestoreTestingPlanArn: p.ARN,
		RestoreTestingPlanName: p.Name, ScheduleExpression: p.ScheduleExpression, ScheduleExpressionTimezone: p.ScheduleExpressionTimezone,
		StartWindowHours: p.StartWindowHours,
	}}, nil
}

// UpdatePlan is UpdateRestoreTestingPlan: members the request leaves out keep their value; a new
// RecoveryPointSelection replaces the old one whole.
func (s *Service) UpdatePlan(ctx context.Context, sc Scope, in *wire.UpdateRestoreTestingPlanInput) (*wire.UpdateRestoreTestingPlanOutput, error) {
	u := in.RestoreTestingPlan
	if u == nil {
		return nil, apierr.Missing("RestoreTestingPlan is required")
	}
	var p records.RestoreTestingPlan
	now := s.clock.Now()
	err := s.update(ctx, func(tx store.Tx) error {
		var err error
		if p, err = findPlan(tx, sc, in.RestoreTestingPlanName); err != nil {
			return err
		}
		if u.ScheduleExpression != "" {
			p.ScheduleExpression = u.ScheduleExpression
		}
		if u.ScheduleExpressionTimezone != nil {
			p.ScheduleExpressionTimezone = *u.ScheduleExpressionTimezone
		}
		if err := checkSchedule(p.ScheduleExpression, p.ScheduleExpressionTimezone); err != nil {
			return err
		}
		if u.StartWindowHours != nil {
			if p.StartWindowHours, err = checkStartWindow(u.StartWindowHours); err != nil {
				return err
			}
		}
		if u.RecoveryPointSelection != nil {
			if p.RecoveryPointSelection, err = checkPointSelection(u.RecoveryPointSelection); err != nil {
				return err
			}
		}
		p.LastUpdateTime = now
		if err := records.PutDoc(tx, records.CollRestoreTestingPlans, p.Key(), p); err != nil {
			return err
		}
		return armPlan(tx, p, now)
	})
	if err != nil {
		return nil, internal("update restore testing plan", err)
	}
	return &wire.UpdateRestoreTestingPlanOutput{CreationTime: wire.NewTimestamp(p.CreationTime), RestoreTestingPlanArn: p.ARN,
		RestoreTestingPlanName: p.Name, UpdateTime: wire.NewTimestamp(p.LastUpdateTime)}, nil
}

// DeletePlan is DeleteRestoreTestingPlan: "Deletion can only successfully occur if all associated
// restore testing selections are deleted first" (API_DeleteRestoreTestingPlan.html).
func (s *Service) DeletePlan(ctx context.Context, sc Scope, in *wire.RestoreTestingPlanNameInput) (*struct{}, error) {
	err := s.update(ctx, func(tx store.Tx) error {
		p, err := findPlan(tx, sc, in.RestoreTestingPlanName)
		if err != nil {
			return err
		}
		sels, err := tx.Scan(records.CollRestoreTestingSelections, p.Key()+"/", "", 1)
		if err != nil {
			return err
		}
		if len(sels) > 0 {
			return apierr.InvalidReq("restore testing plan %s still has selections: delete them first (ListRestoreTestingSelections names them)", p.Name)
		}
		if err := tx.Delete(records.CollRestoreTestingPlans, p.Key()); err != nil {
			return err
		}
		if err := records.DeleteIfExists(tx, records.CollTags, p.ARN); err != nil {
			return err
		}
		return records.ClearDue(tx, records.DueRestoreTestRun, p.Key())
	})
	if err != nil {
		return nil, internal("delete restore testing plan", err)
	}
	return &struct{}{}, nil
}

// ListPlans is ListRestoreTestingPlans, in creation order.
func (s *Service) ListPlans(ctx context.Context, sc Scope, in *wire.ListRestoreTestingPlansInput) (*wire.ListRestoreTestingPlansOutput, error) {
	out := &wire.ListRestoreTestingPlansOutput{RestoreTestingPlans: []*wire.RestoreTestingPlanForList{}}
	err := s.store.View(ctx, func(tx store.Tx) error {
		list, next, err := records.Page(tx, records.CollRestoreTestingPlans, sc.prefix(), in.NextToken, in.MaxResults, func(*records.RestoreTestingPlan) bool { return true })
		if err != nil {
			return err
		}
		for _, p := range list {
			out.RestoreTestingPlans = append(out.RestoreTestingPlans, &wire.RestoreTestingPlanForList{
				CreationTime: wire.NewTimestamp(p.CreationTime), LastExecutionTime: wire.NewTimestamp(p.LastExecutionTime),
				LastUpdateTime: wire.NewTimestamp(p.LastUpdateTime), RestoreTestingPlanArn: p.ARN, RestoreTestingPlanName: p.Name,
				ScheduleExpression: p.ScheduleExpression, ScheduleExpressionTimezone: p.ScheduleExpressionTimezone, StartWindowHours: p.StartWindowHours,
			})
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list restore testing plans", err)
	}
	return out, nil
}

// PlanExists reports, as a ResourceNotFoundException, whether no restore testing plan of the
// ARN's account and region has that ARN: the tags API's check.
func PlanExists(tx store.Tx, account, region, arn string) error {
	found := false
	if err := records.ScanDocs(tx, records.CollRestoreTestingPlans, account+"/"+region+"/", func(p *records.RestoreTestingPlan) {
		found = found || p.ARN == arn
	}); err != nil {
		return err
	}
	if !found {
		return apierr.NotFound("restore testing plan %s does not exist", arn)
	}
	return nil
}
