package jobs

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
)

// ErrNoRepository is returned by Repos.Open with create=false when the vault has no repository
// yet (nothing was ever backed up into it).
var ErrNoRepository = errors.New("jobs: the vault has no repository")

// Repos opens the vault repositories of one data dir, once per vault per process. A vault's
// repository is created on first use with the vault's key ID, and opened afterwards.
type Repos struct {
	// Dir is the directory of a vault's repository; it refuses names that cannot form one.
	Dir func(account, region, vault string) (string, error)
	// ColdDir is the directory of a vault's cold-storage repository: a separate repository, with
	// its own data key, holding the recovery points that moved to cold storage. Nil: the vault
	// has no cold tier (OpenCold fails).
	ColdDir func(account, region, vault string) (string, error)
	// MasterKeyPath is the file of the master key that wraps every vault's data key.
	MasterKeyPath string
	// NewStore opens the blob store of a repository directory; tests inject faults here.
	NewStore func(dir string) (blob.Store, error)
	// Remote returns the store of a vault repository that lives off the machine (config:
	// storage = s3://...) and a name for it, or a nil store when the repository is a directory.
	// cold selects the vault's cold-storage repository. Nil: every repository is a directory.
	// It returns the same store for a repository every time: a job sets the retention of the
	// objects it writes on that store (retainNewObjects) before opening the repository over it.
	Remote func(ctx context.Context, account, region, vault string, cold bool) (blob.Store, string, error)
	// Options are passed to content.Init and content.Open (the engine clock, say).
	Options []content.Option

	mu    sync.Mutex
	mk    *keyring.MasterKey
	repos map[string]*content.Repository
}

func (r *Repos) masterKey() (keyring.MasterKey, error) {
	if r.mk != nil {
		return *r.mk, nil
	}
	mk, err := keyring.LoadOrCreateMasterKey(r.MasterKeyPath)
	if err != nil {
		return keyring.MasterKey{}, fmt.Errorf("load the master key %s: %w", r.MasterKeyPath, err)
	}
	r.mk = &mk
	return mk, nil
}

// Open returns the repository of a vault. With create, a vault without one gets one whose data
// key is named keyID (the vault's EncryptionKeyArn); without, that is ErrNoRepository.
func (r *Repos) Open(ctx context.Context, account, region, vault, keyID string, create bool) (*content.Repository, error) {
	if repo, ok, err := r.openRemote(ctx, account, region, vault, keyID, create, false); ok || err != nil {
		return repo, err
	}
	dir, err := r.Dir(account, region, vault)
	if err != nil {
		return nil, fmt.Errorf("the repository of vault %s: %w", vault, err)
	}
	return r.open(ctx, dir, account, vault, keyID, create)
}

// OpenCold is Open for the vault's cold-storage repository.
func (r *Repos) OpenCold(ctx context.Context, account, region, vault, keyID string, create bool) (*content.Repository, error) {
	if repo, ok, err := r.openRemote(ctx, account, region, vault, keyID, create, true); ok || err != nil {
		return repo, err
	}
	if r.ColdDir == nil {
		return nil, errors.New("jobs: this engine has no cold storage tier")
	}
	dir, err := r.ColdDir(account, region, vault)
	if err != nil {
		return nil, fmt.Errorf("the cold-storage repository of vault %s: %w", vault, err)
	}
	return r.open(ctx, dir, account, vault, keyID, create)
}

// accountNamespace is the namespace key of every repository an account's vaults have (warm and
// cold, in every region): chunks get the same IDs in all of them, so copies and moves to cold
// storage between them re-seal chunks rather than re-hash them, and read only what the
// destination lacks (content/keyring says what that reveals). Accounts never share one.
func accountNamespace(mk keyring.MasterKey, account string) ([32]byte, error) {
	var ns [32]byte
	k, err := hkdf.Key(sha256.New, mk[:], nil, "strongroom/engine/v1 account namespace\x00"+account, len(ns))
	copy(ns[:], k)
	return ns, err
}

