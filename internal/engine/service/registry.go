package service

import (
	"context"
	"maps"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// The protected-resource registry: the local resources (directories, later databases and
// buckets) the engine may back up, each with the ARN AWS would give it. It is served by the
// engine's extension API (not AWS Backup's), and read by StartBackupJob, restores and, later,
// tag-based selections.

func registeredResourceOut(r resources.Resource) *wire.RegisteredResource {
	tags := maps.Clone(r.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	// The locator is shown with any secret in it masked: it is listed, logged and kept in
	// Terraform state by whoever reads the registry.
	return &wire.RegisteredResource{ResourceArn: r.ARN, ResourceType: r.Type, ResourceId: r.ID, ResourceName: r.Name(),
		Locator: resources.RedactLocator(r.Locator), Tags: tags, CreationDate: wire.NewTimestamp(r.CreationDate)}
}

// accountLocator is a connector whose locators are judged per account: EFS, whose directories
// must lie inside those the caller's account may use.
type accountLocator interface {
	CanonicalLocatorFor(account, locator string) (string, error)
}

// RegisterResource adds a resource to the registry and returns it with its ARN. A locator that is
// already registered is AlreadyExistsException carrying the existing ARN.
func (s *Service) RegisterResource(ctx context.Context, in *wire.RegisterResourceInput) (*wire.RegisteredResource, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := s.connectors.Connector(in.ResourceType)
	if err != nil {
		return nil, err
	}
	var loc string
	if al, ok := conn.(accountLocator); ok {
		loc, err = al.CanonicalLocatorFor(c.AccountID, in.Locator)
	} else {
		loc, err = conn.CanonicalLocator(in.Locator)
	}
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	id := conn.NewID(c.AccountID, c.Region, loc)
	r := resources.Resource{ARN: conn.ARN(c.Region, c.AccountID, id), Type: conn.Type(), ID: id, Locator: loc,
		Tags: maps.Clone(in.Tags), AccountID: c.AccountID, Region: c.Region, CreationDate: s.clock.Now()}
	err = s.store.Update(ctx, func(tx store.Tx) error { return records.InsertResource(tx, r) })
	if err != nil {
		return nil, internal("register resource", err)
	}
	return registeredResourceOut(r), nil
}

// GetResource returns a registered resource.
func (s *Service) GetResource(ctx context.Context, in *wire.GetResourceInput) (*wire.RegisteredResource, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.RegisteredResource
	err = s.store.View(ctx, func(tx store.Tx) error {
		r, err := records.FindResource(tx, c.AccountID, c.Region, in.ResourceArn)
		if err != nil {
			return err
		}
		out = registeredResourceOut(r)
		return nil
	})
	if err != nil {
		return nil, internal("get resource", err)
	}
	return out, nil
}

// ListResources lists the caller's registered resources in the region, in ID order.
func (s *Service) ListResources(ctx context.Context, in *wire.ListResourcesInput) (*wire.ListResourcesOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if in.MaxResults != nil && (*in.MaxResults < 1 || *in.MaxResults > 1000) {
		return nil, apierr.InvalidParameter("MaxResults must be between 1 and 1000, got %d", *in.MaxResults)
	}
	out := &wire.ListResourcesOutput{Resources: []*wire.RegisteredResource{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		list, next, err := records.Page(tx, records.CollResources, c.scope(), in.NextToken, in.MaxResults, func(r *resources.Resource) bool {
			return in.ResourceType == "" || r.Type == in.ResourceType
		})
		if err != nil {
			return err
		}
		for _, r := range list {
			out.Resources = append(out.Resources, registeredResourceOut(*r))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list resources", err)
	}
	return out, nil
}

// UpdateResource replaces the tags of a registered resource.
func (s *Service) UpdateResource(ctx context.Context, in *wire.UpdateResourceInput) (*wire.RegisteredResource, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	var out *wire.RegisteredResource
	err = s.store.Update(ctx, func(tx store.Tx) error {
		r, err := records.FindResource(tx, c.AccountID, c.Region, in.ResourceArn)
		if err != nil {
			return err
		}
		r.Tags = maps.Clone(in.Tags)
		if err := records.PutDoc(tx, records.CollResources, records.ResourceKey(r.AccountID, r.Region, r.ID), r); err != nil {
			return err
		}
		out = registeredResourceOut(r)
		return nil
	})
	if err != nil {
		return nil, internal("update resource", err)
	}
	return out, nil
}

// RemoveResource takes a resource out of the registry. Its recovery points stay, as an AWS
// backup outlives the file system it was taken of; the directory itself is not touched.
func (s *Service) RemoveResource(ctx context.Context, in *wire.GetResourceInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		r, err := records.FindResource(tx, c.AccountID, c.Region, in.ResourceArn)
		if err != nil {
			return err
		}
		return tx.Delete(records.CollResources, records.ResourceKey(r.AccountID, r.Region, r.ID))
	})
	if err != nil {
		return nil, internal("remove resource", err)
	}
	return &struct{}{}, nil
}
