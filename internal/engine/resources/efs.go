package resources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/efs"
)

// EFS restore metadata keys. The first six are AWS's; destination-path and source-path are the
// engine's, because a local "file system" is a directory and a restore has to say which one.
const (
	MetaFileSystemID    = "file-system-id"
	MetaNewFileSystem   = "newFileSystem"
	MetaEncrypted       = "Encrypted"
	MetaKmsKeyID        = "KmsKeyId"
	MetaPerformanceMode = "PerformanceMode"
	MetaCreationToken   = "CreationToken"
	MetaItemsToRestore  = "ItemsToRestore"
	MetaDestinationPath = "destination-path"
	MetaSourcePath      = "source-path"
	// metaItemsLower is the spelling of ItemsToRestore some guides use; both are accepted.
	metaItemsLower = "itemsToRestore"
)

// acceptedEFSMeta are the metadata keys StartRestoreJob accepts for EFS.
var acceptedEFSMeta = []string{MetaFileSystemID, MetaNewFileSystem, MetaEncrypted, MetaKmsKeyID, MetaPerformanceMode,
	MetaCreationToken, MetaItemsToRestore, metaItemsLower, MetaDestinationPath, MetaSourcePath}

// EFS is the connector for directory trees, the engine's EFS file systems. The locator is the
// absolute path of the directory; the tree walk itself is package efs.
//
// Every directory it reads or writes for a caller is opened through Paths(account): beneath a
// directory the operator allowed that account, never inside the engine's own data, and (for a
// restore) never through a symlink. See efs.Policy.
type EFS struct {
	// Paths returns the directories an account's callers may use. Nil allows every directory
	// (unit tests of the connector); the engine always sets it.
	Paths func(account string) efs.Policy
}

func (e EFS) policy(account string) efs.Policy {
	if e.Paths == nil {
		return efs.Policy{Unconfined: true}
	}
	return e.Paths(account)
}

// allowHint says how an operator allows a directory.
const allowHint = "the operator allows directories with `engine serve --allow-path DIR`, \"filesystem\": {\"allowed_paths\": [...]} " +
	"or accounts[].allowed_paths in the engine's config.json, or allowed_paths in the provider block (embedded engine)"

// confineError turns a path the policy refused into the API error a caller sees; what is the
// request's name for the path ("the path", "restore metadata destination-path"). Other errors
// are returned as they are.
func confineError(err error, account, what string) error {
	var ce *efs.ConfineError
	if !errors.As(err, &ce) {
		return err
	}
	switch ce.Reason {
	case efs.NoAllowedPath:
		return apierr.New(apierr.AccessDenied, "%s %s cannot be used: this engine allows account %s no directory; %s", what, ce.Path, account, allowHint)
	case efs.Outside:
		return apierr.New(apierr.AccessDenied, "%s %s is outside the directories account %s may use (%s): choose a path below one of them; %s",
			what, ce.Path, account, strings.Join(ce.Allowed, ", "), allowHint)
	case efs.EngineData:
		return apierr.New(apierr.AccessDenied, "%s %s is in the engine's own directory %s, which is never read or restored into for a caller: choose another path",
			what, ce.Path, ce.Within)
	case efs.Escapes:
		return apierr.New(apierr.AccessDenied, "%s %s leads outside %s through a symlink (or ..): the engine resolves every path beneath the directory it must stay in; name the real directory inside it",
			what, ce.Path, ce.Within)
	case efs.ThroughSymlink:
		return apierr.New(apierr.AccessDenied, "%s %s passes through a symlink below %s: a restore never writes through a symlink; name a path made of real directories",
			what, ce.Path, ce.Within)
	}
	return apierr.New(apierr.AccessDenied, "%s: %v", what, err)
}

// Type is "EFS".
func (EFS) Type() string { return TypeEFS }

// SupportsColdStorage is true: AWS moves EFS recovery points to cold storage.
func (EFS) SupportsColdStorage() bool { return true }

// ARN is arn:aws:elasticfilesystem:{region}:{account}:file-system/{id}.
func (EFS) ARN(region, account, id string) string {
	return fmt.Sprintf("arn:aws:elasticfilesystem:%s:%s:file-system/%s", region, account, id)
}

// NewID is "fs-" and 17 hex digits, the shape of AWS's file system IDs, derived from the account,
// region and path.
func (EFS) NewID(account, region, locator string) string {
	return "fs-" + stableHex(17, account, region, TypeEFS, locator)
}

