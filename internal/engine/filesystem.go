package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/efs"
)

// FilesystemAccess confines the directories the engine reads (EFS registration and backups) and
// writes (EFS restores) for its callers.
//
// An account may use:
//   - config.json's filesystem.allowed_paths (every account);
//   - its own accounts[].allowed_paths in config.json;
//   - AllowedPaths, when it is the data dir's own account (its key pair, or Options.Keys): the
//     daemon's --allow-path, the provider block's allowed_paths.
//
// An account with none of these may use no directory, unless Unconfined is set. The data dir,
// every region's storage dir and the config file are refused whatever the lists say.
type FilesystemAccess struct {
	// AllowedPaths are absolute directories the data dir's own account may use.
	AllowedPaths []string
	// Unconfined lets an account that has no allowed directory use every directory the engine
	// process can. The embedded engine sets it when its provider block names no allowed_paths:
	// its only caller is the user's own Terraform, acting with the user's own permissions. The
	// daemon never does.
	Unconfined bool
}

// CheckAllowedPaths validates directories given as allowed paths (flags, provider settings):
// absolute, and existing directories. It returns them cleaned.
func CheckAllowedPaths(paths []string) ([]string, error) {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("allowed path %q must be absolute", p)
		}
		p = filepath.Clean(p)
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("allowed path %s: %w (create it, or remove it from the allowed paths)", p, err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("allowed path %s is not a directory", p)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Connectors returns the resource connectors of an engine on dataDir with configuration cfg (read
// from cfgPath, "" if none) and own key pairs keys: each under the operator's policy, EFS confined
// as fsa and the config say, S3 limited by the config's s3 section. Open uses it, and so do
// operator commands that read sources (engine repair), so that no route reads what a caller's
// request could not.
func Connectors(fsa FilesystemAccess, dataDir, cfgPath string, cfg *config.Config, keys []credentials.Key) (resources.Set, error) {
	paths, err := pathPolicies(fsa, dataDir, cfgPath, cfg, keys)
	if err != nil {
		return nil, err
	}
	set := resources.Default()
	// The operator's S3 policy: which endpoints locators may name, whose credentials they may use.
	set[resources.TypeS3] = resources.S3{Policy: cfg.S3.Policy()}
	set[resources.TypeEFS] = resources.EFS{Paths: paths}
	return set, nil
}

// pathPolicies returns the EFS path policy of each account: what FilesystemAccess describes, for
// an engine on dataDir with configuration cfg (read from cfgPath, "" if none) whose own key pairs
// are keys.
func pathPolicies(fsa FilesystemAccess, dataDir, cfgPath string, cfg *config.Config, keys []credentials.Key) (func(account string) efs.Policy, error) {
	own, err := CheckAllowedPaths(fsa.AllowedPaths)
	if err != nil {
		return nil, err
	}
	primary := map[string]bool{}
	for _, k := range keys {
		primary[k.AccountID] = true
	}
	perAccount := map[string][]string{}
	for _, a := range cfg.Accounts {
		perAccount[a.AccountID] = append(perAccount[a.AccountID], a.AllowedPaths...)
	}
	// Denied: the data dir, every region's storage dir, and the config file, each also by the
	// path its symlinks resolve to (the descriptor checks in package efs catch any other
	// spelling; these make the refusal immediate and its message plain).
	denied := []string{dataDir}
	for region := range cfg.Regions {
		if d := cfg.StorageDir(region, ""); d != "" {
			denied = append(denied, d)
		}
	}
	if cfgPath != "" {
		denied = append(denied, cfgPath)
	}
	denied = withRealPaths(denied)
	return func(account string) efs.Policy {
		allowed := slices.Clone(cfg.Filesystem.AllowedPaths)
		if primary[account] {
			allowed = append(allowed, own...)
		}
		allowed = append(allowed, perAccount[account]...)
		if len(allowed) == 0 && fsa.Unconfined {
			return efs.Policy{Unconfined: true, Denied: denied}
		}
		return efs.Policy{Allowed: withRealPaths(allowed), Denied: denied}
	}, nil
}

// withRealPaths returns paths, absolute and clean, each followed by what its symlinks resolve to
// when that differs, without duplicates.
func withRealPaths(paths []string) []string {
	out := make([]string, 0, len(paths))
	add := func(p string) {
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		add(abs)
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			add(real)
		}
	}
	return out
}
