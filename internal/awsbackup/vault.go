package awsbackup

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
)

// FindVaultByName describes a vault, or returns a NotFoundError.
func FindVaultByName(ctx context.Context, c *backup.Client, name string) (*backup.DescribeBackupVaultOutput, error) {
	out, err := c.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String(name)})
	if err != nil {
		return nil, notFoundOr(fmt.Sprintf("backup vault %q", name), err)
	}
	return out, nil
}

// ListTags returns every tag of a resource, following pagination.
func ListTags(ctx context.Context, c *backup.Client, arn string) (map[string]string, error) {
	tags := map[string]string{}
	p := backup.NewListTagsPaginator(c, &backup.ListTagsInput{ResourceArn: aws.String(arn)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, notFoundOr(fmt.Sprintf("resource %q", arn), err)
		}
		for k, v := range page.Tags {
			tags[k] = v
		}
	}
	return tags, nil
}

// UpdateTags changes a resource's tags from old to new with as few calls as possible.
func UpdateTags(ctx context.Context, c *backup.Client, arn string, old, new map[string]string) error {
	var remove []string
	for k := range old {
		if _, keep := new[k]; !keep {
			remove = append(remove, k)
		}
	}
	set := map[string]string{}
	for k, v := range new {
		if ov, ok := old[k]; !ok || ov != v {
			set[k] = v
		}
	}
	if len(remove) > 0 {
		if _, err := c.UntagResource(ctx, &backup.UntagResourceInput{ResourceArn: aws.String(arn), TagKeyList: remove}); err != nil {
			return fmt.Errorf("untag %s: %w", arn, err)
		}
	}
	if len(set) > 0 {
		if _, err := c.TagResource(ctx, &backup.TagResourceInput{ResourceArn: aws.String(arn), Tags: set}); err != nil {
			return fmt.Errorf("tag %s: %w", arn, err)
		}
	}
	return nil
}
