package api_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

// writeSmallTree writes a few small files: enough to make a real recovery point quickly, and to
// tell by a restore whether its data is intact.
func writeSmallTree(t *testing.T, dir string, seed int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"a.txt", "sub/b.txt", "sub/c.bin"} {
		body := strings.Repeat(fmt.Sprintf("seed %d file %d\n", seed, i), 50+seed*7+i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A legal hold through the SDK, end to end: the hold covers the vault's real recovery point,
// DeleteRecoveryPoint is refused with AWS's message, a cancel without a description is refused,
// a cancel with one releases the point, which can then be deleted; the record stays for
// RetainRecordInDays of engine time and then is gone.
func TestLegalHoldLifecycleThroughSDK(t *testing.T) {
	ctx := context.Background()
	fake := clock.NewFake(time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC))
	e := newJobEnv(t, engine.Options{Clock: fake})
	src := filepath.Join(t.TempDir(), "data")
	writeSmallTree(t, src, 1)
	arn := e.register(t, src)
	e.vault(t, "evidence")
	e.vault(t, "other")
	point := aws.ToString(e.backup(t, "evidence", arn).RecoveryPointArn)
	elsewhere := aws.ToString(e.backup(t, "other", arn).RecoveryPointArn)
	fake.Advance(time.Minute)

	created, err := e.c.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{
		Title: aws.String("case-2024-17"), Description: aws.String("SEC inquiry 2024-17"),
		IdempotencyToken:       aws.String("create-1"),
		RecoveryPointSelection: &types.RecoveryPointSelection{VaultNames: []string{"evidence"}, ResourceIdentifiers: []string{arn}},
		Tags:                   map[string]string{"matter": "2024-17"},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.LegalHoldId)
	if created.Status != types.LegalHoldStatusActive || !strings.HasPrefix(aws.ToString(created.LegalHoldArn), "arn:aws:backup:us-east-1:"+e.srv.Key.AccountID+":legal-hold:"+id) ||
		!created.CreationDate.Equal(fake.Now()) || created.RecoveryPointSelection == nil || created.RecoveryPointSelection.VaultNames[0] != "evidence" {
		t.Errorf("CreateLegalHold = %+v", created)
	}
	got, err := e.c.GetLegalHold(ctx, &backup.GetLegalHoldInput{LegalHoldId: aws.String(id)})
	if err != nil || got.Status != types.LegalHoldStatusActive || aws.ToString(got.Title) != "case-2024-17" ||
		got.RecoveryPointSelection.ResourceIdentifiers[0] != arn || got.CancellationDate != nil || got.RetainRecordUntil != nil {
		t.Errorf("GetLegalHold = %+v, %v", got, err)
	}
	var members []types.RecoveryPointMember
	for p := backup.NewListRecoveryPointsByLegalHoldPaginator(e.c, &backup.ListRecoveryPointsByLegalHoldInput{LegalHoldId: aws.String(id)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, page.RecoveryPoints...)
	}
	if len(members) != 1 || aws.ToString(members[0].RecoveryPointArn) != point || aws.ToString(members[0].BackupVaultName) != "evidence" ||
		aws.ToString(members[0].ResourceArn) != arn || aws.ToString(members[0].ResourceType) != "EFS" {
		t.Errorf("ListRecoveryPointsByLegalHold = %+v, want only %s", members, point)
	}
	tags, err := e.c.ListTags(ctx, &backup.ListTagsInput{ResourceArn: created.LegalHoldArn})
	if err != nil || tags.Tags["matter"] != "2024-17" {
		t.Errorf("ListTags(hold) = %+v, %v", tags, err)
	}
	if _, err := e.c.TagResource(ctx, &backup.TagResourceInput{ResourceArn: created.LegalHoldArn, Tags: map[string]string{"owner": "legal"}}); err != nil {
		t.Errorf("TagResource(hold): %v", err)
	}
	again, err := e.c.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{
		Title: aws.String("case-2024-17"), Description: aws.String("SEC inquiry 2024-17"), IdempotencyToken: aws.String("create-1"),
		RecoveryPointSelection: &types.RecoveryPointSelection{VaultNames: []string{"evidence"}, ResourceIdentifiers: []string{arn}},
		Tags:                   map[string]string{"matter": "2024-17"},
	})
	if err != nil || aws.ToString(again.LegalHoldId) != id {
		t.Errorf("retry with the idempotency token = %+v, %v; want hold %s", again, err, id)
	}

	_, err = e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String("evidence"), RecoveryPointArn: aws.String(point)})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || !strings.Contains(apiMessage(err), "cannot be deleted because it has active legal hold(s): "+id) {
		t.Errorf("deleting the held point: %v", err)
	}
	if _, err := e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String("other"), RecoveryPointArn: aws.String(elsewhere)}); err != nil {
		t.Errorf("deleting a point the hold does not cover: %v", err)
	}

	_, err = e.c.CancelLegalHold(ctx, &backup.CancelLegalHoldInput{LegalHoldId: aws.String(id), CancelDescription: aws.String("")})
	var mpe *types.MissingParameterValueException
	if !errors.As(err, &mpe) || !strings.Contains(apiMessage(err), "CancelDescription") {
		t.Errorf("cancel with an empty description: %v", err)
	}
	_, err = e.c.CancelLegalHold(ctx, &backup.CancelLegalHoldInput{LegalHoldId: aws.String("no-such-hold"), CancelDescription: aws.String("x")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("cancelling an unknown hold: %v", err)
	}

	fake.Advance(time.Hour)
	cancelledAt := fake.Now()
	if _, err := e.c.CancelLegalHold(ctx, &backup.CancelLegalHoldInput{LegalHoldId: aws.String(id), CancelDescription: aws.String("inquiry closed"), RetainRecordInDays: aws.Int64(30)}); err != nil {
		t.Fatal(err)
	}
	got, err = e.c.GetLegalHold(ctx, &backup.GetLegalHoldInput{LegalHoldId: aws.String(id)})
	if err != nil || got.Status != types.LegalHoldStatusCanceled || aws.ToString(got.CancelDescription) != "inquiry closed" ||
		!got.CancellationDate.Equal(cancelledAt) || !got.RetainRecordUntil.Equal(cancelledAt.AddDate(0, 0, 30)) {
		t.Errorf("GetLegalHold after cancel = %+v, %v", got, err)
	}
	list, err := e.c.ListLegalHolds(ctx, &backup.ListLegalHoldsInput{})
	if err != nil || len(list.LegalHolds) != 1 || list.LegalHolds[0].Status != types.LegalHoldStatusCanceled || !list.LegalHolds[0].CancellationDate.Equal(cancelledAt) {
		t.Errorf("ListLegalHolds = %+v, %v", list, err)
	}
	if _, err := e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String("evidence"), RecoveryPointArn: aws.String(point)}); err != nil {
		t.Errorf("deleting the point once the hold is cancelled: %v", err)
	}

	fake.Advance(30 * 24 * time.Hour)
	if _, err := e.c.GetLegalHold(ctx, &backup.GetLegalHoldInput{LegalHoldId: aws.String(id)}); !errors.As(err, &rnf) {
		t.Errorf("GetLegalHold after RetainRecordInDays: %v, want ResourceNotFoundException", err)
	}
	if list, _ := e.c.ListLegalHolds(ctx, &backup.ListLegalHoldsInput{}); len(list.LegalHolds) != 0 {
		t.Errorf("ListLegalHolds after the record's end lists %d", len(list.LegalHolds))
	}
}

