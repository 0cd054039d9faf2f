package api_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/aws/smithy-go"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

const drVault = "arn:aws:backup:eu-west-1:210987654321:backup-vault:dr-vault"

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// guidePlan is the production plan of the project's AWS Backup guide, DR account filled in.
func guidePlan() *types.BackupPlanInput {
	return &types.BackupPlanInput{
		BackupPlanName: aws.String("prod-daily-backup-plan"),
		Rules: []types.BackupRuleInput{
			{
				RuleName:                aws.String("DailyToUsEast1"),
				TargetBackupVaultName:   aws.String("prod-primary-vault"),
				ScheduleExpression:      aws.String("cron(0 2 * * ? *)"),
				StartWindowMinutes:      aws.Int64(60),
				CompletionWindowMinutes: aws.Int64(180),
				Lifecycle:               &types.Lifecycle{MoveToColdStorageAfterDays: aws.Int64(30), DeleteAfterDays: aws.Int64(365)},
				CopyActions: []types.CopyAction{{
					DestinationBackupVaultArn: aws.String(drVault),
					Lifecycle:                 &types.Lifecycle{DeleteAfterDays: aws.Int64(90)},
				}},
			},
			{
				RuleName:              aws.String("WeeklyToUsEast1"),
				TargetBackupVaultName: aws.String("prod-primary-vault"),
				ScheduleExpression:    aws.String("cron(0 3 ? * SUN *)"),
				Lifecycle:             &types.Lifecycle{DeleteAfterDays: aws.Int64(1825)},
			},
		},
	}
}

func guideSelection() *types.BackupSelection {
	return &types.BackupSelection{
		SelectionName: aws.String("all-tagged-resources"),
		IamRoleArn:    aws.String("arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole"),
		ListOfTags:    []types.Condition{{ConditionType: types.ConditionTypeStringequals, ConditionKey: aws.String("Backup"), ConditionValue: aws.String("true")}},
	}
}

func apiErr(t *testing.T, err error, code, contains string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), contains) {
		t.Fatalf("got %s: %s\nwant %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, contains)
	}
}

