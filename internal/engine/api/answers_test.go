package api

import (
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// fakeVersions answers Version from a script: each call takes the next version; a zero one
// means "cannot tell".
type fakeVersions struct{ seq []store.Version }

func (f *fakeVersions) Version() (store.Version, bool) {
	v := f.seq[0]
	f.seq = f.seq[1:]
	return v, v != store.Version{}
}

func versionsFrom(t *testing.T, n int) []store.Version {
	t.Helper()
	// Real, distinct Versions: a store's, one per commit.
	s, err := store.OpenSQLite(t.Context(), t.TempDir()+"/engine.db")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out []store.Version
	for i := range n {
		v, ok := s.Version()
		if !ok {
			t.Skip("this platform's store cannot tell its Version")
		}
		out = append(out, v)
		if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.Put("c", "k", []byte{byte(i)}) }); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// An answer is kept only when the Version held over the call, and served only at that
// Version; a Version the store cannot tell keeps and serves nothing.
func TestAnswersAreKeptAndServedOnlyAtTheirVersion(t *testing.T) {
	v := versionsFrom(t, 3)
	none := store.Version{}
	a := &answer{status: 200, payload: []byte(`{"x":1}`)}
	f := &fakeVersions{}
	c := newAnswerCache(f)
	lookup := func(want *answer, wantOK bool) store.Version {
		t.Helper()
		got, now, ok := c.lookup("k")
		if got != want || ok != wantOK {
			t.Fatalf("lookup = %v, %v; want %v, %v", got, ok, want, wantOK)
		}
		return now
	}

	f.seq = []store.Version{v[0], v[1]} // a commit while the call read: not kept
	c.keep(lookup(nil, true), "k", a)
	f.seq = []store.Version{v[1], v[1], v[1]} // the Version held: kept, then served
	c.keep(lookup(nil, true), "k", a)
	lookup(a, true)
	f.seq = []store.Version{v[2]} // a commit since: not served
	lookup(nil, true)
	f.seq = []store.Version{none} // cannot tell: not served
	lookup(nil, false)
	f.seq = []store.Version{v[1]} // back at the kept Version (as no real store goes): served
	lookup(a, true)
	f.seq = []store.Version{v[2], none} // cannot tell after the call: not kept
	c.keep(lookup(nil, true), "k", a)
	f.seq = []store.Version{v[2]}
	lookup(nil, true)
}

// The key holds everything the answer may depend on.
func TestAnswerKeysSeparateOperationCallerAndInput(t *testing.T) {
	base := answerKey("DescribeBackupVault", Identity{AccountID: "111111111111", Region: "us-east-1"}, []byte(`{"BackupVaultName":"v"}`))
	for name, other := range map[string]string{
		"operation": answerKey("DescribeBackupVaultX", Identity{AccountID: "111111111111", Region: "us-east-1"}, []byte(`{"BackupVaultName":"v"}`)),
		"account":   answerKey("DescribeBackupVault", Identity{AccountID: "222222222222", Region: "us-east-1"}, []byte(`{"BackupVaultName":"v"}`)),
		"region":    answerKey("DescribeBackupVault", Identity{AccountID: "111111111111", Region: "eu-west-1"}, []byte(`{"BackupVaultName":"v"}`)),
		"input":     answerKey("DescribeBackupVault", Identity{AccountID: "111111111111", Region: "us-east-1"}, []byte(`{"BackupVaultName":"w"}`)),
	} {
		if other == base {
			t.Errorf("another %s gives the same key", name)
		}
	}
}
