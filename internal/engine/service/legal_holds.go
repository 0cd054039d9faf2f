package service

// Legal holds: CreateLegalHold, GetLegalHold, ListLegalHolds, CancelLegalHold and
// ListRecoveryPointsByLegalHold, and which recovery points a hold holds.
//
// AWS's rules, from the AWS Backup Developer Guide, "Legal holds and AWS Backup"
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/legalhold.html), and the API reference:
//
//   - What a hold protects: "While the hold is in place, backups under a hold cannot be deleted and
//     lifecycle policies that would alter the backup status (such as transition to a Deleted state)
//     are delayed until the legal hold is removed." "A backup cannot be deleted as long as it has at
//     least one legal hold. After all legal holds on a backup are removed, it is subject to its
//     retention lifecycle properties." CreateLegalHold: "A legal hold is a restraint on altering or
//     deleting a backup … Any actions to delete or disassociate a recovery point will fail with an
//     error if one or more active legal holds are on the recovery point."
//   - Which points: "A legal hold can be added to an existing backup (recovery point)." So a hold
//     covers the points that exist when it is created, never ones created later. "Backups
//     (recovery points) with a status of EXPIRED or DELETING will not be included in the legal
//     hold." "When a legal hold is created, it can take into account specific filtering criteria,
//     such as resource types and resource IDs. Additionally, you can define the creation date range
//     of backups you wish to include." The console's scope is "Specific resource types and IDs",
//     "Select backup vaults", or "All resources types or all backup vaults within your account",
//     with a date range whose "dates are inclusive". Hence: each of VaultNames, ResourceIdentifiers
//     and DateRange that is given narrows the selection (they AND together); within a list any
//     entry matches (OR); a criterion left out does not narrow; no RecoveryPointSelection at all
//     holds every point of the account in the region. DateRange (model): "Both values are
//     required. Future DateTime values are not permitted", FromDate and ToDate "inclusive".
//   - Copies: "Legal holds apply only to the original backup on which they are placed. When a
//     backup is copied … it does not retain or carry its legal hold with it" — a copy is a new
//     point, created after the hold, so it is not covered.
//   - Many to many: "a backup can have more than [one] legal hold and a legal hold can include
//     more than one backup." "Each account can have a maximum of 50 legal holds active at one
//     time" (LimitExceededException).
//   - Status: "CREATING: Requested recovery points are in the process of being held … ACTIVE: …
//     All recovery points listed under this legal hold are held. CANCELLING: Legal holds are in the
//     process of being removed … CANCELED: Legal hold is fully released and no longer has any
//     effect."
//   - Cancelling: CancelDescription is required; "DeleteAfterDays [RetainRecordInDays on the
//     wire]: optional. Defaults to 180 days. how long to keep legal hold record after canceled.
//     This applies to the actual legal hold record only. Recovery points are unlocked as soon as
//     cancelation processes". Descriptions are "280 chars max".
//
// How the engine moves a hold through its states: resolving the covered points (CREATING →
// ACTIVE) and releasing them (CANCELING → CANCELED) are done in bounded steps of holdBatch
// documents per transaction, so a hold over a very large account never holds the store's write
// lock for long. CreateLegalHold and CancelLegalHold do the first step in their own transaction:
// in an account with fewer points than a step examines, the hold is ACTIVE (or CANCELED) when the
// call returns. Otherwise a queued task (kind "legal-hold", run by package queue, surviving
// restarts) takes the remaining steps. Every point a step resolves is held from that step's
// commit on — stricter than AWS, which says deletes "may be successful" while a hold is CREATING —
// and a point stays held until the release step that frees it commits.
//
// The store: a hold is a document in records.CollLegalHolds. records.CollLegalHoldPoints lists the points a hold
// covers (kept after cancellation, for ListRecoveryPointsByLegalHold, until the record goes);
// records.CollPointLegalHolds is the reverse index of the holds currently holding a point: a point is
// held exactly when it has an entry there (records.PointHeld), which is all every deletion path asks.

