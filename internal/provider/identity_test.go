package provider

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Resource identity needs Terraform 1.12 or later (the CLI here is 1.11), so these tests speak the
// protocol: GetResourceIdentitySchemas, ImportResourceState with an identity and no ID, as an
// `import { identity = {...} }` block makes Terraform send, and ReadResource, which must return
// the identity.

func TestIdentity_everyResourceHasOneRequiredForImport(t *testing.T) {
	ctx := context.Background()
	server, schemas, err := protocolServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil || hasErrors(ids.Diagnostics) {
		t.Fatalf("GetResourceIdentitySchemas: %v %s", err, diagText(ids.Diagnostics))
	}
	var missing []string
	for typeName := range schemas.ResourceSchemas {
		s, ok := ids.IdentitySchemas[typeName]
		if !ok || len(s.IdentityAttributes) == 0 {
			missing = append(missing, typeName)
			continue
		}
		for _, a := range s.IdentityAttributes {
			if !a.RequiredForImport || !a.Type.Is(tftypes.String) || a.Description == "" {
				t.Errorf("%s identity attribute %s: required for import %v, type %s, description %q; want a described, required string",
					typeName, a.Name, a.RequiredForImport, a.Type, a.Description)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("resources without an identity: %s", strings.Join(missing, ", "))
	}
}

// importByIdentity imports typeName by identity alone, reads it as Terraform does right after,
// and returns the state and the identity the read answered.
func (p *protoProvider) importByIdentity(typeName string, identity map[string]string) (tftypes.Value, map[string]string, []*tfprotov6.Diagnostic) {
	p.t.Helper()
	ctx := context.Background()
	ids, err := p.server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		p.t.Fatal(err)
	}
	idType := ids.IdentitySchemas[typeName].ValueType()
	vals := map[string]tftypes.Value{}
	for name := range idType.(tftypes.Object).AttributeTypes {
		if v, ok := identity[name]; ok {
			vals[name] = str(v)
		} else {
			vals[name] = tftypes.NewValue(tftypes.String, nil)
		}
	}
	idValue, err := tfprotov6.NewDynamicValue(idType, tftypes.NewValue(idType, vals))
	if err != nil {
		p.t.Fatal(err)
	}
	imp, err := p.server.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{
		TypeName: typeName, Identity: &tfprotov6.ResourceIdentityData{IdentityData: &idValue},
	})
	if err != nil {
		p.t.Fatal(err)
	}
	if hasErrors(imp.Diagnostics) {
		return tftypes.Value{}, nil, imp.Diagnostics
	}
	if len(imp.ImportedResources) != 1 {
		p.t.Fatalf("ImportResourceState of %s returned %d resources", typeName, len(imp.ImportedResources))
	}
	got := imp.ImportedResources[0]
	read, err := p.server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{
		TypeName: typeName, CurrentState: got.State, CurrentIdentity: got.Identity, Private: got.Private,
	})
	if err != nil {
		p.t.Fatal(err)
	}
	if hasErrors(read.Diagnostics) {
		return tftypes.Value{}, nil, read.Diagnostics
	}
	state, err := read.NewState.Unmarshal(p.schema.ResourceSchemas[typeName].ValueType())
	if err != nil {
		p.t.Fatal(err)
	}
	if read.NewIdentity == nil {
		p.t.Fatalf("ReadResource of %s answered no identity", typeName)
	}
	answered, err := read.NewIdentity.IdentityData.Unmarshal(idType)
	if err != nil {
		p.t.Fatal(err)
	}
	return state, stringAttributes(p.t, answered), nil
}

// stringAttributes is an object value's string attributes.
func stringAttributes(t *testing.T, v tftypes.Value) map[string]string {
	t.Helper()
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for name, a := range attrs {
		var s string
		if a.Type().Is(tftypes.String) && a.IsKnown() && !a.IsNull() {
			if err := a.As(&s); err != nil {
				t.Fatal(err)
			}
			out[name] = s
		}
	}
	return out
}

