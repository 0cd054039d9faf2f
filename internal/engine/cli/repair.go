package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// repair is `engine repair`: it makes a damaged vault safe to use again, stores again what the
// sources still hold, and says what could not be saved.
//
//  1. It reads every chunk of the vault's repositories (verify --read-data) and records what is
//     damaged, so no backup references a damaged chunk again.
//  2. It rebuilds the index from the packs that are intact: each pack's own table (read from its
//     tail), leaving out packs whose table does not open and chunks found damaged. Index files
//     that were truncated or lost are replaced.
//  3. It checks every recovery point of the vault (as the engine's store lists them) against the
//     repaired repository: a point is whole when its snapshot reads and every chunk it uses has
//     a sound copy.
//  4. It re-uploads what the sources still hold: each resource with a point that is not whole is
//     read as it is now (a full scan, as a backup without a parent) into the warm repository,
//     and the scan's snapshot is forgotten at once, so no recovery point appears that nobody
//     asked for. Chunks a damaged point needs whose content the source still has (the same
//     content has the same chunk ID) are stored again, which makes that point whole.
//     --rescan=false skips this; the next backup of each resource then does the same.
//  5. It checks the points again. A point still not whole is marked damaged: listed PARTIAL,
//     with a StatusMessage naming the damage, and refused by StartRestoreJob and StartCopyJob.
//     A point marked by an earlier repair that is whole again gets its status back.
//
// The rescan runs in the repair process with the operator's permissions, through the engine's
// own connectors, and reads only resources that are still registered; a source that cannot be
// read is reported, and its points are judged without it. What a rescan stores that no point
// uses is removed by the next GC.
//
// Safety: the index rebuild holds the repository's GC lock, so no GC runs meanwhile, and the
// rescan holds a backup lock like any backup; backups of a serving engine may run throughout,
// since each writes its own index files, which the rebuild keeps. Serving engines pick up the
// rebuilt index at their next read. Exit status 0: every point is whole; 1: some points cannot
// be made whole (they are listed), or repair could not run.
func repair(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "repair")
	vf := vaultFlags(fs)
	rescan := fs.Bool("rescan", true, "re-read the sources of resources whose points are not whole, to store again what they still hold")
	var allowPaths []string
	fs.Func("allow-path", "a directory the data dir's own account may read, as `engine serve --allow-path` (repeat for more): the rescan reads sources only where the engine's callers may", func(v string) error {
		allowPaths = append(allowPaths, v)
		return nil
	})
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	vt, err := vf.resolve()
	if err != nil {
		return err
	}
	st, err := vt.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	points, err := records.VaultPoints(ctx, st, vt.account, vt.region, vt.vault)
	if err != nil {
		return err
	}
	broken := map[string]string{} // point ID → damage
	for _, rr := range vt.repos() {
		expected := expectedSnapshots(points, rr.cold)
		repo, err := vt.open(ctx, rr)
		if errors.Is(err, errNoRepository) {
			if len(expected) == 0 && rr.cold {
				continue
			}
			if len(expected) == 0 {
				return err
			}
			for _, p := range points {
				if _, ok := expected[content.SnapshotID(p.SnapshotID)]; ok {
					broken[p.ID] = fmt.Sprintf("snapshot %s is missing: the vault has no %s repository", p.SnapshotID, rr.kind())
				}
			}
			continue
		}
		if err != nil {
			return err
		}
		found, err := repairRepo(ctx, env, repo, rr, expected)
		if err == nil && len(found) > 0 && !rr.cold && *rescan {
			// Backups (and so rescans) write to the warm repository only.
			if rescanSources(ctx, env, vt, st, repo, points, found, allowPaths) {
				found, err = brokenSnapshots(ctx, repo, expected, found)
			}
		}
		_ = repo.Close()
		if err != nil {
			return fmt.Errorf("repair vault %q: %w", vt.vault, err)
		}
		for _, p := range points {
			if why, ok := found[content.SnapshotID(p.SnapshotID)]; ok && holdsData(p) {
				broken[p.ID] = why
			}
		}
	}

	// Points deleted (or moved to cold storage) while the repository was checked lost their
	// snapshot by design: only the points as they are now are judged.
	now, err := records.VaultPoints(ctx, st, vt.account, vt.region, vt.vault)
	if err != nil {
		return err
	}
	stillThere := map[string]records.VaultPoint{}
	for _, p := range now {
		stillThere[p.ID] = p
	}
	var judged []records.VaultPoint
	for _, p := range points {
		if cur, ok := stillThere[p.ID]; ok && holdsData(cur) && cur.StorageClass == p.StorageClass {
			judged = append(judged, cur)
		} else {
			delete(broken, p.ID)
		}
	}
	toBackUp := map[string]bool{}
	for _, p := range judged {
		why, isBroken := broken[p.ID]
		changed, err := records.SetPointDamage(ctx, st, vt.account, vt.region, vt.vault, p.ID, why)
		if err != nil {
			return err
		}
		switch {
		case isBroken:
			toBackUp[p.ResourceARN] = true
			fmt.Fprintf(env.Stdout, "cannot be made whole: recovery point %s: %s\n", p.ARN, why)
		case changed:
			fmt.Fprintf(env.Stdout, "whole again: recovery point %s (its status is back to %s)\n", p.ARN, p.StatusBeforeDamage())
		}
	}
	if len(broken) == 0 {
		fmt.Fprintf(env.Stdout, "vault %s: repaired; every recovery point is whole\n", vt.vault)
		return nil
	}
	for _, arn := range slices.Sorted(maps.Keys(toBackUp)) {
		fmt.Fprintf(env.Stdout, "back up again: %s (what its source holds now is in the vault only once a backup stores it; after the source is restored or found, run `engine repair --vault %s` again to re-admit points made whole)\n", arn, vt.vault)
	}
	fmt.Fprintf(env.Stdout, "vault %s: %d recovery points cannot be made whole; they are listed PARTIAL and cannot be restored\n", vt.vault, len(broken))
	return fmt.Errorf("vault %q: %d recovery points cannot be made whole", vt.vault, len(broken))
}

