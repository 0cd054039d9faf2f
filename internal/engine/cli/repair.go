package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/service"
)

// repair is `engine repair`: it makes a damaged vault safe to use again, and says what could
// not be saved.
//
//  1. It reads every chunk of the vault's repositories (verify --read-data) and records what is
//     damaged, so no backup references a damaged chunk again.
//  2. It rebuilds the index from the packs that are intact: each pack's own table (read from its
//     tail), leaving out packs whose table does not open and chunks found damaged. Index files
//     that were truncated or lost are replaced.
//  3. It checks every recovery point of the vault (as the engine's store lists them) against the
//     repaired repository. A point whose snapshot is missing or unreadable, or that uses a
//     chunk with no sound copy, cannot be made whole: it is marked damaged (listed PARTIAL, with
//     a StatusMessage naming the damage; StartRestoreJob and StartCopyJob refuse it). A point
//     marked by an earlier repair that is whole again is given its status back.
//
// What repair does not do is read the protected resources: the re-upload of what their sources
// still hold is the next backup of each resource, scheduled or started with StartBackupJob.
// That backup stores every chunk recorded damaged or missing again (deduplication no longer
// counts them), and never uses a damaged point as its parent. A point whose chunks that backup
// stored again (the same content has the same chunk IDs) is whole again; running repair once
// more gives it back its COMPLETED status. Repair prints the resources to back up. Repair
// reading sources itself would need each connector's credentials and confinement in this
// process, and would write data no recovery point owns.
//
// Safety: the index rebuild holds the repository's GC lock, so no GC runs meanwhile; backups
// (of a serving engine) may run, since each writes its own index files, which the rebuild keeps.
// Serving engines notice the rebuilt index at their next read. Exit status 0: every point is
// whole; 1: some points cannot be made whole (they are listed), or repair could not run.
func repair(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "repair")
	vf := vaultFlags(fs)
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
	points, err := service.VaultPoints(ctx, st, vt.account, vt.region, vt.vault)
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
	now, err := service.VaultPoints(ctx, st, vt.account, vt.region, vt.vault)
	if err != nil {
		return err
	}
	stillThere := map[string]service.VaultPoint{}
	for _, p := range now {
		stillThere[p.ID] = p
	}
	var judged []service.VaultPoint
	for _, p := range points {
		if cur, ok := stillThere[p.ID]; ok && holdsData(cur) && cur.StorageClass == p.StorageClass {
			judged = append(judged, cur)
		} else {
			delete(broken, p.ID)
		}
	}
	resources := map[string]bool{}
	for _, p := range judged {
		why, isBroken := broken[p.ID]
		changed, err := service.SetPointDamage(ctx, st, vt.account, vt.region, vt.vault, p.ID, why)
		if err != nil {
			return err
		}
		switch {
		case isBroken:
			resources[p.ResourceARN] = true
			fmt.Fprintf(env.Stdout, "cannot be made whole: recovery point %s: %s\n", p.ARN, why)
		case changed:
			fmt.Fprintf(env.Stdout, "whole again: recovery point %s (its status is back to %s)\n", p.ARN, p.StatusBeforeDamage())
		}
	}
	if len(broken) == 0 {
		fmt.Fprintf(env.Stdout, "vault %s: repaired; every recovery point is whole\n", vt.vault)
		return nil
	}
	for _, arn := range slices.Sorted(maps.Keys(resources)) {
		fmt.Fprintf(env.Stdout, "back up again: %s (the next backup stores what its source still holds; run `engine repair --vault %s` after it to re-admit the points it made whole)\n", arn, vt.vault)
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
	after, err := repo.Check(ctx, content.VerifyOptions{Expected: expected}, func(string) {})
	if err != nil && !errors.Is(err, content.ErrCorrupt) {
		return nil, err
	}
	out := map[content.SnapshotID]string{}
	for sid, why := range after.Broken {
		// The first check's reason names the damage (a chunk in no index, after the rebuild,
		// is one the rebuild left out because it was damaged).
		if first, ok := before.Broken[sid]; ok {
			why = first
		}
		out[sid] = why
	}
	return out, nil
}
