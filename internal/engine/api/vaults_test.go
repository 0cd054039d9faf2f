package api_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

func startEngine(t *testing.T) *enginetest.Server {
	t.Helper()
	return enginetest.Start(t, engine.Options{})
}

func TestVaultLifecycleThroughSDK(t *testing.T) {
	ctx := context.Background()
	srv := startEngine(t)
	c := srv.Client("us-east-1")

	created, err := c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{
		BackupVaultName: aws.String("prod-primary-vault"),
		BackupVaultTags: map[string]string{"team": "platform"},
	})
	if err != nil {
		t.Fatalf("CreateBackupVault: %v", err)
	}
	wantARN := "arn:aws:backup:us-east-1:" + srv.Key.AccountID + ":backup-vault:prod-primary-vault"
	if got := aws.ToString(created.BackupVaultArn); got != wantARN {
		t.Errorf("ARN = %q, want %q", got, wantARN)
	}
	if created.CreationDate == nil || created.CreationDate.IsZero() {
		t.Errorf("CreationDate not set")
	}

	desc, err := c.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("prod-primary-vault")})
	if err != nil {
		t.Fatalf("DescribeBackupVault: %v", err)
	}
	if aws.ToString(desc.BackupVaultArn) != wantARN || desc.NumberOfRecoveryPoints != 0 || desc.VaultType != types.VaultTypeBackupVault || desc.VaultState != types.VaultStateAvailable {
		t.Errorf("unexpected description: arn=%s points=%d type=%s state=%s", aws.ToString(desc.BackupVaultArn), desc.NumberOfRecoveryPoints, desc.VaultType, desc.VaultState)
	}
	if !strings.HasPrefix(aws.ToString(desc.EncryptionKeyArn), "arn:aws:kms:us-east-1:"+srv.Key.AccountID+":key/") {
		t.Errorf("default EncryptionKeyArn = %q, want an engine-managed KMS key ARN", aws.ToString(desc.EncryptionKeyArn))
	}
	if !created.CreationDate.Equal(*desc.CreationDate) {
		t.Errorf("CreationDate differs between create (%v) and describe (%v)", created.CreationDate, desc.CreationDate)
	}

	tags, err := c.ListTags(ctx, &backup.ListTagsInput{ResourceArn: aws.String(wantARN)})
	if err != nil {
		t.Fatalf("ListTags: %v", err)
	}
	if tags.Tags["team"] != "platform" || len(tags.Tags) != 1 {
		t.Errorf("tags = %v, want team=platform", tags.Tags)
	}

	if _, err := c.DeleteBackupVault(ctx, &backup.DeleteBackupVaultInput{BackupVaultName: aws.String("prod-primary-vault")}); err != nil {
		t.Fatalf("DeleteBackupVault: %v", err)
	}
	_, err = c.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("prod-primary-vault")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("DescribeBackupVault after delete: err = %v, want ResourceNotFoundException", err)
	}
	// The vault's tags went with it: a new vault of the same name starts untagged.
	if _, err := c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("prod-primary-vault")}); err != nil {
		t.Fatal(err)
	}
	tags, err = c.ListTags(ctx, &backup.ListTagsInput{ResourceArn: aws.String(wantARN)})
	if err != nil || len(tags.Tags) != 0 {
		t.Errorf("tags of recreated vault = %v, %v; want none", tags.Tags, err)
	}
}

func TestCreateBackupVaultIsIdempotentOnCreatorRequestId(t *testing.T) {
	ctx := context.Background()
	c := startEngine(t).Client("us-east-1")
	in := &backup.CreateBackupVaultInput{BackupVaultName: aws.String("v1"), CreatorRequestId: aws.String("req-1")}
	first, err := c.CreateBackupVault(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateBackupVault(ctx, in)
	if err != nil {
		t.Fatalf("retry with the same CreatorRequestId: %v", err)
	}
	if !first.CreationDate.Equal(*again.CreationDate) {
		t.Errorf("retry returned a different vault: %v vs %v", first.CreationDate, again.CreationDate)
	}
	_, err = c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("v1"), CreatorRequestId: aws.String("req-2")})
	var exists *types.AlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("different CreatorRequestId: err = %v, want AlreadyExistsException", err)
	}
	if aws.ToString(exists.Arn) != aws.ToString(first.BackupVaultArn) || aws.ToString(exists.CreatorRequestId) != "req-1" {
		t.Errorf("AlreadyExistsException carries Arn=%q CreatorRequestId=%q", aws.ToString(exists.Arn), aws.ToString(exists.CreatorRequestId))
	}
	_, err = c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("v1")})
	if !errors.As(err, &exists) {
		t.Fatalf("no CreatorRequestId: err = %v, want AlreadyExistsException", err)
	}
}

