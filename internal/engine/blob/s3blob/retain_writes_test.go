package s3blob

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

// offline opens a store without a server: Open sends no request.
func offline(t *testing.T) *Store {
	t.Helper()
	loc, err := ParseLocation("s3://vaults/engine?endpoint=http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), loc, WithCredentials(credentials.NewStaticCredentialsProvider("k", "s", "")))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// While several jobs write into one store, a new object gets the earliest retention of those
// that apply to it (each job extends its own objects afterwards, so none is retained longer
// than a point needs), GOVERNANCE if any is, none once all are released, and none whose date
// has passed on the server's clock (S3 refuses such a date).
func TestWriteRetentionIsTheEarliestThatApplies(t *testing.T) {
	s := offline(t)
	now := clock.Wall()
	packs := func(name string) bool { return strings.HasPrefix(name, "packs/") }
	long := s.RetainWrites(blob.Retention{Mode: ModeCompliance, Until: now.Add(72 * time.Hour)}, packs)
	if r, ok := s.retentionFor("packs/ab/abcd"); !ok || r.Mode != ModeCompliance || !r.Until.Equal(now.Add(72*time.Hour).UTC().Truncate(time.Second)) {
		t.Errorf("one retention in force: %+v, %v", r, ok)
	}
	if r, ok := s.retentionFor("locks/gc"); ok {
		t.Errorf("locks/gc, which no retention applies to, gets %+v", r)
	}
	short := s.RetainWrites(blob.Retention{Mode: ModeGovernance, Until: now.Add(24 * time.Hour)}, nil)
	if r, ok := s.retentionFor("packs/ab/abcd"); !ok || r.Mode != ModeGovernance || !r.Until.Equal(now.Add(24*time.Hour).UTC().Truncate(time.Second)) {
		t.Errorf("two retentions in force: %+v, %v; want GOVERNANCE until the earlier", r, ok)
	}
	short()
	short() // releasing twice is harmless
	if r, ok := s.retentionFor("packs/ab/abcd"); !ok || r.Mode != ModeCompliance {
		t.Errorf("after the shorter was released: %+v, %v", r, ok)
	}
	long()
	if r, ok := s.retentionFor("packs/ab/abcd"); ok {
		t.Errorf("after every retention was released: %+v", r)
	}
	past := s.RetainWrites(blob.Retention{Mode: ModeCompliance, Until: now.Add(-time.Hour)}, nil)
	defer past()
	if r, ok := s.retentionFor("packs/ab/abcd"); ok {
		t.Errorf("a retention already over on the server's clock is applied: %+v", r)
	}
}

// The fault-injecting wrapper offers the store's Object Lock, so the jobs lock objects of a
// store under test the same way.
func TestFaultyOffersTheStoresObjectLock(t *testing.T) {
	s := offline(t)
	if _, ok := blob.AsObjectLock(blob.NewFaulty(blob.NewFaulty(s))); !ok {
		t.Error("Faulty(Faulty(s3blob.Store)) is not an ObjectLockStore")
	}
	if _, ok := blob.AsObjectLock(blob.NewFaulty(blob.NewMemory())); ok {
		t.Error("Faulty(Memory) is an ObjectLockStore")
	}
}
