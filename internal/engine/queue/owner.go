package queue

import (
	"slices"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/lease"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Owner identifies the runner holding a lease (package lease defines it).
type Owner = lease.Owner

// NewOwner is lease.NewOwner, under the name callers of the job runner already use.
func NewOwner() Owner { return lease.NewOwner() }

// Busy reports whether the queue holds a task of a kind other than those in ignore: for waiting
// until the work some action started has finished.
func Busy(tx store.Tx, ignore ...string) (bool, error) {
	after := ""
	for {
		docs, err := tx.Scan(collQueue, "", after, 64)
		if err != nil {
			return false, err
		}
		for _, d := range docs {
			kind, _, _ := strings.Cut(d.Key, "/")
			if !slices.Contains(ignore, kind) {
				return true, nil
			}
		}
		if len(docs) < 64 {
			return false, nil
		}
		after = docs[len(docs)-1].Key
	}
}
