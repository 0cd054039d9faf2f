// Package records is the engine's stored state, below the domain: the collections its documents
// live in, how a document is read, written and paged through, and the rules that hold over stored
// records alone. The domain (service) calls it; it calls nothing above it, only the store.
package records

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// GetDoc reads and decodes one document; found is false when there is none.
func GetDoc[T any](tx store.Tx, coll, key string) (v T, found bool, err error) {
	b, err := tx.Get(coll, key)
	if errors.Is(err, store.ErrNotFound) {
		return v, false, nil
	}
	if err != nil {
		return v, false, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, false, fmt.Errorf("decode %s/%s: %w", coll, key, err)
	}
	return v, true, nil
}

// PutDoc encodes v and stores it under key, replacing any document there.
func PutDoc(tx store.Tx, coll, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", coll, key, err)
	}
	return tx.Put(coll, key, b)
}

// InsertDoc encodes v and stores it under key; the store refuses a key that is already taken.
func InsertDoc(tx store.Tx, coll, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", coll, key, err)
	}
	return tx.Insert(coll, key, b)
}

// DeleteIfExists deletes a document; one that is not there is not an error.
func DeleteIfExists(tx store.Tx, coll, key string) error {
	if err := tx.Delete(coll, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// DefaultMaxResults is the page size when a List call gives no MaxResults.
const DefaultMaxResults = 1000

// Ordered is a listed record with a creation time and an ID. Page lists such records in
// creation order, oldest first, and records created at the same time by ID, whatever their keys:
// the order every List operation of the engine documents.
type Ordered interface {
	ListOrder() (created time.Time, id string)
}

// Page lists documents of coll under prefix, decoded as T, that keep accepts, starting after the
// position encoded in nextToken. It returns at most maxResults items and the token of the next
// page ("" on the last one). Records that are Ordered come in creation order, then by ID; others
// in key order. Either order is stable under concurrent inserts: a page never repeats or skips a
// record that was there when the first page was read.
func Page[T any](tx store.Tx, coll, prefix, nextToken string, maxResults *int32, keep func(*T) bool) ([]*T, string, error) {
	limit := DefaultMaxResults
	if maxResults != nil && *maxResults > 0 {
		limit = int(*maxResults)
	}
	if _, ordered := any(new(T)).(Ordered); ordered {
		return pageInOrder(tx, coll, prefix, nextToken, limit, keep)
	}
	after := ""
	if nextToken != "" {
		k, err := DecodeToken(nextToken, prefix)
		if err != nil {
			return nil, "", err
		}
		after = k
	}
	var out []*T
	for {
		batch := limit + 1
		if batch < 100 {
			batch = 100
		}
		docs, err := tx.Scan(coll, prefix, after, batch)
		if err != nil {
			return nil, "", err
		}
		for _, d := range docs {
			var v T
			if err := json.Unmarshal(d.Value, &v); err != nil {
				return nil, "", fmt.Errorf("decode %s/%s: %w", coll, d.Key, err)
			}
			if keep != nil && !keep(&v) {
				after = d.Key
				continue
			}
			if len(out) == limit {
				// One more item exists beyond this page: the page ends at the previous key.
				return out, EncodeToken(after), nil
			}
			out = append(out, &v)
			after = d.Key
		}
		if len(docs) < batch {
			return out, "", nil
		}
	}
}

// pageInOrder is Page for Ordered records: it reads every record under prefix, sorts them by
// creation time and ID, and returns the page after the (time, ID) position nextToken carries.
func pageInOrder[T any](tx store.Tx, coll, prefix, nextToken string, limit int, keep func(*T) bool) ([]*T, string, error) {
	var afterTime time.Time
	afterID, hasAfter := "", nextToken != ""
	if hasAfter {
		k, err := DecodeToken(nextToken, prefix)
		if err != nil {
			return nil, "", err
		}
		rest, marked := strings.CutPrefix(k, prefix+orderSep)
		ts, id, ok := strings.Cut(rest, orderSep)
		t, perr := time.Parse(time.RFC3339Nano, ts)
		if !marked || !ok || perr != nil {
			return nil, "", apierr.InvalidParameter("NextToken %q is not valid for this request: pass the NextToken of the previous page unchanged", nextToken)
		}
		afterTime, afterID = t, id
	}
	type item struct {
		v       *T
		created time.Time
		id      string
	}
	var all []item
	for after := ""; ; {
		docs, err := tx.Scan(coll, prefix, after, 1000)
		if err != nil {
			return nil, "", err
		}
		for _, d := range docs {
			v := new(T)
			if err := json.Unmarshal(d.Value, v); err != nil {
				return nil, "", fmt.Errorf("decode %s/%s: %w", coll, d.Key, err)
			}
			after = d.Key
			if keep != nil && !keep(v) {
				continue
			}
			created, id := any(v).(Ordered).ListOrder()
			if hasAfter && (created.Before(afterTime) || created.Equal(afterTime) && id <= afterID) {
				continue
			}
			all = append(all, item{v, created, id})
		}
		if len(docs) < 1000 {
			break
		}
	}
	slices.SortFunc(all, func(a, b item) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	next := ""
	if len(all) > limit {
		last := all[limit-1]
		next = EncodeToken(prefix + orderSep + last.created.UTC().Format(time.RFC3339Nano) + orderSep + last.id)
		all = all[:limit]
	}
	out := make([]*T, len(all))
	for i, it := range all {
		out[i] = it.v
	}
	return out, next, nil
}

// orderSep separates a creation-ordered token's parts; no key, time or ID holds it.
const orderSep = "\x00"

// EncodeToken makes the NextToken of a page that ended at key. Tokens are opaque to clients;
// they carry the last key of the previous page.
func EncodeToken(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

// DecodeToken returns the key a NextToken carries, refusing one that is not under prefix.
func DecodeToken(token, prefix string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		return "", apierr.InvalidParameter("NextToken %q is not valid for this request: pass the NextToken of the previous page unchanged", token)
	}
	return string(b), nil
}

// ScanDocs decodes every document of coll under prefix and calls fn with it.
func ScanDocs[T any](tx store.Tx, coll, prefix string, fn func(*T)) error {
	after := ""
	for {
		docs, err := tx.Scan(coll, prefix, after, 512)
		if err != nil {
			return err
		}
		for _, d := range docs {
			var v T
			if err := json.Unmarshal(d.Value, &v); err != nil {
				return fmt.Errorf("decode %s/%s: %w", coll, d.Key, err)
			}
			fn(&v)
		}
		if len(docs) < 512 {
			return nil
		}
		after = docs[len(docs)-1].Key
	}
}