func TestBackupPlan_guidePlanLifecycleThroughSDK(t *testing.T) {
	ctx := context.Background()
	srv := startEngine(t)
	c := srv.Client("us-east-1")

	created, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{
		BackupPlan: guidePlan(), BackupPlanTags: map[string]string{"team": "platform"}, CreatorRequestId: aws.String("req-1"),
	})
	if err != nil {
		t.Fatalf("CreateBackupPlan: %v", err)
	}
	id := aws.ToString(created.BackupPlanId)
	if !uuidPattern.MatchString(id) {
		t.Errorf("BackupPlanId %q is not a UUID", id)
	}
	wantARN := "arn:aws:backup:us-east-1:" + srv.Key.AccountID + ":backup-plan:" + id
	if aws.ToString(created.BackupPlanArn) != wantARN {
		t.Errorf("ARN = %s, want %s", aws.ToString(created.BackupPlanArn), wantARN)
	}
	v1 := aws.ToString(created.VersionId)
	if raw, err := base64.StdEncoding.DecodeString(v1); err != nil || !uuidPattern.Match(raw) {
		t.Errorf("VersionId %q is not AWS-shaped (base64 of a UUID)", v1)
	}

	// A retry with the same CreatorRequestId is the same plan, not a second one.
	again, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: guidePlan(), CreatorRequestId: aws.String("req-1")})
	if err != nil || aws.ToString(again.BackupPlanId) != id || aws.ToString(again.VersionId) != v1 {
		t.Fatalf("idempotent retry: %v, %v", again, err)
	}
	_, err = c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: guidePlan()})
	var exists *types.AlreadyExistsException
	if !errors.As(err, &exists) || aws.ToString(exists.Arn) != wantARN {
		t.Fatalf("second plan with the same name: %v, want AlreadyExistsException naming %s", err, wantARN)
	}

	got, err := c.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.VersionId) != v1 || aws.ToString(got.CreatorRequestId) != "req-1" || got.DeletionDate != nil {
		t.Errorf("GetBackupPlan header: version %s, creator %s, deleted %v", aws.ToString(got.VersionId), aws.ToString(got.CreatorRequestId), got.DeletionDate)
	}
	rules := got.BackupPlan.Rules
	if aws.ToString(got.BackupPlan.BackupPlanName) != "prod-daily-backup-plan" || len(rules) != 2 {
		t.Fatalf("plan = %+v", got.BackupPlan)
	}
	daily, weekly := rules[0], rules[1]
	if aws.ToString(daily.RuleName) != "DailyToUsEast1" || aws.ToString(daily.ScheduleExpression) != "cron(0 2 * * ? *)" ||
		aws.ToInt64(daily.StartWindowMinutes) != 60 || aws.ToInt64(daily.CompletionWindowMinutes) != 180 ||
		aws.ToInt64(daily.Lifecycle.MoveToColdStorageAfterDays) != 30 || aws.ToInt64(daily.Lifecycle.DeleteAfterDays) != 365 ||
		len(daily.CopyActions) != 1 || aws.ToString(daily.CopyActions[0].DestinationBackupVaultArn) != drVault ||
		aws.ToInt64(daily.CopyActions[0].Lifecycle.DeleteAfterDays) != 90 || daily.CopyActions[0].Lifecycle.MoveToColdStorageAfterDays != nil {
		t.Errorf("daily rule not read back as written: %+v", daily)
	}
	// Left out, the windows and the time zone read back as AWS's defaults.
	if aws.ToString(weekly.ScheduleExpression) != "cron(0 3 ? * SUN *)" || aws.ToInt64(weekly.StartWindowMinutes) != 480 ||
		aws.ToInt64(weekly.CompletionWindowMinutes) != 10080 || aws.ToString(weekly.ScheduleExpressionTimezone) != "Etc/UTC" {
		t.Errorf("weekly rule defaults: %+v", weekly)
	}
	if !uuidPattern.MatchString(aws.ToString(daily.RuleId)) || aws.ToString(daily.RuleId) == aws.ToString(weekly.RuleId) {
		t.Errorf("rule IDs %q, %q", aws.ToString(daily.RuleId), aws.ToString(weekly.RuleId))
	}
	tags, err := c.ListTags(ctx, &backup.ListTagsInput{ResourceArn: aws.String(wantARN)})
	if err != nil || tags.Tags["team"] != "platform" {
		t.Errorf("plan tags = %v, %v", tags, err)
	}

	// Update: weekly retention becomes two years. A new version; the old one is kept.
	updated := guidePlan()
	updated.Rules[1].Lifecycle.DeleteAfterDays = aws.Int64(730)
	up, err := c.UpdateBackupPlan(ctx, &backup.UpdateBackupPlanInput{BackupPlanId: aws.String(id), BackupPlan: updated})
	if err != nil {
		t.Fatal(err)
	}
	v2 := aws.ToString(up.VersionId)
	if v2 == "" || v2 == v1 {
		t.Fatalf("update kept version %q", v2)
	}
	cur, _ := c.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: aws.String(id)})
	if aws.ToString(cur.VersionId) != v2 || aws.ToInt64(cur.BackupPlan.Rules[1].Lifecycle.DeleteAfterDays) != 730 {
		t.Errorf("current version after update: %s, %d", aws.ToString(cur.VersionId), aws.ToInt64(cur.BackupPlan.Rules[1].Lifecycle.DeleteAfterDays))
	}
	if aws.ToString(cur.BackupPlan.Rules[0].RuleId) != aws.ToString(daily.RuleId) {
		t.Errorf("a rule kept by name changed its RuleId")
	}
	old, err := c.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: aws.String(id), VersionId: aws.String(v1)})
	if err != nil || aws.ToInt64(old.BackupPlan.Rules[1].Lifecycle.DeleteAfterDays) != 1825 {
		t.Errorf("version 1 after update: %v, %v", old, err)
	}
	_, err = c.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: aws.String(id), VersionId: aws.String("bm9wZQ==")})
	apiErr(t, err, "ResourceNotFoundException", "has no version bm9wZQ==")
	versions, err := c.ListBackupPlanVersions(ctx, &backup.ListBackupPlanVersionsInput{BackupPlanId: aws.String(id)})
	if err != nil || len(versions.BackupPlanVersionsList) != 2 ||
		aws.ToString(versions.BackupPlanVersionsList[0].VersionId) != v1 || aws.ToString(versions.BackupPlanVersionsList[1].VersionId) != v2 {
		t.Fatalf("ListBackupPlanVersions = %+v, %v", versions, err)
	}
	// A third update with identical content still makes a version.
	up3, err := c.UpdateBackupPlan(ctx, &backup.UpdateBackupPlanInput{BackupPlanId: aws.String(id), BackupPlan: updated})
	if err != nil || aws.ToString(up3.VersionId) == v2 {
		t.Errorf("unchanged update: %v, %v", up3, err)
	}

	// A plan with a selection cannot be deleted.
	sel, err := c.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: aws.String(id), BackupSelection: guideSelection()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteBackupPlan(ctx, &backup.DeleteBackupPlanInput{BackupPlanId: aws.String(id)})
	var invalid *types.InvalidRequestException
	if !errors.As(err, &invalid) || !strings.Contains(aws.ToString(invalid.Message), "has 1 backup selection(s): delete them first") {
		t.Fatalf("DeleteBackupPlan with a selection: %v, want InvalidRequestException", err)
	}
	if _, err := c.DeleteBackupSelection(ctx, &backup.DeleteBackupSelectionInput{BackupPlanId: aws.String(id), SelectionId: sel.SelectionId}); err != nil {
		t.Fatal(err)
	}
	del, err := c.DeleteBackupPlan(ctx, &backup.DeleteBackupPlanInput{BackupPlanId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(del.VersionId) != aws.ToString(up3.VersionId) || del.DeletionDate == nil || aws.ToString(del.BackupPlanArn) != wantARN {
		t.Errorf("DeleteBackupPlan output = %+v", del)
	}
	gone, err := c.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: aws.String(id)})
	if err != nil || gone.DeletionDate == nil || !gone.DeletionDate.Equal(*del.DeletionDate) {
		t.Errorf("GetBackupPlan of a deleted plan: %v, %v (want it, with DeletionDate)", gone, err)
	}
	_, err = c.UpdateBackupPlan(ctx, &backup.UpdateBackupPlanInput{BackupPlanId: aws.String(id), BackupPlan: updated})
	apiErr(t, err, "ResourceNotFoundException", "was deleted")
	_, err = c.DeleteBackupPlan(ctx, &backup.DeleteBackupPlanInput{BackupPlanId: aws.String(id)})
	apiErr(t, err, "ResourceNotFoundException", "was deleted")
	_, err = c.ListTags(ctx, &backup.ListTagsInput{ResourceArn: aws.String(wantARN)})
	apiErr(t, err, "ResourceNotFoundException", "does not exist")

	live, _ := c.ListBackupPlans(ctx, &backup.ListBackupPlansInput{})
	all, _ := c.ListBackupPlans(ctx, &backup.ListBackupPlansInput{IncludeDeleted: aws.Bool(true)})
	if len(live.BackupPlansList) != 0 || len(all.BackupPlansList) != 1 || all.BackupPlansList[0].DeletionDate == nil {
		t.Errorf("ListBackupPlans: live %d, with deleted %+v", len(live.BackupPlansList), all.BackupPlansList)
	}
	// Its name is free again.
	if _, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: guidePlan()}); err != nil {
		t.Errorf("recreate after delete: %v", err)
	}
}

