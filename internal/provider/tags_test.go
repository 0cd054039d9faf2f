package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
)

var compareSame = compare.ValuesSame()

func TestTagsFromRemote(t *testing.T) {
	defaults := map[string]string{"env": "dev", "managed_by": "tf"}
	cases := []struct {
		name        string
		remote      map[string]string
		prior       types.Map
		wantTags    types.Map
		wantTagsAll map[string]string
	}{
		{"defaults only, no configured tags stays null", map[string]string{"env": "dev", "managed_by": "tf"}, types.MapNull(types.StringType),
			types.MapNull(types.StringType), map[string]string{"env": "dev", "managed_by": "tf"}},
		{"overridden default is the resource's own", map[string]string{"env": "prod", "managed_by": "tf"}, types.MapNull(types.StringType),
			mapToTF(map[string]string{"env": "prod"}), map[string]string{"env": "prod", "managed_by": "tf"}},
		{"configured tag equal to a default is kept", map[string]string{"env": "dev", "managed_by": "tf"}, mapToTF(map[string]string{"env": "dev"}),
			mapToTF(map[string]string{"env": "dev"}), map[string]string{"env": "dev", "managed_by": "tf"}},
		{"explicit empty map stays empty", map[string]string{"env": "dev", "managed_by": "tf"}, mapToTF(map[string]string{}),
			mapToTF(map[string]string{}), map[string]string{"env": "dev", "managed_by": "tf"}},
		{"tag added outside terraform shows up", map[string]string{"env": "dev", "managed_by": "tf", "x": "1"}, types.MapNull(types.StringType),
			mapToTF(map[string]string{"x": "1"}), map[string]string{"env": "dev", "managed_by": "tf", "x": "1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tags, all := tagsFromRemote(tc.remote, defaults, tc.prior)
			if !tags.Equal(tc.wantTags) {
				t.Errorf("tags = %v, want %v", tags, tc.wantTags)
			}
			if !all.Equal(mapToTF(tc.wantTagsAll)) {
				t.Errorf("tags_all = %v, want %v", all, tc.wantTagsAll)
			}
		})
	}
}
