package service

import (
	"context"
	"errors"
	"sort"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// maxTags is AWS's tag limit.
const maxTags = rules.MaxTags

// validateTags applies AWS's tag rules (rules.Tags): at most 50 tags, keys of 1–128 characters
// that do not start with the reserved "aws:" prefix, values of at most 256 characters.
func validateTags(tags map[string]string) error { return rules.Tags(tags) }

func readTags(tx store.Tx, arn string) (map[string]string, error) {
	tags, _, err := records.GetDoc[map[string]string](tx, records.CollTags, arn)
	if tags == nil {
		tags = map[string]string{}
	}
	return tags, err
}

func deleteTags(tx store.Tx, arn string) error {
	if err := tx.Delete(records.CollTags, arn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// resolveTaggable checks that arn names a resource that exists and can carry tags.
func (s *Service) resolveTaggable(tx store.Tx, arn string) error {
	a, err := s.checkARN("ResourceArn", arn)
	if err != nil {
		return err
	}
	exists, ok := s.taggable[a.Kind()]
	if !ok {
		return apierr.InvalidParameter("resource %s cannot be tagged through AWS Backup: only vaults, plans, recovery points and legal holds can", arn)
	}
	if err := exists(tx, a); err != nil {
		if apierr.Is(err, apierr.ResourceNotFound) {
			return apierr.NotFound("resource %s does not exist", arn)
		}
		return err
	}
	return nil
}

// TagResource adds or replaces tags on a resource.
func (s *Service) TagResource(ctx context.Context, in *wire.TagResourceInput) (*struct{}, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.resolveTaggable(tx, in.ResourceArn); err != nil {
			return err
		}
		tags, err := readTags(tx, in.ResourceArn)
		if err != nil {
			return err
		}
		for k, v := range in.Tags {
			tags[k] = v
		}
		if len(tags) > maxTags {
			return apierr.New(apierr.LimitExceeded, "resource %s would have %d tags; the limit is %d", in.ResourceArn, len(tags), maxTags)
		}
		return records.PutDoc(tx, records.CollTags, in.ResourceArn, tags)
	})
	if err != nil {
		return nil, internal("tag resource", err)
	}
	return &struct{}{}, nil
}

// UntagResource removes tags from a resource; keys it does not have are ignored.
func (s *Service) UntagResource(ctx context.Context, in *wire.UntagResourceInput) (*struct{}, error) {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.resolveTaggable(tx, in.ResourceArn); err != nil {
			return err
		}
		tags, err := readTags(tx, in.ResourceArn)
		if err != nil {
			return err
		}
		for _, k := range in.TagKeyList {
			delete(tags, k)
		}
		if len(tags) == 0 {
			return deleteTags(tx, in.ResourceArn)
		}
		return records.PutDoc(tx, records.CollTags, in.ResourceArn, tags)
	})
	if err != nil {
		return nil, internal("untag resource", err)
	}
	return &struct{}{}, nil
}

// ListTags returns a resource's tags, paginated in key order.
func (s *Service) ListTags(ctx context.Context, in *wire.ListTagsInput) (*wire.ListTagsOutput, error) {
	out := &wire.ListTagsOutput{Tags: map[string]string{}}
	err := s.store.View(ctx, func(tx store.Tx) error {
		if err := s.resolveTaggable(tx, in.ResourceArn); err != nil {
			return err
		}
		tags, err := readTags(tx, in.ResourceArn)
		if err != nil {
			return err
		}
		keys := make([]string, 0, len(tags))
		for k := range tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		start := 0
		if in.NextToken != "" {
			after, err := records.DecodeToken(in.NextToken, "")
			if err != nil {
				return err
			}
			start = sort.SearchStrings(keys, after)
			if start < len(keys) && keys[start] == after {
				start++
			}
		}
		limit := len(keys)
		if in.MaxResults != nil && *in.MaxResults > 0 {
			limit = int(*in.MaxResults)
		}
		end := min(start+limit, len(keys))
		for _, k := range keys[start:end] {
			out.Tags[k] = tags[k]
		}
		if end < len(keys) {
			out.NextToken = records.EncodeToken(keys[end-1])
		}
		return nil
	})
	if err != nil {
		return nil, internal("list tags", err)
	}
	return out, nil
}

// GetSupportedResourceTypes answers with the resource types the engine's connectors can really
// back up.
func (s *Service) GetSupportedResourceTypes(ctx context.Context, _ *struct{}) (*wire.GetSupportedResourceTypesOutput, error) {
	types := append([]string{}, s.resourceTypes()...)
	sort.Strings(types)
	return &wire.GetSupportedResourceTypesOutput{ResourceTypes: types}, nil
}
