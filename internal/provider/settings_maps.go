package provider

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	tftypes "github.com/hashicorp/terraform-plugin-framework/types"
)

// The account settings resources manage some keys of a map the service always answers in full
// (every documented flag, every resource type). What the configuration leaves out is not
// Terraform's, so reading it back must not show a diff: keepManagedKeys narrows the answer to the
// keys the prior value managed, and keeps all of them when there is no prior value (an import).

// keepManagedKeys returns the entries of remote whose keys prior has, or all of remote when
// prior is null or unknown. A managed key the service no longer answers is left out, so its
// disappearance shows as a diff.
func keepManagedKeys[V any](prior tftypes.Map, remote map[string]V) map[string]V {
	if prior.IsNull() || prior.IsUnknown() {
		return maps.Clone(remote)
	}
	out := map[string]V{}
	for k := range prior.Elements() {
		if v, ok := remote[k]; ok {
			out[k] = v
		}
	}
	return out
}

// priorCoversPlanned reports whether prior holds every key of planned, each with planned's value,
// and more keys besides: the state after an import, which read every key, where the
// configuration names some. The extra keys are not Terraform's, so the plan keeps prior, which
// Terraform accepts as the provider judging prior and configuration equivalent, and shows no
// change. An unknown value is never covered.
func priorCoversPlanned(prior, planned tftypes.Map) bool {
	if prior.IsNull() || prior.IsUnknown() || planned.IsNull() || planned.IsUnknown() {
		return false
	}
	priorElems, plannedElems := prior.Elements(), planned.Elements()
	if len(priorElems) <= len(plannedElems) {
		return false
	}
	for k, v := range plannedElems {
		if p, ok := priorElems[k]; !ok || v.IsUnknown() || !p.Equal(v) {
			return false
		}
	}
	return true
}

// stringMapValue and boolMapValue build the framework's map values.
func stringMapValue(ctx context.Context, m map[string]string, diags *diag.Diagnostics) tftypes.Map {
	v, d := tftypes.MapValueFrom(ctx, tftypes.StringType, m)
	diags.Append(d...)
	return v
}

func boolMapValue(ctx context.Context, m map[string]bool, diags *diag.Diagnostics) tftypes.Map {
	v, d := tftypes.MapValueFrom(ctx, tftypes.BoolType, m)
	diags.Append(d...)
	return v
}

// boolMapFromTF reads a known map of booleans (empty for null or unknown).
func boolMapFromTF(ctx context.Context, m tftypes.Map, diags *diag.Diagnostics) map[string]bool {
	out := map[string]bool{}
	if m.IsNull() || m.IsUnknown() {
		return out
	}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}
