package provider

import (
	"context"
	"fmt"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
)

func pathRoot(name string) path.Path { return path.Root(name) }

// tagsAttribute and tagsAllAttribute are the AWS provider's tags pair: tags as configured, and
// tags_all with the provider's default_tags merged in.
func tagsAttribute() schema.MapAttribute {
	return schema.MapAttribute{
		ElementType:         types.StringType,
		Optional:            true,
		MarkdownDescription: "Tags for the resource, at most 50. Keys that also appear in the provider's `default_tags` override them.",
		Validators:          []validator.Map{tagsRule{}},
	}
}

func tagsAllAttribute() schema.MapAttribute {
	return schema.MapAttribute{
		ElementType:         types.StringType,
		Computed:            true,
		MarkdownDescription: "Every tag on the resource, including those inherited from the provider's `default_tags`.",
	}
}

// mergeTags returns defaults overlaid with the resource's own tags.
func mergeTags(defaults, own map[string]string) map[string]string {
	out := maps.Clone(defaults)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, own)
	return out
}

// planTagsAll sets tags_all in the plan from the planned tags and the provider's default_tags.
// Resources call it from ModifyPlan.
func planTagsAll(ctx context.Context, c *clients, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || c == nil {
		return
	}
	tags, ok := stringMapAttribute(ctx, req.Plan.Raw, "tags")
	if !ok {
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("tags"), &tags)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if tags.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("tags_all"), types.MapUnknown(types.StringType))...)
		return
	}
	own, d := mapFromTF(ctx, tags)
	resp.Diagnostics.Append(d...)
	if d.HasError() {
		return
	}
	all := mergeTags(c.DefaultTags, own)
	if len(own) <= rules.MaxTags && len(all) > rules.MaxTags {
		resp.Diagnostics.AddAttributeError(path.Root("tags"), "Too many tags with the provider's default_tags",
			fmt.Sprintf("With the provider's default_tags this resource would have %d tags; a resource can have at most %d. "+
				"Remove %d from tags or default_tags.", len(all), rules.MaxTags, len(all)-rules.MaxTags))
	}
	want := mapToTF(all)
	// In a plan that changes nothing, tags_all is already the prior state's, which is want.
	// SetAttribute rebuilds the whole planned object, a large share of a no-change plan's cost
	// per resource, so it is only called when the value differs.
	planned, ok := stringMapAttribute(ctx, resp.Plan.Raw, "tags_all")
	if !ok {
		resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("tags_all"), &planned)...)
	}
	if resp.Diagnostics.HasError() || planned.Equal(want) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("tags_all"), want)...)
}

// tagsFromRemote splits a resource's tags as read from the API into the tags attribute and
// tags_all. A default tag with the same value is not repeated in tags unless the prior state had it
// there (the user configured it), so neither configuration style shows a diff. A null prior tags
// stays null when nothing is left.
func tagsFromRemote(remote, defaults map[string]string, prior types.Map) (tags, tagsAll types.Map) {
	priorKeys := map[string]bool{}
	for k := range prior.Elements() {
		priorKeys[k] = true
	}
	own := map[string]string{}
	for k, v := range remote {
		if dv, isDefault := defaults[k]; isDefault && dv == v && !priorKeys[k] {
			continue
		}
		own[k] = v
	}
	if len(own) == 0 && prior.IsNull() {
		tags = types.MapNull(types.StringType)
	} else {
		tags = mapToTF(own)
	}
	return tags, mapToTF(remote)
}

func mapToTF(m map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

func mapFromTF(ctx context.Context, m types.Map) (map[string]string, diag.Diagnostics) {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out, nil
	}
	// Known strings, the usual case, are copied directly; anything else (an unknown or null
	// element) gets ElementsAs's own diagnostic.
	for k, v := range m.Elements() {
		s, ok := v.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			clear(out)
			d := m.ElementsAs(ctx, &out, false)
			return out, d
		}
		out[k] = s.ValueString()
	}
	return out, nil
}

// stringMapAttribute is the map-of-strings attribute name of raw, a plan or state object, as
// GetAttribute reads it into a types.Map, without GetAttribute's walk of the schema for the
// path (a share of every plan of a tagged resource); ok is false when raw or the attribute is
// not what it expects, and the caller then takes GetAttribute.
func stringMapAttribute(ctx context.Context, raw tftypes.Value, name string) (types.Map, bool) {
	if raw.Type() == nil || !raw.Type().Is(tftypes.Object{}) || !raw.IsKnown() || raw.IsNull() {
		return types.Map{}, false
	}
	got, err := raw.ApplyTerraform5AttributePathStep(tftypes.AttributeName(name))
	v, isValue := got.(tftypes.Value)
	if err != nil || !isValue || !v.Type().Equal(tftypes.Map{ElementType: tftypes.String}) {
		return types.Map{}, false
	}
	m, err := types.MapType{ElemType: types.StringType}.ValueFromTerraform(ctx, v)
	mv, isMap := m.(types.Map)
	if err != nil || !isMap {
		return types.Map{}, false
	}
	return mv, true
}

// applyTagsAll brings a resource's tags from the state's tags_all to the plan's, with as few calls
// as possible. It reports false (with a diagnostic naming what) when that fails.
func applyTagsAll(ctx context.Context, c *clients, arn, what string, state, plan types.Map, diags *diag.Diagnostics) bool {
	if plan.Equal(state) {
		return true
	}
	oldTags, d1 := mapFromTF(ctx, state)
	newTags, d2 := mapFromTF(ctx, plan)
	diags.Append(d1...)
	diags.Append(d2...)
	if diags.HasError() {
		return false
	}
	if err := awsbackup.UpdateTags(ctx, c.Backup, arn, oldTags, newTags); err != nil {
		addAPIError(diags, "updating tags of "+what, err)
		return false
	}
	return true
}