func TestBackupPlan_refusalsCarryAWSCodesAndName(t *testing.T) {
	ctx := context.Background()
	c := startEngine(t).Client("us-east-1")
	cases := []struct {
		name   string
		change func(p *types.BackupPlanInput)
		code   string
		want   string
	}{
		{"lifecycle", func(p *types.BackupPlanInput) {
			p.Rules[0].Lifecycle = &types.Lifecycle{MoveToColdStorageAfterDays: aws.Int64(30), DeleteAfterDays: aws.Int64(100)}
		}, "InvalidParameterValueException", "BackupPlan.Rules[0].Lifecycle.DeleteAfterDays (100) must be at least MoveToColdStorageAfterDays (30) + 90"},
		{"schedule", func(p *types.BackupPlanInput) { p.Rules[1].ScheduleExpression = aws.String("cron(*/10 * * * ? *)") },
			"InvalidParameterValueException", "BackupPlan.Rules[1].ScheduleExpression \"cron(*/10 * * * ? *)\" runs more often than once an hour"},
		{"start window", func(p *types.BackupPlanInput) { p.Rules[0].StartWindowMinutes = aws.Int64(30) },
			"InvalidParameterValueException", "BackupPlan.Rules[0].StartWindowMinutes (30) must be at least 60"},
		{"continuous and cold", func(p *types.BackupPlanInput) { p.Rules[0].EnableContinuousBackup = aws.Bool(true) },
			"InvalidParameterValueException", "not allowed with EnableContinuousBackup"},
		{"copy destination", func(p *types.BackupPlanInput) {
			p.Rules[0].CopyActions[0].DestinationBackupVaultArn = aws.String("arn:aws:backup:eu-west-1:DR_ACCOUNT_ID:backup-vault:dr-vault")
		}, "InvalidParameterValueException", "must be a 12-digit account ID"},
		{"timezone", func(p *types.BackupPlanInput) { p.Rules[0].ScheduleExpressionTimezone = aws.String("CET+1") },
			"InvalidParameterValueException", "BackupPlan.Rules[0].ScheduleExpressionTimezone"},
		{"vault name (model check)", func(p *types.BackupPlanInput) { p.Rules[0].TargetBackupVaultName = aws.String("prod vault") },
			"InvalidParameterValueException", "BackupPlan.Rules[0].TargetBackupVaultName"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := guidePlan()
			tc.change(p)
			_, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: p})
			apiErr(t, err, tc.code, tc.want)
		})
	}
	list, _ := c.ListBackupPlans(ctx, &backup.ListBackupPlansInput{})
	if len(list.BackupPlansList) != 0 {
		t.Errorf("refused plans were stored: %d", len(list.BackupPlansList))
	}
	// UpdateBackupPlan validates the same way and leaves the plan as it was.
	created, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: guidePlan()})
	if err != nil {
		t.Fatal(err)
	}
	bad := guidePlan()
	bad.Rules[0].CompletionWindowMinutes = aws.Int64(60)
	_, err = c.UpdateBackupPlan(ctx, &backup.UpdateBackupPlanInput{BackupPlanId: created.BackupPlanId, BackupPlan: bad})
	apiErr(t, err, "InvalidParameterValueException", "BackupPlan.Rules[0].CompletionWindowMinutes (60) must be greater than StartWindowMinutes (60)")
	versions, _ := c.ListBackupPlanVersions(ctx, &backup.ListBackupPlanVersionsInput{BackupPlanId: created.BackupPlanId})
	if len(versions.BackupPlanVersionsList) != 1 {
		t.Errorf("a refused update made a version")
	}
	other := guidePlan()
	other.BackupPlanName = aws.String("other")
	o, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: other})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateBackupPlan(ctx, &backup.UpdateBackupPlanInput{BackupPlanId: o.BackupPlanId, BackupPlan: guidePlan()})
	apiErr(t, err, "InvalidParameterValueException", `already has the name "prod-daily-backup-plan"`)
	_, err = c.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: aws.String("00000000-0000-0000-0000-000000000000")})
	apiErr(t, err, "ResourceNotFoundException", "Backup plan 00000000-0000-0000-0000-000000000000 does not exist")
}

