package provider

import (
	"context"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// stringMapAttribute reads tags and tags_all as GetAttribute does, for known, empty, null and
// unknown maps and a map with an unknown element, and declines what is not a map of strings.
func TestStringMapAttribute_readsAsGetAttributeDoes(t *testing.T) {
	ctx := context.Background()
	state := vaultState(t)
	mapType := tftypes.Map{ElementType: tftypes.String}
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	cases := map[string]tftypes.Value{
		"known":           tftypes.NewValue(mapType, map[string]tftypes.Value{"a": str("1"), "b": str("2")}),
		"empty":           tftypes.NewValue(mapType, map[string]tftypes.Value{}),
		"null":            tftypes.NewValue(mapType, nil),
		"unknown":         tftypes.NewValue(mapType, tftypes.UnknownValue),
		"unknown element": tftypes.NewValue(mapType, map[string]tftypes.Value{"a": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)}),
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			plan := tfsdk.Plan{Schema: state.Schema, Raw: vaultRaw(t, state, map[string]tftypes.Value{"tags": v})}
			var want types.Map
			if d := plan.GetAttribute(ctx, path.Root("tags"), &want); d.HasError() {
				t.Fatalf("GetAttribute: %v", d)
			}
			got, ok := stringMapAttribute(ctx, plan.Raw, "tags")
			if !ok {
				t.Fatal("declined a map of strings")
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("read %v, GetAttribute %v", got, want)
			}
		})
	}
	raw := vaultRaw(t, state, nil)
	if _, ok := stringMapAttribute(ctx, raw, "name"); ok {
		t.Error("took a string attribute for a map")
	}
	if _, ok := stringMapAttribute(ctx, raw, "no_such_attribute"); ok {
		t.Error("took a missing attribute")
	}
	if _, ok := stringMapAttribute(ctx, tftypes.NewValue(raw.Type(), nil), "tags"); ok {
		t.Error("took a null object")
	}
}

// mapFromTF copies known strings and leaves anything else to ElementsAs, which reports it.
func TestMapFromTF_asElementsAs(t *testing.T) {
	ctx := context.Background()
	known := types.MapValueMust(types.StringType, map[string]attr.Value{"a": types.StringValue("1"), "b": types.StringValue("")})
	got, d := mapFromTF(ctx, known)
	if d.HasError() || !reflect.DeepEqual(got, map[string]string{"a": "1", "b": ""}) {
		t.Errorf("known map: %v %v", got, d)
	}
	withUnknown := types.MapValueMust(types.StringType, map[string]attr.Value{"a": types.StringValue("1"), "b": types.StringUnknown()})
	want := map[string]string{}
	wantDiags := withUnknown.ElementsAs(ctx, &want, false)
	got, d = mapFromTF(ctx, withUnknown)
	if !d.Equal(wantDiags) || !reflect.DeepEqual(got, want) {
		t.Errorf("map with an unknown element: %v %v; ElementsAs gives %v %v", got, d, want, wantDiags)
	}
}
