package s3blob

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

// Object Lock modes, as S3 names them.
const (
	ModeCompliance = blob.RetentionCompliance
	ModeGovernance = blob.RetentionGovernance
)

// lockWorkers bounds the concurrent retention requests of one call.
const lockWorkers = 8

// ObjectLockEnabled reports whether the bucket has S3 Object Lock enabled (which needs
// versioning, and is chosen when the bucket is created). The answer is kept for the store's life.
func (s *Store) ObjectLockEnabled(ctx context.Context) (bool, error) {
	s.lockOnce.Lock()
	defer s.lockOnce.Unlock()
	if s.lockKnown {
		return s.lockEnabled, nil
	}
	out, err := s.api.GetObjectLockConfiguration(ctx, &awss3.GetObjectLockConfigurationInput{Bucket: aws.String(s.loc.Bucket)})
	switch {
	case err == nil:
		s.lockEnabled = out.ObjectLockConfiguration != nil && out.ObjectLockConfiguration.ObjectLockEnabled == types.ObjectLockEnabledEnabled
	case apiCode(err) == "ObjectLockConfigurationNotFoundError":
		s.lockEnabled = false
	default:
		return false, fmt.Errorf("storage %s: read the bucket's Object Lock configuration: %w", s.loc, err)
	}
	s.lockKnown = true
	return s.lockEnabled, nil
}

// Retain puts the objects under Object Lock retention in mode (ModeCompliance or
// ModeGovernance) until until. It never shortens a retention: an object already retained as long
// or longer keeps its own. COMPLIANCE retention cannot be shortened or removed by anyone before
// it ends, not even the bucket's owner; GOVERNANCE only with the s3:BypassGovernanceRetention
// permission.
func (s *Store) Retain(ctx context.Context, mode string, until time.Time, names ...string) error {
	if mode != ModeCompliance && mode != ModeGovernance {
		return fmt.Errorf("retain: mode %q must be %s or %s", mode, ModeCompliance, ModeGovernance)
	}
	until = until.UTC().Truncate(time.Second)
	if !until.After(s.now()) {
		// Over on the server's clock already (an engine on a fake clock behind the real one):
		// the server would keep nothing, and refuses a retention date in the past.
		return nil
	}
	return s.each(ctx, names, func(ctx context.Context, name string) error {
		key := aws.String(s.key(name))
		cur, err := s.api.GetObjectRetention(ctx, &awss3.GetObjectRetentionInput{Bucket: aws.String(s.loc.Bucket), Key: key})
		if err == nil && cur.Retention != nil && cur.Retention.RetainUntilDate != nil && !cur.Retention.RetainUntilDate.Before(until) &&
			(string(cur.Retention.Mode) == mode || cur.Retention.Mode == types.ObjectLockRetentionModeCompliance) {
			return nil
		}
		if err != nil && apiCode(err) != "NoSuchObjectLockConfiguration" {
			return fmt.Errorf("retain %s: %w", name, explain(err))
		}
		_, err = s.api.PutObjectRetention(ctx, &awss3.PutObjectRetentionInput{Bucket: aws.String(s.loc.Bucket), Key: key,
			Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionMode(mode), RetainUntilDate: aws.Time(until)}})
		if err != nil {
			return fmt.Errorf("retain %s %s until %s: %w", name, mode, until.Format(time.RFC3339), explain(err))
		}
		return nil
	})
}

// SetLegalHold turns the S3 legal hold of the objects on or off. An object with a legal hold
// cannot be deleted, whatever its retention.
func (s *Store) SetLegalHold(ctx context.Context, on bool, names ...string) error {
	status := types.ObjectLockLegalHoldStatusOff
	if on {
		status = types.ObjectLockLegalHoldStatusOn
	}
	return s.each(ctx, names, func(ctx context.Context, name string) error {
		_, err := s.api.PutObjectLegalHold(ctx, &awss3.PutObjectLegalHoldInput{Bucket: aws.String(s.loc.Bucket), Key: aws.String(s.key(name)),
			LegalHold: &types.ObjectLockLegalHold{Status: status}})
		if err != nil {
			return fmt.Errorf("legal hold %s on %s: %w", status, name, explain(err))
		}
		return nil
	})
}

