// Package efs backs up and restores directory trees, the engine's EFS-like resources.
package efs

import (
	"context"
	"errors"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
)

var errNotBuilt = errors.New("efs: not built yet")

// Progress is reported while a backup runs.
type Progress struct {
	// FilesDone/BytesDone of FilesTotal/BytesTotal (totals grow while the tree is scanned).
	FilesDone, FilesTotal, BytesDone, BytesTotal int64
	// BytesTransferred is what was newly stored (after deduplication and compression).
	BytesTransferred int64
}

// Result is what a backup did.
type Result struct {
	Snapshot    content.Snapshot
	Files, Dirs int64
	// Bytes is the logical size of the tree; BytesTransferred what was newly stored.
	Bytes, BytesTransferred int64
	// Partial is set when some entries could not be captured consistently; Warnings names them.
	Partial  bool
	Warnings []string
}

// Backup stores the tree at root as a new "tree" snapshot in repo. Files unchanged since parent
// (same size, mtime and inode) are not read again. progress is called periodically.
func Backup(ctx context.Context, repo *content.Repository, root string, parent content.SnapshotID, progress func(Progress)) (Result, error) {
	return Result{}, errNotBuilt
}

// RestoreResult is what a restore did.
type RestoreResult struct {
	Files, Dirs, Bytes int64
}

// Restore writes snapshot snap into dest. With no items it restores the whole tree into dest,
// which must not exist or be empty. With items (paths relative to the tree's root) it restores
// only those, into dest which may exist; it never overwrites an existing file, failing instead.
func Restore(ctx context.Context, repo *content.Repository, snap content.SnapshotID, dest string, items []string) (RestoreResult, error) {
	return RestoreResult{}, errNotBuilt
}
