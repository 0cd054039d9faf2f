package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/layout"
	"github.com/strongroom/terraform-provider-backup/internal/engine/secrets"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// OpenStore opens the metadata store of an existing data dir the way the engine does, with its
// sealed credentials readable, for operator commands (verify, repair) that run beside a daemon.
func OpenStore(ctx context.Context, dataDir string, log *slog.Logger) (store.Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return openSealedStore(ctx, dataDir, StorePath(dataDir), log)
}

// openSealedStore opens the data dir's metadata store with every document that holds a
// credential sealed under the data dir's master key (package secrets). Documents an older
// engine stored in plain text are sealed first, and the plain text scrubbed from the files; if
// the scrub cannot finish (another process reads the store), the engine still opens and says so.
func openSealedStore(ctx context.Context, dataDir, dbPath string, log *slog.Logger) (store.Store, error) {
	mk, err := keyring.LoadOrCreateMasterKey(MasterKeyPath(dataDir))
	if err != nil {
		return nil, fmt.Errorf("load the master key that seals the store's credentials: %w", err)
	}
	sealer, err := secrets.NewSealer(mk)
	if err != nil {
		return nil, err
	}
	raw, err := store.OpenSQLite(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	n, err := secrets.SealExisting(ctx, raw, sealer)
	switch {
	case errors.Is(err, secrets.ErrScrubIncomplete):
		log.Warn("the store's credentials are sealed, but its files could not be scrubbed of the plain text an older engine left; the next start tries again",
			slog.Int("documents_sealed_now", n), slog.Any("error", err))
	case err != nil:
		_ = raw.Close()
		return nil, err
	case n > 0:
		log.Info("sealed credentials an older engine stored in plain text, and scrubbed the store's files", slog.Int("documents", n))
	}
	return secrets.Wrap(raw, sealer), nil
}

// warnLoosePermissions logs a warning for each part of the engine's state that users other than
// its owner may read or enter: the data dir, what lies directly in it, the vault repository
// trees down to each vault (what lies below is reachable only through them), the directories
// regions keep their vault data in, and the config file. The engine creates all of it private
// (directories 0700, files 0600); looser modes come from an operator who made the data dir, or
// from older engines, and are left as they are: the warning says which chmod to run.
func warnLoosePermissions(dataDir, configPath string, cfg *config.Config, log *slog.Logger) {
	warned := map[string]bool{}
	check := func(path string) {
		fi, err := os.Lstat(path)
		if err != nil || warned[path] || fi.Mode()&fs.ModeSymlink != 0 {
			return
		}
		perm := fi.Mode().Perm()
		if perm&0o077 == 0 {
			return
		}
		warned[path] = true
		want := "600"
		if fi.IsDir() {
			want = "700"
		}
		log.Warn("users other than the engine's own can reach this part of its state, which holds secrets and backup data",
			slog.String("path", path), slog.String("mode", fmt.Sprintf("%#o", perm)), slog.String("fix", "chmod "+want+" "+path))
	}
	// checkDirs checks dir and the directories below it, depth levels down.
	var checkDirs func(dir string, depth int)
	checkDirs = func(dir string, depth int) {
		check(dir)
		if depth == 0 {
			return
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.IsDir() {
				checkDirs(filepath.Join(dir, e.Name()), depth-1)
			}
		}
	}
	check(dataDir)
	entries, _ := os.ReadDir(dataDir)
	for _, e := range entries {
		check(filepath.Join(dataDir, e.Name()))
	}
	storageDirs := []string{dataDir}
	for region := range cfg.Regions {
		if dir := cfg.StorageDir(region, dataDir); dir != dataDir {
			check(dir)
			storageDirs = append(storageDirs, dir)
		}
	}
	for _, dir := range storageDirs {
		// repos/ACCOUNT/REGION/VAULT and cold/ACCOUNT/REGION/VAULT
		for _, top := range []string{layout.ReposDir, layout.ColdDir} {
			checkDirs(layout.MustJoin(dir, top), 3)
		}
	}
	if configPath != "" {
		check(configPath)
	}
}