// repairRepo records the damage of one repository, rebuilds its index, and returns the
// snapshots that still cannot be restored whole, with why.
func repairRepo(ctx context.Context, env Env, repo *content.Repository, rr repoRef, expected map[content.SnapshotID]string) (map[content.SnapshotID]string, error) {
	before, err := repo.Check(ctx, content.VerifyOptions{ReadData: true, Expected: expected}, func(p string) {
		fmt.Fprintf(env.Stdout, "found: %s%s\n", rr.prefix(), p)
	})
	if err != nil && !errors.Is(err, content.ErrCorrupt) {
		return nil, err
	}
	if err := repo.RebuildIndex(ctx, func(p string) {
		fmt.Fprintf(env.Stdout, "index rebuilt without: %s%s\n", rr.prefix(), p)
	}); err != nil {
		return nil, err
	}
	return brokenSnapshots(ctx, repo, expected, before.Broken)
}

// brokenSnapshots checks the structure again and returns the snapshots still broken, with the
// reason reasons gives for them if any (an earlier check's, which names the damage: a chunk in
// no index after the rebuild is one the rebuild left out because it was damaged).
func brokenSnapshots(ctx context.Context, repo *content.Repository, expected, reasons map[content.SnapshotID]string) (map[content.SnapshotID]string, error) {
	after, err := repo.Check(ctx, content.VerifyOptions{Expected: expected}, func(string) {})
	if err != nil && !errors.Is(err, content.ErrCorrupt) {
		return nil, err
	}
	out := map[content.SnapshotID]string{}
	for sid, why := range after.Broken {
		if first, ok := reasons[sid]; ok {
			why = first
		}
		out[sid] = why
	}
	return out, nil
}

// rescanSources reads the resources of the points whose snapshots are broken into repo (see
// repair) and reports whether it stored anything.
func rescanSources(ctx context.Context, env Env, vt vaultTarget, st store.Store, repo *content.Repository, points []records.VaultPoint, broken map[content.SnapshotID]string, allowPaths []string) bool {
	ids := map[string]bool{}
	for _, p := range points {
		if _, ok := broken[content.SnapshotID(p.SnapshotID)]; ok && p.ResourceID != "" {
			ids[p.ResourceID] = true
		}
	}
	// The sources are read under the engine's own policy (allowed paths, the data dir refused,
	// the S3 settings): repair must not read what no caller could have the engine read.
	var keys []credentials.Key
	if k, err := credentials.Load(vt.dataDir); err == nil {
		keys = k
	}
	connectors, err := engine.Connectors(engine.FilesystemAccess{AllowedPaths: allowPaths}, vt.dataDir, vt.configPath, vt.config, keys)
	if err != nil {
		fmt.Fprintf(env.Stdout, "not re-read: %v\n", err)
		return false
	}
	stored := false
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		res, found, err := records.CurrentResource(ctx, st, vt.account, vt.region, id)
		if err != nil || !found {
			fmt.Fprintf(env.Stdout, "not re-read: resource %s is no longer registered\n", id)
			continue
		}
		conn, ok := connectors[res.Type]
		if !ok {
			fmt.Fprintf(env.Stdout, "not re-read: %s: this process has no %s connector\n", res.ARN, res.Type)
			continue
		}
		out, err := conn.Backup(ctx, repo, res, "", nil)
		if err != nil {
			fmt.Fprintf(env.Stdout, "not re-read: %s: %v\n", res.ARN, err)
			continue
		}
		// The scan is not a recovery point: only its chunks are wanted.
		if err := repo.Forget(ctx, out.Snapshot.ID); err != nil {
			fmt.Fprintf(env.Stdout, "warning: the rescan snapshot %s of %s could not be forgotten (GC keeps its data until it is): %v\n", out.Snapshot.ID, res.ARN, err)
		}
		fmt.Fprintf(env.Stdout, "re-read: %s (%s): %d bytes stored again\n", res.ARN, resources.RedactLocator(res.Locator), out.BytesTransferred)
		stored = stored || out.BytesTransferred > 0
	}
	return stored
}