import (
	"context"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	modelnames "github.com/strongroom/terraform-provider-backup/internal/engine/names"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Legal hold statuses (the model's LegalHoldStatus).
const (
	LegalHoldCreating  = records.LegalHoldCreating
	LegalHoldActive    = records.LegalHoldActive
	LegalHoldCanceling = records.LegalHoldCanceling
	LegalHoldCanceled  = records.LegalHoldCanceled
)

const (
	// maxActiveLegalHolds: "Each account can have a maximum of 50 legal holds active at one time."
	maxActiveLegalHolds = 50
	// defaultRetainRecordDays: CancelLegalHold's record retention when RetainRecordInDays is left
	// out ("Defaults to 180 days").
	defaultRetainRecordDays = 180
	// maxRetainRecordDays bounds RetainRecordInDays at AWS Backup's longest retention anywhere
	// (100 years), so the record's end is a representable date.
	maxRetainRecordDays = 36500
)

func createOutput(h records.LegalHold) *wire.CreateLegalHoldOutput {
	return &wire.CreateLegalHoldOutput{CreationDate: wire.NewTimestamp(h.CreationDate), Description: h.Description, LegalHoldArn: h.ARN,
		LegalHoldId: h.ID, RecoveryPointSelection: h.Selection, Status: h.Status, Title: h.Title}
}

func checkHoldText(field, v string) error { return rules.HoldText(field, v) }

// validateHoldSelection checks a RecoveryPointSelection at now, for caller c.
func validateHoldSelection(tx store.Tx, c Caller, sel *wire.RecoveryPointSelection, now time.Time) error {
	if sel == nil {
		return nil
	}
	for i, name := range sel.VaultNames {
		if !vaultNamePattern.MatchString(name) {
			return apierr.InvalidParameter("RecoveryPointSelection.VaultNames[%d] %q is not a backup vault name: names are "+modelnames.VaultRule, i, name)
		}
		if _, err := records.FindVault(tx, c.AccountID, c.Region, name); apierr.Is(err, apierr.ResourceNotFound) {
			return apierr.InvalidParameter("RecoveryPointSelection.VaultNames[%d]: backup vault %s does not exist in account %s, region %s, so a legal hold on it would hold nothing; check the name", i, name, c.AccountID, c.Region)
		} else if err != nil {
			return err
		}
	}
	for i, id := range sel.ResourceIdentifiers {
		if _, err := arns.Parse(id); err != nil {
			return apierr.InvalidParameter("RecoveryPointSelection.ResourceIdentifiers[%d] %q is not an ARN: give the ARNs of the resources whose recovery points to hold, such as arn:aws:elasticfilesystem:%s:%s:file-system/fs-0123456789abcdef0", i, id, c.Region, c.AccountID)
		}
	}
	if r := sel.DateRange; r != nil {
		switch {
		case r.FromDate == nil:
			return apierr.Missing("RecoveryPointSelection.DateRange.FromDate is required when DateRange is given")
		case r.ToDate == nil:
			return apierr.Missing("RecoveryPointSelection.DateRange.ToDate is required when DateRange is given")
		case r.FromDate.Time().After(r.ToDate.Time()):
			return apierr.InvalidParameter("RecoveryPointSelection.DateRange.FromDate (%s) is after ToDate (%s): the range would select nothing",
				r.FromDate.Time().Format(time.RFC3339), r.ToDate.Time().Format(time.RFC3339))
		case r.ToDate.Time().After(now):
			return apierr.InvalidParameter("RecoveryPointSelection.DateRange.ToDate (%s) is in the future (now is %s): future dates are not permitted, as a legal hold covers only recovery points that already exist",
				r.ToDate.Time().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// CreateLegalHold creates a legal hold over the existing recovery points its selection covers.
// The hold is ACTIVE when the call returns unless the account has more points than one step
// examines; then it is CREATING, holds the points resolved so far, and a background task resolves
// the rest.
func (s *Service) CreateLegalHold(ctx context.Context, in *wire.CreateLegalHoldInput) (*wire.CreateLegalHoldOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Title) == "" {
		return nil, apierr.Missing("Title is required and must not be blank")
	}
	if err := checkHoldText("Description", in.Description); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	id := newPointID()
	h := records.LegalHold{ID: id, ARN: arns.LegalHold(c.Region, c.AccountID, id), AccountID: c.AccountID, Region: c.Region,
		Title: in.Title, Description: in.Description, Selection: in.RecoveryPointSelection, Status: LegalHoldCreating, CreationDate: now}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := records.PurgeExpiredHolds(tx, c.AccountID, c.Region, now); err != nil {
			return err
		}
		if in.IdempotencyToken != "" {
			idemKey := c.scope() + "CreateLegalHold/" + in.IdempotencyToken
			fp := fingerprint(struct {
				T, D string
				S    *wire.RecoveryPointSelection
				Tags map[string]string
			}{in.Title, in.Description, in.RecoveryPointSelection, in.Tags})
			rec, found, err := records.GetDoc[records.IdempotencyRecord](tx, records.CollIdempotency, idemKey)
			if err != nil {
				return err
			}
			if found {
				prior, stillThere, err := records.GetDoc[records.LegalHold](tx, records.CollLegalHolds, records.HoldKey(c.AccountID, c.Region, rec.JobID))
				if err != nil {
					return err
				}
				if stillThere && prior.VisibleAt(now) {
					if rec.Fingerprint != fp {
						return apierr.InvalidParameter("IdempotencyToken %q was already used by legal hold %s for a different request: use a new token for a new hold", in.IdempotencyToken, rec.JobID)
					}
					h = prior // "Retrying a successful request with the same idempotency token results in a success message with no action taken."
					return nil
				}
			}
			if err := records.PutDoc(tx, records.CollIdempotency, idemKey, records.IdempotencyRecord{JobID: h.ID, Fingerprint: fp}); err != nil {
				return err
			}
		}
		if err := validateHoldSelection(tx, c, in.RecoveryPointSelection, now); err != nil {
			return err
		}
		active, err := records.CountActiveHolds(tx, c.AccountID, c.Region)
		if err != nil {
			return err
		}
		if active >= maxActiveLegalHolds {
			return apierr.New(apierr.LimitExceeded, "account %s already has %d active legal holds in %s, the most AWS Backup allows at one time: cancel one (CancelLegalHold) before creating another",
				c.AccountID, active, c.Region)
		}
		if err := records.InsertDoc(tx, records.CollLegalHolds, h.Key(), h); err != nil {
			return err
		}
		if len(in.Tags) > 0 {
			if err := records.PutDoc(tx, records.CollTags, h.ARN, in.Tags); err != nil {
				return err
			}
		}
		if err := jobs.AdvanceHold(tx, &h, s.holdBatch); err != nil {
			return err
		}
		return jobs.QueueHoldWork(tx, h)
	})
	if err != nil {
		return nil, internal("create legal hold", err)
	}
	if !h.Settled() {
		s.runner.Notify()
	} else {
		s.mirrorLegalHolds(ctx, c.AccountID, c.Region)
	}
	return createOutput(h), nil
}

func (s *Service) legalHoldExistsByARN(tx store.Tx, a arns.ARN) error {
	_, err := records.FindHold(tx, a.AccountID, a.Region, a.Name(), s.clock.Now())
	return err
}

// GetLegalHold describes one legal hold.
func (s *Service) GetLegalHold(ctx context.Context, in *wire.GetLegalHoldInput) (*wire.GetLegalHoldOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.GetLegalHoldOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		h, err := records.FindHold(tx, c.AccountID, c.Region, in.LegalHoldId, s.clock.Now())
		if err != nil {
			return err
		}
		out = &wire.GetLegalHoldOutput{CancelDescription: h.CancelDescription, CancellationDate: wire.NewTimestamp(h.CancellationDate),
			CreationDate: wire.NewTimestamp(h.CreationDate), Description: h.Description, LegalHoldArn: h.ARN, LegalHoldId: h.ID,
			RecoveryPointSelection: h.Selection, RetainRecordUntil: wire.NewTimestamp(h.RetainRecordUntil), Status: h.Status, Title: h.Title}
		return nil
	})
	if err != nil {
		return nil, internal("get legal hold", err)
	}
	return out, nil
}

// ListLegalHolds lists the caller's legal holds, "both active and previous" (cancelled ones
// until their record is removed), oldest first.
func (s *Service) ListLegalHolds(ctx context.Context, in *wire.ListLegalHoldsInput) (*wire.ListLegalHoldsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := &wire.ListLegalHoldsOutput{LegalHolds: []*wire.LegalHold{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		list, next, err := records.Page(tx, records.CollLegalHolds, c.scope(), in.NextToken, in.MaxResults, func(h *records.LegalHold) bool { return h.VisibleAt(now) })
		if err != nil {
			return err
		}
		for _, h := range list {
			out.LegalHolds = append(out.LegalHolds, &wire.LegalHold{CancellationDate: wire.NewTimestamp(h.CancellationDate), CreationDate: wire.NewTimestamp(h.CreationDate),
				Description: h.Description, LegalHoldArn: h.ARN, LegalHoldId: h.ID, Status: h.Status, Title: h.Title})
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list legal holds", err)
	}
	return out, nil
}

// CancelLegalHold releases a hold: it turns CANCELING, frees its points (all of them before the
// call returns unless there are more than one step examines; a background task frees the rest),
// and is CANCELED once all are free. Its record, with the CancelDescription, is kept for
// RetainRecordInDays (default 180) after the cancellation, then it disappears. Cancelling a hold
// that is already cancelled (or being cancelled) succeeds and changes nothing: the first
// cancellation's description and record retention stand.
func (s *Service) CancelLegalHold(ctx context.Context, in *wire.CancelLegalHoldInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkHoldText("CancelDescription", in.CancelDescription); err != nil {
		return nil, err
	}
	days := int64(defaultRetainRecordDays)
	if in.RetainRecordInDays != nil {
		days = *in.RetainRecordInDays
		if days < 0 || days > maxRetainRecordDays {
			return nil, apierr.InvalidParameter("RetainRecordInDays must be between 0 and %d, got %d: it is how many days the cancelled hold's record is kept (default %d)",
				maxRetainRecordDays, days, defaultRetainRecordDays)
		}
	}
	now := s.clock.Now()
	var settled bool
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := records.PurgeExpiredHolds(tx, c.AccountID, c.Region, now); err != nil {
			return err
		}
		h, err := records.FindHold(tx, c.AccountID, c.Region, in.LegalHoldId, now)
		if err != nil {
			return err
		}
		if h.Status == LegalHoldCanceling || h.Status == LegalHoldCanceled {
			settled = true
			return nil
		}
		h.Status, h.Cursor = LegalHoldCanceling, ""
		h.CancellationDate, h.CancelDescription = now, in.CancelDescription
		h.RetainRecordUntil = now.AddDate(0, 0, int(days))
		if err := jobs.AdvanceHold(tx, &h, s.holdBatch); err != nil {
			return err
		}
		settled = h.Settled()
		return jobs.QueueHoldWork(tx, h)
	})
	if err != nil {
		return nil, internal("cancel legal hold", err)
	}
	if !settled {
		s.runner.Notify()
	} else {
		s.mirrorLegalHolds(ctx, c.AccountID, c.Region)
	}
	return &struct{}{}, nil
}

// mirrorLegalHolds puts the holds settled in the call onto S3 legal holds of the points' objects,
// where a vault's storage has Object Lock (jobs.SyncLegalHolds; a hold that did not settle is
// mirrored by its task). The hold is recorded either way; a failure is logged, and the next hold
// that settles mirrors them all again.
func (s *Service) mirrorLegalHolds(ctx context.Context, account, region string) {
	if err := jobs.SyncLegalHolds(ctx, s.store, s.repos, account, region); err != nil {
		s.log.Error("mirroring legal holds onto S3 legal holds failed", "account", account, "region", region, "error", err)
	}
}

// ListRecoveryPointsByLegalHold lists the points a hold covers that still exist, oldest first:
// those it holds while it is CREATING (so far) or ACTIVE, and those it held once it is cancelled,
// for as long as its record is kept. An unknown hold is ResourceNotFoundException, as in
// GetLegalHold (the model lists no such error for this operation, but names nothing better for a
// hold that does not exist).
func (s *Service) ListRecoveryPointsByLegalHold(ctx context.Context, in *wire.ListRecoveryPointsByLegalHoldInput) (*wire.ListRecoveryPointsByLegalHoldOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListRecoveryPointsByLegalHoldOutput{RecoveryPoints: []*wire.RecoveryPointMember{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		h, err := records.FindHold(tx, c.AccountID, c.Region, in.LegalHoldId, s.clock.Now())
		if err != nil {
			return err
		}
		var lookupErr error
		list, next, err := records.Page(tx, records.CollLegalHoldPoints, h.Key()+"/", in.NextToken, in.MaxResults, func(m *records.HoldMember) bool {
			_, exists, err := records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, records.PointKey(c.AccountID, c.Region, m.VaultName, m.PointID))
			if err != nil && lookupErr == nil {
				lookupErr = err
			}
			return exists
		})
		if err != nil {
			return err
		}
		if lookupErr != nil {
			return lookupErr
		}
		for _, m := range list {
			out.RecoveryPoints = append(out.RecoveryPoints, &wire.RecoveryPointMember{BackupVaultName: m.VaultName, RecoveryPointArn: m.PointARN,
				ResourceArn: m.ResourceARN, ResourceType: m.ResourceType})
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list recovery points by legal hold", err)
	}
	return out, nil
}
