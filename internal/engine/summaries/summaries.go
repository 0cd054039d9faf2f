// Package summaries counts jobs the way ListBackupJobSummaries, ListCopyJobSummaries and
// ListRestoreJobSummaries answer: counts of the jobs created in recent periods, grouped by
// account, state, resource type and message category. It is one read model for the three job
// kinds; the domain reads the jobs and shapes the rows into each operation's answer.
//
// As AWS documents them:
//   - AggregationPeriod ONE_DAY is "the daily job count for the prior 14 days": one summary per
//     UTC day, the last of them today; SEVEN_DAYS and FOURTEEN_DAYS are one summary each over the
//     prior 7 or 14 days up to now. The default is ONE_DAY.
//   - Each of AccountId, State, ResourceType and MessageCategory filters when it names a value,
//     groups by value when it is ANY (or left out), and "aggregates job counts ... and returns
//     the sum" when it is AGGREGATE_ALL, the summaries then carrying AGGREGATE_ALL in that member.
//   - A job is counted in the period its CreationDate falls in; periods without jobs are left
//     out. Summaries come in StartTime order, then by account, state, resource type and category.
//
// There is no AWS Organization here: an AccountId other than the caller's counts nothing, as the
// caller's jobs are the only ones counted.
package summaries

import (
	"cmp"
	"encoding/base64"
	"slices"
	"strconv"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

// Aggregation periods and the special dimension values.
const (
	PeriodOneDay       = "ONE_DAY"
	PeriodSevenDays    = "SEVEN_DAYS"
	PeriodFourteenDays = "FOURTEEN_DAYS"
	dimensionAny       = "ANY"
	dimensionAll       = "AGGREGATE_ALL"
)

// defaultPageSize is the page size when MaxResults is not given.
const defaultPageSize = 500

// Job is what a summary needs of a job. A job kind without message categories (restore jobs)
// leaves MessageCategory empty.
type Job struct {
	Created                                         time.Time
	AccountID, State, ResourceType, MessageCategory string
}

// Request is a List…JobSummaries request's filters and paging.
type Request struct {
	AccountID, State, ResourceType, MessageCategory string
	AggregationPeriod                               string
	MaxResults                                      *int32
	NextToken                                       string
}

// Period is the aggregation period the request asks for, ONE_DAY when it names none.
func (r Request) Period() string { return cmp.Or(r.AggregationPeriod, PeriodOneDay) }

// Summary is one row of the answer: the count of the jobs of one period that share the values
// of the dimensions.
type Summary struct {
	AccountID, State, ResourceType, MessageCategory string
	Count                                           int64
	Start, End                                      time.Time
}

// Count counts jobs as r asks, at now, and returns one page of summaries and the token of the
// next page ("" after the last).
func Count(jobs []Job, r Request, now time.Time) ([]Summary, string, error) {
	periods, err := periodsOf(r.Period(), now)
	if err != nil {
		return nil, "", err
	}
	return page(count(jobs, periods, r), r.MaxResults, r.NextToken)
}

// periodsOf returns the periods of an aggregation period, oldest first.
func periodsOf(period string, now time.Time) ([][2]time.Time, error) {
	now = now.UTC()
	switch period {
	case PeriodOneDay:
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		out := make([][2]time.Time, 0, 14)
		for i := 13; i >= 0; i-- {
			start := today.AddDate(0, 0, -i)
			out = append(out, [2]time.Time{start, start.AddDate(0, 0, 1)})
		}
		return out, nil
	case PeriodSevenDays:
		return [][2]time.Time{{now.AddDate(0, 0, -7), now}}, nil
	case PeriodFourteenDays:
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

// key identifies one summary.
type key struct {
	period                             int
	account, state, resource, category string
}

// count counts jobs into the periods by the request's dimensions. A period that ends now (SEVEN_
// and FOURTEEN_DAYS) includes its end: a job created at this instant is in it.
func count(jobs []Job, periods [][2]time.Time, r Request) []Summary {
	last := len(periods) - 1
	counts := map[key]int64{}
	for _, j := range jobs {
		p := slices.IndexFunc(periods, func(p [2]time.Time) bool { return !j.Created.Before(p[0]) && j.Created.Before(p[1]) })
		if p < 0 && len(periods) == 1 && j.Created.Equal(periods[last][1]) {
			p = last
		}
		if p < 0 {
			continue
		}
		k := key{period: p}
		var ok bool
		if ok, k.account = dimension(r.AccountID, j.AccountID); !ok {
			continue
		}
		if ok, k.state = dimension(r.State, j.State); !ok {
			continue
		}
		if ok, k.resource = dimension(r.ResourceType, j.ResourceType); !ok {
			continue
		}
		if ok, k.category = dimension(r.MessageCategory, j.MessageCategory); !ok {
			continue
		}
		counts[k]++
	}
	out := make([]Summary, 0, len(counts))
	for k, n := range counts {
		out = append(out, Summary{AccountID: k.account, State: k.state, ResourceType: k.resource, MessageCategory: k.category,
			Count: n, Start: periods[k.period][0], End: periods[k.period][1]})
	}
	slices.SortFunc(out, func(a, b Summary) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.State, b.State),
			cmp.Compare(a.ResourceType, b.ResourceType), cmp.Compare(a.MessageCategory, b.MessageCategory))
	})
	return out
}

// page applies MaxResults and NextToken (an offset) to a summary list.
func page(list []Summary, maxResults *int32, token string) ([]Summary, string, error) {
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
	limit := defaultPageSize
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