func TestBackupPlan_storesRecoveryPointTagsAdvancedSettingsIndexActions(t *testing.T) {
	ctx := context.Background()
	c := startEngine(t).Client("eu-west-1")
	p := guidePlan()
	p.Rules[0].RecoveryPointTags = map[string]string{"source": "daily"}
	p.Rules[0].IndexActions = []types.IndexAction{{ResourceTypes: []string{"EBS"}}}
	p.Rules[0].Lifecycle.OptInToArchiveForSupportedResources = aws.Bool(true)
	p.Rules[1].ScheduleExpressionTimezone = aws.String("Europe/Dublin")
	p.Rules[1].EnableContinuousBackup = aws.Bool(false)
	p.AdvancedBackupSettings = []types.AdvancedBackupSetting{{ResourceType: aws.String("EC2"), BackupOptions: map[string]string{"WindowsVSS": "enabled"}}}
	created, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(created.AdvancedBackupSettings) != 1 || aws.ToString(created.AdvancedBackupSettings[0].ResourceType) != "EC2" {
		t.Errorf("CreateBackupPlan AdvancedBackupSettings = %+v", created.AdvancedBackupSettings)
	}
	got, err := c.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: created.BackupPlanId})
	if err != nil {
		t.Fatal(err)
	}
	r0, r1 := got.BackupPlan.Rules[0], got.BackupPlan.Rules[1]
	if r0.RecoveryPointTags["source"] != "daily" || len(r0.IndexActions) != 1 || r0.IndexActions[0].ResourceTypes[0] != "EBS" ||
		!aws.ToBool(r0.Lifecycle.OptInToArchiveForSupportedResources) {
		t.Errorf("rule 0 = %+v", r0)
	}
	if aws.ToString(r1.ScheduleExpressionTimezone) != "Europe/Dublin" || r1.EnableContinuousBackup == nil || aws.ToBool(r1.EnableContinuousBackup) {
		t.Errorf("rule 1 = %+v", r1)
	}
	if len(got.AdvancedBackupSettings) != 1 || got.AdvancedBackupSettings[0].BackupOptions["WindowsVSS"] != "enabled" ||
		len(got.BackupPlan.AdvancedBackupSettings) != 1 {
		t.Errorf("AdvancedBackupSettings = %+v / %+v", got.AdvancedBackupSettings, got.BackupPlan.AdvancedBackupSettings)
	}
}

