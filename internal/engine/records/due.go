package records

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// The due index: every instant at which a job window closes or a recovery point's lifecycle acts,
// in time order, so the scheduler finds the next one with a single ordered read instead of
// scanning every job and point (after 400 days of daily backups there are thousands of each).
//
// CollDue holds {time}/{kind}/{ref}, where time is fixed-width UTC that sorts as it reads;
// CollDueRefs maps {kind}/{ref} to that key, so an entry can be moved or removed knowing only
// what it is for. Rule firings are not in the index: there are few rules, and their instants are
// computed from the schedule (package scheduler).
const (
	CollDue     = "due"
	CollDueRefs = "due-refs"
)

// Kinds of due entries.
const (
	DueStartBy    = "start-by"    // a backup job's start window closes: ref is the job key
	DueCompleteBy = "complete-by" // a backup job's completion window closes: ref is the job key
	DueCold       = "cold"        // a recovery point moves to cold storage: ref is the point key
	DueDelete     = "delete"      // a recovery point's retention ends: ref is the point key
	DueReport     = "report"      // a report plan's daily report: ref is the plan key
	DueEvaluate   = "evaluate"    // a framework's daily evaluation: ref is the framework key
	// DueForget: the removal of a deleted point's data that the storage still retained (S3
	// Object Lock) is tried again: ref is the pending forget's key (CollPendingForgets).
	DueForget = "forget"
)

// dueTimeLayout sorts lexicographically in time order for years 1000 to 9999.
const dueTimeLayout = "20060102T150405.000000000Z"

// DueTime is t as a due-index key: fixed-width UTC that sorts in time order.
func DueTime(t time.Time) string { return t.UTC().Format(dueTimeLayout) }

// DueEntry is one instant in the due index: kind of work on Ref is due At.
type DueEntry struct {
	Kind string    `json:"kind"`
	Ref  string    `json:"ref"`
	At   time.Time `json:"at"`
}

// Key is the entry's key in CollDue.
func (e DueEntry) Key() string { return DueTime(e.At) + "/" + e.Kind + "/" + e.Ref }

// SetDue records that kind of work on ref is due at at, replacing what was recorded for it.
func SetDue(tx store.Tx, kind, ref string, at time.Time) error {
	if err := ClearDue(tx, kind, ref); err != nil {
		return err
	}
	e := DueEntry{Kind: kind, Ref: ref, At: at.UTC()}
	if err := PutDoc(tx, CollDue, e.Key(), e); err != nil {
		return err
	}
	return PutDoc(tx, CollDueRefs, kind+"/"+ref, e.Key())
}

// ClearDue removes what is recorded for kind of work on ref, if anything.
func ClearDue(tx store.Tx, kind, ref string) error {
	key, found, err := GetDoc[string](tx, CollDueRefs, kind+"/"+ref)
	if err != nil || !found {
		return err
	}
	if err := DeleteIfExists(tx, CollDue, key); err != nil {
		return err
	}
	return tx.Delete(CollDueRefs, kind+"/"+ref)
}

// DueUntil returns the entries due at or before until, earliest first.
func DueUntil(tx store.Tx, until time.Time) ([]DueEntry, error) {
	var out []DueEntry
	after := ""
	for {
		docs, err := tx.Scan(CollDue, "", after, 256)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			var e DueEntry
			if err := json.Unmarshal(d.Value, &e); err != nil {
				return nil, fmt.Errorf("decode %s/%s: %w", CollDue, d.Key, err)
			}
			if e.At.After(until) {
				return out, nil
			}
			out = append(out, e)
		}
		if len(docs) < 256 {
			return out, nil
		}
		after = docs[len(docs)-1].Key
	}
}

// NextDueAfter returns the earliest entry due strictly after after.
func NextDueAfter(tx store.Tx, after time.Time) (time.Time, bool, error) {
	// Keys with the same time as after sort below DueTime(after)+"/\xff".
	docs, err := tx.Scan(CollDue, "", DueTime(after)+"/\xff", 1)
	if err != nil || len(docs) == 0 {
		return time.Time{}, false, err
	}
	ts, _, _ := strings.Cut(docs[0].Key, "/")
	t, err := time.Parse(dueTimeLayout, ts)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("due entry %s: %w", docs[0].Key, err)
	}
	return t, true, nil
}

// dueIndexVersion marks a store whose due index covers every job and point. Stores written by an
// engine that predates the index get it built once, at Start.
const dueIndexVersion = "v1"

// dueIndexVersionKey is the CollDueRefs document that holds dueIndexVersion once the index is
// built.
const dueIndexVersionKey = "index-version"

// dueIndexBuilt reports whether the store's due index covers every job and point.
func dueIndexBuilt(tx store.Tx) (bool, error) {
	_, found, err := GetDoc[string](tx, CollDueRefs, dueIndexVersionKey)
	return found, err
}

// markDueIndexBuilt records that the store's due index covers every job and point.
func markDueIndexBuilt(tx store.Tx) error {
	return PutDoc(tx, CollDueRefs, dueIndexVersionKey, dueIndexVersion)
}

// BuildDueIndex indexes the windows of unfinished backup jobs and the lifecycles of recovery
// points, once per store: stores written by an engine that predates the due index get it built
// at Start.
func BuildDueIndex(tx store.Tx) error {
	built, err := dueIndexBuilt(tx)
	if err != nil || built {
		return err
	}
	points, err := tx.Scan(CollRecoveryPoints, "", "", 0)
	if err != nil {
		return err
	}
	for _, d := range points {
		var rp RecoveryPoint
		if err := json.Unmarshal(d.Value, &rp); err != nil {
			return fmt.Errorf("decode %s/%s: %w", CollRecoveryPoints, d.Key, err)
		}
		if err := IndexPointLifecycle(tx, rp); err != nil {
			return err
		}
	}
	jobDocs, err := tx.Scan(CollBackupJobs, "", "", 0)
	if err != nil {
		return err
	}
	for _, d := range jobDocs {
		var j BackupJob
		if err := json.Unmarshal(d.Value, &j); err != nil {
			return fmt.Errorf("decode %s/%s: %w", CollBackupJobs, d.Key, err)
		}
		if BackupJobDone(j.State) {
			continue
		}
		if j.State == BackupJobCreated && !j.StartBy.IsZero() {
			if err := SetDue(tx, DueStartBy, j.Key(), j.StartBy); err != nil {
				return err
			}
		}
		if !j.CompleteBy.IsZero() {
			if err := SetDue(tx, DueCompleteBy, j.Key(), j.CompleteBy); err != nil {
				return err
			}
		}
	}
	return markDueIndexBuilt(tx)
}

// IndexPointLifecycle puts a point's lifecycle instants in the due index (or takes them out).
func IndexPointLifecycle(tx store.Tx, rp RecoveryPoint) error {
	key := PointKey(rp.AccountID, rp.Region, rp.VaultName, rp.ID)
	if at := rp.MoveToColdAt(); !at.IsZero() && rp.StorageClass == StorageClassWarm {
		if err := SetDue(tx, DueCold, key, at); err != nil {
			return err
		}
	} else if err := ClearDue(tx, DueCold, key); err != nil {
		return err
	}
	if at := rp.RetainUntil(); !at.IsZero() {
		return SetDue(tx, DueDelete, key, at)
	}
	return ClearDue(tx, DueDelete, key)
}
