package events

import "testing"

func TestNotifiesHonoursTheCompletedUmbrella(t *testing.T) {
	cases := []struct {
		configured []string
		event      string
		want       bool
	}{
		{[]string{"BACKUP_JOB_COMPLETED"}, "BACKUP_JOB_SUCCESSFUL", true},
		{[]string{"BACKUP_JOB_COMPLETED"}, "BACKUP_JOB_EXPIRED", true},
		{[]string{"BACKUP_JOB_COMPLETED"}, "BACKUP_JOB_STARTED", false},
		{[]string{"BACKUP_JOB_FAILED"}, "BACKUP_JOB_SUCCESSFUL", false},
		{[]string{"RESTORE_JOB_COMPLETED"}, "RESTORE_JOB_FAILED", true},
		{[]string{"RECOVERY_POINT_MODIFIED"}, "RECOVERY_POINT_MODIFIED", true},
		{nil, "BACKUP_JOB_FAILED", false},
	}
	for _, c := range cases {
		if got := notifies(c.configured, c.event); got != c.want {
			t.Errorf("notifies(%v, %s) = %v, want %v", c.configured, c.event, got, c.want)
		}
	}
}
