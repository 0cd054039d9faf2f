package service

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

// Job summaries (ListCopyJobSummaries here; the same rules hold for ListBackupJobSummaries and
// ListRestoreJobSummaries): counts
// of jobs per period, state, resource type and message category, for the jobs created within the
// last 14 days.
//
// AggregationPeriod: ONE_DAY is "the daily job count for the prior 14 days" (one summary per UTC
// day, today's included), SEVEN_DAYS and FOURTEEN_DAYS one summary over the last 7 or 14 days.
// For AccountId, ResourceType, State and MessageCategory, "ANY returns count of all" values, one
// summary per value, which is also what an unset filter does; AGGREGATE_ALL "aggregates job
// counts for all [values] and returns the sum", the summary then naming AGGREGATE_ALL; any other
// value selects jobs with it. There is no organisation here, so other accounts have no jobs to
// count.

// summaryJob is one job as a summary counts it.
type summaryJob struct {
	Created         time.Time
	AccountID       string
	Region          string
	State           string
	ResourceType    string
	MessageCategory string
}

// summaryRequest is a List…JobSummaries request's filters.
type summaryRequest struct {
	AccountID, ResourceType, State, MessageCategory, AggregationPeriod string
	MaxResults                                                         *int32
	NextToken                                                          string
}

// summaryRow is one row of a summary (the model's BackupJobSummary, CopyJobSummary and
// RestoreJobSummary share these members).
type summaryRow struct {
	AccountID, Region, State, ResourceType, MessageCategory string
	Count                                                   int
	Start, End                                              time.Time
}

const (
	summaryAggregateAll = "AGGREGATE_ALL"
	summaryAny          = "ANY"
)

var summaryPeriodDays = map[string]int{"ONE_DAY": 1, "SEVEN_DAYS": 7, "FOURTEEN_DAYS": 14}

// summaryDimension applies one filter to a job's value: whether the job is counted, and under what value.
func summaryDimension(filter, value string) (string, bool) {
	switch filter {
	case "", summaryAny:
		return value, true
	case summaryAggregateAll:
		return summaryAggregateAll, true
	}
	return value, value == filter
}

// summarizeJobs counts items as q asks, at now; it returns one page of rows and the next token.
func summarizeJobs(items []summaryJob, q summaryRequest, caller Caller, now time.Time) ([]summaryRow, string, error) {
	period := q.AggregationPeriod
	if period == "" {
		period = "ONE_DAY"
	}
	days, ok := summaryPeriodDays[period]
	if !ok {
		return nil, "", apierr.InvalidParameter("AggregationPeriod %q is not valid: use ONE_DAY, SEVEN_DAYS or FOURTEEN_DAYS", period)
	}
	limit := 500
	if q.MaxResults != nil {
		if *q.MaxResults < 1 || *q.MaxResults > 500 {
			return nil, "", apierr.InvalidParameter("MaxResults must be between 1 and 500, got %d", *q.MaxResults)
		}
		limit = int(*q.MaxResults)
	}
	offset := 0
	if q.NextToken != "" {
		n, err := strconv.Atoi(q.NextToken)
		if err != nil || n < 0 {
			return nil, "", apierr.InvalidParameter("NextToken %q is not valid for this request: pass the NextToken of the previous page unchanged", q.NextToken)
		}
		offset = n
	}
	if q.AccountID != "" && q.AccountID != summaryAny && q.AccountID != summaryAggregateAll && q.AccountID != caller.AccountID {
		return []summaryRow{}, "", nil
	}
	// Windows: ONE_DAY is 14 UTC days, today's last; the others one window ending now.
	type window struct{ start, end time.Time }
	var windows []window
	if days == 1 {
		today := now.UTC().Truncate(24 * time.Hour)
		for d := 13; d >= 0; d-- {
			start := today.AddDate(0, 0, -d)
			windows = append(windows, window{start, start.AddDate(0, 0, 1)})
		}
	} else {
		windows = []window{{now.UTC().AddDate(0, 0, -days), now.UTC()}}
	}
	type key struct {
		w                               int
		account, state, rtype, category string
	}
	counts := map[key]int{}
	for _, it := range items {
		w := slices.IndexFunc(windows, func(w window) bool { return !it.Created.Before(w.start) && it.Created.Before(w.end) })
		if w < 0 && days > 1 && it.Created.Equal(windows[0].end) {
			w = 0
		}
		if w < 0 {
			continue
		}
		account, ok1 := summaryDimension(q.AccountID, it.AccountID)
		state, ok2 := summaryDimension(q.State, it.State)
		rtype, ok3 := summaryDimension(q.ResourceType, it.ResourceType)
		category, ok4 := summaryDimension(q.MessageCategory, it.MessageCategory)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			continue
		}
		counts[key{w, account, state, rtype, category}]++
	}
	rows := make([]summaryRow, 0, len(counts))
	for k, n := range counts {
		rows = append(rows, summaryRow{AccountID: k.account, Region: caller.Region, State: k.state, ResourceType: k.rtype,
			MessageCategory: k.category, Count: n, Start: windows[k.w].start, End: windows[k.w].end})
	}
	slices.SortFunc(rows, func(a, b summaryRow) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.State, b.State),
			cmp.Compare(a.ResourceType, b.ResourceType), cmp.Compare(a.MessageCategory, b.MessageCategory))
	})
	if offset > len(rows) {
		offset = len(rows)
	}
	rows = rows[offset:]
	next := ""
	if len(rows) > limit {
		rows, next = rows[:limit], strconv.Itoa(offset+limit)
	}
	return rows, next, nil
}
