package service

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

const (
	resA = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-aaaa"
	resB = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-bbbb"
)

// putPoint stores a recovery point record directly (no data behind it): enough for the rules
// about which points a hold covers and what may be done to them.
func (ts *testService) putPoint(vaultName, resource string, created time.Time, status string, lc *wire.Lifecycle) records.RecoveryPoint {
	ts.t.Helper()
	id := newPointID()
	rp := records.RecoveryPoint{ID: id, ARN: arns.RecoveryPoint(testRegion, testAccount, id), AccountID: testAccount, Region: testRegion,
		VaultName: vaultName, VaultARN: arns.Vault(testRegion, testAccount, vaultName), ResourceARN: resource, ResourceType: "EFS",
		Status: status, StorageClass: StorageClassWarm, CreationDate: created, CompletionDate: created, Lifecycle: lc}
	if err := ts.store.Update(ts.ctx, func(tx store.Tx) error { return records.InsertRecoveryPoint(tx, rp) }); err != nil {
		ts.t.Fatalf("insert recovery point: %v", err)
	}
	return rp
}

func (ts *testService) createHold(sel *wire.RecoveryPointSelection) *wire.CreateLegalHoldOutput {
	ts.t.Helper()
	out, err := ts.CreateLegalHold(ts.ctx, &wire.CreateLegalHoldInput{Title: "case-17", Description: "litigation hold for case 17", RecoveryPointSelection: sel})
	if err != nil {
		ts.t.Fatalf("CreateLegalHold: %v", err)
	}
	return out
}

func (ts *testService) getHold(id string) *wire.GetLegalHoldOutput {
	ts.t.Helper()
	out, err := ts.GetLegalHold(ts.ctx, &wire.GetLegalHoldInput{LegalHoldId: id})
	if err != nil {
		ts.t.Fatalf("GetLegalHold(%s): %v", id, err)
	}
	return out
}

// heldPoints lists the ARNs ListRecoveryPointsByLegalHold returns for a hold, one page at a time
// (page size 2, so pagination is exercised).
func (ts *testService) heldPoints(id string) []string {
	ts.t.Helper()
	var arns []string
	token := ""
	for {
		out, err := ts.ListRecoveryPointsByLegalHold(ts.ctx, &wire.ListRecoveryPointsByLegalHoldInput{LegalHoldId: id, MaxResults: ptr(int32(2)), NextToken: token})
		if err != nil {
			ts.t.Fatalf("ListRecoveryPointsByLegalHold: %v", err)
		}
		for _, p := range out.RecoveryPoints {
			arns = append(arns, p.RecoveryPointArn)
		}
		if out.NextToken == "" {
			return arns
		}
		token = out.NextToken
	}
}

func (ts *testService) isHeld(rp records.RecoveryPoint) bool {
	ts.t.Helper()
	var held bool
	err := ts.store.View(ts.ctx, func(tx store.Tx) error {
		var err error
		held, err = records.PointHeld(tx, rp)
		return err
	})
	if err != nil {
		ts.t.Fatal(err)
	}
	return held
}

func ts2(t time.Time) *wire.Timestamp { return wire.NewTimestamp(t) }

