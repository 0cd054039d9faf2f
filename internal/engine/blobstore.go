package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/s3blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/metrics"
	"github.com/strongroom/terraform-provider-backup/internal/engine/names"
)

// DefaultBlobStore opens a vault repository directory as a local blob store: the store a vault
// uses unless Options.BlobStore says otherwise.
func DefaultBlobStore(dir string) (blob.Store, error) { return blob.NewLocal(dir) }

// remoteStores opens the S3 stores that config.json puts vault repositories in (regions.R.storage,
// regions.R.vaults.V.storage): the repository of vault V of account A is under the prefix
// A/R/V/warm/ (or cold/) of the configured location. Each is opened once, and its requests are
// counted in m.
func remoteStores(cfg *config.Config, m *metrics.Registry, extra []s3blob.Option) func(ctx context.Context, account, region, vault string, cold bool) (blob.Store, string, error) {
	var mu sync.Mutex
	opened := map[string]blob.Store{}
	return func(ctx context.Context, account, region, vault string, cold bool) (blob.Store, string, error) {
		loc, ok := cfg.Storage(region, vault)
		if !ok {
			return nil, "", nil
		}
		// The names become key prefixes: refuse any that could reach another vault's.
		if err := names.Vault(vault); err != nil {
			return nil, "", err
		}
		if err := names.Account(account); err != nil {
			return nil, "", err
		}
		tier := "warm"
		if cold {
			tier = "cold"
		}
		loc = loc.Sub(account, region, vault, tier)
		key := loc.String()
		mu.Lock()
		defer mu.Unlock()
		if st, ok := opened[key]; ok {
			return st, key, nil
		}
		bucket := loc.Bucket
		opts := append([]s3blob.Option{s3blob.WithObserver(func(op string, status int, err error) {
			m.StorageRequest(bucket, op, status, err)
		})}, extra...)
		st, err := s3blob.Open(ctx, loc, opts...)
		if err != nil {
			return nil, "", fmt.Errorf("open storage %s: %w", loc, err)
		}
		opened[key] = st
		return st, key, nil
	}
}
