package service

import (
	"cmp"
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Job summaries (ListBackupJobSummaries, ListRestoreJobSummaries): counts of the caller's jobs
// created in recent periods, grouped by account, state, resource type and (backup jobs) message
// category. As AWS documents them:
//
//   - AggregationPeriod ONE_DAY is "the daily job count for the prior 14 days": one summary per
//     UTC day, the last of them today; SEVEN_DAYS and FOURTEEN_DAYS are one summary each over the
//     prior 7 or 14 days up to now. The default is ONE_DAY.
//   - Each of AccountId, State, ResourceType and MessageCategory filters when it names a value,
//     groups by value when it is ANY (or left out), and "aggregates job counts ... and returns
//     the sum" when it is AGGREGATE_ALL, the summaries then carrying AGGREGATE_ALL in that member.
//   - A job is counted in the period its CreationDate falls in; periods without jobs are left
//     out. Summaries come in StartTime order, then by account, state, resource type and category.
//
// There is no AWS Organization here: an AccountId other than the caller's counts nothing.

// Aggregation periods and the special dimension values.
const (
	periodOneDay       = "ONE_DAY"
	periodSevenDays    = "SEVEN_DAYS"
	periodFourteenDays = "FOURTEEN_DAYS"
	dimensionAny       = "ANY"
	dimensionAll       = "AGGREGATE_ALL"
)

// summaryPeriods returns the periods of an aggregation period, oldest first.
func summaryPeriods(period string, now time.Time) ([][2]time.Time, error) {
	now = now.UTC()
	switch period {
	case "", periodOneDay:
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		out := make([][2]time.Time, 0, 14)
		for i := 13; i >= 0; i-- {
			start := today.AddDate(0, 0, -i)
			out = append(out, [2]time.Time{start, start.AddDate(0, 0, 1)})
		}
		return out, nil
	case periodSevenDays:
		return [][2]time.Time{{now.AddDate(0, 0, -7), now}}, nil
	case periodFourteenDays:
		return [][2]time.Time{{now.AddDate(0, 0, -14), now}}, nil
	}
	return nil, apierr.InvalidParameter("AggregationPeriod %q must be ONE_DAY, SEVEN_DAYS or FOURTEEN_DAYS", period)
}

// dimension applies one filter member to a job's value: whether the job counts, and the value
// its summary carries.
func dimension(filter, value string) (keep bool, label string) {
	switch filter {
	case "", dimensionAny:
		return true, value
	case dimensionAll:
		return true, dimensionAll
	}
	return value == filter, value
}

// summaryKey identifies one summary.
type summaryKey struct {
	period                            int
	account, state, resource, message string
}

// jobFacts is what a summary needs of a job.
type jobFacts struct {
	account, state, resourceType, category string
	created                                time.Time
}

type summaryFilter struct {
	account, state, resourceType, category string
	categories                             bool // whether jobs have message categories
}

type summary struct {
	key        summaryKey
	start, end time.Time
	count      int64
}

// summarize counts facts into the periods by the filter's dimensions.
func summarize(facts []jobFacts, periods [][2]time.Time, f summaryFilter) []summary {
	counts := map[summaryKey]int64{}
	for _, j := range facts {
		p := slices.IndexFunc(periods, func(p [2]time.Time) bool { return !j.created.Before(p[0]) && j.created.Before(p[1]) })
		if p < 0 {
			continue
		}
		k := summaryKey{period: p}
		var ok bool
		if ok, k.account = dimension(f.account, j.account); !ok {
			continue
		}
		if ok, k.state = dimension(f.state, j.state); !ok {
			continue
		}
		if ok, k.resource = dimension(f.resourceType, j.resourceType); !ok {
			continue
		}
		if f.categories {
			if ok, k.message = dimension(f.category, j.category); !ok {
				continue
			}
		}
		counts[k]++
	}
	out := make([]summary, 0, len(counts))
	for k, n := range counts {
		out = append(out, summary{key: k, start: periods[k.period][0], end: periods[k.period][1], count: n})
	}
	slices.SortFunc(out, func(a, b summary) int {
		return cmp.Or(cmp.Compare(a.key.period, b.key.period), cmp.Compare(a.key.account, b.key.account), cmp.Compare(a.key.state, b.key.state),
			cmp.Compare(a.key.resource, b.key.resource), cmp.Compare(a.key.message, b.key.message))
	})
	return out
}

// pageSummaries applies MaxResults and NextToken (an offset) to a summary list.
func pageSummaries(list []summary, maxResults *int32, token string) ([]summary, string, error) {
	offset := 0
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err == nil {
			offset, err = strconv.Atoi(string(b))
		}
		if err != nil || offset < 0 || offset > len(list) {
			return nil, "", apierr.InvalidParameter("NextToken %q is not a token a previous call returned: start again without it", token)
		}
	}
	limit := 500
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 1000 {
			return nil, "", apierr.InvalidParameter("MaxResults must be from 1 to 1000, got %d", *maxResults)
		}
		limit = int(*maxResults)
	}
	end := min(len(list), offset+limit)
	next := ""
	if end < len(list) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return list[offset:end], next, nil
}