// Retained implements blob.RetentionStore: whether the object's retention runs past now (the
// server's clock decides on deletion; this asks the object's own dates against now) or it has
// a legal hold.
func (s *Store) Retained(ctx context.Context, name string) (bool, error) {
	out, err := s.api.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(s.loc.Bucket), Key: aws.String(s.key(name))})
	if err != nil {
		return false, fmt.Errorf("retained %s: %w", name, explain(err))
	}
	return lockedNow(out, s.now()), nil
}

// RetainedUntil implements blob.ObjectLockStore: the object's retention end and legal hold, as
// the server keeps them.
func (s *Store) RetainedUntil(ctx context.Context, name string) (time.Time, bool, error) {
	if err := blob.ValidName(name); err != nil {
		return time.Time{}, false, err
	}
	out, err := s.api.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(s.loc.Bucket), Key: aws.String(s.key(name))})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("retained %s: %w", name, explain(err))
	}
	return aws.ToTime(out.ObjectLockRetainUntilDate), out.ObjectLockLegalHoldStatus == types.ObjectLockLegalHoldStatusOn, nil
}

// RetainWrites implements blob.ObjectLockStore: until release, Save puts the objects applies
// accepts with Object Lock retention in the PUT itself (S3's x-amz-object-lock-mode and
// -retain-until-date headers), so they are locked from the moment they exist.
func (s *Store) RetainWrites(r blob.Retention, applies func(name string) bool) (release func()) {
	w := &writeRetention{Retention: r, applies: applies}
	s.writes.mu.Lock()
	s.writes.active = append(s.writes.active, w)
	s.writes.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.writes.mu.Lock()
			defer s.writes.mu.Unlock()
			s.writes.active = slices.DeleteFunc(s.writes.active, func(x *writeRetention) bool { return x == w })
		})
	}
}

// writeRetention is one RetainWrites in force.
type writeRetention struct {
	blob.Retention
	applies func(name string) bool
}

// writeRetentions are the RetainWrites in force on a store.
type writeRetentions struct {
	mu     sync.Mutex
	active []*writeRetention
}

// retentionFor is the retention a new object name gets in its PUT: the earliest of those in
// force that apply to it (GOVERNANCE if any of them is), or none. A date not after now on the
// server's clock is left out: S3 refuses it, and it would protect nothing.
func (s *Store) retentionFor(name string) (blob.Retention, bool) {
	s.writes.mu.Lock()
	defer s.writes.mu.Unlock()
	var r blob.Retention
	found := false
	for _, w := range s.writes.active {
		if w.applies != nil && !w.applies(name) {
			continue
		}
		if !found || w.Until.Before(r.Until) {
			r.Until = w.Until
		}
		if !found || w.Mode == ModeGovernance {
			r.Mode = w.Mode
		}
		found = true
	}
	r.Until = r.Until.UTC().Truncate(time.Second)
	if !found || !r.Until.After(s.now()) {
		return blob.Retention{}, false
	}
	return r, true
}

func lockedNow(out *awss3.HeadObjectOutput, now time.Time) bool {
	if out.ObjectLockLegalHoldStatus == types.ObjectLockLegalHoldStatusOn {
		return true
	}
	return out.ObjectLockRetainUntilDate != nil && out.ObjectLockRetainUntilDate.After(now)
}

// each runs fn for every name, lockWorkers at a time.
func (s *Store) each(ctx context.Context, names []string, fn func(ctx context.Context, name string) error) error {
	for _, name := range names {
		if err := blob.ValidName(name); err != nil {
			return err
		}
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(lockWorkers)
	for _, name := range names {
		g.Go(func() error { return fn(ctx, name) })
	}
	return g.Wait()
}

// lockState is the store's knowledge of its bucket's Object Lock, and the retention it puts on
// new objects.
type lockState struct {
	lockOnce    sync.Mutex
	lockKnown   bool
	lockEnabled bool
	writes      writeRetentions
}

// now is the wall clock: the server decides on deletion by its own clock, which an engine on a
// fake clock does not move.
func (s *Store) now() time.Time { return clock.Wall() }