func TestBackupPlan_scheduledRunsPreviewFollowsTheRules(t *testing.T) {
	ctx := context.Background()
	fake := clock.NewFake(time.Date(2024, 1, 16, 12, 0, 0, 0, time.UTC)) // a Tuesday
	srv := enginetest.Start(t, engine.Options{Clock: fake})
	c := srv.Client("us-east-1")
	created, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: guidePlan()})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: created.BackupPlanId, MaxScheduledRunsPreview: 4})
	if err != nil {
		t.Fatal(err)
	}
	daily, weekly := aws.ToString(got.BackupPlan.Rules[0].RuleId), aws.ToString(got.BackupPlan.Rules[1].RuleId)
	want := []struct {
		at   time.Time
		rule string
	}{
		{time.Date(2024, 1, 17, 2, 0, 0, 0, time.UTC), daily},
		{time.Date(2024, 1, 18, 2, 0, 0, 0, time.UTC), daily},
		{time.Date(2024, 1, 19, 2, 0, 0, 0, time.UTC), daily},
		{time.Date(2024, 1, 20, 2, 0, 0, 0, time.UTC), daily},
	}
	if len(got.ScheduledRunsPreview) != len(want) {
		t.Fatalf("preview has %d runs", len(got.ScheduledRunsPreview))
	}
	for i, w := range want {
		run := got.ScheduledRunsPreview[i]
		if !run.ExecutionTime.Equal(w.at) || aws.ToString(run.RuleId) != w.rule || run.RuleExecutionType != types.RuleExecutionTypeSnapshots {
			t.Errorf("run %d = %v %s %s, want %v %s", i, run.ExecutionTime, aws.ToString(run.RuleId), run.RuleExecutionType, w.at, w.rule)
		}
	}
	fake.Set(time.Date(2024, 1, 20, 12, 0, 0, 0, time.UTC)) // Saturday noon: Sunday 02:00 daily, then 03:00 weekly
	got, _ = c.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: created.BackupPlanId, MaxScheduledRunsPreview: 2})
	if len(got.ScheduledRunsPreview) != 2 || aws.ToString(got.ScheduledRunsPreview[1].RuleId) != weekly ||
		!got.ScheduledRunsPreview[1].ExecutionTime.Equal(time.Date(2024, 1, 21, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("preview on Saturday = %+v", got.ScheduledRunsPreview)
	}
}

