package resources

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/efs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/rds"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3"
)

// What restore testing asks of the connectors: check a whole-snapshot restore into a new
// resource against its snapshot (VerifyRestored), and delete that resource once the test is over
// (DeleteRestored). Both refuse a plan that did not create a new resource, so a restore test
// can never check or delete an original.

// RestoreCheck is a built-in validation's parameters beyond the snapshot: for RDS, the query
// the restored database must answer, and the least count it must answer.
type RestoreCheck struct {
	Query       string
	MinRowCount *int64
}

var errNotNew = errors.New("the restore did not create a new resource, so restore testing leaves it alone")

// VerifyRestored checks every restored file's content hash against the snapshot's manifest.
func (e EFS) VerifyRestored(ctx context.Context, repo *content.Repository, snap content.SnapshotID, plan RestorePlan, _ RestoreCheck) (string, error) {
	if !plan.NewResource || len(plan.Items) > 0 {
		return "", errNotNew
	}
	dir, err := e.policy(plan.Account).Open(plan.Destination)
	if err != nil {
		return "", confineError(err, plan.Account, "the restored directory")
	}
	defer func() { _ = dir.Close() }()
	return efs.VerifyRestored(ctx, repo, snap, dir)
}

// DeleteRestored removes the directory a restore created.
func (e EFS) DeleteRestored(_ context.Context, plan RestorePlan) error {
	if !plan.NewResource {
		return errNotNew
	}
	parent, name, err := e.openDestination(plan, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer func() { _ = parent.Close() }()
	return parent.RemoveAll(name)
}

// VerifyRestored connects to the restored database and runs the check's query; with a
// MinRowCount, the count it answers must reach it.
func (RDS) VerifyRestored(ctx context.Context, _ *content.Repository, _ content.SnapshotID, plan RestorePlan, check RestoreCheck) (string, error) {
	if !plan.NewResource {
		return "", errNotNew
	}
	if strings.TrimSpace(check.Query) == "" {
		return "", errors.New("no validation query was given")
	}
	n, err := rds.QueryCount(ctx, restoreURL(plan), check.Query)
	if err != nil {
		return "", err
	}
	if check.MinRowCount != nil && n < *check.MinRowCount {
		return "", fmt.Errorf("%q answered %d, fewer than the minimum row count %d", check.Query, n, *check.MinRowCount)
	}
	return fmt.Sprintf("%q answered %d", check.Query, n), nil
}

// DeleteRestored drops the database a restore created.
func (RDS) DeleteRestored(ctx context.Context, plan RestorePlan) error {
	if !plan.NewResource {
		return errNotNew
	}
	target := restoreURL(plan)
	dest, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("the restore's database URL cannot be parsed: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	return rds.DropDatabase(ctx, target, strings.Trim(dest.Path, "/"))
}

// VerifyRestored checks the restored bucket's object count, sizes and ETags against the snapshot.
func (c S3) VerifyRestored(ctx context.Context, repo *content.Repository, snap content.SnapshotID, plan RestorePlan, _ RestoreCheck) (string, error) {
	if !plan.NewResource || len(plan.Items) > 0 {
		return "", errNotNew
	}
	b, err := c.openBucket(ctx, plan.Locator)
	if err != nil {
		return "", err
	}
	return s3.VerifyRestored(ctx, repo, snap, b)
}

// DeleteRestored deletes the bucket a restore created, with its objects.
func (c S3) DeleteRestored(ctx context.Context, plan RestorePlan) error {
	if !plan.NewResource || plan.Locator == "" {
		return errNotNew
	}
	b, err := c.openBucket(ctx, plan.Locator)
	if err != nil {
		return err
	}
	return s3.DeleteBucket(ctx, b)
}
