package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/selection"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Resolving a plan's selections: which registered resources a rule firing backs up.
//
// Tag-based selections see a resource's registry tags and, for a resource that has tags of its
// own (an S3 bucket's, from GetBucketTagging), those too; on a key both have, the registry's
// value wins, so an engine-side tag can always override or add to what the bucket says.
//
// Own tags are fetched from the resource when selections are resolved: before the transaction
// that resolves them (a transaction must not wait on the network), once per scheduler run and
// resource, each with a short deadline. A resource whose tags cannot be fetched is matched on
// its registry tags alone, and the failure is logged; it never stops other resources.

// ownTagTimeout bounds fetching one resource's own tags.
const ownTagTimeout = 5 * time.Second

// ownTagFetches is how many resources' own tags are fetched at once.
const ownTagFetches = 4

// OwnTags caches resources' own tags by ARN for one scheduler run (or one ListPlanResources).
type OwnTags struct {
	mu   sync.Mutex
	tags map[string]map[string]string
}

// NewOwnTags returns an empty cache.
func NewOwnTags() *OwnTags { return &OwnTags{tags: map[string]map[string]string{}} }

// merged returns r's tags as selections see them.
func (o *OwnTags) merged(r resources.Resource) map[string]string {
	if o == nil {
		return r.Tags
	}
	o.mu.Lock()
	own := o.tags[r.ARN]
	o.mu.Unlock()
	if len(own) == 0 {
		return r.Tags
	}
	out := maps.Clone(own)
	maps.Copy(out, r.Tags)
	return out
}

// usesTags reports whether any of the plan's selections looks at tags.
func usesTags(sels []records.Selection) bool {
	for _, rec := range sels {
		spec := rec.Selection.Spec()
		c := spec.Conditions
		if len(spec.ListOfTags)+len(c.StringEquals)+len(c.StringLike)+len(c.StringNotEquals)+len(c.StringNotLike) > 0 {
			return true
		}
	}
	return false
}

// Selections resolves plans' selections against the protected-resource registry.
type Selections struct {
	Store store.Store
	// Connectors give the resources that have tags of their own (resources.TagSource).
	Connectors resources.Set
	Log        *slog.Logger
}

// FetchOwnTags fills cache with the own tags of plan p's account and region's resources, if any
// of p's selections looks at tags and the resources' connectors have tags of their own.
func (s Selections) FetchOwnTags(ctx context.Context, cache *OwnTags, p records.Plan) error {
	var todo []resources.Resource
	err := s.Store.View(ctx, func(tx store.Tx) error {
		sels, err := records.PlanSelections(tx, p)
		if err != nil || !usesTags(sels) {
			return err
		}
		docs, err := tx.Scan(records.CollResources, p.AccountID+"/"+p.Region+"/", "", 0)
		if err != nil {
			return err
		}
		cache.mu.Lock()
		defer cache.mu.Unlock()
		for _, d := range docs {
			var r resources.Resource
			if err := json.Unmarshal(d.Value, &r); err != nil {
				return fmt.Errorf("decode %s/%s: %w", records.CollResources, d.Key, err)
			}
			if _, ok := s.Connectors[r.Type].(resources.TagSource); !ok {
				continue
			}
			if _, done := cache.tags[r.ARN]; !done {
				cache.tags[r.ARN] = nil // claimed: fetched once per run, even if it fails
				todo = append(todo, r)
			}
		}
		return nil
	})
	if err != nil || len(todo) == 0 {
		return err
	}
	slots := make(chan struct{}, ownTagFetches)
	var wg sync.WaitGroup
	for _, r := range todo {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			fctx, cancel := context.WithTimeout(ctx, ownTagTimeout)
			defer cancel()
			tags, err := s.Connectors[r.Type].(resources.TagSource).ResourceTags(fctx, r)
			if err != nil {
				s.Log.Warn("a resource's own tags could not be read; selections match it on its registry tags only",
					slog.String("resource_arn", r.ARN), slog.Any("error", err))
				return
			}
			cache.mu.Lock()
			cache.tags[r.ARN] = tags
			cache.mu.Unlock()
		}()
	}
	wg.Wait()
	return nil
}

// Match is a registered resource a selection covers, with the role to back it up with.
type Match struct {
	Resource resources.Resource
	Role     string
}

// ResolveSelections returns the registered resources of plan p's account and region that any of
// its selections covers, in registry order, each once; a resource of a type the account opted out
// of in that region only where a selection names it in Resources (selection.AssignsExplicitly). Resources are matched on their registry
// tags merged with their own tags in own (filled by FetchOwnTags before the transaction).
func ResolveSelections(tx store.Tx, p records.Plan, own *OwnTags) ([]Match, error) {
	return ResolveSelection(tx, p, "", own)
}

// ResolveSelection is ResolveSelections for the one selection of p whose ID is selectionID, or
// for all of them when selectionID is empty: what that selection covers now. A selection the
// plan does not have covers nothing.
func ResolveSelection(tx store.Tx, p records.Plan, selectionID string, own *OwnTags) ([]Match, error) {
	sels, err := records.PlanSelections(tx, p)
	if selectionID != "" {
		sels = slices.DeleteFunc(sels, func(s records.Selection) bool { return s.ID != selectionID })
	}
	if err != nil || len(sels) == 0 {
		return nil, err
	}
	type compiled struct {
		sel  *selection.Selection
		role string
	}
	var cs []compiled
	for _, rec := range sels {
		sel, err := selection.Compile(rec.Selection.Spec())
		if err != nil {
			continue // stored selections were validated
		}
		cs = append(cs, compiled{sel, rec.Selection.IamRoleArn})
	}
	settings, err := records.GetRegionSettings(tx, p.AccountID, p.Region)
	if err != nil {
		return nil, err
	}
	docs, err := tx.Scan(records.CollResources, p.AccountID+"/"+p.Region+"/", "", 0)
	if err != nil {
		return nil, err
	}
	var out []Match
	for _, d := range docs {
		var r resources.Resource
		if err := json.Unmarshal(d.Value, &r); err != nil {
			return nil, fmt.Errorf("decode %s/%s: %w", records.CollResources, d.Key, err)
		}
		sr := selection.Resource{ARN: r.ARN, Type: r.Type, Tags: own.merged(r)}
		optedIn := settings.OptedIn(r.Type)
		for _, c := range cs {
			// A type opted out of the region (ResourceTypeOptInPreference) is backed up only
			// where a selection assigns it explicitly, as on AWS.
			if c.sel.Match(sr) && (optedIn || c.sel.AssignsExplicitly(sr)) {
				out = append(out, Match{Resource: r, Role: c.role})
				break
			}
		}
	}
	return out, nil
}
