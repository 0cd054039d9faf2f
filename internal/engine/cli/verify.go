package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/service"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// verify is `engine verify`: it checks one vault's repository and prints every problem it
// finds. It also cross-checks the vault's recovery points, as the engine's store lists them,
// against the repository's snapshots, so a point whose snapshot is missing or unreadable is
// found (and named) without reading any data. What it finds damaged it records in the
// repository (content/damage.go), so the next backup stores those chunks again; it changes
// nothing else. Exit status 0: clean; 1: problems (or the repository could not be checked);
// 2: bad flags.
func verify(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "verify")
	vf := vaultFlags(fs)
	readData := fs.Bool("read-data", false, "also read, decrypt and re-hash every chunk (slow: reads the whole repository)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	vt, err := vf.resolve()
	if err != nil {
		return err
	}
	points, err := vt.points(ctx, false)
	if err != nil {
		return err
	}
	what := "structure"
	if *readData {
		what = "structure and data"
	}
	if points == nil {
		fmt.Fprintf(env.Stdout, "note: the data dir has no engine store (%s), so no recovery points were cross-checked\n", engine.StorePath(vt.dataDir))
	}
	problems := 0
	for _, rp := range vt.repos() {
		expected := expectedSnapshots(points, rp.cold)
		repo, err := vt.open(ctx, rp)
		if errors.Is(err, errNoRepository) {
			if len(expected) == 0 {
				if rp.cold {
					continue // a vault that never moved a point to cold storage has no cold repository
				}
				return err
			}
			for _, sid := range slices.Sorted(maps.Keys(expected)) {
				problems++
				fmt.Fprintf(env.Stdout, "problem: %s (snapshot %s): the snapshot is missing: the vault has no %s repository at %s\n", expected[sid], sid, rp.kind(), rp.dir)
			}
			continue
		}
		if err != nil {
			return err
		}
		res, err := repo.Check(ctx, content.VerifyOptions{ReadData: *readData, Expected: expected}, func(p string) {
			fmt.Fprintf(env.Stdout, "problem: %s%s\n", rp.prefix(), p)
		})
		_ = repo.Close()
		problems += res.Problems
		if res.Superseded > 0 {
			fmt.Fprintf(env.Stdout, "note: %s%d damaged chunk copies or packs are recorded and no longer used (good copies replaced them); GC removes them once their packs are mostly unused\n", rp.prefix(), res.Superseded)
		}
		if err != nil && !errors.Is(err, content.ErrCorrupt) {
			return fmt.Errorf("verify vault %q: %w", vt.vault, err)
		}
		for _, sid := range slices.Sorted(maps.Keys(res.Broken)) {
			if label, isPoint := expected[sid]; isPoint {
				fmt.Fprintf(env.Stdout, "damaged: %s cannot be restored whole: %s\n", label, res.Broken[sid])
			}
		}
	}
	if problems > 0 {
		fmt.Fprintf(env.Stdout, "vault %s: %d problems found (%s checked); `engine repair --vault %s` rebuilds the index and takes damaged points out of service\n", vt.vault, problems, what, vt.vault)
		return fmt.Errorf("vault %q: repository %s is damaged: %d problems", vt.vault, vt.warmDir, problems)
	}
	fmt.Fprintf(env.Stdout, "vault %s: no problems found (%s checked)\n", vt.vault, what)
	return nil
}

// vaultFlagValues are the flags that name a vault of a data dir.
type vaultFlagValues struct {
	dataDir, vault, region, account, configPath *string
}

func vaultFlags(fs *flag.FlagSet) vaultFlagValues {
	return vaultFlagValues{
		dataDir:    dataDirFlag(fs),
		vault:      fs.String("vault", "", "name of the backup vault (required)"),
		region:     fs.String("region", engine.DefaultRegion, "region of the vault"),
		account:    fs.String("account-id", "", "account of the vault (default: the data dir's account)"),
		configPath: configFlag(fs),
	}
}

// vaultTarget is one vault of a data dir, with where its repositories are.
type vaultTarget struct {
	dataDir, vault, region, account string
	warmDir, coldDir                string
	configPath                      string
	config                          *config.Config
}

func (f vaultFlagValues) resolve() (vaultTarget, error) {
	cfgFile, err := configFile(*f.configPath, *f.dataDir)
	if err != nil {
		return vaultTarget{}, err
	}
	cfg, err := config.Load(cfgFile)
	if err != nil {
		return vaultTarget{}, err
	}
	if *f.vault == "" {
		return vaultTarget{}, usageError{"--vault is required"}
	}
	acct := *f.account
	if acct == "" {
		acct = credentials.DefaultAccountID
		if keys, err := credentials.Load(*f.dataDir); err == nil {
			acct = keys[0].AccountID
		}
	}
	dataDir, region, vault := *f.dataDir, *f.region, *f.vault
	if err := checkRegionFlag(region, cfg); err != nil {
		return vaultTarget{}, err
	}
	storage := cfg.StorageDir(region, dataDir)
	dir, err := engine.VaultRepoDir(storage, acct, region, vault)
	var coldDir string
	if err == nil {
		coldDir, err = engine.ColdRepoDir(storage, acct, region, vault)
	}
	if err != nil {
		return vaultTarget{}, usageError{fmt.Sprintf("--vault %q, --region %q, --account-id %q do not name a vault: %v", vault, region, acct, err)}
	}
	if loc, ok := cfg.VaultStorage(region, vault); ok {
		// The vault lives in S3 (engine.RemoteStore): name where, in messages.
		dir, coldDir = loc.Sub(acct, region, vault, "warm").String(), loc.Sub(acct, region, vault, "cold").String()
	}
	return vaultTarget{dataDir: dataDir, vault: vault, region: region, account: acct, warmDir: dir, coldDir: coldDir,
		configPath: cfgFile, config: cfg}, nil
}

