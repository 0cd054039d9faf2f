package service

import (
	"context"

	"github.com/strongroom/terraform-provider-backup/internal/engine/auditing"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// frameworkChanged evaluates a framework whose controls changed, which also schedules its daily
// evaluation; the caller wakes the scheduler after the commit.
func (s *Service) frameworkChanged(tx store.Tx, f records.Framework) error {
	_, err := auditing.EvaluateNow(tx, f, s.clock.Now())
	return err
}

// FrameworkCompliance evaluates framework name against the engine's state now, stores the
// verdicts, and returns them per control and resource: the engine's extension endpoint
// GET /_engine/frameworks/{name}/compliance, which the provider's compliance data source reads.
// ComplianceStatus is COMPLIANT when every verdict is.
func (s *Service) FrameworkCompliance(ctx context.Context, name string) (*wire.FrameworkComplianceOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.FrameworkComplianceOutput
	err = s.store.Update(ctx, func(tx store.Tx) error {
		f, err := records.FindFramework(tx, c.AccountID, c.Region, name)
		if err != nil {
			return err
		}
		ev, err := auditing.EvaluateNow(tx, f, s.clock.Now())
		if err != nil {
			return err
		}
		out = &wire.FrameworkComplianceOutput{FrameworkArn: f.ARN, FrameworkName: f.Name, ComplianceStatus: "COMPLIANT",
			EvaluationTime: wire.NewTimestamp(ev.EvaluatedAt), Results: []*wire.ComplianceResult{}}
		for _, r := range ev.Results {
			if r.Status != "COMPLIANT" {
				out.ComplianceStatus = "NON_COMPLIANT"
			}
			out.Results = append(out.Results, &wire.ComplianceResult{ControlName: r.ControlName, ResourceArn: r.ResourceARN, ResourceType: r.ResourceType,
				ComplianceStatus: r.Status, Reason: r.Reason, EvaluationTime: wire.NewTimestamp(ev.EvaluatedAt)})
		}
		return nil
	})
	if err != nil {
		return nil, internal("framework compliance", err)
	}
	return out, nil
}