// What the SDKs never send: a CancelLegalHold with no cancelDescription at all is answered by the
// model's validation with MissingParameterValueException, before the hold is touched.
func TestCancelLegalHoldWithoutDescriptionIsMissingParameter(t *testing.T) {
	srv := startEngine(t)
	c := srv.Client("us-east-1")
	out, err := c.CreateLegalHold(context.Background(), &backup.CreateLegalHoldInput{Title: aws.String("t"), Description: aws.String("d")})
	if err != nil {
		t.Fatal(err)
	}
	a := doRaw(t, srv, rawCall{method: "DELETE", path: "/legal-holds/" + aws.ToString(out.LegalHoldId), sign: true})
	if a.errorType != "MissingParameterValueException" || !strings.Contains(fmt.Sprint(a.body["message"]), "CancelDescription") {
		t.Errorf("cancel without cancelDescription: %d %s %v", a.status, a.errorType, a.body)
	}
	a = doRaw(t, srv, rawCall{method: "DELETE", path: "/legal-holds/" + aws.ToString(out.LegalHoldId) + "?cancelDescription=done&retainRecordInDays=soon", sign: true})
	if a.errorType != "InvalidParameterValueException" {
		t.Errorf("cancel with a non-numeric retainRecordInDays: %d %s %v", a.status, a.errorType, a.body)
	}
	if got, _ := c.GetLegalHold(context.Background(), &backup.GetLegalHoldInput{LegalHoldId: out.LegalHoldId}); got.Status != types.LegalHoldStatusActive {
		t.Errorf("refused cancels left the hold %s", got.Status)
	}
	a = doRaw(t, srv, rawCall{method: "DELETE", path: "/legal-holds/" + aws.ToString(out.LegalHoldId) + "?cancelDescription=done", sign: true})
	if a.status != 201 || a.errorType != "" {
		t.Errorf("cancel: status %d %s %v, want 201 as the model says", a.status, a.errorType, a.body)
	}
}

// Bad CreateLegalHold input gets the error codes the model lists for the operation.
func TestCreateLegalHoldErrorsAreTyped(t *testing.T) {
	ctx := context.Background()
	srv := startEngine(t)
	c := srv.Client("us-east-1")
	_, err := c.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{Title: aws.String("t"), Description: aws.String("d"),
		RecoveryPointSelection: &types.RecoveryPointSelection{VaultNames: []string{"missing-vault"}}})
	var ipe *types.InvalidParameterValueException
	if !errors.As(err, &ipe) || !strings.Contains(apiMessage(err), "missing-vault") {
		t.Errorf("hold on a missing vault: %v", err)
	}
	future := time.Now().Add(24 * time.Hour)
	_, err = c.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{Title: aws.String("t"), Description: aws.String("d"),
		RecoveryPointSelection: &types.RecoveryPointSelection{DateRange: &types.DateRange{FromDate: aws.Time(time.Now().Add(-time.Hour)), ToDate: aws.Time(future)}}})
	if !errors.As(err, &ipe) || !strings.Contains(apiMessage(err), "future") {
		t.Errorf("hold with a future ToDate: %v", err)
	}
	for i := range 50 {
		if _, err := c.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{Title: aws.String(fmt.Sprint("hold-", i)), Description: aws.String("d")}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{Title: aws.String("51"), Description: aws.String("d")})
	var lee *types.LimitExceededException
	if !errors.As(err, &lee) {
		t.Errorf("the 51st active hold: %v, want LimitExceededException", err)
	}
	// ListLegalHolds pages through all 50 in creation order.
	var titles []string
	for p := backup.NewListLegalHoldsPaginator(c, &backup.ListLegalHoldsInput{MaxResults: aws.Int32(7)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range page.LegalHolds {
			titles = append(titles, aws.ToString(h.Title))
		}
	}
	if len(titles) != 50 || titles[0] != "hold-0" || titles[49] != "hold-49" {
		t.Errorf("ListLegalHolds paged %d holds: %v", len(titles), titles)
	}
}