// ListBackupJobSummaries counts the caller's backup jobs of recent periods.
func (s *Service) ListBackupJobSummaries(ctx context.Context, in *wire.ListBackupJobSummariesInput) (*wire.ListBackupJobSummariesOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	periods, err := summaryPeriods(in.AggregationPeriod, s.clock.Now())
	if err != nil {
		return nil, err
	}
	var facts []jobFacts
	err = s.store.View(ctx, func(tx store.Tx) error {
		return records.ScanDocs(tx, records.CollBackupJobs, c.scope(), func(j *records.BackupJob) {
			facts = append(facts, jobFacts{account: j.AccountID, state: j.State, resourceType: j.Resource.Type, category: j.MessageCategory, created: j.CreationDate})
		})
	})
	if err != nil {
		return nil, internal("list backup job summaries", err)
	}
	list := summarize(facts, periods, summaryFilter{account: in.AccountId, state: in.State, resourceType: in.ResourceType, category: in.MessageCategory, categories: true})
	pageList, next, err := pageSummaries(list, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &wire.ListBackupJobSummariesOutput{AggregationPeriod: cmp.Or(in.AggregationPeriod, periodOneDay), BackupJobSummaries: []*wire.BackupJobSummary{}, NextToken: next}
	for _, sm := range pageList {
		out.BackupJobSummaries = append(out.BackupJobSummaries, &wire.BackupJobSummary{AccountId: sm.key.account, Count: sm.count, EndTime: wire.NewTimestamp(sm.end),
			MessageCategory: sm.key.message, Region: c.Region, ResourceType: sm.key.resource, StartTime: wire.NewTimestamp(sm.start), State: sm.key.state})
	}
	return out, nil
}

// ListRestoreJobSummaries counts the caller's restore jobs of recent periods.
func (s *Service) ListRestoreJobSummaries(ctx context.Context, in *wire.ListRestoreJobSummariesInput) (*wire.ListRestoreJobSummariesOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	periods, err := summaryPeriods(in.AggregationPeriod, s.clock.Now())
	if err != nil {
		return nil, err
	}
	var facts []jobFacts
	err = s.store.View(ctx, func(tx store.Tx) error {
		return records.ScanDocs(tx, records.CollRestoreJobs, c.scope(), func(j *records.RestoreJob) {
			facts = append(facts, jobFacts{account: j.AccountID, state: j.Status, resourceType: j.Source.Type, created: j.CreationDate})
		})
	})
	if err != nil {
		return nil, internal("list restore job summaries", err)
	}
	list := summarize(facts, periods, summaryFilter{account: in.AccountId, state: in.State, resourceType: in.ResourceType})
	pageList, next, err := pageSummaries(list, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &wire.ListRestoreJobSummariesOutput{AggregationPeriod: cmp.Or(in.AggregationPeriod, periodOneDay), RestoreJobSummaries: []*wire.RestoreJobSummary{}, NextToken: next}
	for _, sm := range pageList {
		out.RestoreJobSummaries = append(out.RestoreJobSummaries, &wire.RestoreJobSummary{AccountId: sm.key.account, Count: sm.count, EndTime: wire.NewTimestamp(sm.end),
			Region: c.Region, ResourceType: sm.key.resource, StartTime: wire.NewTimestamp(sm.start), State: sm.key.state})
	}
	return out, nil
}
