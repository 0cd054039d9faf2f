package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

func TestWeeklyS3RestoreTestChecksObjectsAndDeletesItsBucket(t *testing.T) {
	s3srv := s3test.Start(t)
	s3c := s3srv.Client()
	ctx := context.Background()
	s3srv.CreateBucket(t, "orders")
	putObjects(t, s3c, "orders",
		bucketObject{key: "2024/01/a.json", data: []byte(`{"id":1}`)},
		bucketObject{key: "2024/01/b.json", data: []byte(strings.Repeat("b", 70000))},
		bucketObject{key: "readme.txt", data: []byte("orders export")})
	e := newSchedEnv(t, schedStart, engine.Options{})
	e.vault(t, "rt-vault")
	r, err := e.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "S3", Locator: s3srv.Locator("orders")})
	if err != nil {
		t.Fatal(err)
	}
	e.backup(t, "rt-vault", r.ResourceArn)
	plan, err := e.c.CreateRestoreTestingPlan(ctx, &backup.CreateRestoreTestingPlanInput{RestoreTestingPlan: weeklyRestoreTestPlan("weekly")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.CreateRestoreTestingSelection(ctx, &backup.CreateRestoreTestingSelectionInput{RestoreTestingPlanName: aws.String("weekly"),
		RestoreTestingSelection: &types.RestoreTestingSelectionForCreate{RestoreTestingSelectionName: aws.String("buckets"), IamRoleArn: aws.String(role),
			ProtectedResourceType: aws.String("S3"), ProtectedResourceArns: []string{r.ResourceArn},
			RestoreMetadataOverrides: map[string]string{"engine:validation": "builtin"}}}); err != nil {
		t.Fatal(err)
	}
	e.advance(t, "5d")
	out, err := e.c.ListRestoreJobs(ctx, &backup.ListRestoreJobsInput{ByRestoreTestingPlanArn: plan.RestoreTestingPlanArn})
	if err != nil || len(out.RestoreJobs) != 1 {
		t.Fatalf("ListRestoreJobs by plan = %+v, %v; want one test", out, err)
	}
	j := out.RestoreJobs[0]
	if j.ValidationStatus != types.RestoreValidationStatusSuccessful || !strings.Contains(aws.ToString(j.ValidationStatusMessage), "3 objects") ||
		j.DeletionStatus != types.RestoreDeletionStatusSuccessful {
		t.Fatalf("S3 restore test: status %s %q, validation %s %q, deletion %s %q", j.Status, aws.ToString(j.StatusMessage), j.ValidationStatus,
			aws.ToString(j.ValidationStatusMessage), j.DeletionStatus, aws.ToString(j.DeletionStatusMessage))
	}
	buckets, err := s3c.ListBuckets(ctx, &awss3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range buckets.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	if len(names) != 1 || names[0] != "orders" {
		t.Errorf("buckets after the test: %q; want only the original", names)
	}
	// The scratch bucket never joined the registry, where a backup selection could pick it up.
	res, err := e.reg.ListResources(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, rr := range res {
		if strings.Contains(rr.ResourceArn, "restore-test-") {
			t.Errorf("the scratch bucket %s is still registered", rr.ResourceArn)
		}
	}
}