// CanonicalLocator accepts the absolute path of an existing directory that every account may
// use (the policy of no particular account) and returns it cleaned.
func (e EFS) CanonicalLocator(locator string) (string, error) {
	return e.CanonicalLocatorFor("", locator)
}

// CanonicalLocatorFor accepts the absolute path of an existing directory that account may use
// and returns it cleaned (as given: a symlink inside the allowed directory is followed to check
// it, and kept in the locator, so that what Terraform wrote reads back the same).
func (e EFS) CanonicalLocatorFor(account, locator string) (string, error) {
	if locator == "" {
		return "", apierr.Missing("an EFS resource needs the path of a directory (Locator)")
	}
	if !filepath.IsAbs(locator) {
		return "", apierr.InvalidParameter("the path %q of an EFS resource must be absolute: the engine may run in another directory than the caller", locator)
	}
	p := filepath.Clean(locator)
	d, fault, err := e.openDir(account, p, false)
	switch fault {
	case sourceConfined:
		return "", confineError(err, account, "the directory")
	case sourceMissing:
		return "", apierr.InvalidParameter("the directory %s does not exist: create it first, or register another path", p)
	case sourceNotDir:
		return "", apierr.InvalidParameter("%s is not a directory: an EFS resource is a directory tree", p)
	case sourceUnreadable:
		return "", apierr.InvalidParameter("the engine cannot open %s: %v", p, err)
	}
	_ = d.Close() // opened only to check it
	return p, nil
}

// sourceFault is what is wrong with the directory an EFS resource names.
type sourceFault int

const (
	sourceUsable     sourceFault = iota
	sourceConfined               // the account's path policy refuses it (an *efs.ConfineError)
	sourceMissing                // it does not exist
	sourceNotDir                 // it is not a directory
	sourceUnreadable             // the engine cannot open it
	sourceUnlistable             // the engine cannot list it (checked only when asked)
)

// openDir opens the directory path through account's policy and says what, if anything, is
// wrong with it; with listed, it also lists it, as a backup must. It is the one check of an EFS
// resource's directory: registration (CanonicalLocatorFor) and backups (openSource) only word
// its answer for their callers. The directory is returned open when it is usable.
func (e EFS) openDir(account, path string, listed bool) (*efs.Dir, sourceFault, error) {
	d, err := e.policy(account).Open(path)
	var ce *efs.ConfineError
	switch {
	case errors.As(err, &ce):
		return nil, sourceConfined, err
	case errors.Is(err, fs.ErrNotExist):
		return nil, sourceMissing, err
	case errors.Is(err, syscall.ENOTDIR):
		return nil, sourceNotDir, err
	case err != nil:
		return nil, sourceUnreadable, err
	}
	if listed {
		if _, err := d.ReadDir(""); err != nil {
			_ = d.Close()
			return nil, sourceUnlistable, err
		}
	}
	return d, sourceUsable, nil
}

// CheckSource says why the directory cannot be read now: it is gone, is no longer a directory,
// no longer resolves inside a directory its account may use, or the engine may not list it.
func (e EFS) CheckSource(_ context.Context, r Resource) error {
	d, err := e.openSource(r)
	if err != nil {
		return err
	}
	return d.Close()
}

// openSource opens a resource's directory through its account's policy and checks that a backup
// can read it. It is the one check of an EFS source: CheckSource runs it before a backup job
// opens its repository, Backup again when it reads, and the efs package's walk trusts the
// directory it is given.
func (e EFS) openSource(r Resource) (*efs.Dir, error) {
	d, fault, err := e.openDir(r.AccountID, r.Locator, true)
	switch fault {
	case sourceConfined:
		return nil, sourceError{confineError(err, r.AccountID, "the directory of "+r.ID).(*apierr.Error).Message, ErrConfined}
	case sourceMissing:
		return nil, sourceError{fmt.Sprintf("the directory %s of %s does not exist any more: restore or recreate it, or remove the resource from the registry", r.Locator, r.ID), fs.ErrNotExist}
	case sourceNotDir:
		return nil, sourceError{fmt.Sprintf("%s of %s is not a directory any more: an EFS resource is a directory tree; register the directory it should be", r.Locator, r.ID), fs.ErrInvalid}
	case sourceUnreadable:
		return nil, fmt.Errorf("cannot read the directory %s of %s (the engine runs as uid %d): %w", r.Locator, r.ID, os.Getuid(), err)
	case sourceUnlistable:
		return nil, fmt.Errorf("cannot list the directory %s of %s (the engine runs as uid %d): %w", r.Locator, r.ID, os.Getuid(), err)
	}
	return d, nil
}

