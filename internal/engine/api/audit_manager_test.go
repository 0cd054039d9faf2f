package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

// Frameworks and report plans through the SDK: created with AWS's defaults filled in, described,
// listed, updated, refused with AWS's error codes where the input is wrong, and deleted (a
// framework a report plan uses only after the plan is gone).
func TestFrameworkAndReportPlanCRUDThroughSDK(t *testing.T) {
	ctx := context.Background()
	fake := clock.NewFake(time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC))
	e := newJobEnv(t, engine.Options{Clock: fake})

	created, err := e.c.CreateFramework(ctx, &backup.CreateFrameworkInput{
		FrameworkName: aws.String("audit"), FrameworkDescription: aws.String("the auditor's"),
		FrameworkControls: []types.FrameworkControl{
			{ControlName: aws.String("BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK")},
			{ControlName: aws.String("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"), ControlScope: &types.ControlScope{ComplianceResourceTypes: []string{"EFS"}}},
		},
		FrameworkTags: map[string]string{"team": "audit"},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.FrameworkArn)
	if !strings.HasPrefix(arn, "arn:aws:backup:us-east-1:"+e.srv.Key.AccountID+":framework/audit-") {
		t.Errorf("FrameworkArn = %s", arn)
	}
	d, err := e.c.DescribeFramework(ctx, &backup.DescribeFrameworkInput{FrameworkName: aws.String("audit")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.DeploymentStatus) != "COMPLETED" || aws.ToString(d.FrameworkStatus) != "ACTIVE" || !d.CreationTime.Equal(fake.Now()) || len(d.FrameworkControls) != 2 {
		t.Errorf("DescribeFramework = %+v", d)
	}
	if p := d.FrameworkControls[0].ControlInputParameters; len(p) != 1 || aws.ToString(p[0].ParameterName) != "requiredRetentionDays" || aws.ToString(p[0].ParameterValue) != "35" {
		t.Errorf("the default requiredRetentionDays [35 days] is not filled in: %+v", p)
	}
	tags, err := e.c.ListTags(ctx, &backup.ListTagsInput{ResourceArn: aws.String(arn)})
	if err != nil || tags.Tags["team"] != "audit" {
		t.Errorf("ListTags(framework) = %+v, %v", tags, err)
	}

	for name, in := range map[string]*backup.CreateFrameworkInput{
		"InvalidParameterValueException: unknown control": {FrameworkName: aws.String("bad1"), FrameworkControls: []types.FrameworkControl{{ControlName: aws.String("NO_SUCH_CONTROL")}}},
		"InvalidParameterValueException: bad parameter": {FrameworkName: aws.String("bad2"), FrameworkControls: []types.FrameworkControl{{ControlName: aws.String("BACKUP_LAST_RECOVERY_POINT_CREATED"),
			ControlInputParameters: []types.ControlInputParameter{{ParameterName: aws.String("recoveryPointAgeUnit"), ParameterValue: aws.String("weeks")}}}}},
		"InvalidParameterValueException: two tags": {FrameworkName: aws.String("bad3"), FrameworkControls: []types.FrameworkControl{{ControlName: aws.String("BACKUP_RECOVERY_POINT_ENCRYPTED"),
			ControlScope: &types.ControlScope{Tags: map[string]string{"a": "1", "b": "2"}}}}},
		"AlreadyExistsException: same name": {FrameworkName: aws.String("audit"), FrameworkControls: []types.FrameworkControl{{ControlName: aws.String("BACKUP_RECOVERY_POINT_ENCRYPTED")}}},
	} {
		_, err := e.c.CreateFramework(ctx, in)
		code, _, _ := strings.Cut(name, ":")
		if err == nil || !strings.Contains(err.Error(), code) {
			t.Errorf("%s: CreateFramework err = %v", name, err)
		}
	}

	if _, err := e.c.UpdateFramework(ctx, &backup.UpdateFrameworkInput{FrameworkName: aws.String("audit"),
		FrameworkControls: []types.FrameworkControl{{ControlName: aws.String("BACKUP_RECOVERY_POINT_ENCRYPTED")}}}); err != nil {
		t.Fatal(err)
	}
	list, err := e.c.ListFrameworks(ctx, &backup.ListFrameworksInput{})
	if err != nil || len(list.Frameworks) != 1 || list.Frameworks[0].NumberOfControls != 1 || aws.ToString(list.Frameworks[0].FrameworkDescription) != "the auditor's" {
		t.Errorf("ListFrameworks after update = %+v, %v", list, err)
	}

	_, err = e.c.CreateReportPlan(ctx, &backup.CreateReportPlanInput{ReportPlanName: aws.String("daily"),
		ReportDeliveryChannel: &types.ReportDeliveryChannel{S3BucketName: aws.String("reports")},
		ReportSetting:         &types.ReportSetting{ReportTemplate: aws.String("CONTROL_COMPLIANCE_REPORT")}})
	if err == nil || !strings.Contains(err.Error(), "MissingParameterValueException") || !strings.Contains(err.Error(), "FrameworkArns") {
		t.Errorf("a compliance report without FrameworkArns: err = %v", err)
	}
	rp, err := e.c.CreateReportPlan(ctx, &backup.CreateReportPlanInput{ReportPlanName: aws.String("daily"),
		ReportDeliveryChannel: &types.ReportDeliveryChannel{S3BucketName: aws.String("reports"), S3KeyPrefix: aws.String("audit")},
		ReportSetting:         &types.ReportSetting{ReportTemplate: aws.String("CONTROL_COMPLIANCE_REPORT"), FrameworkArns: []string{arn}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.c.DescribeReportPlan(ctx, &backup.DescribeReportPlanInput{ReportPlanName: aws.String("daily")})
	if err != nil {
		t.Fatal(err)
	}
	p := got.ReportPlan
	if aws.ToString(p.ReportPlanArn) != aws.ToString(rp.ReportPlanArn) || aws.ToString(p.DeploymentStatus) != "COMPLETED" ||
		len(p.ReportDeliveryChannel.Formats) != 1 || p.ReportDeliveryChannel.Formats[0] != "CSV" || p.ReportSetting.NumberOfFrameworks != 1 {
		t.Errorf("DescribeReportPlan = %+v / %+v / %+v", p, p.ReportDeliveryChannel, p.ReportSetting)
	}
	if _, err := e.c.DeleteFramework(ctx, &backup.DeleteFrameworkInput{FrameworkName: aws.String("audit")}); err == nil || !strings.Contains(err.Error(), "ConflictException") {
		t.Errorf("deleting a framework a report plan uses: err = %v", err)
	}
	if _, err := e.c.DeleteReportPlan(ctx, &backup.DeleteReportPlanInput{ReportPlanName: aws.String("daily")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DeleteFramework(ctx, &backup.DeleteFrameworkInput{FrameworkName: aws.String("audit")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.DescribeFramework(ctx, &backup.DescribeFrameworkInput{FrameworkName: aws.String("audit")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("DescribeFramework after delete: err = %v", err)
	}
}