// Which points a hold covers: the criteria AND together, the entries of a list OR together, the
// date range is inclusive at both ends, and EXPIRED or DELETING points are never included.
func TestLegalHoldCoverageFollowsAWSSelectionSemantics(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("v1")
	ts.createVault("v2")
	d := func(days int) time.Time { return t0.Add(-time.Duration(days) * day) }
	points := map[string]records.RecoveryPoint{
		"v1/A/10d":         ts.putPoint("v1", resA, d(10), RecoveryPointCompleted, nil),
		"v1/B/5d":          ts.putPoint("v1", resB, d(5), RecoveryPointCompleted, nil),
		"v2/A/1d":          ts.putPoint("v2", resA, d(1), RecoveryPointCompleted, nil),
		"v2/B/5d-expired":  ts.putPoint("v2", resB, d(5), "EXPIRED", nil),
		"v1/A/2d-partial":  ts.putPoint("v1", resA, d(2), RecoveryPointPartial, nil),
		"v2/B/3d-deleting": ts.putPoint("v2", resB, d(3), "DELETING", nil),
	}
	cases := []struct {
		name string
		sel  *wire.RecoveryPointSelection
		want []string
	}{
		{"no selection: every point of the account", nil, []string{"v1/A/10d", "v1/B/5d", "v2/A/1d", "v1/A/2d-partial"}},
		{"empty selection: same", &wire.RecoveryPointSelection{}, []string{"v1/A/10d", "v1/B/5d", "v2/A/1d", "v1/A/2d-partial"}},
		{"one vault", &wire.RecoveryPointSelection{VaultNames: []string{"v1"}}, []string{"v1/A/10d", "v1/B/5d", "v1/A/2d-partial"}},
		{"two vaults OR", &wire.RecoveryPointSelection{VaultNames: []string{"v2", "v1"}}, []string{"v1/A/10d", "v1/B/5d", "v2/A/1d", "v1/A/2d-partial"}},
		{"one resource", &wire.RecoveryPointSelection{ResourceIdentifiers: []string{resA}}, []string{"v1/A/10d", "v2/A/1d", "v1/A/2d-partial"}},
		{"vault AND resource", &wire.RecoveryPointSelection{VaultNames: []string{"v1"}, ResourceIdentifiers: []string{resB}}, []string{"v1/B/5d"}},
		{"date range, inclusive at both ends", &wire.RecoveryPointSelection{DateRange: &wire.DateRange{FromDate: ts2(d(5)), ToDate: ts2(d(2))}},
			[]string{"v1/B/5d", "v1/A/2d-partial"}},
		{"date range of one instant", &wire.RecoveryPointSelection{DateRange: &wire.DateRange{FromDate: ts2(d(10)), ToDate: ts2(d(10))}}, []string{"v1/A/10d"}},
		{"vault AND resource AND dates", &wire.RecoveryPointSelection{VaultNames: []string{"v1", "v2"}, ResourceIdentifiers: []string{resA},
			DateRange: &wire.DateRange{FromDate: ts2(d(3)), ToDate: ts2(d(0))}}, []string{"v2/A/1d", "v1/A/2d-partial"}},
		{"a resource with no points in the vault", &wire.RecoveryPointSelection{VaultNames: []string{"v2"}, ResourceIdentifiers: []string{resB}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hold := ts.createHold(tc.sel)
			if hold.Status != LegalHoldActive {
				t.Errorf("status after create = %s, want ACTIVE (few points: resolved in the call)", hold.Status)
			}
			var want []string
			for _, name := range tc.want {
				want = append(want, points[name].ARN)
			}
			got := ts.heldPoints(hold.LegalHoldId)
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("held %v, want %v", names(points, got), tc.want)
			}
			// Each case cancels its hold at the end, so records.PointHeld answers for this hold alone.
			for name, rp := range points {
				if held := ts.isHeld(rp); held != slices.Contains(got, rp.ARN) {
					t.Errorf("records.PointHeld(%s) = %v, but ListRecoveryPointsByLegalHold says %v", name, held, !held)
				}
			}
			if _, err := ts.CancelLegalHold(ts.ctx, &wire.CancelLegalHoldInput{LegalHoldId: hold.LegalHoldId, CancelDescription: "next case"}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func names(points map[string]records.RecoveryPoint, arns []string) []string {
	var out []string
	for name, rp := range points {
		if slices.Contains(arns, rp.ARN) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// "A legal hold can be added to an existing backup": a point created after the hold is not held,
// and a copy (a new point) does not carry the hold either.
func TestLegalHoldDoesNotCoverPointsCreatedAfterIt(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("v1")
	before := ts.putPoint("v1", resA, t0.Add(-time.Hour), RecoveryPointCompleted, nil)
	hold := ts.createHold(&wire.RecoveryPointSelection{VaultNames: []string{"v1"}})
	ts.clock.Advance(time.Minute)
	after := ts.putPoint("v1", resA, ts.clock.Now(), RecoveryPointCompleted, nil)
	if got := ts.heldPoints(hold.LegalHoldId); !slices.Equal(got, []string{before.ARN}) {
		t.Errorf("held %v, want only the point that existed when the hold was created (%s)", got, before.ARN)
	}
	if !ts.isHeld(before) || ts.isHeld(after) {
		t.Errorf("records.PointHeld: before=%v after=%v, want true false", ts.isHeld(before), ts.isHeld(after))
	}
	if _, err := ts.DeleteRecoveryPoint(ts.ctx, &wire.DeleteRecoveryPointInput{BackupVaultName: "v1", RecoveryPointArn: after.ARN}); err != nil {
		t.Errorf("deleting the later point: %v", err)
	}
}

// The states a hold goes through, with steps small enough (two documents) that each one shows:
// CREATING while its points are being resolved — those resolved already are held — then ACTIVE;
// CANCELING while they are being released, then CANCELED; and the record stays for
// RetainRecordInDays on the engine clock, then disappears from every call.
func TestLegalHoldStatusMovesCreatingActiveCancelingCanceled(t *testing.T) {
	ts := newTestService(t, func(c *Config) { c.HoldBatch = 2 })
	ts.createVault("v1")
	var points []records.RecoveryPoint
	for i := range 5 {
		points = append(points, ts.putPoint("v1", resA, t0.Add(-time.Duration(i+1)*time.Hour), RecoveryPointCompleted, nil))
	}
	hold := ts.createHold(&wire.RecoveryPointSelection{VaultNames: []string{"v1"}})
	if hold.Status != LegalHoldCreating {
		t.Fatalf("status after create = %s, want CREATING (5 points, steps of 2)", hold.Status)
	}
	if got := ts.heldPoints(hold.LegalHoldId); len(got) != 2 {
		t.Errorf("after the first step %d points are held, want 2", len(got))
	}
	held := 0
	for _, rp := range points {
		if ts.isHeld(rp) {
			held++
			_, err := ts.DeleteRecoveryPoint(ts.ctx, &wire.DeleteRecoveryPointInput{BackupVaultName: "v1", RecoveryPointArn: rp.ARN})
			wantCode(t, err, apierr.InvalidRequest, "active legal hold(s)", hold.LegalHoldId)
		}
	}
	if held != 2 {
		t.Errorf("records.PointHeld is true for %d points, want the 2 resolved", held)
	}

	ts.Start()
	t.Cleanup(func() { _ = ts.Close() })
	ts.waitHold(hold.LegalHoldId, LegalHoldActive)
	if got := ts.heldPoints(hold.LegalHoldId); len(got) != 5 {
		t.Errorf("ACTIVE hold holds %d points, want 5", len(got))
	}
	for _, rp := range points {
		if !ts.isHeld(rp) {
			t.Errorf("point %s is not held by the ACTIVE hold", rp.ARN)
		}
	}

	// Cancel while the runner is stopped, so CANCELING shows.
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	ts.clock.Advance(time.Hour)
	cancelledAt := ts.clock.Now()
	if _, err := ts.CancelLegalHold(ts.ctx, &wire.CancelLegalHoldInput{LegalHoldId: hold.LegalHoldId, CancelDescription: "case closed", RetainRecordInDays: ptr(int64(2))}); err != nil {
		t.Fatal(err)
	}
	got := ts.getHold(hold.LegalHoldId)
	if got.Status != LegalHoldCanceling || got.CancelDescription != "case closed" || !got.CancellationDate.Time().Equal(cancelledAt) ||
		!got.RetainRecordUntil.Time().Equal(cancelledAt.Add(2*day)) {
		t.Errorf("after cancel: %+v, want CANCELING with the description, cancellation date and record end", got)
	}
	stillHeld := 0
	for _, rp := range points {
		if ts.isHeld(rp) {
			stillHeld++
		}
	}
	if stillHeld != 3 {
		t.Errorf("after the first release step %d points are still held, want 3", stillHeld)
	}

	ts.restartRunner()
	ts.waitHold(hold.LegalHoldId, LegalHoldCanceled)
	for _, rp := range points {
		if ts.isHeld(rp) {
			t.Errorf("point %s is still held by the CANCELED hold", rp.ARN)
		}
	}
	if got := ts.heldPoints(hold.LegalHoldId); len(got) != 5 {
		t.Errorf("a cancelled hold's record lists %d points, want the 5 it held", len(got))
	}
	if _, err := ts.DeleteRecoveryPoint(ts.ctx, &wire.DeleteRecoveryPointInput{BackupVaultName: "v1", RecoveryPointArn: points[0].ARN}); err != nil {
		t.Errorf("deleting a point once its hold is cancelled: %v", err)
	}
	if got := ts.heldPoints(hold.LegalHoldId); len(got) != 4 {
		t.Errorf("after deleting one, the record lists %d points, want 4 (only points that exist)", len(got))
	}

	// The record is kept for RetainRecordInDays, on the engine clock.
	ts.clock.Advance(2*day - time.Second)
	ts.getHold(hold.LegalHoldId)
	if _, err := ts.ListTags(ts.ctx, &wire.ListTagsInput{ResourceArn: hold.LegalHoldArn}); err != nil {
		t.Errorf("ListTags on the kept record: %v", err)
	}
	ts.clock.Advance(time.Second)
	_, err := ts.GetLegalHold(ts.ctx, &wire.GetLegalHoldInput{LegalHoldId: hold.LegalHoldId})
	wantCode(t, err, apierr.ResourceNotFound, hold.LegalHoldId)
	list, err := ts.ListLegalHolds(ts.ctx, &wire.ListLegalHoldsInput{})
	if err != nil || len(list.LegalHolds) != 0 {
		t.Errorf("ListLegalHolds after the record's end = %+v, %v; want none", list, err)
	}
	_, err = ts.ListRecoveryPointsByLegalHold(ts.ctx, &wire.ListRecoveryPointsByLegalHoldInput{LegalHoldId: hold.LegalHoldId})
	wantCode(t, err, apierr.ResourceNotFound)
	_, err = ts.ListTags(ts.ctx, &wire.ListTagsInput{ResourceArn: hold.LegalHoldArn})
	wantCode(t, err, apierr.ResourceNotFound)
	// The next create purges the expired record's documents.
	ts.createHold(nil)
	ts.countDocs(records.CollLegalHoldPoints, testAccount+"/"+testRegion+"/"+hold.LegalHoldId+"/", 0)
}

// A cancellation that comes while the hold is still CREATING stops the resolution and releases
// what was held so far.
func TestCancellingACreatingHoldReleasesWhatItHeld(t *testing.T) {
	ts := newTestService(t, func(c *Config) { c.HoldBatch = 2 })
	ts.createVault("v1")
	var points []records.RecoveryPoint
	for i := range 5 {
		points = append(points, ts.putPoint("v1", resA, t0.Add(-time.Duration(i+1)*time.Hour), RecoveryPointCompleted, nil))
	}
	hold := ts.createHold(nil)
	if hold.Status != LegalHoldCreating {
		t.Fatalf("status = %s, want CREATING", hold.Status)
	}
	if _, err := ts.CancelLegalHold(ts.ctx, &wire.CancelLegalHoldInput{LegalHoldId: hold.LegalHoldId, CancelDescription: "created by mistake"}); err != nil {
		t.Fatal(err)
	}
	ts.Start()
	t.Cleanup(func() { _ = ts.Close() })
	ts.waitHold(hold.LegalHoldId, LegalHoldCanceled)
	for _, rp := range points {
		if ts.isHeld(rp) {
			t.Errorf("point %s is held after the CREATING hold was cancelled", rp.ARN)
		}
	}
	ts.countDocs("job-queue", "", 0)
}

func (ts *testService) waitHold(id, status string) {
	ts.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := ts.getHold(id)
		if got.Status == status {
			return
		}
		if time.Now().After(deadline) {
			ts.t.Fatalf("legal hold %s is %s after 20s, want %s", id, got.Status, status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// restartRunner replaces the stopped job runner with a new one (a restarted engine).
func (ts *testService) restartRunner() {
	ts.t.Helper()
	next := newWired(Config{Store: ts.store, Clock: ts.clock, HoldBatch: ts.holdBatch}, queue.Options{})
	ts.wired = next
	ts.Start()
	ts.t.Cleanup(func() { _ = next.Close() })
}

func (ts *testService) countDocs(coll, prefix string, want int) {
	ts.t.Helper()
	err := ts.store.View(ts.ctx, func(tx store.Tx) error {
		docs, err := tx.Scan(coll, prefix, "", 0)
		if err == nil && len(docs) != want {
			ts.t.Errorf("%s/%s has %d documents, want %d", coll, prefix, len(docs), want)
		}
		return err
	})
	if err != nil {
		ts.t.Fatal(err)
	}
}

func TestCreateLegalHoldRefusesBadInput(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("v1")
	long := strings.Repeat("x", 281)
	cases := []struct {
		name      string
		in        wire.CreateLegalHoldInput
		code      string
		fragments []string
	}{
		{"blank title", wire.CreateLegalHoldInput{Title: " ", Description: "d"}, apierr.MissingParameterValue, []string{"Title"}},
		{"no description", wire.CreateLegalHoldInput{Title: "t"}, apierr.MissingParameterValue, []string{"Description"}},
		{"description too long", wire.CreateLegalHoldInput{Title: "t", Description: long}, apierr.InvalidParameterValue, []string{"Description", "281", "280"}},
		{"unknown vault", wire.CreateLegalHoldInput{Title: "t", Description: "d", RecoveryPointSelection: &wire.RecoveryPointSelection{VaultNames: []string{"v1", "nope"}}},
			apierr.InvalidParameterValue, []string{"VaultNames[1]", "nope", "does not exist"}},
		{"bad vault name", wire.CreateLegalHoldInput{Title: "t", Description: "d", RecoveryPointSelection: &wire.RecoveryPointSelection{VaultNames: []string{"a b"}}},
			apierr.InvalidParameterValue, []string{"VaultNames[0]", "not a backup vault name"}},
		{"resource that is not an ARN", wire.CreateLegalHoldInput{Title: "t", Description: "d", RecoveryPointSelection: &wire.RecoveryPointSelection{ResourceIdentifiers: []string{"fs-1"}}},
			apierr.InvalidParameterValue, []string{"ResourceIdentifiers[0]", "not an ARN"}},
		{"range from after to", wire.CreateLegalHoldInput{Title: "t", Description: "d", RecoveryPointSelection: &wire.RecoveryPointSelection{
			DateRange: &wire.DateRange{FromDate: ts2(t0.Add(-day)), ToDate: ts2(t0.Add(-2 * day))}}}, apierr.InvalidParameterValue, []string{"FromDate", "after ToDate"}},
		{"range in the future", wire.CreateLegalHoldInput{Title: "t", Description: "d", RecoveryPointSelection: &wire.RecoveryPointSelection{
			DateRange: &wire.DateRange{FromDate: ts2(t0.Add(-day)), ToDate: ts2(t0.Add(day))}}}, apierr.InvalidParameterValue, []string{"ToDate", "future"}},
		{"range without an end", wire.CreateLegalHoldInput{Title: "t", Description: "d", RecoveryPointSelection: &wire.RecoveryPointSelection{
			DateRange: &wire.DateRange{FromDate: ts2(t0.Add(-day))}}}, apierr.MissingParameterValue, []string{"DateRange.ToDate"}},
		{"reserved tag key", wire.CreateLegalHoldInput{Title: "t", Description: "d", Tags: map[string]string{"aws:x": "y"}}, apierr.InvalidParameterValue, []string{"aws:"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ts.CreateLegalHold(ts.ctx, &tc.in)
			wantCode(t, err, tc.code, tc.fragments...)
		})
	}
	list, _ := ts.ListLegalHolds(ts.ctx, &wire.ListLegalHoldsInput{})
	if len(list.LegalHolds) != 0 {
		t.Errorf("refused creates left %d holds", len(list.LegalHolds))
	}
}

// "Each account can have a maximum of 50 legal holds active at one time"; cancelled ones do not
// count.
func TestFiftyActiveLegalHoldsAtMost(t *testing.T) {
	ts := newTestService(t)
	var first string
	for i := range maxActiveLegalHolds {
		out := ts.createHold(nil)
		if i == 0 {
			first = out.LegalHoldId
		}
	}
	_, err := ts.CreateLegalHold(ts.ctx, &wire.CreateLegalHoldInput{Title: "51st", Description: "one too many"})
	wantCode(t, err, apierr.LimitExceeded, "50 active legal holds")
	if _, err := ts.CancelLegalHold(ts.ctx, &wire.CancelLegalHoldInput{LegalHoldId: first, CancelDescription: "make room"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.CreateLegalHold(ts.ctx, &wire.CreateLegalHoldInput{Title: "51st", Description: "fits now"}); err != nil {
		t.Errorf("create after cancelling one: %v", err)
	}
	// ListLegalHolds pages through all 51, oldest first, with no repeats.
	var ids []string
	token := ""
	for {
		out, err := ts.ListLegalHolds(ts.ctx, &wire.ListLegalHoldsInput{MaxResults: ptr(int32(20)), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range out.LegalHolds {
			ids = append(ids, h.LegalHoldId)
		}
		if out.NextToken == "" {
			break
		}
		token = out.NextToken
	}
	if len(ids) != 51 || ids[0] != first || len(slices.Compact(slices.Clone(ids))) != 51 {
		t.Errorf("ListLegalHolds listed %d holds, first %s; want 51 distinct, starting with %s", len(ids), ids[0], first)
	}
}

func TestCreateLegalHoldIsIdempotentOnItsToken(t *testing.T) {
	ts := newTestService(t)
	in := &wire.CreateLegalHoldInput{Title: "t", Description: "d", IdempotencyToken: "tok-1", Tags: map[string]string{"case": "17"}}
	first, err := ts.CreateLegalHold(ts.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ts.CreateLegalHold(ts.ctx, in)
	if err != nil || again.LegalHoldId != first.LegalHoldId {
		t.Errorf("retry with the same token = %+v, %v; want hold %s again", again, err, first.LegalHoldId)
	}
	_, err = ts.CreateLegalHold(ts.ctx, &wire.CreateLegalHoldInput{Title: "other", Description: "d", IdempotencyToken: "tok-1"})
	wantCode(t, err, apierr.InvalidParameterValue, "tok-1", first.LegalHoldId)
	list, _ := ts.ListLegalHolds(ts.ctx, &wire.ListLegalHoldsInput{})
	if len(list.LegalHolds) != 1 {
		t.Errorf("%d holds, want 1", len(list.LegalHolds))
	}
	tags, err := ts.ListTags(ts.ctx, &wire.ListTagsInput{ResourceArn: first.LegalHoldArn})
	if err != nil || tags.Tags["case"] != "17" {
		t.Errorf("ListTags(hold) = %+v, %v", tags, err)
	}
}

func TestCancelLegalHoldRules(t *testing.T) {
	ts := newTestService(t)
	hold := ts.createHold(nil)
	cases := []struct {
		name      string
		in        wire.CancelLegalHoldInput
		code      string
		fragments []string
	}{
		{"empty description", wire.CancelLegalHoldInput{LegalHoldId: hold.LegalHoldId}, apierr.MissingParameterValue, []string{"CancelDescription"}},
		{"blank description", wire.CancelLegalHoldInput{LegalHoldId: hold.LegalHoldId, CancelDescription: "  "}, apierr.MissingParameterValue, []string{"CancelDescription"}},
		{"description too long", wire.CancelLegalHoldInput{LegalHoldId: hold.LegalHoldId, CancelDescription: strings.Repeat("y", 300)}, apierr.InvalidParameterValue, []string{"280"}},
		{"negative retention", wire.CancelLegalHoldInput{LegalHoldId: hold.LegalHoldId, CancelDescription: "c", RetainRecordInDays: ptr(int64(-1))}, apierr.InvalidParameterValue, []string{"RetainRecordInDays", "-1"}},
		{"unknown hold", wire.CancelLegalHoldInput{LegalHoldId: "no-such-hold", CancelDescription: "c"}, apierr.ResourceNotFound, []string{"no-such-hold"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ts.CancelLegalHold(ts.ctx, &tc.in)
			wantCode(t, err, tc.code, tc.fragments...)
			if got := ts.getHold(hold.LegalHoldId); got.Status != LegalHoldActive {
				t.Errorf("a refused cancel left the hold %s", got.Status)
			}
		})
	}
	if _, err := ts.CancelLegalHold(ts.ctx, &wire.CancelLegalHoldInput{LegalHoldId: hold.LegalHoldId, CancelDescription: "first"}); err != nil {
		t.Fatal(err)
	}
	got := ts.getHold(hold.LegalHoldId)
	if got.Status != LegalHoldCanceled || !got.RetainRecordUntil.Time().Equal(t0.Add(defaultRetainRecordDays*day)) {
		t.Errorf("after cancel: %s until %v; want CANCELED, record kept 180 days by default", got.Status, got.RetainRecordUntil.Time())
	}
	ts.clock.Advance(time.Hour)
	if _, err := ts.CancelLegalHold(ts.ctx, &wire.CancelLegalHoldInput{LegalHoldId: hold.LegalHoldId, CancelDescription: "second"}); err != nil {
		t.Errorf("cancelling again: %v", err)
	}
	if again := ts.getHold(hold.LegalHoldId); again.CancelDescription != "first" || !again.CancellationDate.Time().Equal(t0) {
		t.Errorf("a second cancel changed the record: %+v", again)
	}
}

// What a hold forbids, on point records in every kind of vault (including a logically air-gapped
// one, which only copy jobs can fill through the API): deleting a held point is refused whatever
// the vault's lock says, and so is shortening its retention; extending it is not. Once the hold is
// cancelled the vault's own rules decide again.
func TestHeldPointsCannotBeDeletedOrShortenedInAnyVault(t *testing.T) {
	for _, kind := range []string{"plain", "governance", "compliance", "air-gapped"} {
		t.Run(kind, func(t *testing.T) {
			ts := newTestService(t)
			switch kind {
			case "air-gapped":
				if _, err := ts.CreateLogicallyAirGappedBackupVault(ts.ctx, &wire.CreateLogicallyAirGappedBackupVaultInput{BackupVaultName: "vault-v", MinRetentionDays: i64(7), MaxRetentionDays: i64(400)}); err != nil {
					t.Fatal(err)
				}
			default:
				ts.createVault("vault-v")
				if kind != "plain" {
					in := &wire.PutBackupVaultLockConfigurationInput{BackupVaultName: "vault-v", MinRetentionDays: i64(7), MaxRetentionDays: i64(400)}
					if kind == "compliance" {
						in.ChangeableForDays = i64(3)
					}
					if _, err := ts.PutBackupVaultLockConfiguration(ts.ctx, in); err != nil {
						t.Fatal(err)
					}
				}
			}
			rp := ts.putPoint("vault-v", resA, t0.Add(-40*day), RecoveryPointCompleted, &wire.Lifecycle{DeleteAfterDays: i64(50)})
			hold := ts.createHold(&wire.RecoveryPointSelection{ResourceIdentifiers: []string{resA}})
			// Past the point's retention: only the hold (and the air gap) still protect it.
			ts.clock.Advance(11 * day)

			_, err := ts.DeleteRecoveryPoint(ts.ctx, &wire.DeleteRecoveryPointInput{BackupVaultName: "vault-v", RecoveryPointArn: rp.ARN})
			wantCode(t, err, apierr.InvalidRequest, "cannot be deleted because it has active legal hold(s)", hold.LegalHoldId)
			_, err = ts.UpdateRecoveryPointLifecycle(ts.ctx, &wire.UpdateRecoveryPointLifecycleInput{BackupVaultName: "vault-v", RecoveryPointArn: rp.ARN, Lifecycle: &wire.Lifecycle{DeleteAfterDays: i64(45)}})
			wantCode(t, err, apierr.InvalidRequest, "shorter retention", "legal hold")
			if _, err := ts.UpdateRecoveryPointLifecycle(ts.ctx, &wire.UpdateRecoveryPointLifecycleInput{BackupVaultName: "vault-v", RecoveryPointArn: rp.ARN, Lifecycle: &wire.Lifecycle{DeleteAfterDays: i64(60)}}); err != nil {
				t.Errorf("extending a held point's retention: %v", err)
			}
			if _, err := ts.CancelLegalHold(ts.ctx, &wire.CancelLegalHoldInput{LegalHoldId: hold.LegalHoldId, CancelDescription: "released"}); err != nil {
				t.Fatal(err)
			}
			_, err = ts.DeleteRecoveryPoint(ts.ctx, &wire.DeleteRecoveryPointInput{BackupVaultName: "vault-v", RecoveryPointArn: rp.ARN})
			switch kind {
			case "plain":
				if err != nil {
					t.Errorf("deleting once released: %v", err)
				}
			case "air-gapped":
				wantCode(t, err, apierr.InvalidRequest, "air-gapped")
			default: // locked: the extended retention (60 days) has 9 days to go
				wantCode(t, err, apierr.InvalidRequest, "cannot be deleted before")
			}
		})
	}
}

// A hold lives in one account and region: another account's points are not covered and its
// holds are not visible.
func TestLegalHoldsAreScopedToAccountAndRegion(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("v1")
	mine := ts.putPoint("v1", resA, t0.Add(-time.Hour), RecoveryPointCompleted, nil)
	other := Caller{AccountID: "210987654321", Region: testRegion, AccessKeyID: "AKIDOTHER"}
	otherCtx := WithCaller(ts.ctx, other)
	out, err := ts.CreateLegalHold(otherCtx, &wire.CreateLegalHoldInput{Title: "theirs", Description: "d"})
	if err != nil {
		t.Fatal(err)
	}
	if ts.isHeld(mine) {
		t.Error("another account's hold holds my point")
	}
	_, err = ts.GetLegalHold(ts.ctx, &wire.GetLegalHoldInput{LegalHoldId: out.LegalHoldId})
	wantCode(t, err, apierr.ResourceNotFound)
	if !strings.HasPrefix(out.LegalHoldArn, fmt.Sprintf("arn:aws:backup:%s:%s:legal-hold:", testRegion, other.AccountID)) {
		t.Errorf("LegalHoldArn = %s", out.LegalHoldArn)
	}
}