func TestIdentity_importByIdentityReadsTheResourceAndAnswersItsIdentity(t *testing.T) {
	env := newTestAccEnv(t)
	ctx := context.Background()
	if _, err := env.Client.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("identity-vault")}); err != nil {
		t.Fatal(err)
	}
	plan, err := env.Client.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: &backuptypes.BackupPlanInput{
		BackupPlanName: aws.String("identity-plan"),
		Rules:          []backuptypes.BackupRuleInput{{RuleName: aws.String("daily"), TargetBackupVaultName: aws.String("identity-vault")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	sel, err := env.Client.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: plan.BackupPlanId, BackupSelection: &backuptypes.BackupSelection{
		SelectionName: aws.String("identity-selection"), IamRoleArn: aws.String("arn:aws:iam::" + env.AccountID() + ":role/backup"),
		Resources: []string{"arn:aws:elasticfilesystem:us-east-1:" + env.AccountID() + ":file-system/fs-1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	p := newProtoProvider(t, env)

	for _, c := range []struct {
		typeName string
		identity map[string]string
		attr     string // a state attribute the read must have filled in
		want     string
	}{
		{"backup_vault", map[string]string{"name": "identity-vault"}, "arn", "arn:aws:backup:us-east-1:" + env.AccountID() + ":backup-vault:identity-vault"},
		{"backup_plan", map[string]string{"id": aws.ToString(plan.BackupPlanId)}, "name", "identity-plan"},
		// Two attributes: the import ID they make is PLAN_ID|SELECTION_ID.
		{"backup_selection", map[string]string{"plan_id": aws.ToString(plan.BackupPlanId), "id": aws.ToString(sel.SelectionId)}, "name", "identity-selection"},
	} {
		state, answered, diags := p.importByIdentity(c.typeName, c.identity)
		if hasErrors(diags) {
			t.Errorf("%s: import by identity %v:\n%s", c.typeName, c.identity, diagText(diags))
			continue
		}
		if got := stringAttributes(t, state)[c.attr]; got != c.want {
			t.Errorf("%s imported by identity: %s = %q, want %q", c.typeName, c.attr, got, c.want)
		}
		if len(answered) != len(c.identity) {
			t.Errorf("%s: read answered identity %v, want %v", c.typeName, answered, c.identity)
		}
		for k, v := range c.identity {
			if answered[k] != v {
				t.Errorf("%s: read answered identity %v, want %v", c.typeName, answered, c.identity)
				break
			}
		}
	}

	_, _, diags := p.importByIdentity("backup_selection", map[string]string{"plan_id": aws.ToString(plan.BackupPlanId)})
	if !hasErrors(diags) || !strings.Contains(diagText(diags), "identity needs id") {
		t.Errorf("an identity without the selection's id:\n%s", diagText(diags))
	}
}

// setIdentity's shortcut makes the identity that GetAttribute and SetAttribute per attribute
// make, for a one-attribute identity (a vault's name), two-attribute ones (a selection's plan
// and selection IDs; a recovery point's vault and ARN, mirrored from id, not arn), and an
// unknown attribute; and a state it
// cannot read (not an object) goes the framework's way.
func TestIdentity_shortcutMakesTheFrameworksIdentity(t *testing.T) {
	ctx := context.Background()
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	cases := []struct {
		name  string
		spec  identitySpec
		state map[string]tftypes.Value
	}{
		{"vault", identityByName, map[string]tftypes.Value{"name": str("v1"), "arn": str("arn:x")}},
		{"selection", identityOfSelection, map[string]tftypes.Value{"plan_id": str("p1"), "id": str("s1"), "name": str("n")}},
		{"recovery point", identityOfRecoveryPoint, map[string]tftypes.Value{"vault_name": str("v1"), "id": str("arn:rp"), "arn": str("not-the-id")}},
		{"unknown", identityOfSelection, map[string]tftypes.Value{"plan_id": tftypes.NewValue(tftypes.String, tftypes.UnknownValue), "id": str("s1")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			attrTypes := map[string]tftypes.Type{}
			for k := range c.state {
				attrTypes[k] = tftypes.String
			}
			stateSchema := rschema.Schema{Attributes: map[string]rschema.Attribute{}}
			for k := range c.state {
				stateSchema.Attributes[k] = rschema.StringAttribute{Optional: true}
			}
			state := tfsdk.State{Schema: stateSchema, Raw: tftypes.NewValue(tftypes.Object{AttributeTypes: attrTypes}, c.state)}
			r := &identifiedResource{spec: c.spec}
			var idResp resource.IdentitySchemaResponse
			r.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &idResp)
			nullIdentity := func() *tfsdk.ResourceIdentity {
				return &tfsdk.ResourceIdentity{Schema: idResp.IdentitySchema, Raw: tftypes.NewValue(idResp.IdentitySchema.Type().TerraformType(ctx), nil)}
			}

			want := nullIdentity()
			var diags diag.Diagnostics
			for _, a := range c.spec.attrs { // the framework's way, as setIdentity took it before the shortcut
				var v types.String
				diags.Append(state.GetAttribute(ctx, path.Root(a.stateAttr), &v)...)
				diags.Append(want.SetAttribute(ctx, path.Root(a.name), v)...)
			}
			if diags.HasError() {
				t.Fatalf("framework: %v", diags)
			}
			got, ok := c.spec.identityValue(state.Raw, nullIdentity().Raw.Type())
			if !ok {
				t.Fatal("the shortcut declined a state of plain strings")
			}
			if !got.Equal(want.Raw) {
				t.Errorf("shortcut identity %s, the framework's %s", got, want.Raw)
			}
			viaSet := nullIdentity()
			r.setIdentity(ctx, &state, viaSet, &diags)
			if diags.HasError() || !viaSet.Raw.Equal(want.Raw) {
				t.Errorf("setIdentity made %s (%v), want %s", viaSet.Raw, diags, want.Raw)
			}
		})
	}
	if _, ok := identityByName.identityValue(tftypes.NewValue(tftypes.String, "x"), tftypes.Object{AttributeTypes: map[string]tftypes.Type{"name": tftypes.String}}); ok {
		t.Error("the shortcut took a state that is not an object")
	}
}