// ErrConfined marks a source the account's path policy no longer lets the engine read (it was
// moved out of the allowed directories, or replaced by a symlink leading out).
var ErrConfined = errors.New("outside the directories the account may use")

// sourceError says what is wrong with a source in words, and wraps the fs error it stands for
// (so callers can classify it) without repeating that error's text.
type sourceError struct {
	msg string
	err error
}

func (e sourceError) Error() string { return e.msg }
func (e sourceError) Unwrap() error { return e.err }

// Backup stores the directory tree.
func (e EFS) Backup(ctx context.Context, repo *content.Repository, r Resource, parent content.SnapshotID, progress func(content.Progress)) (BackupResult, error) {
	// The directory is opened again now, through the account's policy: one registered inside an
	// allowed directory and since replaced by a symlink leading out is not read.
	d, err := e.openSource(r)
	if err != nil {
		return BackupResult{}, err
	}
	defer func() { _ = d.Close() }()
	res, err := efs.BackupDir(ctx, repo, d, parent, progress)
	if err != nil {
		return BackupResult{}, fmt.Errorf("back up %s: %w", r.Locator, err)
	}
	return BackupResult{Snapshot: res.Snapshot, Bytes: res.Bytes, BytesTransferred: res.BytesTransferred, Partial: res.Partial, Warnings: res.Warnings}, nil
}

// RestoreMetadata is the original file system's configuration, in AWS's keys, plus source-path.
// newFileSystem is "true": sent back with a destination-path, it restores into a new directory and
// leaves the original alone.
func (EFS) RestoreMetadata(r Resource, keyARN string) map[string]string {
	return map[string]string{
		MetaFileSystemID:    r.ID,
		MetaNewFileSystem:   "true",
		MetaEncrypted:       "true",
		MetaKmsKeyID:        keyARN,
		MetaPerformanceMode: "generalPurpose",
		MetaCreationToken:   r.Name(),
		MetaSourcePath:      r.Locator,
	}
}

