package resources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

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
type EFS struct{}

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

// CanonicalLocator accepts the absolute path of an existing directory and returns it cleaned.
func (EFS) CanonicalLocator(locator string) (string, error) {
	if locator == "" {
		return "", apierr.Missing("an EFS resource needs the path of a directory (Locator)")
	}
	if !filepath.IsAbs(locator) {
		return "", apierr.InvalidParameter("the path %q of an EFS resource must be absolute: the engine may run in another directory than the caller", locator)
	}
	p := filepath.Clean(locator)
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", apierr.InvalidParameter("the directory %s does not exist: create it first, or register another path", p)
	case err != nil:
		return "", apierr.InvalidParameter("the engine cannot look at %s: %v", p, err)
	case !fi.IsDir():
		return "", apierr.InvalidParameter("%s is not a directory: an EFS resource is a directory tree", p)
	}
	return p, nil
}

// CheckSource says why the directory cannot be read now: it is gone, is no longer a directory, or
// the engine may not list it.
func (EFS) CheckSource(_ context.Context, r Resource) error {
	fi, err := os.Stat(r.Locator)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return sourceError{fmt.Sprintf("the directory %s of %s does not exist any more: restore or recreate it, or remove the resource from the registry", r.Locator, r.ID), fs.ErrNotExist}
	case err != nil:
		return fmt.Errorf("cannot read the directory %s of %s: %w", r.Locator, r.ID, err)
	case !fi.IsDir():
		return sourceError{fmt.Sprintf("%s of %s is not a directory any more: an EFS resource is a directory tree; register the directory it should be", r.Locator, r.ID), fs.ErrInvalid}
	}
	d, err := os.Open(r.Locator)
	if err != nil {
		return fmt.Errorf("cannot read the directory %s of %s (the engine runs as uid %d): %w", r.Locator, r.ID, os.Getuid(), err)
	}
	defer d.Close()
	if _, err := d.Readdirnames(1); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("cannot list the directory %s of %s (the engine runs as uid %d): %w", r.Locator, r.ID, os.Getuid(), err)
	}
	return nil
}

// sourceError says what is wrong with a source in words, and wraps the fs error it stands for
// (so callers can classify it) without repeating that error's text.
type sourceError struct {
	msg string
	err error
}

func (e sourceError) Error() string { return e.msg }
func (e sourceError) Unwrap() error { return e.err }

