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
	"github.com/strongroom/terraform-provider-backup/internal/engine/region"
)

// DefaultBlobStore opens a vault repository directory as a local blob store: the store a vault
// uses unless Options.BlobStore says otherwise.
func DefaultBlobStore(dir string) (blob.Store, error) { return blob.NewLocal(dir) }

// RemoteStore opens the S3 store of a vault's repository (cold: its cold-storage repository)
// when config.json puts the vault on S3 (regions.R.storage, regions.R.vaults.V.storage), and
// returns a nil store otherwise. The repository of vault V of account A is under the prefix
// A/R/V/warm/ (or cold/) of the configured location; name is that location.
func RemoteStore(ctx context.Context, cfg *config.Config, account, regionName, vault string, cold bool, opts ...s3blob.Option) (st *s3blob.Store, name string, err error) {
	loc, ok := cfg.VaultStorage(regionName, vault)
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
	if err := region.ValidName(regionName); err != nil {
		return nil, "", err
	}
	tier := "warm"
	if cold {
		tier = "cold"
	}
	loc = loc.Sub(account, regionName, vault, tier)
	st, err = s3blob.Open(ctx, loc, opts...)
	if err != nil {
		return nil, "", fmt.Errorf("open storage %s: %w", loc, err)
	}
	return st, loc.String(), nil
}

// remoteStores is RemoteStore for the job runner: each store is opened once, and its requests
// are counted in m.
func remoteStores(cfg *config.Config, m *metrics.Registry, extra []s3blob.Option) func(ctx context.Context, account, region, vault string, cold bool) (blob.Store, string, error) {
	var mu sync.Mutex
	opened := map[string]blob.Store{}
	return func(ctx context.Context, account, regionName, vault string, cold bool) (blob.Store, string, error) {
		mu.Lock()
		defer mu.Unlock()
		loc, ok := cfg.VaultStorage(regionName, vault)
		if !ok {
			return nil, "", nil
		}
		bucket := loc.Bucket
		opts := append([]s3blob.Option{s3blob.WithObserver(func(op string, status int, err error) {
			m.StorageRequest(bucket, op, status, err)
		})}, extra...)
		key := fmt.Sprintf("%s %s %s %s %t", loc, account, regionName, vault, cold)
		if st, ok := opened[key]; ok {
			return st, key, nil
		}
		st, _, err := RemoteStore(ctx, cfg, account, regionName, vault, cold, opts...)
		if err != nil || st == nil {
			return nil, "", err
		}
		opened[key] = st
		return st, key, nil
	}
}