// openRemote opens a repository kept off the machine; ok is false when the vault's repository
// is a directory.
func (r *Repos) openRemote(ctx context.Context, account, region, vault, keyID string, create, cold bool) (repo *content.Repository, ok bool, err error) {
	if r.Remote == nil {
		return nil, false, nil
	}
	st, name, err := r.Remote(ctx, account, region, vault, cold)
	if err != nil {
		return nil, true, fmt.Errorf("the repository of vault %s: %w", vault, err)
	}
	if st == nil {
		return nil, false, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if repo, ok := r.repos[name]; ok {
		return repo, true, nil
	}
	repo, err = r.openStore(ctx, st, name, account, vault, keyID, create)
	return repo, true, err
}

func (r *Repos) open(ctx context.Context, dir, account, vault, keyID string, create bool) (*content.Repository, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if repo, ok := r.repos[dir]; ok {
		return repo, nil
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) && !create {
		return nil, ErrNoRepository
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the repository directory of vault %s: %w", vault, err)
	}
	st, err := r.NewStore(dir)
	if err != nil {
		return nil, fmt.Errorf("open the blob store of vault %s: %w", vault, err)
	}
	return r.openStore(ctx, st, dir, account, vault, keyID, create)
}

// openStore opens (with create: creates) the repository in st and keeps it under name; r.mu is
// held.
func (r *Repos) openStore(ctx context.Context, st blob.Store, name, account, vault, keyID string, create bool) (*content.Repository, error) {
	mk, err := r.masterKey()
	if err != nil {
		return nil, err
	}
	repo, err := content.Open(ctx, st, mk, r.Options...)
	if errors.Is(err, content.ErrNotRepository) {
		if !create {
			return nil, ErrNoRepository
		}
		ns, nsErr := accountNamespace(mk, account)
		if nsErr != nil {
			return nil, nsErr
		}
		repo, err = content.Init(ctx, st, mk, keyID, append(slices.Clip(r.Options), content.WithNamespaceKey(ns))...)
		if errors.Is(err, content.ErrRepositoryExists) {
			// Another process created it a moment ago: open that one.
			repo, err = content.Open(ctx, st, mk, r.Options...)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open the repository of vault %s: %w", vault, err)
	}
	if r.repos == nil {
		r.repos = map[string]*content.Repository{}
	}
	r.repos[name] = repo
	return repo, nil
}

// Remove closes a vault's repositories (warm and cold) and deletes their directories: for a
// vault that was deleted. Nothing is removed unless both directories can be named.
func (r *Repos) Remove(ctx context.Context, account, region, vault string) error {
	var remote []error
	for _, cold := range []bool{false, true} {
		if err := r.removeRemote(ctx, account, region, vault, cold); err != nil {
			remote = append(remote, err)
		}
	}
	if len(remote) > 0 {
		return errors.Join(remote...)
	}
	dir, err := r.Dir(account, region, vault)
	if err != nil {
		return fmt.Errorf("remove the repository of vault %s: %w", vault, err)
	}
	dirs := []string{dir}
	if r.ColdDir != nil {
		cold, err := r.ColdDir(account, region, vault)
		if err != nil {
			return fmt.Errorf("remove the cold-storage repository of vault %s: %w", vault, err)
		}
		dirs = append(dirs, cold)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, dir := range dirs {
		if repo, ok := r.repos[dir]; ok {
			_ = repo.Close()
			delete(r.repos, dir)
		}
		errs = append(errs, os.RemoveAll(dir))
	}
	return errors.Join(errs...)
}

// removeRemote deletes every object of a vault's repository kept off the machine; objects under
// S3 Object Lock retention stay, and their errors are returned.
func (r *Repos) removeRemote(ctx context.Context, account, region, vault string, cold bool) error {
	if r.Remote == nil {
		return nil
	}
	st, name, err := r.Remote(ctx, account, region, vault, cold)
	if err != nil || st == nil {
		return err
	}
	r.mu.Lock()
	if repo, ok := r.repos[name]; ok {
		_ = repo.Close()
		delete(r.repos, name)
	}
	r.mu.Unlock()
	var objects []string
	if err := st.List(ctx, "", func(name string, _ int64) error {
		objects = append(objects, name)
		return nil
	}); err != nil {
		return fmt.Errorf("remove the repository of vault %s: %w", vault, err)
	}
	var errs []error
	for _, o := range objects {
		if err := st.Remove(ctx, o); err != nil && !errors.Is(err, blob.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close closes every open repository.
func (r *Repos) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for dir, repo := range r.repos {
		errs = append(errs, repo.Close())
		delete(r.repos, dir)
	}
	return errors.Join(errs...)
}
