package service

import (
	"context"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/summaries"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Job summaries (ListBackupJobSummaries, ListCopyJobSummaries, ListRestoreJobSummaries): the
// caller's jobs of each kind, counted by package summaries.

// ListBackupJobSummaries counts the caller's backup jobs of recent periods.
func (s *Service) ListBackupJobSummaries(ctx context.Context, in *wire.ListBackupJobSummariesInput) (*wire.ListBackupJobSummariesOutput, error) {
	req := summaries.Request{AccountID: in.AccountId, State: in.State, ResourceType: in.ResourceType, MessageCategory: in.MessageCategory,
		AggregationPeriod: in.AggregationPeriod, MaxResults: in.MaxResults, NextToken: in.NextToken}
	c, list, next, err := summarize(ctx, s, "list backup job summaries", req, records.CollBackupJobs, func(j *records.BackupJob) summaries.Job {
		return summaries.Job{Created: j.CreationDate, AccountID: j.AccountID, State: j.State, ResourceType: j.Resource.Type, MessageCategory: j.MessageCategory}
	})
	if err != nil {
		return nil, err
	}
	out := &wire.ListBackupJobSummariesOutput{AggregationPeriod: req.Period(), BackupJobSummaries: []*wire.BackupJobSummary{}, NextToken: next}
	for _, sm := range list {
		out.BackupJobSummaries = append(out.BackupJobSummaries, &wire.BackupJobSummary{AccountId: sm.AccountID, Count: sm.Count, EndTime: wire.NewTimestamp(sm.End),
			MessageCategory: sm.MessageCategory, Region: c.Region, ResourceType: sm.ResourceType, StartTime: wire.NewTimestamp(sm.Start), State: sm.State})
	}
	return out, nil
}

// ListCopyJobSummaries counts the caller's copy jobs of recent periods.
func (s *Service) ListCopyJobSummaries(ctx context.Context, in *wire.ListCopyJobSummariesInput) (*wire.ListCopyJobSummariesOutput, error) {
	req := summaries.Request{AccountID: in.AccountId, State: in.State, ResourceType: in.ResourceType, MessageCategory: in.MessageCategory,
		AggregationPeriod: in.AggregationPeriod, MaxResults: in.MaxResults, NextToken: in.NextToken}
	c, list, next, err := summarize(ctx, s, "list copy job summaries", req, records.CollCopyJobs, func(j *records.CopyJob) summaries.Job {
		return summaries.Job{Created: j.CreationDate, AccountID: j.AccountID, State: j.State, ResourceType: j.Resource.Type, MessageCategory: j.MessageCategory}
	})
	if err != nil {
		return nil, err
	}
	out := &wire.ListCopyJobSummariesOutput{AggregationPeriod: req.Period(), CopyJobSummaries: []*wire.CopyJobSummary{}, NextToken: next}
	for _, sm := range list {
		out.CopyJobSummaries = append(out.CopyJobSummaries, &wire.CopyJobSummary{AccountId: sm.AccountID, Count: int(sm.Count), EndTime: wire.NewTimestamp(sm.End),
			MessageCategory: sm.MessageCategory, Region: c.Region, ResourceType: sm.ResourceType, StartTime: wire.NewTimestamp(sm.Start), State: sm.State})
	}
	return out, nil
}

// ListRestoreJobSummaries counts the caller's restore jobs of recent periods.
func (s *Service) ListRestoreJobSummaries(ctx context.Context, in *wire.ListRestoreJobSummariesInput) (*wire.ListRestoreJobSummariesOutput, error) {
	req := summaries.Request{AccountID: in.AccountId, State: in.State, ResourceType: in.ResourceType,
		AggregationPeriod: in.AggregationPeriod, MaxResults: in.MaxResults, NextToken: in.NextToken}
	c, list, next, err := summarize(ctx, s, "list restore job summaries", req, records.CollRestoreJobs, func(j *records.RestoreJob) summaries.Job {
		return summaries.Job{Created: j.CreationDate, AccountID: j.AccountID, State: j.Status, ResourceType: j.Source.Type}
	})
	if err != nil {
		return nil, err
	}
	out := &wire.ListRestoreJobSummariesOutput{AggregationPeriod: req.Period(), RestoreJobSummaries: []*wire.RestoreJobSummary{}, NextToken: next}
	for _, sm := range list {
		out.RestoreJobSummaries = append(out.RestoreJobSummaries, &wire.RestoreJobSummary{AccountId: sm.AccountID, Count: sm.Count, EndTime: wire.NewTimestamp(sm.End),
			Region: c.Region, ResourceType: sm.ResourceType, StartTime: wire.NewTimestamp(sm.Start), State: sm.State})
	}
	return out, nil
}

// summarize reads the caller's jobs of one collection (as T) and counts them as req asks.
func summarize[T any](ctx context.Context, s *Service, op string, req summaries.Request, coll string, fact func(*T) summaries.Job) (Caller, []summaries.Summary, string, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return c, nil, "", err
	}
	var jobs []summaries.Job
	err = s.store.View(ctx, func(tx store.Tx) error {
		jobs = nil
		return records.ScanDocs(tx, coll, c.scope(), func(j *T) { jobs = append(jobs, fact(j)) })
	})
	if err != nil {
		return c, nil, "", internal(op, err)
	}
	list, next, err := summaries.Count(jobs, req, s.clock.Now())
	return c, list, next, err
}