func TestBackupPlan_listsPaginate(t *testing.T) {
	ctx := context.Background()
	c := startEngine(t).Client("us-east-1")
	ids := map[string]bool{}
	for _, name := range []string{"a", "b", "c"} {
		p := guidePlan()
		p.BackupPlanName = aws.String(name)
		out, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: p})
		if err != nil {
			t.Fatal(err)
		}
		ids[aws.ToString(out.BackupPlanId)] = true
	}
	pages := 0
	seen := map[string]bool{}
	p := backup.NewListBackupPlansPaginator(c, &backup.ListBackupPlansInput{MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, m := range page.BackupPlansList {
			seen[aws.ToString(m.BackupPlanId)] = true
		}
	}
	if pages != 3 || len(seen) != 3 {
		t.Errorf("listed %d plans over %d pages", len(seen), pages)
	}
	for id := range ids {
		if !seen[id] {
			t.Errorf("plan %s not listed", id)
		}
	}
	templates := backup.NewListBackupPlanTemplatesPaginator(c, &backup.ListBackupPlanTemplatesInput{MaxResults: aws.Int32(2)})
	n := 0
	for templates.HasMorePages() {
		page, err := templates.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.BackupPlanTemplatesList)
	}
	if n != 3 {
		t.Errorf("%d templates listed", n)
	}
}

