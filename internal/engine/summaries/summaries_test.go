package summaries

import (
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

var now = time.Date(2030, 1, 15, 10, 30, 0, 0, time.UTC)

func jobs() []Job {
	return []Job{
		{Created: now, AccountID: "111111111111", State: "COMPLETED", ResourceType: "EFS"},
		{Created: now.Add(-time.Hour), AccountID: "111111111111", State: "FAILED", ResourceType: "EFS", MessageCategory: "ACCESS_DENIED"},
		{Created: now.AddDate(0, 0, -3), AccountID: "111111111111", State: "COMPLETED", ResourceType: "RDS"},
		{Created: now.AddDate(0, 0, -10), AccountID: "111111111111", State: "COMPLETED", ResourceType: "EFS"},
		{Created: now.AddDate(0, 0, -20), AccountID: "111111111111", State: "COMPLETED", ResourceType: "EFS"},
	}
}

func TestOneDayCountsEachOfTheLastFourteenUTCDays(t *testing.T) {
	list, next, err := Count(jobs(), Request{}, now)
	if err != nil || next != "" {
		t.Fatalf("Count: next %q, err %v", next, err)
	}
	today := time.Date(2030, 1, 15, 0, 0, 0, 0, time.UTC)
	want := []Summary{
		{AccountID: "111111111111", State: "COMPLETED", ResourceType: "EFS", Count: 1, Start: today.AddDate(0, 0, -10), End: today.AddDate(0, 0, -9)},
		{AccountID: "111111111111", State: "COMPLETED", ResourceType: "RDS", Count: 1, Start: today.AddDate(0, 0, -3), End: today.AddDate(0, 0, -2)},
		{AccountID: "111111111111", State: "COMPLETED", ResourceType: "EFS", Count: 1, Start: today, End: today.AddDate(0, 0, 1)},
		{AccountID: "111111111111", State: "FAILED", ResourceType: "EFS", MessageCategory: "ACCESS_DENIED", Count: 1, Start: today, End: today.AddDate(0, 0, 1)},
	}
	if len(list) != len(want) {
		t.Fatalf("got %+v, want %+v", list, want)
	}
	for i := range want {
		if list[i] != want[i] {
			t.Errorf("summary %d: %+v, want %+v", i, list[i], want[i])
		}
	}
}

func TestSevenDaysIsOnePeriodEndingNowThatIncludesNow(t *testing.T) {
	list, _, err := Count(jobs(), Request{AggregationPeriod: PeriodSevenDays, State: "AGGREGATE_ALL", ResourceType: "AGGREGATE_ALL", MessageCategory: "AGGREGATE_ALL"}, now)
	if err != nil || len(list) != 1 {
		t.Fatalf("Count: %+v, %v", list, err)
	}
	got := list[0]
	if got.Count != 3 || got.State != "AGGREGATE_ALL" || got.ResourceType != "AGGREGATE_ALL" || got.MessageCategory != "AGGREGATE_ALL" ||
		!got.Start.Equal(now.AddDate(0, 0, -7)) || !got.End.Equal(now) {
		t.Errorf("seven days: %+v, want the 3 jobs of the last 7 days, the one created now included", got)
	}
}

func TestFiltersKeepOnlyTheirValue(t *testing.T) {
	list, _, err := Count(jobs(), Request{AggregationPeriod: PeriodFourteenDays, State: "COMPLETED", ResourceType: "ANY"}, now)
	if err != nil || len(list) != 2 || list[0].ResourceType != "EFS" || list[0].Count != 2 || list[1].ResourceType != "RDS" || list[1].Count != 1 {
		t.Fatalf("COMPLETED over 14 days by resource type: %+v, %v", list, err)
	}
	if list, _, err := Count(jobs(), Request{AccountID: "222222222222"}, now); err != nil || len(list) != 0 {
		t.Errorf("another account's filter counted %+v, %v", list, err)
	}
}

func TestPagesFollowTheirTokenAndRefuseOneNotReturned(t *testing.T) {
	two := int32(2)
	first, next, err := Count(jobs(), Request{MaxResults: &two}, now)
	if err != nil || len(first) != 2 || next == "" {
		t.Fatalf("first page: %+v, %q, %v", first, next, err)
	}
	rest, last, err := Count(jobs(), Request{MaxResults: &two, NextToken: next}, now)
	if err != nil || len(rest) != 2 || last != "" || rest[0] == first[1] {
		t.Fatalf("second page: %+v, %q, %v", rest, last, err)
	}
	zero, tooMany := int32(0), int32(1001)
	for what, r := range map[string]Request{
		"garbage token":   {NextToken: "garbage"},
		"token past end":  {NextToken: "OTk"}, // base64 of "99"
		"MaxResults 0":    {MaxResults: &zero},
		"MaxResults 1001": {MaxResults: &tooMany},
		"unknown period":  {AggregationPeriod: "ONE_WEEK"},
	} {
		if _, _, err := Count(jobs(), r, now); !apierr.Is(err, apierr.InvalidParameterValue) {
			t.Errorf("%s: %v, want InvalidParameterValueException", what, err)
		}
	}
}