// Backup stores the directory tree.
func (e EFS) Backup(ctx context.Context, repo *content.Repository, r Resource, parent content.SnapshotID, progress func(Progress)) (BackupResult, error) {
	if err := e.CheckSource(ctx, r); err != nil {
		return BackupResult{}, err
	}
	res, err := efs.Backup(ctx, repo, r.Locator, parent, func(p efs.Progress) {
		if progress != nil {
			progress(Progress{BytesDone: p.BytesDone, BytesTotal: p.BytesTotal, BytesTransferred: p.BytesTransferred})
		}
	})
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
	plan := RestorePlan{Items: items, NewResource: newFS, Metadata: maps.Clone(meta)}
	if plan.Metadata == nil {
		plan.Metadata = map[string]string{}
	}
	plan.Metadata[MetaNewFileSystem] = strconv.FormatBool(newFS)

	if newFS {
		if dest == "" {
			return RestorePlan{}, apierr.InvalidParameter("restore metadata %s is required when %s is true: name a directory that does not exist yet or is empty, e.g. %s-restored",
				MetaDestinationPath, MetaNewFileSystem, req.Source.Locator)
		}
		if err := checkEmptyOrAbsent(dest); err != nil {
			return RestorePlan{}, err
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
	plan.Metadata[MetaFileSystemID] = target.ID
	if dest == "" {
		dest = filepath.Join(target.Locator, "aws-backup-restore_"+req.Now.UTC().Format("2006-01-02T15-04-05"))
	} else if dest != target.Locator && !strings.HasPrefix(dest, target.Locator+string(filepath.Separator)) {
		return RestorePlan{}, apierr.InvalidParameter("restore metadata %s %s is outside the file system %s (%s): with %s=false the restore goes into that file system",
			MetaDestinationPath, dest, target.ID, target.Locator, MetaNewFileSystem)
	}
	plan.Destination = dest
	plan.Metadata[MetaDestinationPath] = dest
	if len(items) == 0 {
		if err := checkEmptyOrAbsent(dest); err != nil {
			return RestorePlan{}, apierr.InvalidParameter("%s; to restore single items into an existing directory, list them in %s", err.(*apierr.Error).Message, MetaItemsToRestore)
		}
		return plan, nil
	}
	if fi, err := os.Stat(dest); err == nil && !fi.IsDir() {
		return RestorePlan{}, apierr.InvalidParameter("restore metadata %s %s is not a directory", MetaDestinationPath, dest)
	}
	return plan, nil
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

// checkEmptyOrAbsent accepts a path that does not exist or is an empty directory.
func checkEmptyOrAbsent(dest string) error {
	fi, err := os.Stat(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return apierr.InvalidParameter("the engine cannot look at restore destination %s: %v", dest, err)
	}
	if !fi.IsDir() {
		return apierr.InvalidParameter("restore destination %s exists and is not a directory: choose a path that does not exist yet or an empty directory", dest)
	}
	d, err := os.Open(dest)
	if err != nil {
		return apierr.InvalidParameter("the engine cannot read restore destination %s: %v", dest, err)
	}
	defer d.Close()
	if names, _ := d.Readdirnames(1); len(names) > 0 {
		return apierr.InvalidParameter("restore destination %s is not empty: a restore never writes over existing files; choose a path that does not exist yet or an empty directory", dest)
	}
	return nil
}

// staging is where a whole-tree restore is written before it is renamed into place: a hidden
// sibling of the destination, so the rename stays on one file system.
func staging(dest, jobID string) string {
	return filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+".restore-"+jobID)
}

// stages reports whether a plan restores a whole directory (staged and renamed into place) rather
// than items into an existing directory.
func stages(plan RestorePlan) bool { return plan.NewResource || len(plan.Items) == 0 }

// Restore writes the snapshot. A whole-directory restore is written to a staging directory next
// to the destination and renamed into place when complete, so the destination never shows half a
// tree; item-level restores into an existing directory write in place and never overwrite.
func (EFS) Restore(ctx context.Context, repo *content.Repository, snap content.SnapshotID, plan RestorePlan, jobID string, progress func(Progress)) (RestoreResult, error) {
	if progress != nil {
		progress(Progress{})
	}
	if !stages(plan) {
		if err := os.MkdirAll(plan.Destination, 0o755); err != nil {
			return RestoreResult{}, fmt.Errorf("create restore destination %s: %w", plan.Destination, err)
		}
		res, err := efs.Restore(ctx, repo, snap, plan.Destination, plan.Items)
		if err != nil {
			return RestoreResult{}, fmt.Errorf("restore items %v into %s: %w", plan.Items, plan.Destination, err)
		}
		return RestoreResult{Files: res.Files, Dirs: res.Dirs, Bytes: res.Bytes, Warnings: res.Warnings}, nil
	}
	if err := checkEmptyOrAbsent(plan.Destination); err != nil {
		return RestoreResult{}, fmt.Errorf("%s", err.(*apierr.Error).Message)
	}
	if err := os.MkdirAll(filepath.Dir(plan.Destination), 0o755); err != nil {
		return RestoreResult{}, fmt.Errorf("create the parent of restore destination %s: %w", plan.Destination, err)
	}
	stage := staging(plan.Destination, jobID)
	if err := os.RemoveAll(stage); err != nil {
		return RestoreResult{}, fmt.Errorf("remove the leftover staging directory %s: %w", stage, err)
	}
	res, err := efs.Restore(ctx, repo, snap, stage, plan.Items)
	if err != nil {
		_ = os.RemoveAll(stage)
		return RestoreResult{}, fmt.Errorf("restore into %s: %w", plan.Destination, err)
	}
	// rename(2) replaces an empty directory and refuses a non-empty one, which is exactly the
	// rule: something written to the destination since the job was accepted is not overwritten.
	if err := os.Rename(stage, plan.Destination); err != nil {
		_ = os.RemoveAll(stage)
		return RestoreResult{}, fmt.Errorf("move the restored tree into %s (was it written to while the restore ran?): %w", plan.Destination, err)
	}
	return RestoreResult{Files: res.Files, Dirs: res.Dirs, Bytes: res.Bytes, Warnings: res.Warnings}, nil
}

// Abandoned removes the staging directory a killed restore left behind.
func (EFS) Abandoned(plan RestorePlan, jobID string) error {
	if plan.Destination == "" || !stages(plan) {
		return nil
	}
	return os.RemoveAll(staging(plan.Destination, jobID))
}