// PlanRestore works out an EFS restore:
//
//   - newFileSystem=true (the default): the tree, or just ItemsToRestore, goes to destination-path,
//     a directory that must not exist or must be empty; it becomes a new EFS resource.
//   - newFileSystem=false: the restore goes into the existing file system file-system-id (default:
//     the source). Without destination-path it lands in a new aws-backup-restore_<time> directory
//     at the file system's root, as on AWS. With destination-path (inside that file system) and
//     ItemsToRestore, the items are restored into that directory, which may exist; an item that
//     is already there fails the restore rather than being overwritten.
//
// Every destination must resolve inside a directory the caller's account may use (with
// newFileSystem=false, inside the file system's own directory), outside the engine's data, and
// must not be, or pass through, a symlink leading out: the path is opened beneath that
// directory, not compared as a string.
func (e EFS) PlanRestore(_ context.Context, req RestoreRequest) (RestorePlan, error) {
	meta := req.Metadata
	for k := range meta {
		if !slices.Contains(acceptedEFSMeta, k) {
			return RestorePlan{}, apierr.InvalidParameter("unknown restore metadata key %q for an EFS recovery point; accepted keys are %s",
				k, strings.Join(acceptedEFSMeta, ", "))
		}
	}
	newFS := true
	if v, ok := meta[MetaNewFileSystem]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return RestorePlan{}, apierr.InvalidParameter("restore metadata %s must be true or false, got %q", MetaNewFileSystem, v)
		}
		newFS = b
	}
	items, err := parseItems(meta)
	if err != nil {
		return RestorePlan{}, err
	}
	dest := meta[MetaDestinationPath]
	if dest != "" {
		if !filepath.IsAbs(dest) {
			return RestorePlan{}, apierr.InvalidParameter("restore metadata %s must be an absolute path, got %q", MetaDestinationPath, dest)
		}
		dest = filepath.Clean(dest)
	}
	plan := RestorePlan{Items: items, NewResource: newFS, Metadata: maps.Clone(meta), Account: req.Account}
	if plan.Metadata == nil {
		plan.Metadata = map[string]string{}
	}
	plan.Metadata[MetaNewFileSystem] = strconv.FormatBool(newFS)
	policy := e.policy(req.Account)
	what := "restore metadata " + MetaDestinationPath

	if newFS {
		if dest == "" {
			return RestorePlan{}, apierr.InvalidParameter("restore metadata %s is required when %s is true: name a directory that does not exist yet or is empty, e.g. %s-restored",
				MetaDestinationPath, MetaNewFileSystem, req.Source.Locator)
		}
		if slices.Contains(policy.Allowed, dest) {
			return RestorePlan{}, apierr.InvalidParameter("%s %s is an allowed directory itself: restore into a new directory below it, e.g. %s",
				what, dest, filepath.Join(dest, "restored"))
		}
		parent, missing, err := policy.Probe(filepath.Dir(dest))
		if err != nil {
			return RestorePlan{}, destinationError(err, req.Account, what, dest)
		}
		defer func() { _ = parent.Close() }()
		if missing == "" {
			if err := checkDestEntry(parent, filepath.Base(dest), true); err != nil {
				return RestorePlan{}, err
			}
		}
		plan.Destination = dest
		plan.Metadata[MetaDestinationPath] = dest
		return plan, nil
	}

	fsID := meta[MetaFileSystemID]
	if fsID == "" {
		fsID = req.Source.ID
	}
	target, found, err := req.Lookup(fsID)
	if err != nil {
		return RestorePlan{}, err
	}
	if !found {
		return RestorePlan{}, apierr.InvalidParameter("restore metadata %s names %s, which is not a registered EFS resource: restore with %s=true and a %s instead",
			MetaFileSystemID, fsID, MetaNewFileSystem, MetaDestinationPath)
	}
	plan.TargetARN = target.ARN
	plan.Within = target.Locator
	plan.Metadata[MetaFileSystemID] = target.ID
	if dest == "" {
		dest = filepath.Join(target.Locator, "aws-backup-restore_"+req.Now.UTC().Format("2006-01-02T15-04-05"))
	} else if !efs.Within(dest, target.Locator) {
		return RestorePlan{}, apierr.InvalidParameter("%s %s is outside the file system %s (%s): with %s=false the restore goes into that file system",
			what, dest, target.ID, target.Locator, MetaNewFileSystem)
	}
	fsDir, err := policy.Open(target.Locator)
	if err != nil {
		return RestorePlan{}, destinationError(err, req.Account, "the file system "+target.ID+" at", target.Locator)
	}
	defer func() { _ = fsDir.Close() }()
	plan.Destination = dest
	plan.Metadata[MetaDestinationPath] = dest
	rel := efs.RelPath(target.Locator, dest)
	if rel == "" {
		if len(items) == 0 {
			return RestorePlan{}, apierr.InvalidParameter("%s %s is the file system's own directory, which is not empty: leave %s out (the restore goes to a new aws-backup-restore_<time> directory) or list single items in %s",
				what, dest, MetaDestinationPath, MetaItemsToRestore)
		}
		return plan, nil
	}
	parent, missing, err := fsDir.Probe(parentRelOf(rel))
	if err != nil {
		return RestorePlan{}, destinationError(err, req.Account, what, dest)
	}
	defer func() { _ = parent.Close() }()
	if missing == "" {
		if err := checkDestEntry(parent, path.Base(rel), len(items) == 0); err != nil {
			if len(items) == 0 {
				return RestorePlan{}, apierr.InvalidParameter("%s; to restore single items into an existing directory, list them in %s", err.(*apierr.Error).Message, MetaItemsToRestore)
			}
			return RestorePlan{}, err
		}
	}
	return plan, nil
}

func parentRelOf(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i]
	}
	return ""
}

// destinationError is the API error for a restore destination that cannot be opened.
func destinationError(err error, account, what, dest string) error {
	var ce *efs.ConfineError
	switch {
	case errors.As(err, &ce):
		// The refusal names the part of the path that failed; the caller is shown its own path.
		shown := *ce
		shown.Path = dest
		return confineError(&shown, account, what)
	case errors.Is(err, syscall.ENOTDIR):
		return apierr.InvalidParameter("%s %s: a part of the path exists and is not a directory", what, dest)
	}
	return apierr.InvalidParameter("the engine cannot look at %s %s: %v", what, dest, err)
}