func TestBackupSelection_readsBackExactlyAndValidates(t *testing.T) {
	ctx := context.Background()
	c := startEngine(t).Client("us-east-1")
	plan, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: guidePlan()})
	if err != nil {
		t.Fatal(err)
	}
	full := &types.BackupSelection{
		SelectionName: aws.String("everything-but"),
		IamRoleArn:    aws.String("arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole"),
		Resources:     []string{"arn:aws:elasticfilesystem:*:*:file-system/*", "*"},
		NotResources:  []string{"arn:aws:rds:*:*:db:scratch-*"},
		ListOfTags:    []types.Condition{{ConditionType: types.ConditionTypeStringequals, ConditionKey: aws.String("Backup"), ConditionValue: aws.String("true")}},
		Conditions: &types.Conditions{
			StringEquals:    []types.ConditionParameter{{ConditionKey: aws.String("aws:ResourceTag/env"), ConditionValue: aws.String("prod")}, {ConditionKey: aws.String("aws:ResourceTag/team"), ConditionValue: aws.String("a")}},
			StringLike:      []types.ConditionParameter{{ConditionKey: aws.String("aws:ResourceTag/app"), ConditionValue: aws.String("web-*")}},
			StringNotEquals: []types.ConditionParameter{{ConditionKey: aws.String("aws:ResourceTag/stage"), ConditionValue: aws.String("test")}},
			StringNotLike:   []types.ConditionParameter{{ConditionKey: aws.String("aws:ResourceTag/owner"), ConditionValue: aws.String("*temp*")}},
		},
	}
	created, err := c.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: plan.BackupPlanId, BackupSelection: full, CreatorRequestId: aws.String("sel-1")})
	if err != nil {
		t.Fatal(err)
	}
	if !uuidPattern.MatchString(aws.ToString(created.SelectionId)) || aws.ToString(created.BackupPlanId) != aws.ToString(plan.BackupPlanId) {
		t.Errorf("CreateBackupSelection = %+v", created)
	}
	got, err := c.GetBackupSelection(ctx, &backup.GetBackupSelectionInput{BackupPlanId: plan.BackupPlanId, SelectionId: created.SelectionId})
	if err != nil {
		t.Fatal(err)
	}
	s := got.BackupSelection
	if strings.Join(s.Resources, ",") != strings.Join(full.Resources, ",") || strings.Join(s.NotResources, ",") != strings.Join(full.NotResources, ",") ||
		len(s.ListOfTags) != 1 || aws.ToString(s.ListOfTags[0].ConditionKey) != "Backup" ||
		len(s.Conditions.StringEquals) != 2 || aws.ToString(s.Conditions.StringEquals[1].ConditionKey) != "aws:ResourceTag/team" ||
		aws.ToString(s.Conditions.StringLike[0].ConditionValue) != "web-*" || aws.ToString(s.Conditions.StringNotEquals[0].ConditionValue) != "test" ||
		aws.ToString(s.Conditions.StringNotLike[0].ConditionValue) != "*temp*" || aws.ToString(got.CreatorRequestId) != "sel-1" {
		t.Errorf("selection not read back as written: %+v", s)
	}
	again, err := c.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: plan.BackupPlanId, BackupSelection: full, CreatorRequestId: aws.String("sel-1")})
	if err != nil || aws.ToString(again.SelectionId) != aws.ToString(created.SelectionId) {
		t.Errorf("idempotent retry = %v, %v", again, err)
	}
	_, err = c.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: plan.BackupPlanId, BackupSelection: full})
	apiErr(t, err, "AlreadyExistsException", "already has a selection named everything-but")

	cases := []struct {
		name   string
		change func(s *types.BackupSelection)
		code   string
		want   string
	}{
		{"role ARN placeholder", func(s *types.BackupSelection) {
			s.IamRoleArn = aws.String("arn:aws:iam::ACCOUNT:role/service-role/AWSBackupDefaultServiceRole")
		}, "InvalidParameterValueException", "BackupSelection.IamRoleArn \"arn:aws:iam::ACCOUNT:role/service-role/AWSBackupDefaultServiceRole\" is not an IAM role ARN"},
		{"resource not an ARN", func(s *types.BackupSelection) { s.Resources = []string{"fs-1234"} },
			"InvalidParameterValueException", `BackupSelection.Resources[0] "fs-1234" is not an ARN or ARN pattern`},
		{"condition key without aws:ResourceTag/", func(s *types.BackupSelection) {
			s.Conditions = &types.Conditions{StringEquals: []types.ConditionParameter{{ConditionKey: aws.String("env"), ConditionValue: aws.String("prod")}}}
		}, "InvalidParameterValueException", `BackupSelection.Conditions.StringEquals[0].ConditionKey "env" must be aws:ResourceTag/KEY`},
		{"condition type", func(s *types.BackupSelection) { s.ListOfTags[0].ConditionType = "STRINGLIKE" },
			"InvalidParameterValueException", "it must be one of STRINGEQUALS"},
		{"selection name", func(s *types.BackupSelection) { s.SelectionName = aws.String("all tagged") },
			"InvalidParameterValueException", "SelectionName"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sel := guideSelection()
			sel.SelectionName = aws.String(fmt.Sprintf("refused-%d", i))
			tc.change(sel)
			_, err := c.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: plan.BackupPlanId, BackupSelection: sel})
			apiErr(t, err, tc.code, tc.want)
		})
	}
	_, err = c.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: aws.String("11111111-1111-1111-1111-111111111111"), BackupSelection: guideSelection()})
	apiErr(t, err, "ResourceNotFoundException", "does not exist")

	if _, err := c.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: plan.BackupPlanId, BackupSelection: guideSelection()}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListBackupSelections(ctx, &backup.ListBackupSelectionsInput{BackupPlanId: plan.BackupPlanId})
	if err != nil || len(list.BackupSelectionsList) != 2 {
		t.Fatalf("ListBackupSelections = %v, %v", list, err)
	}
	names := map[string]bool{}
	for _, m := range list.BackupSelectionsList {
		names[aws.ToString(m.SelectionName)] = true
		if aws.ToString(m.IamRoleArn) == "" || m.CreationDate == nil {
			t.Errorf("list member %+v", m)
		}
	}
	if !names["everything-but"] || !names["all-tagged-resources"] {
		t.Errorf("listed %v", names)
	}
	if _, err := c.DeleteBackupSelection(ctx, &backup.DeleteBackupSelectionInput{BackupPlanId: plan.BackupPlanId, SelectionId: created.SelectionId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBackupSelection(ctx, &backup.GetBackupSelectionInput{BackupPlanId: plan.BackupPlanId, SelectionId: created.SelectionId})
	apiErr(t, err, "ResourceNotFoundException", "does not exist in backup plan")
	_, err = c.DeleteBackupSelection(ctx, &backup.DeleteBackupSelectionInput{BackupPlanId: plan.BackupPlanId, SelectionId: created.SelectionId})
	apiErr(t, err, "ResourceNotFoundException", "does not exist")
}

func TestBackupPlan_templatesAndJSONRoundTrip(t *testing.T) {
	ctx := context.Background()
	c := startEngine(t).Client("us-east-1")

	list, err := c.ListBackupPlanTemplates(ctx, &backup.ListBackupPlanTemplatesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tmpl := range list.BackupPlanTemplatesList {
		doc, err := c.GetBackupPlanFromTemplate(ctx, &backup.GetBackupPlanFromTemplateInput{BackupPlanTemplateId: tmpl.BackupPlanTemplateId})
		if err != nil {
			t.Fatalf("template %s: %v", aws.ToString(tmpl.BackupPlanTemplateName), err)
		}
		// Every template is a plan the engine accepts as it is.
		in := &types.BackupPlanInput{BackupPlanName: doc.BackupPlanDocument.BackupPlanName}
		for _, r := range doc.BackupPlanDocument.Rules {
			in.Rules = append(in.Rules, types.BackupRuleInput{RuleName: r.RuleName, TargetBackupVaultName: r.TargetBackupVaultName,
				ScheduleExpression: r.ScheduleExpression, StartWindowMinutes: r.StartWindowMinutes, CompletionWindowMinutes: r.CompletionWindowMinutes, Lifecycle: r.Lifecycle})
		}
		if _, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: in}); err != nil {
			t.Errorf("template %s does not create: %v", aws.ToString(tmpl.BackupPlanTemplateName), err)
		}
	}
	_, err = c.GetBackupPlanFromTemplate(ctx, &backup.GetBackupPlanFromTemplateInput{BackupPlanTemplateId: aws.String("nope")})
	apiErr(t, err, "ResourceNotFoundException", "ListBackupPlanTemplates lists the templates")

	created, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: guidePlan()})
	if err != nil {
		t.Fatal(err)
	}
	exported, err := c.ExportBackupPlanTemplate(ctx, &backup.ExportBackupPlanTemplateInput{BackupPlanId: created.BackupPlanId})
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := c.GetBackupPlanFromJSON(ctx, &backup.GetBackupPlanFromJSONInput{BackupPlanTemplateJson: exported.BackupPlanTemplateJson})
	if err != nil {
		t.Fatalf("GetBackupPlanFromJSON(export): %v\n%s", err, aws.ToString(exported.BackupPlanTemplateJson))
	}
	stored, _ := c.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: created.BackupPlanId})
	for i, r := range fromJSON.BackupPlan.Rules {
		s := stored.BackupPlan.Rules[i]
		if aws.ToString(r.RuleName) != aws.ToString(s.RuleName) || aws.ToString(r.ScheduleExpression) != aws.ToString(s.ScheduleExpression) ||
			aws.ToInt64(r.StartWindowMinutes) != aws.ToInt64(s.StartWindowMinutes) || aws.ToInt64(r.Lifecycle.DeleteAfterDays) != aws.ToInt64(s.Lifecycle.DeleteAfterDays) ||
			len(r.CopyActions) != len(s.CopyActions) || r.RuleId != nil {
			t.Errorf("rule %d from JSON %+v differs from stored %+v", i, r, s)
		}
	}

	_, err = c.GetBackupPlanFromJSON(ctx, &backup.GetBackupPlanFromJSONInput{BackupPlanTemplateJson: aws.String(`{ "BackupPlanName": "p", "Rules": [ { "RuleName": "r", "TargetBackupVaultName": "vault", "ScheduleExpression": "cron(0 2 * * ? *)", // 2 AM UTC daily
 } ] }`)})
	apiErr(t, err, "InvalidRequestException", "JSON has no comments")
	_, err = c.GetBackupPlanFromJSON(ctx, &backup.GetBackupPlanFromJSONInput{BackupPlanTemplateJson: aws.String(
		`{"BackupPlanName": "p", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "vault", "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 100}}]}`)})
	apiErr(t, err, "InvalidParameterValueException", "Rules[0].Lifecycle.DeleteAfterDays (100) must be at least MoveToColdStorageAfterDays (30) + 90")
}
