package scheduler

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/schedule"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// After downtime an hourly rule runs only its latest instant whose start window is still open;
// the other open instants expire as superseded by it, and the instants whose window closed
// expire as never started. A rule missing more than maxCatchUp instants records only the latest.
func TestCatchUpRunsOnlyTheLatestOpenInstant(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	sched, err := schedule.Parse("rate(1 hour)", "")
	if err != nil {
		t.Fatal(err)
	}
	rule := func(startMinutes int64) *activeRule {
		return &activeRule{rule: wire.BackupRule{BackupRuleInput: wire.BackupRuleInput{RuleName: "hourly", StartWindowMinutes: &startMinutes}}, sched: sched, cursor: t0}
	}
	log := slog.New(slog.DiscardHandler)

	// Down from t0 to 08:30 with a three-hour start window: 06:00, 07:00 and 08:00 are open.
	now := t0.Add(8*time.Hour + 30*time.Minute)
	got := catchUp(rule(180), now, log)
	if len(got) != 8 {
		t.Fatalf("instants caught up = %d; want the 8 from 01:00 to 08:00", len(got))
	}
	for i, f := range got {
		at := t0.Add(time.Duration(i+1) * time.Hour)
		if !f.at.Equal(at) {
			t.Errorf("instant %d at %s; want %s", i, f.at, at)
		}
		switch {
		case i == 7:
			if f.expired != "" {
				t.Errorf("the latest open instant expired (%s); want it to run", f.expired)
			}
		case i >= 5:
			if !strings.HasPrefix(f.expired, "superseded") {
				t.Errorf("open instant %s: expired %q; want superseded by the latest", f.at, f.expired)
			}
		default:
			if !strings.Contains(f.expired, "no engine was running during the job's start window") {
				t.Errorf("closed instant %s: expired %q; want it never started", f.at, f.expired)
			}
		}
	}

	// Nothing missed: the cursor is at the latest instant.
	if got := catchUp(&activeRule{rule: rule(60).rule, sched: sched, cursor: now.Truncate(time.Hour)}, now, log); len(got) != 0 {
		t.Errorf("caught up %d instants with nothing missed; want none", len(got))
	}

	// A very long outage records only the latest maxCatchUp instants.
	long := catchUp(rule(60), t0.Add(time.Duration(maxCatchUp+100)*time.Hour), log)
	if len(long) != maxCatchUp || !long[0].at.Equal(t0.Add(101*time.Hour)) {
		t.Errorf("long outage: %d instants from %s; want %d from %s", len(long), long[0].at, maxCatchUp, t0.Add(101*time.Hour))
	}
}

// The preview lists the rules' next runs merged in time order, a rate() rule on its cadence from
// the version's creation (not from now), a cron() rule in its time zone, and at most n runs.
func TestPreviewRunsMergesRulesInTimeOrder(t *testing.T) {
	created := time.Date(2026, 3, 1, 10, 17, 0, 0, time.UTC)
	now := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	v := records.PlanVersion{CreationDate: created, Plan: wire.BackupPlan{Rules: []wire.BackupRule{
		{RuleId: "rate", BackupRuleInput: wire.BackupRuleInput{ScheduleExpression: "rate(2 hours)"}},
		{RuleId: "cron", BackupRuleInput: wire.BackupRuleInput{ScheduleExpression: "cron(0 15 * * ? *)", ScheduleExpressionTimezone: "Europe/Paris"}},
	}}}
	got := PreviewRuns(v, now, 3)
	want := []struct {
		rule string
		at   time.Time
	}{
		{"cron", time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)},  // 15:00 in Paris (UTC+1)
		{"rate", time.Date(2026, 3, 1, 14, 17, 0, 0, time.UTC)}, // 10:17 + 2h steps
		{"rate", time.Date(2026, 3, 1, 16, 17, 0, 0, time.UTC)},
	}
	if len(got) != len(want) {
		t.Fatalf("preview has %d runs; want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].RuleId != w.rule || !got[i].ExecutionTime.Time().Equal(w.at) || got[i].RuleExecutionType != "SNAPSHOTS" {
			t.Errorf("run %d = %s at %s (%s); want %s at %s", i, got[i].RuleId, got[i].ExecutionTime.Time(), got[i].RuleExecutionType, w.rule, w.at)
		}
	}
}
