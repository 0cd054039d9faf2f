package records

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// memberOrderedDoc is orderedDoc that names its order's members, so Page reads only those
// members of the records off the page.
type memberOrderedDoc struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	Nested  []string  `json:"nested"`
	Created time.Time `json:"created"`
}

func (d *memberOrderedDoc) ListOrder() (time.Time, string)   { return d.Created, d.ID }
func (*memberOrderedDoc) ListOrderMembers() (string, string) { return "created", "id" }

// fullyDecodedDoc is the same document without OrderMembers: Page decodes every record.
type fullyDecodedDoc struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	Nested  []string  `json:"nested"`
	Created time.Time `json:"created"`
}

func (d *fullyDecodedDoc) ListOrder() (time.Time, string) { return d.Created, d.ID }

// Reading only the order's members pages exactly as decoding every record does: same records,
// same order (creation time, then ID, with ties), same filter, same page ends, and a document
// whose members the light pass cannot read falls back to the full decode.
func TestPageByOrderMembersMatchesFullDecode(t *testing.T) {
	ctx := context.Background()
	s := store.NewMemory()
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	type ref struct {
		id      string
		created time.Time
	}
	var want []ref
	if err := s.Update(ctx, func(tx store.Tx) error {
		for i := range 250 {
			d := fullyDecodedDoc{ID: fmt.Sprintf("id-%03d", rng.IntN(1000)*1000+i), Kind: []string{"a", "b"}[rng.IntN(2)],
				Nested:  []string{"x", `{"id":"decoy","created":"2030-01-01T00:00:00Z"}`},
				Created: t0.Add(time.Duration(rng.IntN(40)) * time.Second).Add(time.Duration(rng.IntN(3)) * time.Nanosecond)}
			if d.Kind == "a" {
				want = append(want, ref{d.ID, d.Created})
			}
			// Keys in random order, unrelated to the listing order.
			if err := PutDoc(tx, "coll", fmt.Sprintf("p/%08d", rng.IntN(1e8)), d); err != nil {
				return err
			}
		}
		// A record with its ID first and a null member in between, and one with no creation
		// time: both still order as their full decode says.
		if err := tx.Put("coll", "p/zz-1", []byte(`{"id":"id-null","nested":null,"kind":"a","created":"2025-01-01T00:00:05Z"}`)); err != nil {
			return err
		}
		want = append(want, ref{"id-null", t0.Add(5 * time.Second)})
		if err := tx.Put("coll", "p/zz-2", []byte(`{"kind":"a","id":"id-zero"}`)); err != nil {
			return err
		}
		want = append(want, ref{"id-zero", time.Time{}})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(want, func(a, b ref) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	var wantIDs []string
	for _, r := range want {
		wantIDs = append(wantIDs, r.id)
	}

	walk := func(page func(token string) ([]string, string, error)) (ids, tokens []string) {
		t.Helper()
		for token := ""; ; {
			got, next, err := page(token)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, got...)
			tokens = append(tokens, next)
			if next == "" {
				return ids, tokens
			}
			token = next
		}
	}
	light, lightTokens := walk(func(token string) (ids []string, next string, err error) {
		err = s.View(ctx, func(tx store.Tx) error {
			list, n, err := Page(tx, "coll", "p/", token, ptr32(7), func(d *memberOrderedDoc) bool { return d.Kind == "a" })
			for _, d := range list {
				ids = append(ids, d.ID)
			}
			next = n
			return err
		})
		return ids, next, err
	})
	full, fullTokens := walk(func(token string) (ids []string, next string, err error) {
		err = s.View(ctx, func(tx store.Tx) error {
			list, n, err := Page(tx, "coll", "p/", token, ptr32(7), func(d *fullyDecodedDoc) bool { return d.Kind == "a" })
			for _, d := range list {
				ids = append(ids, d.ID)
			}
			next = n
			return err
		})
		return ids, next, err
	})
	if !slices.Equal(full, wantIDs) {
		t.Fatalf("full decode pages = %q, want %q", full, wantIDs)
	}
	if !slices.Equal(light, full) {
		t.Errorf("member-only pages = %q, want what the full decode gives: %q", light, full)
	}
	if !slices.Equal(lightTokens, fullTokens) {
		t.Errorf("member-only page tokens differ from the full decode's")
	}
}
