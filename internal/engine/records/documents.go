// Package records is the engine's stored state, below the domain: the collections its documents
// live in, how a document is read, written and paged through, and the rules that hold over stored
// records alone. The domain (service) calls it; it calls nothing above it, only the store.
package records

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

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
//
// Records that name their order's members (OrderMembers) are decoded whole only when they are
// on the page: for the others only the two members are read. A page of 100 points out of
// thousands then costs one range read and a light pass over each document, not a full decode
// of every point in the vault.
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
		doc     store.Doc
		v       *T // nil until decoded
		created time.Time
		id      string
	}
	decode := func(d store.Doc) (*T, error) {
		v := new(T)
		if err := json.Unmarshal(d.Value, v); err != nil {
			return nil, fmt.Errorf("decode %s/%s: %w", coll, d.Key, err)
		}
		return v, nil
	}
	members, light := any(new(T)).(OrderMembers)
	var createdName, idName string
	if light {
		createdName, idName = members.ListOrderMembers()
	}
	// The documents are the engine's own json.Marshal output, already valid and without
	// duplicate names: checking either again would cost more than the read itself.
	dec := jsontext.NewDecoder(new(bytes.Buffer), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	var buf bytes.Buffer
	var all []item
	for after := ""; ; {
		docs, err := tx.Scan(coll, prefix, after, 1000)
		if err != nil {
			return nil, "", err
		}
		for _, d := range docs {
			after = d.Key
			it := item{doc: d}
			ok := false
			if light {
				it.created, it.id, ok = orderOf(dec, &buf, d.Value, createdName, idName)
			}
			if !ok {
				// Not light, or a document the light pass cannot read: decode it whole.
				if it.v, err = decode(d); err != nil {
					return nil, "", err
				}
				if keep != nil && !keep(it.v) {
					continue
				}
				it.created, it.id = any(it.v).(Ordered).ListOrder()
			}
			if hasAfter && (it.created.Before(afterTime) || it.created.Equal(afterTime) && it.id <= afterID) {
				continue
			}
			all = append(all, it)
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
	// The page is the first limit records that keep accepts; one more means a next page.
	var page []item
	for _, it := range all {
		if it.v == nil {
			v, err := decode(it.doc)
			if err != nil {
				return nil, "", err
			}
			if keep != nil && !keep(v) {
				continue
			}
			it.v = v
		}
		page = append(page, it)
		if len(page) > limit {
			break
		}
	}
	next := ""
	if len(page) > limit {
		last := page[limit-1]
		next = EncodeToken(prefix + orderSep + last.created.UTC().Format(time.RFC3339Nano) + orderSep + last.id)
		page = page[:limit]
	}
	out := make([]*T, len(page))
	for i, it := range page {
		out[i] = it.v
	}
	return out, next, nil
}

// OrderMembers is implemented by Ordered records whose ListOrder is two top-level members of
// their stored document: the creation time (an RFC 3339 string) and the ID. Page then reads
// only those two members of the records that are not on the page.
type OrderMembers interface {
	Ordered
	ListOrderMembers() (created, id string)
}

// orderOf reads the members createdName and idName of the JSON object doc, skipping the others
// without decoding them. ok is false if doc is not an object of the expected shape, or a member
// is written in a way the light pass does not read (escaped); the caller then decodes it whole,
// so a document is never ordered differently than its full decode says.
func orderOf(dec *jsontext.Decoder, buf *bytes.Buffer, doc []byte, createdName, idName string) (created time.Time, id string, ok bool) {
	// A bytes.Buffer the decoder parses in place, rather than a reader it copies from.
	buf.Reset()
	buf.Write(doc)
	dec.Reset(buf, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return time.Time{}, "", false
	}
	var haveCreated, haveID bool
	for !haveCreated || !haveID {
		if dec.PeekKind() == '}' {
			// A member left out decodes to its zero value, as json.Unmarshal leaves it.
			return created, id, true
		}
		// Names and values as raw bytes: a Token's string would cost an allocation per member.
		name, err := dec.ReadValue()
		if err != nil {
			return time.Time{}, "", false
		}
		isCreated, isID := quotedIs(name, createdName), quotedIs(name, idName)
		if !isCreated && !isID {
			if err := dec.SkipValue(); err != nil {
				return time.Time{}, "", false
			}
			continue
		}
		v, err := dec.ReadValue()
		if err != nil || v.Kind() != '"' || bytes.IndexByte(v, '\\') >= 0 {
			return time.Time{}, "", false
		}
		text := v[1 : len(v)-1]
		if isID {
			id, haveID = string(text), true
			continue
		}
		if created, err = time.Parse(time.RFC3339Nano, string(text)); err != nil {
			return time.Time{}, "", false
		}
		haveCreated = true
	}
	return created, id, true
}

// quotedIs reports whether the raw JSON string v is name, written without escapes.
func quotedIs(v jsontext.Value, name string) bool {
	return len(v) == len(name)+2 && v[0] == '"' && string(v[1:len(v)-1]) == name
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
