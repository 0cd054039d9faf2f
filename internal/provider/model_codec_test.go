package provider

import (
	"context"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// vaultState is an empty state of backup_vault's real schema.
func vaultState(t *testing.T) tfsdk.State {
	t.Helper()
	ctx := context.Background()
	var resp resource.SchemaResponse
	NewVaultResource().Schema(ctx, resource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("vault schema: %v", resp.Diagnostics)
	}
	return tfsdk.State{Schema: resp.Schema, Raw: tftypes.NewValue(resp.Schema.Type().TerraformType(ctx), nil)}
}

// vaultRaw is a backup_vault state value with the given attributes, the rest null.
func vaultRaw(t *testing.T, state tfsdk.State, set map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	obj := state.Raw.Type().(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range obj.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range set {
		vals[name] = v
	}
	return tftypes.NewValue(obj, vals)
}

// countingGet and countingSet are the framework's Get and Set of state, counting the calls the
// codec hands to them.
func counting(state *tfsdk.State, calls *int) (get, set func(context.Context, any) diag.Diagnostics) {
	get = func(ctx context.Context, target any) diag.Diagnostics { *calls++; return state.Get(ctx, target) }
	set = func(ctx context.Context, val any) diag.Diagnostics { *calls++; return state.Set(ctx, val) }
	return get, set
}

// The codec reads and writes backup_vault's state exactly as the framework's Get and Set do,
// without calling them, for states with nulls, unknowns, empty and full tag maps.
func TestModelCodec_vaultStateAsTheFrameworkReadsAndWritesIt(t *testing.T) {
	ctx := context.Background()
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	tagMap := func(kv map[string]string) tftypes.Value {
		m := map[string]tftypes.Value{}
		for k, v := range kv {
			m[k] = str(v)
		}
		return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, m)
	}
	cases := map[string]map[string]tftypes.Value{
		"all set": {
			"id": str("v1"), "name": str("v1"), "arn": str("arn:aws:backup:us-east-1:000000000000:backup-vault:v1"),
			"kms_key_arn": str("arn:aws:kms:us-east-1:000000000000:key/k"), "force_destroy": tftypes.NewValue(tftypes.Bool, true),
			"recovery_points": tftypes.NewValue(tftypes.Number, 3), "tags": tagMap(map[string]string{"a": "1", "b": "2"}),
			"tags_all": tagMap(map[string]string{"a": "1", "b": "2", "team": "x"}),
		},
		"nulls":      {"name": str("v2")},
		"empty tags": {"name": str("v3"), "tags": tagMap(map[string]string{}), "tags_all": tagMap(map[string]string{})},
		"unknowns": {
			"name": str("v4"), "id": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
			"tags_all": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, tftypes.UnknownValue),
		},
	}
	for name, attrs := range cases {
		t.Run(name, func(t *testing.T) {
			var codec modelCodec[vaultModel]
			state := vaultState(t)
			state.Raw = vaultRaw(t, state, attrs)
			calls := 0
			get, set := counting(&state, &calls)

			var want, got vaultModel
			if d := state.Get(ctx, &want); d.HasError() {
				t.Fatalf("framework Get: %v", d)
			}
			if d := codec.get(ctx, get, state.Schema, state.Raw, &got); d.HasError() {
				t.Fatalf("codec get: %v", d)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("codec read %+v, the framework %+v", got, want)
			}

			written := vaultState(t)
			if d := written.Set(ctx, want); d.HasError() {
				t.Fatalf("framework Set: %v", d)
			}
			codecRaw := vaultState(t).Raw
			if d := codec.set(ctx, set, state.Schema, &codecRaw, &got); d.HasError() {
				t.Fatalf("codec set: %v", d)
			}
			if !codecRaw.Equal(written.Raw) {
				t.Errorf("codec wrote %s, the framework %s", codecRaw, written.Raw)
			}
			if calls != 0 {
				t.Errorf("the codec handed %d calls to the framework; it should convert backup_vault's state itself", calls)
			}
		})
	}
}

// What the codec does not convert goes to the framework, which reports it as it always has: a
// tag map of the wrong element type, a null state, a state of another schema.
func TestModelCodec_handsWhatItDoesNotConvertToTheFramework(t *testing.T) {
	ctx := context.Background()
	var codec modelCodec[vaultModel]
	state := vaultState(t)
	calls := 0
	get, set := counting(&state, &calls)

	wrong := vaultModel{Name: types.StringValue("v"), Tags: types.MapValueMust(types.Int64Type, nil)}
	raw := state.Raw
	d := codec.set(ctx, set, state.Schema, &raw, &wrong)
	if !d.HasError() || calls != 1 {
		t.Errorf("set of a tags map of numbers: diagnostics %v after %d framework calls; want the framework's error", d, calls)
	}

	calls = 0
	var m vaultModel
	d = codec.get(ctx, get, state.Schema, state.Raw, &m) // a null state
	if want := state.Get(ctx, &vaultModel{}); calls != 1 || !d.Equal(want) {
		t.Errorf("get of a null state: %v after %d framework calls; want the framework's %v", d, calls, want)
	}

	calls = 0
	other := tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"name": tftypes.String}},
		map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "v")})
	_ = codec.get(ctx, get, state.Schema, other, &m)
	if calls != 1 {
		t.Errorf("get of a value of another schema made %d framework calls; want 1", calls)
	}

	// A model the codec cannot convert (a field that is not an attr.Value) always goes to the framework.
	type plainModel struct {
		Name string `tfsdk:"name"`
	}
	var plain modelCodec[plainModel]
	calls = 0
	var p plainModel
	_ = plain.get(ctx, get, state.Schema, vaultRaw(t, state, map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "v")}), &p)
	if calls != 1 {
		t.Errorf("get into a model of plain Go fields made %d framework calls; want 1", calls)
	}
}
