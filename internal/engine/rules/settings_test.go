package rules

import (
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

func TestGlobalSettingsRefuseNamingTheFix(t *testing.T) {
	for name, tc := range map[string]struct {
		in       map[string]string
		code     string
		mentions string
	}{
		"nothing":       {nil, apierr.MissingParameterValue, SettingCrossAccountBackup},
		"unknown flag":  {map[string]string{"isCrossRegionEnabled": "true"}, apierr.InvalidParameterValue, "isMpaEnabled"},
		"not a boolean": {map[string]string{SettingMpa: "True"}, apierr.InvalidParameterValue, `"true" or "false"`},
		"accepted":      {map[string]string{SettingCrossAccountBackup: "false", SettingMpa: "true", SettingDelegatedAdministrator: "false"}, "", ""},
	} {
		err := GlobalSettings(tc.in)
		e, _ := apierr.As(err)
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%s: refused: %v", name, err)
		case tc.code != "" && (e == nil || e.Code != tc.code || !strings.Contains(e.Message, tc.mentions)):
			t.Errorf("%s: %v; want %s mentioning %s", name, err, tc.code, tc.mentions)
		}
	}
}