// repoRef is one of a vault's two repositories.
type repoRef struct {
	dir  string
	cold bool
}

func (r repoRef) kind() string {
	if r.cold {
		return "cold-storage"
	}
	return "warm"
}

func (r repoRef) prefix() string {
	if r.cold {
		return "cold storage: "
	}
	return ""
}

func (vt vaultTarget) repos() []repoRef {
	return []repoRef{{dir: vt.warmDir}, {dir: vt.coldDir, cold: true}}
}

var errNoRepository = errors.New("no repository")

// open opens one of the vault's repositories: in its directory, or in S3 where config.json puts
// the vault (with the engine's credentials: the storage URL's profile, else the environment).
func (vt vaultTarget) open(ctx context.Context, rr repoRef) (*content.Repository, error) {
	remote, where, err := engine.RemoteStore(ctx, vt.config, vt.account, vt.region, vt.vault, rr.cold)
	if err != nil {
		return nil, err
	}
	var st blob.Store
	if remote != nil {
		if err := remote.Check(ctx); err != nil {
			return nil, err
		}
		st = remote
	} else {
		where = rr.dir
		if _, err := os.Stat(rr.dir); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, vt.noRepository(rr)
			}
			return nil, err
		}
		local, err := blob.NewLocal(rr.dir)
		if err != nil {
			return nil, err
		}
		st = local
	}
	mk, err := keyring.LoadMasterKey(engine.MasterKeyPath(vt.dataDir))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("the data dir %s has no master key (%s), so no repository in it can be read", vt.dataDir, engine.MasterKeyPath(vt.dataDir))
		}
		return nil, err
	}
	repo, err := content.Open(ctx, st, mk)
	if remote != nil && errors.Is(err, content.ErrNotRepository) {
		return nil, vt.noRepository(repoRef{dir: where, cold: rr.cold})
	}
	if err != nil {
		return nil, fmt.Errorf("open the %s repository of vault %q at %s: %w", rr.kind(), vt.vault, where, err)
	}
	return repo, nil
}

func (vt vaultTarget) noRepository(rr repoRef) error {
	return fmt.Errorf("%w: vault %q (account %s, region %s) has no %s repository at %s: check --vault, --region, --account-id and --data-dir", errNoRepository, vt.vault, vt.account, vt.region, rr.kind(), rr.dir)
}

// openStore opens the data dir's engine store, or returns nil if it has none (a data dir no
// engine ran on: there are no recovery points to check) and required is false. SQLite in WAL
// mode lets this process read and write beside a serving engine.
func (vt vaultTarget) openStore(ctx context.Context, required bool) (store.Store, error) {
	path := engine.StorePath(vt.dataDir)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) && !required {
			return nil, nil
		}
		return nil, fmt.Errorf("the data dir %s has no engine store (%s): check --data-dir: %w", vt.dataDir, filepath.Base(path), err)
	}
	return engine.OpenStore(ctx, vt.dataDir, nil)
}

// points lists the vault's recovery points from the store (nil, nil without a store, unless
// required).
func (vt vaultTarget) points(ctx context.Context, required bool) ([]records.VaultPoint, error) {
	st, err := vt.openStore(ctx, required)
	if err != nil || st == nil {
		return nil, err
	}
	defer func() { _ = st.Close() }()
	pts, err := records.VaultPoints(ctx, st, vt.account, vt.region, vt.vault)
	if pts == nil && err == nil {
		pts = []records.VaultPoint{}
	}
	return pts, err
}

// holdsData reports whether a point's snapshot should be in a repository: a point being
// deleted or expired may have lost it already, by design.
func holdsData(p records.VaultPoint) bool {
	return p.SnapshotID != "" && (p.Status == service.RecoveryPointCompleted || p.Status == service.RecoveryPointPartial)
}

// expectedSnapshots are the snapshots the warm (or cold) repository must hold for the points.
func expectedSnapshots(points []records.VaultPoint, cold bool) map[content.SnapshotID]string {
	out := map[content.SnapshotID]string{}
	for _, p := range points {
		if holdsData(p) && (p.StorageClass == service.StorageClassCold) == cold {
			out[content.SnapshotID(p.SnapshotID)] = "recovery point " + p.ARN
		}
	}
	return out
}
