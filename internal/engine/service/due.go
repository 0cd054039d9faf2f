package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// The due index: every instant at which a job window closes or a recovery point's lifecycle acts,
// in time order, so the scheduler finds the next one with a single ordered read instead of
// scanning every job and point (after 400 days of daily backups there are thousands of each).
//
// collDue holds {time}/{kind}/{ref}, where time is fixed-width UTC that sorts as it reads;
// collDueRefs maps {kind}/{ref} to that key, so an entry can be moved or removed knowing only
// what it is for. Rule firings are not in the index: there are few rules, and their instants are
// computed from the schedule (scheduled_runs.go).
const (
	collDue     = "due"
	collDueRefs = "due-refs"
)

// Kinds of due entries.
const (
	dueStartBy    = "start-by"    // a backup job's start window closes: ref is the job key
	dueCompleteBy = "complete-by" // a backup job's completion window closes: ref is the job key
	dueCold       = "cold"        // a recovery point moves to cold storage: ref is the point key
	dueDelete     = "delete"      // a recovery point's retention ends: ref is the point key
)

// dueTimeLayout sorts lexicographically in time order for years 1000 to 9999.
const dueTimeLayout = "20060102T150405.000000000Z"

func dueTime(t time.Time) string { return t.UTC().Format(dueTimeLayout) }

type dueEntry struct {
	Kind string    `json:"kind"`
	Ref  string    `json:"ref"`
	At   time.Time `json:"at"`
}

func (e dueEntry) key() string { return dueTime(e.At) + "/" + e.Kind + "/" + e.Ref }

// setDue records that kind of work on ref is due at at, replacing what was recorded for it.
func setDue(tx store.Tx, kind, ref string, at time.Time) error {
	if err := clearDue(tx, kind, ref); err != nil {
		return err
	}
	e := dueEntry{Kind: kind, Ref: ref, At: at.UTC()}
	if err := records.PutDoc(tx, collDue, e.key(), e); err != nil {
		return err
	}
	return records.PutDoc(tx, collDueRefs, kind+"/"+ref, e.key())
}

// clearDue removes what is recorded for kind of work on ref, if anything.
func clearDue(tx store.Tx, kind, ref string) error {
	key, found, err := records.GetDoc[string](tx, collDueRefs, kind+"/"+ref)
	if err != nil || !found {
		return err
	}
	if err := records.DeleteIfExists(tx, collDue, key); err != nil {
		return err
	}
	return tx.Delete(collDueRefs, kind+"/"+ref)
}

// dueUntil returns the entries due at or before until, earliest first.
func dueUntil(tx store.Tx, until time.Time) ([]dueEntry, error) {
	var out []dueEntry
	after := ""
	for {
		docs, err := tx.Scan(collDue, "", after, 256)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			var e dueEntry
			if err := json.Unmarshal(d.Value, &e); err != nil {
				return nil, fmt.Errorf("decode %s/%s: %w", collDue, d.Key, err)
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

// nextDueAfter returns the earliest entry due strictly after after.
func nextDueAfter(tx store.Tx, after time.Time) (time.Time, bool, error) {
	// Keys with the same time as after sort below dueTime(after)+"/\xff".
	docs, err := tx.Scan(collDue, "", dueTime(after)+"/\xff", 1)
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

// buildDueIndex indexes the windows of unfinished backup jobs and the lifecycles of recovery
// points, once per store.
func (s *Service) buildDueIndex(ctx context.Context) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		_, found, err := records.GetDoc[string](tx, collDueRefs, "index-version")
		if err != nil || found {
			return err
		}
		points, err := tx.Scan(records.CollRecoveryPoints, "", "", 0)
		if err != nil {
			return err
		}
		for _, d := range points {
			var rp recoveryPoint
			if err := json.Unmarshal(d.Value, &rp); err != nil {
				return fmt.Errorf("decode %s/%s: %w", records.CollRecoveryPoints, d.Key, err)
			}
			if err := indexLifecycle(tx, rp); err != nil {
				return err
			}
		}
		jobDocs, err := tx.Scan(records.CollBackupJobs, "", "", 0)
		if err != nil {
			return err
		}
		for _, d := range jobDocs {
			var j backupJob
			if err := json.Unmarshal(d.Value, &j); err != nil {
				return fmt.Errorf("decode %s/%s: %w", records.CollBackupJobs, d.Key, err)
			}
			if backupJobDone(j.State) {
				continue
			}
			if j.State == BackupJobCreated && !j.StartBy.IsZero() {
				if err := setDue(tx, dueStartBy, j.key(), j.StartBy); err != nil {
					return err
				}
			}
			if !j.CompleteBy.IsZero() {
				if err := setDue(tx, dueCompleteBy, j.key(), j.CompleteBy); err != nil {
					return err
				}
			}
		}
		return records.PutDoc(tx, collDueRefs, "index-version", dueIndexVersion)
	})
}
