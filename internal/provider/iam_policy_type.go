package provider

import (
	"context"
	"fmt"

	awspolicy "github.com/hashicorp/awspolicyequivalence"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
)

// IAMPolicyType is the type of an attribute holding an IAM policy document as JSON text.
//
// Its values compare by meaning, not by bytes: two documents are equal when
// github.com/hashicorp/awspolicyequivalence (the comparison terraform-provider-aws uses) finds
// them equivalent, which ignores whitespace and key order and treats a single string like a
// one-item list ("Action": "backup:*" vs ["backup:*"]), as IAM does. The framework calls
// StringSemanticEquals when planning and reading, so a reformatted but equivalent policy never
// shows a diff. terraform-plugin-framework-jsontypes.Normalized was considered and rejected: it
// compares JSON structurally, so the string-versus-list spellings IAM treats as one would diff.
//
// Values are validated at plan time (ValidateAttribute) with the engine's own policy rules, whose
// message names the faulty element.
type IAMPolicyType struct {
	basetypes.StringType
}

var _ basetypes.StringTypable = IAMPolicyType{}

func (t IAMPolicyType) String() string { return "IAMPolicyType" }

func (t IAMPolicyType) ValueType(context.Context) attr.Value { return IAMPolicy{} }

func (t IAMPolicyType) Equal(o attr.Type) bool {
	other, ok := o.(IAMPolicyType)
	return ok && t.StringType.Equal(other.StringType)
}

func (t IAMPolicyType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return IAMPolicy{StringValue: in}, nil
}

func (t IAMPolicyType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return IAMPolicy{StringValue: s}, nil
}

// IAMPolicy is a value of IAMPolicyType.
type IAMPolicy struct {
	basetypes.StringValue
}

var (
	_ basetypes.StringValuableWithSemanticEquals = IAMPolicy{}
	_ xattr.ValidateableAttribute                = IAMPolicy{}
)

// NewIAMPolicyValue returns a known IAMPolicy holding text.
func NewIAMPolicyValue(text string) IAMPolicy {
	return IAMPolicy{StringValue: basetypes.NewStringValue(text)}
}

func (v IAMPolicy) Type(context.Context) attr.Type { return IAMPolicyType{} }

func (v IAMPolicy) Equal(o attr.Value) bool {
	other, ok := o.(IAMPolicy)
	return ok && v.StringValue.Equal(other.StringValue)
}

// StringSemanticEquals reports whether the two policies mean the same. A document that is not
// valid JSON equals only itself; validation reports it.
func (v IAMPolicy) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	other, ok := newValuable.(IAMPolicy)
	if !ok {
		diags.AddError("Semantic equality check error", fmt.Sprintf("expected an IAMPolicy value, got %T: this is a bug in the provider, please report it.", newValuable))
		return false, diags
	}
	if v.ValueString() == other.ValueString() {
		return true, diags
	}
	equal, err := awspolicy.PoliciesAreEquivalent(v.ValueString(), other.ValueString())
	if err != nil {
		return false, diags
	}
	return equal, diags
}

// ValidateAttribute checks the document at plan time with the engine's own policy rules
// (rules.VaultAccessPolicy): JSON syntax, with the position of the fault, then the policy's
// grammar — Version, Statement, Effect, Principal, backup: actions, Resource, Condition.
func (v IAMPolicy) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if _, err := rules.VaultAccessPolicy(v.ValueString(), nil); err != nil {
		addRuleError(&resp.Diagnostics, req.Path, "Invalid access policy", err)
	}
}

// keepEquivalentPolicy is a plan modifier for IAMPolicy attributes: when the configured policy
// means the same as the one in the state, it plans the state's text, so reformatting a policy
// (whitespace, key order, "x" for ["x"]) plans no change. The framework applies semantic equality
// only to values read from the API, not to configuration changes; Terraform accepts a planned
// value equal to the prior state in place of the configured one as "functionally equivalent".
func keepEquivalentPolicy() planmodifier.String { return keepEquivalentPolicyModifier{} }

type keepEquivalentPolicyModifier struct{}

func (keepEquivalentPolicyModifier) Description(context.Context) string {
	return "Keeps the policy in the state when the configured one is equivalent to it."
}

func (m keepEquivalentPolicyModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (keepEquivalentPolicyModifier) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	if req.StateValue.ValueString() == req.PlanValue.ValueString() {
		return
	}
	equal, diags := NewIAMPolicyValue(req.StateValue.ValueString()).StringSemanticEquals(ctx, NewIAMPolicyValue(req.PlanValue.ValueString()))
	resp.Diagnostics.Append(diags...)
	if equal {
		resp.PlanValue = req.StateValue
	}
}
