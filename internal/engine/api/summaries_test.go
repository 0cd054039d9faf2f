package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
)

func TestJobSummariesCountByDayAndDimension(t *testing.T) {
	ctx := context.Background()
	e := newSchedEnv(t, schedStart, engine.Options{})
	e.vault(t, "prod")
	e.dirs(t, 2, map[string]string{"Backup": "true"})
	e.plan(t, dailyRule("prod"))
	e.advance(t, "3d") // nights of the 17th, 18th and 19th; the clock reads the 19th 12:00

	daily, err := e.c.ListBackupJobSummaries(ctx, &backup.ListBackupJobSummariesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(daily.AggregationPeriod) != "ONE_DAY" || len(daily.BackupJobSummaries) != 3 {
		t.Fatalf("daily summaries %+v; want ONE_DAY with one summary per night", daily)
	}
	for i, s := range daily.BackupJobSummaries {
		day := time.Date(2024, 1, 17+i, 0, 0, 0, 0, time.UTC)
		if !aws.ToTime(s.StartTime).Equal(day) || !aws.ToTime(s.EndTime).Equal(day.AddDate(0, 0, 1)) || s.Count != 2 ||
			s.State != types.BackupJobStatusCompleted || aws.ToString(s.ResourceType) != "EFS" || aws.ToString(s.MessageCategory) != "SUCCESS" ||
			aws.ToString(s.Region) != "us-east-1" || aws.ToString(s.AccountId) != e.srv.Key.AccountID {
			t.Errorf("summary %d = %+v", i, s)
		}
	}
	all, err := e.c.ListBackupJobSummaries(ctx, &backup.ListBackupJobSummariesInput{AggregationPeriod: types.AggregationPeriodFourteenDays,
		State: types.BackupJobStatusAggregateAll, ResourceType: aws.String("AGGREGATE_ALL")})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.BackupJobSummaries) != 1 || all.BackupJobSummaries[0].Count != 6 || all.BackupJobSummaries[0].State != types.BackupJobStatusAggregateAll {
		t.Fatalf("14-day aggregate %+v; want one summary of 6 jobs", all.BackupJobSummaries)
	}
	week, err := e.c.ListBackupJobSummaries(ctx, &backup.ListBackupJobSummariesInput{AggregationPeriod: types.AggregationPeriodSevenDays, State: types.BackupJobStatusFailed})
	if err != nil || len(week.BackupJobSummaries) != 0 {
		t.Fatalf("failed jobs this week: %+v, %v; want none", week, err)
	}
	paged, err := e.c.ListBackupJobSummaries(ctx, &backup.ListBackupJobSummariesInput{MaxResults: aws.Int32(2)})
	if err != nil || len(paged.BackupJobSummaries) != 2 || paged.NextToken == nil {
		t.Fatalf("first page %+v, %v", paged, err)
	}
	rest, err := e.c.ListBackupJobSummaries(ctx, &backup.ListBackupJobSummariesInput{MaxResults: aws.Int32(2), NextToken: paged.NextToken})
	if err != nil || len(rest.BackupJobSummaries) != 1 || rest.NextToken != nil {
		t.Fatalf("second page %+v, %v", rest, err)
	}
	if _, err := e.c.ListBackupJobSummaries(ctx, &backup.ListBackupJobSummariesInput{NextToken: aws.String("garbage")}); err == nil {
		t.Fatal("a made-up NextToken was accepted")
	}

	// A restore shows in the restore summaries of today.
	points := e.points(t, "prod")
	meta, err := e.c.GetRecoveryPointRestoreMetadata(ctx, &backup.GetRecoveryPointRestoreMetadataInput{BackupVaultName: aws.String("prod"), RecoveryPointArn: points[0].RecoveryPointArn})
	if err != nil {
		t.Fatal(err)
	}
	meta.RestoreMetadata["destination-path"] = t.TempDir() + "/restored"
	rs, err := e.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: points[0].RecoveryPointArn, Metadata: meta.RestoreMetadata, IamRoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	e.waitRestore(t, aws.ToString(rs.RestoreJobId))
	rsum, err := e.c.ListRestoreJobSummaries(ctx, &backup.ListRestoreJobSummariesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rsum.RestoreJobSummaries) != 1 || rsum.RestoreJobSummaries[0].Count != 1 || rsum.RestoreJobSummaries[0].State != types.RestoreJobStateCompleted ||
		!aws.ToTime(rsum.RestoreJobSummaries[0].StartTime).Equal(time.Date(2024, 1, 19, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("restore summaries %+v", rsum.RestoreJobSummaries)
	}
}
