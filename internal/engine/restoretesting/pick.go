package restoretesting

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// How a run picks recovery points, as API_RestoreTestingRecoveryPointSelection.html describes:
// of a resource's points in the vaults IncludeVaults names and ExcludeVaults does not, of the
// RecoveryPointTypes asked for, created within the last SelectionWindowDays, the latest
// (LATEST_WITHIN_WINDOW) or one at random (RANDOM_WITHIN_WINDOW).

// vaultPattern compiles an IncludeVaults or ExcludeVaults entry: "*", or a vault ARN in which
// "*" stands for any run of characters ("arn:aws:backup:*:*:backup-vault:asdf-*").
func vaultPattern(p string) (*regexp.Regexp, error) {
	if p != "*" && !strings.HasPrefix(p, "arn:") {
		return nil, fmt.Errorf(`%q is neither "*" nor a backup vault ARN (arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME, wildcards allowed)`, p)
	}
	parts := strings.Split(p, "*")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.Compile("^" + strings.Join(parts, ".*") + "$")
}

func checkVaultPattern(p string) error {
	_, err := vaultPattern(p)
	return err
}

// vaultSelected reports whether the vault vaultARN is one the plan restores from.
func vaultSelected(vaultARN string, include, exclude []string) bool {
	matches := func(patterns []string) bool {
		for _, p := range patterns {
			if re, err := vaultPattern(p); err == nil && re.MatchString(vaultARN) {
				return true
			}
		}
		return false
	}
	return matches(include) && !matches(exclude)
}

// pointEligible reports whether the plan may restore rp at instant at. Every point this engine
// takes is a snapshot; none is continuous. A point marked damaged (engine verify, PARTIAL) stays
// eligible: its test then fails, which is what a restore test is for.
func pointEligible(rp records.RecoveryPoint, sel wire.RestoreTestingRecoveryPointSelection, at time.Time) bool {
	if rp.Status != records.RecoveryPointCompleted && rp.Damage == "" {
		return false
	}
	if !slices.Contains(sel.RecoveryPointTypes, PointTypeSnapshot) {
		return false
	}
	days := DefaultSelectionWindowDays
	if sel.SelectionWindowDays != nil {
		days = int(*sel.SelectionWindowDays)
	}
	if rp.CreationDate.Before(at.AddDate(0, 0, -days)) || rp.CreationDate.After(at) {
		return false
	}
	return vaultSelected(rp.VaultARN, sel.IncludeVaults, sel.ExcludeVaults)
}

// pickPoint chooses among a resource's eligible points by the algorithm. The random choice is
// seeded from seed (the plan, the run's instant and the resource), so a run is repeatable: the
// same store and clock pick the same points, in tests and after a crash alike.
func pickPoint(points []records.RecoveryPoint, algorithm, seed string) (records.RecoveryPoint, bool) {
	if len(points) == 0 {
		return records.RecoveryPoint{}, false
	}
	sorted := slices.Clone(points)
	slices.SortFunc(sorted, func(a, b records.RecoveryPoint) int {
		if c := a.CreationDate.Compare(b.CreationDate); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if algorithm != AlgorithmRandom {
		return sorted[len(sorted)-1], true
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(seed))
	r := rand.New(rand.NewPCG(h.Sum64(), 0))
	return sorted[r.IntN(len(sorted))], true
}

// resourceSelected reports whether a selection tests resource r (with its tags): r is of the
// selection's type and named by ProtectedResourceArns, or ProtectedResourceArns is ["*"] and the
// ProtectedResourceConditions hold (every StringEquals tag has its value, no StringNotEquals tag
// has its value).
func resourceSelected(sel records.RestoreTestingSelection, r resources.Resource) bool {
	if r.Type != sel.ProtectedResourceType {
		return false
	}
	all := len(sel.ProtectedResourceArns) == 0 || slices.Contains(sel.ProtectedResourceArns, "*")
	if !all && !slices.Contains(sel.ProtectedResourceArns, r.ARN) {
		return false
	}
	if c := sel.ProtectedResourceConditions; c != nil {
		for _, kv := range c.StringEquals {
			if v, ok := r.Tags[kv.Key]; !ok || v != kv.Value {
				return false
			}
		}
		for _, kv := range c.StringNotEquals {
			if v, ok := r.Tags[kv.Key]; ok && v == kv.Value {
				return false
			}
		}
	}
	return true
}