// checkDestEntry judges the entry name in parent that a restore writes: absent, or a real
// directory (never a symlink), which must be empty when mustBeEmpty.
func checkDestEntry(parent *efs.Dir, name string, mustBeEmpty bool) error {
	dest := filepath.Join(parent.Path(), name)
	sub, err := parent.OpenDir(name)
	var ce *efs.ConfineError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case errors.As(err, &ce):
		return apierr.New(apierr.AccessDenied, "restore destination %s is a symlink: a restore never writes through a symlink; choose a path that does not exist yet or an empty directory", dest)
	case errors.Is(err, syscall.ENOTDIR):
		return apierr.InvalidParameter("restore destination %s exists and is not a directory: choose a path that does not exist yet or an empty directory", dest)
	case err != nil:
		return apierr.InvalidParameter("the engine cannot look at restore destination %s: %v", dest, err)
	}
	defer func() { _ = sub.Close() }()
	if err := sub.CheckNotDenied(); err != nil {
		return confineError(err, "", "restore destination")
	}
	if !mustBeEmpty {
		return nil
	}
	if names, err := sub.ReadDir(""); err != nil {
		return apierr.InvalidParameter("the engine cannot read restore destination %s: %v", dest, err)
	} else if len(names) > 0 {
		return apierr.InvalidParameter("restore destination %s is not empty: a restore never writes over existing files; choose a path that does not exist yet or an empty directory", dest)
	}
	return nil
}

// parseItems reads ItemsToRestore: a JSON array of paths relative to the file system's root
// ("/dir/file" and "dir/file" are the same item).
func parseItems(meta map[string]string) ([]string, error) {
	raw, key := meta[MetaItemsToRestore], MetaItemsToRestore
	if v, ok := meta[metaItemsLower]; ok {
		if raw != "" {
			return nil, apierr.InvalidParameter("restore metadata has both %s and %s: give the items once", MetaItemsToRestore, metaItemsLower)
		}
		raw, key = v, metaItemsLower
	}
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		return nil, apierr.InvalidParameter("restore metadata %s must be a JSON array of paths such as [\"/dir/file\"], got %q", key, raw)
	}
	var out []string
	for _, p := range list {
		clean := strings.TrimPrefix(filepath.ToSlash(filepath.Clean("/"+p)), "/")
		if clean == "" || clean == "." {
			return nil, apierr.InvalidParameter("restore metadata %s lists %q, which is the whole file system: leave %s out to restore everything", key, p, key)
		}
		for _, part := range strings.Split(filepath.ToSlash(p), "/") {
			if part == ".." {
				return nil, apierr.InvalidParameter("restore metadata %s lists %q: paths must stay inside the file system (no ..)", key, p)
			}
		}
		if !slices.Contains(out, clean) {
			out = append(out, clean)
		}
	}
	return out, nil
}

// stagingName is where a whole-tree restore into name is written before it is renamed into
// place: a hidden sibling, so the rename stays on one file system.
func stagingName(name, jobID string) string { return "." + name + ".restore-" + jobID }

// stages reports whether a plan restores a whole directory (staged and renamed into place) rather
// than items into an existing directory.
func stages(plan RestorePlan) bool { return plan.NewResource || len(plan.Items) == 0 }

// openDestination opens, through the plan's account policy, the directory the destination goes
// into (creating missing directories when create is set), and returns it with the destination's
// name in it; name is "" when the destination is the file system's own directory (items
// restored into it), which is then the directory returned.
func (e EFS) openDestination(plan RestorePlan, create bool) (*efs.Dir, string, error) {
	policy := e.policy(plan.Account)
	what := "restore destination"
	if plan.Within == "" {
		if create {
			d, name, err := policy.OpenParent(plan.Destination)
			return d, name, confineError(err, plan.Account, what)
		}
		d, err := policy.Open(filepath.Dir(plan.Destination))
		return d, filepath.Base(plan.Destination), confineError(err, plan.Account, what)
	}
	fsDir, err := policy.Open(plan.Within)
	if err != nil {
		return nil, "", confineError(err, plan.Account, "the file system directory")
	}
	defer func() { _ = fsDir.Close() }()
	rel := efs.RelPath(plan.Within, plan.Destination)
	if rel == "" || !efs.Within(plan.Destination, plan.Within) {
		if rel != "" {
			return nil, "", apierr.InvalidParameter("%s %s is outside the file system %s", what, plan.Destination, plan.Within)
		}
		d, err := fsDir.OpenBeneath("")
		return d, "", err
	}
	if create {
		d, name, err := fsDir.OpenParent(rel)
		return d, name, confineError(err, plan.Account, what)
	}
	d, err := fsDir.OpenBeneath(parentRelOf(rel))
	return d, path.Base(rel), confineError(err, plan.Account, what)
}

