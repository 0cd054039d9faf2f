package records

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

type orderedDoc struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
}

func (d *orderedDoc) ListOrder() (time.Time, string) { return d.Created, d.ID }

// Ordered records page in creation order, then ID, whatever their keys, and a token that does not
// carry a position under the listing's prefix is refused.
func TestPageListsOrderedRecordsByCreationThenID(t *testing.T) {
	ctx := context.Background()
	s := store.NewMemory()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	docs := []orderedDoc{{"c", t0.Add(2 * time.Minute)}, {"a", t0.Add(3 * time.Minute)}, {"d", t0}, {"b", t0}, {"e", t0.Add(time.Minute)}}
	if err := s.Update(ctx, func(tx store.Tx) error {
		for i, d := range docs {
			if err := PutDoc(tx, "coll", fmt.Sprintf("p/%d", len(docs)-i), d); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	page := func(token string) (ids []string, next string) {
		t.Helper()
		if err := s.View(ctx, func(tx store.Tx) error {
			list, n, err := Page[orderedDoc](tx, "coll", "p/", token, ptr32(2), nil)
			for _, d := range list {
				ids = append(ids, d.ID)
			}
			next = n
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ids, next
	}
	var got []string
	ids, next := page("")
	got = append(got, ids...)
	for next != "" {
		ids, next = page(next)
		got = append(got, ids...)
	}
	if want := []string{"b", "d", "e", "c", "a"}; !slices.Equal(got, want) {
		t.Errorf("pages = %q, want creation order, then ID: %q", got, want)
	}
	for _, bad := range []string{EncodeToken("p/3"), EncodeToken("q/\x002025-01-01T00:00:00Z\x00a"), "garbage!"} {
		err := s.View(ctx, func(tx store.Tx) error {
			_, _, err := Page[orderedDoc](tx, "coll", "p/", bad, nil, nil)
			return err
		})
		if !apierr.Is(err, apierr.InvalidParameterValue) {
			t.Errorf("token %q: %v, want InvalidParameterValueException", bad, err)
		}
	}
}

func ptr32(v int32) *int32 { return &v }
