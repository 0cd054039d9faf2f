package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
)

type restoreFormData struct {
	Vault, Arn, ResourceType, Resource string
	Metadata                           map[string]string
	// TargetLabel names what the restore creates; TargetKey is the metadata key it sets.
	TargetLabel, TargetKey, Target string
	Error                          string
}

// restoreTarget is the metadata key a restore to a new resource sets, by resource type, and how
// the form names it.
var restoreTarget = map[string]struct{ key, label string }{
	"EFS": {"destination-path", "New directory (an absolute path the engine may write)"},
	"RDS": {"DBInstanceIdentifier", "New database name (it must not exist)"},
	"S3":  {"DestinationBucketName", "New bucket name"},
}

func (c *Console) restoreFormData(ctx context.Context, cl Clients, vault, arn string) (restoreFormData, error) {
	d := restoreFormData{Vault: vault, Arn: arn}
	rp, err := cl.Backup.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: &vault, RecoveryPointArn: &arn})
	if err != nil {
		return d, err
	}
	d.ResourceType, d.Resource = aws.ToString(rp.ResourceType), aws.ToString(rp.ResourceArn)
	md, err := cl.Backup.GetRecoveryPointRestoreMetadata(ctx, &backup.GetRecoveryPointRestoreMetadataInput{BackupVaultName: &vault, RecoveryPointArn: &arn})
	if err != nil {
		return d, err
	}
	d.Metadata = md.RestoreMetadata
	t, ok := restoreTarget[d.ResourceType]
	if !ok {
		return d, fmt.Errorf("the console cannot restore a %s recovery point: use StartRestoreJob", d.ResourceType)
	}
	d.TargetKey, d.TargetLabel = t.key, t.label
	return d, nil
}

func (c *Console) restoreForm(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	d, err := c.restoreFormData(ctx, s.clients, q.Get("vault"), q.Get("arn"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, s, "restore", http.StatusOK, d)
}

// startRestore restores a recovery point to a new resource: the point's restore metadata, with
// the new resource the form names.
func (c *Console) startRestore(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	f := r.PostForm
	d, err := c.restoreFormData(ctx, s.clients, f.Get("vault"), f.Get("arn"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d.Target = strings.TrimSpace(f.Get("target"))
	if d.Target == "" {
		d.Error = "Enter the " + strings.ToLower(d.TargetLabel) + "."
		c.render(w, r, s, "restore", http.StatusBadRequest, d)
		return
	}
	md := map[string]string{}
	for k, v := range d.Metadata {
		md[k] = v
	}
	md[d.TargetKey] = d.Target
	switch d.ResourceType {
	case "EFS":
		md["newFileSystem"] = "true"
	case "S3":
		md["NewBucket"] = "true"
	}
	out, err := s.clients.Backup.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: &d.Arn, Metadata: md,
		ResourceType: &d.ResourceType})
	if err != nil {
		d.Error = "The engine refused the restore: " + apiMessage(err)
		c.render(w, r, s, "restore", http.StatusBadRequest, d)
		return
	}
	c.redirectWith(w, r, s, "/jobs/restore/"+url.PathEscape(aws.ToString(out.RestoreJobId)), "Restore job started.", "")
}

// deletePoint deletes a recovery point; a refusal (a lock, a legal hold) is the engine's error,
// shown on the vault's page.
func (c *Console) deletePoint(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	vault, arn := r.PostForm.Get("vault"), r.PostForm.Get("arn")
	back := "/vaults/" + url.PathEscape(vault)
	if _, err := s.clients.Backup.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: &vault, RecoveryPointArn: &arn}); err != nil {
		c.redirectWith(w, r, s, back, "", "The engine refused to delete "+arn+": "+apiMessage(err))
		return
	}
	c.redirectWith(w, r, s, back, "Recovery point "+arn+" is being deleted.", "")
}
