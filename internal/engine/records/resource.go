package records

import (
	"context"
	"errors"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// The protected-resource registry: the local resources the engine may back up, each with the ARN
// AWS would give it, in CollResources under ResourceKey.

// InsertResource registers r. A resource already registered under its key is
// AlreadyExistsException carrying the existing ARN.
func InsertResource(tx store.Tx, r resources.Resource) error {
	err := InsertDoc(tx, CollResources, ResourceKey(r.AccountID, r.Region, r.ID), r)
	if errors.Is(err, store.ErrExists) {
		return &apierr.Error{Code: apierr.AlreadyExists, Arn: r.ARN,
			Message: resources.RedactLocator(r.Locator) + " is already registered as " + r.ARN + " (use that ARN, or import it into Terraform)"}
	}
	return err
}

// FindResource returns the resource with the given ARN registered in account and region, or
// ResourceNotFoundException.
func FindResource(tx store.Tx, account, region, arn string) (resources.Resource, error) {
	a, err := arns.Parse(arn)
	if err != nil {
		return resources.Resource{}, err
	}
	id := resources.IDOfARN(arn)
	// S3 bucket ARNs name no account or region: a bucket is registered in the caller's.
	global := a.AccountID == "" && a.Region == "" && resources.TypeOfARN(arn) == resources.TypeS3
	if !global && (a.AccountID != account || a.Region != region) || id == "" {
		return resources.Resource{}, apierr.NotFound("resource %s is not registered in account %s, region %s", arn, account, region)
	}
	r, found, err := GetDoc[resources.Resource](tx, CollResources, ResourceKey(account, region, id))
	if err != nil {
		return r, err
	}
	if !found || r.ARN != arn {
		return r, apierr.NotFound("resource %s is not registered with the engine: register its %s first (`engine resource register` or the backup_protected_resource resource)", arn, locatorNoun(resources.TypeOfARN(arn)))
	}
	return r, nil
}

func locatorNoun(resourceType string) string {
	switch resourceType {
	case resources.TypeEFS:
		return "directory"
	case resources.TypeRDS:
		return "database"
	case resources.TypeS3:
		return "bucket"
	}
	return "resource"
}

// CurrentResource returns the resource registered under id now, if it still is, straight from
// the store, for the operator commands that run beside (or without) a serving engine.
func CurrentResource(ctx context.Context, st store.Store, account, region, id string) (resources.Resource, bool, error) {
	var r resources.Resource
	var found bool
	err := st.View(ctx, func(tx store.Tx) error {
		var err error
		r, found, err = GetDoc[resources.Resource](tx, CollResources, ResourceKey(account, region, id))
		return err
	})
	return r, found, err
}
