package scheduler

import (
	"maps"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// A scheduled job takes the plan's advanced settings for its resource's type, and only those.
func TestScheduledJobsTakeThePlansOptionsForTheirType(t *testing.T) {
	settings := []wire.AdvancedBackupSetting{
		{ResourceType: "EC2", BackupOptions: map[string]string{"WindowsVSS": "enabled"}},
		{ResourceType: "S3", BackupOptions: map[string]string{"BackupObjectTags": "disabled"}},
	}
	bucket := withBackupOptions(resources.Resource{Type: "S3", ID: "b"}, settings)
	if !maps.Equal(bucket.BackupOptions, map[string]string{"BackupObjectTags": "disabled"}) {
		t.Errorf("S3 resource options = %v", bucket.BackupOptions)
	}
	settings[1].BackupOptions["BackupObjectTags"] = "enabled"
	if bucket.BackupOptions["BackupObjectTags"] != "disabled" {
		t.Errorf("the job's options share the plan's map")
	}
	if dir := withBackupOptions(resources.Resource{Type: "EFS"}, settings); dir.BackupOptions != nil {
		t.Errorf("EFS resource options = %v, want none", dir.BackupOptions)
	}
}
