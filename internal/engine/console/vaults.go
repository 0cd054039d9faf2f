package console

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

// listVaults lists the vaults with the size of the recovery points each holds.
func listVaults(ctx context.Context, cl Clients) ([]vaultRow, error) {
	var rows []vaultRow
	for p := backup.NewListBackupVaultsPaginator(cl.Backup, &backup.ListBackupVaultsInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range out.BackupVaultList {
			row := vaultRow{Name: aws.ToString(v.BackupVaultName), Arn: aws.ToString(v.BackupVaultArn), Points: v.NumberOfRecoveryPoints,
				Locked: aws.ToBool(v.Locked), MinDays: v.MinRetentionDays, MaxDays: v.MaxRetentionDays, EncryptionKey: aws.ToString(v.EncryptionKeyArn)}
			points, err := vaultPoints(ctx, cl, row.Name)
			if err != nil {
				return nil, err
			}
			for _, pt := range points {
				row.Size += aws.ToInt64(pt.BackupSizeInBytes)
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

func vaultPoints(ctx context.Context, cl Clients, vault string) ([]types.RecoveryPointByBackupVault, error) {
	var pts []types.RecoveryPointByBackupVault
	for p := backup.NewListRecoveryPointsByBackupVaultPaginator(cl.Backup, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: &vault}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		pts = append(pts, out.RecoveryPoints...)
	}
	return pts, nil
}

func (c *Console) vaults(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	rows, err := listVaults(ctx, s.clients)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, s, "vaults", http.StatusOK, rows)
}

type pointRow struct {
	types.RecoveryPointByBackupVault
	Holds []string
}

type vaultData struct {
	Vault    *backup.DescribeBackupVaultOutput
	Tags     map[string]string
	Policy   string
	Points   []pointRow
	Size     int64
	Holds    []types.LegalHold
	Now      time.Time
	LockDate *time.Time
}

func (c *Console) vault(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session, name string) {
	cl := s.clients
	v, err := cl.Backup.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: &name})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d := vaultData{Vault: v, LockDate: v.LockDate}
	tags, err := cl.Backup.ListTags(ctx, &backup.ListTagsInput{ResourceArn: v.BackupVaultArn})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d.Tags = tags.Tags
	pol, err := cl.Backup.GetBackupVaultAccessPolicy(ctx, &backup.GetBackupVaultAccessPolicyInput{BackupVaultName: &name})
	var nf *types.ResourceNotFoundException
	switch {
	case err == nil:
		d.Policy = aws.ToString(pol.Policy)
	case !errors.As(err, &nf):
		c.fail(w, r, s, err)
		return
	}
	points, err := vaultPoints(ctx, cl, name)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	held, holds, err := activeHolds(ctx, cl)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d.Holds = holds
	for _, pt := range points {
		d.Size += aws.ToInt64(pt.BackupSizeInBytes)
		d.Points = append(d.Points, pointRow{pt, held[aws.ToString(pt.RecoveryPointArn)]})
	}
	c.render(w, r, s, "vault", http.StatusOK, d)
}

// activeHolds returns every legal hold, and for each recovery point the titles of the active
// holds on it.
func activeHolds(ctx context.Context, cl Clients) (map[string][]string, []types.LegalHold, error) {
	var holds []types.LegalHold
	for p := backup.NewListLegalHoldsPaginator(cl.Backup, &backup.ListLegalHoldsInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, err
		}
		holds = append(holds, out.LegalHolds...)
	}
	held := map[string][]string{}
	for _, h := range holds {
		if h.Status != types.LegalHoldStatusActive && h.Status != types.LegalHoldStatusCreating {
			continue
		}
		for p := backup.NewListRecoveryPointsByLegalHoldPaginator(cl.Backup, &backup.ListRecoveryPointsByLegalHoldInput{LegalHoldId: h.LegalHoldId}); p.HasMorePages(); {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, nil, err
			}
			for _, rp := range out.RecoveryPoints {
				arn := aws.ToString(rp.RecoveryPointArn)
				held[arn] = append(held[arn], aws.ToString(h.Title))
			}
		}
	}
	return held, holds, nil
}

// holdRow is a legal hold with the recovery points it holds.
type holdRow struct {
	types.LegalHold
	Points []string
}

func (c *Console) legalHolds(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	var rows []holdRow
	for p := backup.NewListLegalHoldsPaginator(s.clients.Backup, &backup.ListLegalHoldsInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		for _, h := range out.LegalHolds {
			row := holdRow{LegalHold: h}
			for pp := backup.NewListRecoveryPointsByLegalHoldPaginator(s.clients.Backup, &backup.ListRecoveryPointsByLegalHoldInput{LegalHoldId: h.LegalHoldId}); pp.HasMorePages(); {
				pts, err := pp.NextPage(ctx)
				if err != nil {
					c.fail(w, r, s, err)
					return
				}
				for _, rp := range pts.RecoveryPoints {
					row.Points = append(row.Points, aws.ToString(rp.RecoveryPointArn))
				}
			}
			rows = append(rows, row)
		}
	}
	c.render(w, r, s, "legal-holds", http.StatusOK, rows)
}
