package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
)

// verify is `engine verify`: it opens one vault's repository read-only (apart from the lock-free
// reads Verify does) and prints every problem it finds. Exit status 0: clean; 1: problems (or
// the repository could not be checked); 2: bad flags.
func verify(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "verify")
	dataDir := dataDirFlag(fs)
	vault := fs.String("vault", "", "name of the backup vault to check (required)")
	region := fs.String("region", engine.DefaultRegion, "region of the vault")
	account := fs.String("account-id", "", "account of the vault (default: the data dir's account)")
	readData := fs.Bool("read-data", false, "also read, decrypt and re-hash every chunk (slow: reads the whole repository)")
	configPath := configFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfgFile, err := configFile(*configPath, *dataDir)
	if err != nil {
		return err
	}
	cfg, err := config.Load(cfgFile)
	if err != nil {
		return err
	}
	if *vault == "" {
		return usageError{"--vault is required"}
	}
	acct := *account
	if acct == "" {
		acct = credentials.DefaultAccountID
		if keys, err := credentials.Load(*dataDir); err == nil {
			acct = keys[0].AccountID
		}
	}
	if err := checkRegionFlag(*region, cfg); err != nil {
		return err
	}
	dir, err := engine.VaultRepoDir(cfg.StorageDir(*region, *dataDir), acct, *region, *vault)
	if err != nil {
		return usageError{fmt.Sprintf("--vault %q, --region %q, --account-id %q do not name a vault: %v", *vault, *region, acct, err)}
	}
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("vault %q (account %s, region %s) has no repository at %s: check --vault, --region, --account-id and --data-dir", *vault, acct, *region, dir)
		}
		return err
	}
	mk, err := content.LoadMasterKey(engine.MasterKeyPath(*dataDir))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("the data dir %s has no master key (%s), so no repository in it can be read", *dataDir, engine.MasterKeyPath(*dataDir))
		}
		return err
	}
	st, err := blob.NewLocal(dir)
	if err != nil {
		return err
	}
	repo, err := content.Open(ctx, st, mk)
	if err != nil {
		return fmt.Errorf("open the repository of vault %q at %s: %w", *vault, dir, err)
	}
	defer func() { _ = repo.Close() }()
	problems := 0
	err = repo.Verify(ctx, *readData, func(p string) {
		problems++
		fmt.Fprintf(env.Stdout, "problem: %s\n", p)
	})
	what := "structure"
	if *readData {
		what = "structure and data"
	}
	if err != nil {
		if errors.Is(err, content.ErrCorrupt) {
			fmt.Fprintf(env.Stdout, "vault %s: %d problems found (%s checked)\n", *vault, problems, what)
			return fmt.Errorf("vault %q: repository %s is damaged: %d problems", *vault, dir, problems)
		}
		return fmt.Errorf("verify vault %q: %w", *vault, err)
	}
	fmt.Fprintf(env.Stdout, "vault %s: no problems found (%s checked)\n", *vault, what)
	return nil
}