func TestVaultValidationErrorsAreTyped(t *testing.T) {
	ctx := context.Background()
	c := startEngine(t).Client("us-east-1")
	cases := []struct {
		name string
		in   *backup.CreateBackupVaultInput
		want string
	}{
		{"name too short", &backup.CreateBackupVaultInput{BackupVaultName: aws.String("a")}, "pattern"},
		{"name with a dot", &backup.CreateBackupVaultInput{BackupVaultName: aws.String("bad.name")}, "pattern"},
		{"name too long", &backup.CreateBackupVaultInput{BackupVaultName: aws.String(strings.Repeat("x", 51))}, "pattern"},
		{"reserved tag prefix", &backup.CreateBackupVaultInput{BackupVaultName: aws.String("ok"), BackupVaultTags: map[string]string{"aws:x": "y"}}, "reserved prefix"},
		{"not a KMS key", &backup.CreateBackupVaultInput{BackupVaultName: aws.String("ok"), EncryptionKeyArn: aws.String("arn:aws:s3:::bucket")}, "KMS key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateBackupVault(ctx, tc.in)
			var ipv *types.InvalidParameterValueException
			if !errors.As(err, &ipv) {
				t.Fatalf("err = %v, want InvalidParameterValueException", err)
			}
			if !strings.Contains(ipv.ErrorMessage(), tc.want) {
				t.Errorf("message %q does not mention %q", ipv.ErrorMessage(), tc.want)
			}
		})
	}
	_, err := c.DeleteBackupVault(ctx, &backup.DeleteBackupVaultInput{BackupVaultName: aws.String("never-made")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("delete of a missing vault: err = %v, want ResourceNotFoundException", err)
	}
}

func TestListBackupVaultsPaginatesInStableOrder(t *testing.T) {
	ctx := context.Background()
	c := startEngine(t).Client("us-east-1")
	var want []string
	for i := 0; i < 25; i++ {
		name := fmt.Sprintf("vault-%02d", i)
		want = append(want, name)
		if _, err := c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	p := backup.NewListBackupVaultsPaginator(c, &backup.ListBackupVaultsInput{MaxResults: aws.Int32(10)})
	var got []string
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.BackupVaultList) > 10 {
			t.Fatalf("page of %d vaults exceeds MaxResults 10", len(page.BackupVaultList))
		}
		for _, v := range page.BackupVaultList {
			got = append(got, aws.ToString(v.BackupVaultName))
		}
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3", pages)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("listed %v, want %v", got, want)
	}
	_, err := c.ListBackupVaults(ctx, &backup.ListBackupVaultsInput{NextToken: aws.String("garbage!")})
	var ipv *types.InvalidParameterValueException
	if !errors.As(err, &ipv) {
		t.Errorf("bad NextToken: err = %v, want InvalidParameterValueException", err)
	}
	out, err := c.ListBackupVaults(ctx, &backup.ListBackupVaultsInput{ByVaultType: types.VaultTypeLogicallyAirGappedBackupVault})
	if err != nil || len(out.BackupVaultList) != 0 {
		t.Errorf("ByVaultType air-gapped: %d vaults, err %v; want none", len(out.BackupVaultList), err)
	}
}

func TestRegionComesFromTheSignatureScope(t *testing.T) {
	ctx := context.Background()
	srv := startEngine(t)
	us, eu := srv.Client("us-east-1"), srv.Client("eu-west-1")
	out, err := eu.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("dr-vault")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aws.ToString(out.BackupVaultArn), "arn:aws:backup:eu-west-1:") {
		t.Errorf("ARN %q does not carry the signing region", aws.ToString(out.BackupVaultArn))
	}
	if _, err := us.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("dr-vault")}); err == nil {
		t.Errorf("us-east-1 sees the eu-west-1 vault")
	}
	// Same name in the other region is a different vault.
	if _, err := us.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("dr-vault")}); err != nil {
		t.Errorf("same name in another region: %v", err)
	}
}

func TestTagsOnVaults(t *testing.T) {
	ctx := context.Background()
	c := startEngine(t).Client("us-east-1")
	out, err := c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("tagged"), BackupVaultTags: map[string]string{"a": "1", "b": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.BackupVaultArn
	if _, err := c.TagResource(ctx, &backup.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"b": "two", "c": "3"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &backup.UntagResourceInput{ResourceArn: arn, TagKeyList: []string{"a", "absent"}}); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	p := backup.NewListTagsPaginator(c, &backup.ListTagsInput{ResourceArn: arn, MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range page.Tags {
			got[k] = v
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(map[string]string{"b": "two", "c": "3"}) {
		t.Errorf("tags = %v, want b=two c=3", got)
	}
	missing := "arn:aws:backup:us-east-1:123456789012:backup-vault:nope"
	_, err = c.TagResource(ctx, &backup.TagResourceInput{ResourceArn: aws.String(missing), Tags: map[string]string{"x": "y"}})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("tagging a missing vault: err = %v, want ResourceNotFoundException", err)
	}
	tooMany := map[string]string{}
	for i := 0; i < 51; i++ {
		tooMany[fmt.Sprintf("k%d", i)] = "v"
	}
	_, err = c.TagResource(ctx, &backup.TagResourceInput{ResourceArn: arn, Tags: tooMany})
	var ipv *types.InvalidParameterValueException
	if !errors.As(err, &ipv) {
		t.Errorf("51 tags: err = %v, want InvalidParameterValueException", err)
	}
}

func TestGetSupportedResourceTypesAnswersWhatConnectorsExist(t *testing.T) {
	out, err := startEngine(t).Client("us-east-1").GetSupportedResourceTypes(context.Background(), &backup.GetSupportedResourceTypesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if out.ResourceTypes == nil {
		t.Errorf("ResourceTypes missing from the answer")
	}
	for _, rt := range out.ResourceTypes {
		switch rt {
		case "EFS", "RDS", "S3":
		default:
			t.Errorf("engine claims to support %q, which it has no connector for", rt)
		}
	}
}
