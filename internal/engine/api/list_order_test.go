package api_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

// Every List operation answers in creation order, then by ID, page after page: vaults, plans
// (whose IDs are random), selections, plan versions and legal holds are created here in an
// order that neither their names nor their IDs follow.
func TestListsAreInCreationOrderThenID(t *testing.T) {
	ctx := context.Background()
	c, fake := startEngineAt(t)
	names := []string{"zulu", "alpha", "mike", "bravo", "yankee"}
	var planIDs []string
	for _, n := range names {
		fake.Advance(time.Minute)
		mustCreateVault(t, c, "vault-"+n)
		out, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: &types.BackupPlanInput{
			BackupPlanName: aws.String("plan-" + n), Rules: []types.BackupRuleInput{{RuleName: aws.String("r"), TargetBackupVaultName: aws.String("vault-" + n)}}}})
		if err != nil {
			t.Fatal(err)
		}
		planIDs = append(planIDs, aws.ToString(out.BackupPlanId))
	}
	// Two plans created at the same instant (a minute after the others) come in ID order.
	fake.Advance(time.Minute)
	var sameInstant []string
	for _, n := range []string{"same-2", "same-1"} {
		out, err := c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: &types.BackupPlanInput{
			BackupPlanName: aws.String(n), Rules: []types.BackupRuleInput{{RuleName: aws.String("r"), TargetBackupVaultName: aws.String("vault-zulu")}}}})
		if err != nil {
			t.Fatal(err)
		}
		sameInstant = append(sameInstant, aws.ToString(out.BackupPlanId))
	}
	slices.Sort(sameInstant)

	var vaults []string
	for p := backup.NewListBackupVaultsPaginator(c, &backup.ListBackupVaultsInput{MaxResults: aws.Int32(2)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.BackupVaultList {
			vaults = append(vaults, aws.ToString(v.BackupVaultName))
		}
	}
	if want := []string{"vault-zulu", "vault-alpha", "vault-mike", "vault-bravo", "vault-yankee"}; !slices.Equal(vaults, want) {
		t.Errorf("ListBackupVaults = %q, want creation order %q", vaults, want)
	}

	var plans []string
	for p := backup.NewListBackupPlansPaginator(c, &backup.ListBackupPlansInput{MaxResults: aws.Int32(2)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.BackupPlansList {
			plans = append(plans, aws.ToString(m.BackupPlanId))
		}
	}
	if want := append(slices.Clone(planIDs), sameInstant...); !slices.Equal(plans, want) {
		t.Errorf("ListBackupPlans = %q, want creation order, then ID: %q", plans, want)
	}

	// Selections of one plan, and the versions of one plan.
	var selections []string
	for _, n := range []string{"s-zulu", "s-alpha", "s-mike"} {
		fake.Advance(time.Minute)
		out, err := c.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: aws.String(planIDs[0]), BackupSelection: &types.BackupSelection{
			SelectionName: aws.String(n), IamRoleArn: aws.String(role), Resources: []string{"*"}}})
		if err != nil {
			t.Fatal(err)
		}
		selections = append(selections, aws.ToString(out.SelectionId))
	}
	var gotSelections []string
	for p := backup.NewListBackupSelectionsPaginator(c, &backup.ListBackupSelectionsInput{BackupPlanId: aws.String(planIDs[0]), MaxResults: aws.Int32(1)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.BackupSelectionsList {
			gotSelections = append(gotSelections, aws.ToString(s.SelectionId))
		}
	}
	if !slices.Equal(gotSelections, selections) {
		t.Errorf("ListBackupSelections = %q, want creation order %q", gotSelections, selections)
	}
	versions := []string{}
	for i := range 3 {
		fake.Advance(time.Minute)
		out, err := c.UpdateBackupPlan(ctx, &backup.UpdateBackupPlanInput{BackupPlanId: aws.String(planIDs[1]), BackupPlan: &types.BackupPlanInput{
			BackupPlanName: aws.String("plan-alpha"), Rules: []types.BackupRuleInput{{RuleName: aws.String("r"), TargetBackupVaultName: aws.String("vault-alpha"),
				StartWindowMinutes: aws.Int64(int64(60 + i))}}}})
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, aws.ToString(out.VersionId))
	}
	var gotVersions []string
	for p := backup.NewListBackupPlanVersionsPaginator(c, &backup.ListBackupPlanVersionsInput{BackupPlanId: aws.String(planIDs[1]), MaxResults: aws.Int32(2)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.BackupPlanVersionsList {
			gotVersions = append(gotVersions, aws.ToString(v.VersionId))
		}
	}
	if len(gotVersions) != 4 || !slices.Equal(gotVersions[1:], versions) {
		t.Errorf("ListBackupPlanVersions = %q, want the first version, then %q", gotVersions, versions)
	}
}