// Restore writes the snapshot. A whole-directory restore is written to a staging directory next
// to the destination and renamed into place when complete, so the destination never shows half a
// tree; item-level restores into an existing directory write in place and never overwrite.
// Everything is written relative to directories opened through the plan's account policy.
func (e EFS) Restore(ctx context.Context, repo *content.Repository, snap content.SnapshotID, plan RestorePlan, jobID string, progress func(content.Progress)) (RestoreResult, error) {
	if progress != nil {
		progress(content.Progress{})
	}
	parent, name, err := e.openDestination(plan, true)
	if err != nil {
		return RestoreResult{}, restoreRefusal(err)
	}
	defer func() { _ = parent.Close() }()
	if !stages(plan) {
		dest := parent
		if name != "" {
			if err := parent.Mkdir(name, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return RestoreResult{}, fmt.Errorf("create restore destination %s: %w", plan.Destination, err)
			}
			if err := checkDestEntry(parent, name, false); err != nil {
				return RestoreResult{}, restoreRefusal(err)
			}
			if dest, err = parent.OpenDir(name); err != nil {
				return RestoreResult{}, fmt.Errorf("open restore destination %s: %w", plan.Destination, err)
			}
			defer func() { _ = dest.Close() }()
		}
		res, err := efs.RestoreTo(ctx, repo, snap, dest, plan.Items)
		if err != nil {
			return RestoreResult{}, fmt.Errorf("restore items %v into %s: %w", plan.Items, plan.Destination, err)
		}
		return RestoreResult{Files: res.Files, Dirs: res.Dirs, Bytes: res.Bytes, Warnings: res.Warnings}, nil
	}
	if err := checkDestEntry(parent, name, true); err != nil {
		return RestoreResult{}, restoreRefusal(err)
	}
	stage := stagingName(name, jobID)
	if err := parent.RemoveAll(stage); err != nil {
		return RestoreResult{}, fmt.Errorf("remove the leftover staging directory %s: %w", filepath.Join(parent.Path(), stage), err)
	}
	if err := parent.Mkdir(stage, 0o700); err != nil {
		return RestoreResult{}, fmt.Errorf("create the staging directory %s: %w", filepath.Join(parent.Path(), stage), err)
	}
	stageDir, err := parent.OpenDir(stage)
	if err != nil {
		_ = parent.RemoveAll(stage)
		return RestoreResult{}, fmt.Errorf("open the staging directory %s: %w", filepath.Join(parent.Path(), stage), err)
	}
	res, err := efs.RestoreTo(ctx, repo, snap, stageDir, plan.Items)
	_ = stageDir.Close() // everything in it was written through its own descriptors
	if err != nil {
		_ = parent.RemoveAll(stage)
		return RestoreResult{}, fmt.Errorf("restore into %s: %w", plan.Destination, err)
	}
	// rename(2) replaces an empty directory and refuses a non-empty one, which is exactly the
	// rule: something written to the destination since the job was accepted is not overwritten.
	if err := parent.Rename(stage, name); err != nil {
		_ = parent.RemoveAll(stage)
		return RestoreResult{}, fmt.Errorf("move the restored tree into %s (was it written to while the restore ran?): %w", plan.Destination, err)
	}
	return RestoreResult{Files: res.Files, Dirs: res.Dirs, Bytes: res.Bytes, Warnings: res.Warnings}, nil
}

// restoreRefusal is a refusal found when the restore runs (the destination changed since the
// job was accepted), as the job's failure: the message, without the API error's code.
func restoreRefusal(err error) error {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return errors.New(ae.Message)
	}
	return err
}

// Abandoned removes the staging directory a killed restore left behind.
func (e EFS) Abandoned(plan RestorePlan, jobID string) error {
	if plan.Destination == "" || !stages(plan) {
		return nil
	}
	parent, name, err := e.openDestination(plan, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer func() { _ = parent.Close() }()
	return parent.RemoveAll(stagingName(name, jobID))
}
