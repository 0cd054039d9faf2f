package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Moving state from the AWS provider: `moved { from = aws_backup_X.n  to = backup_X.n }`
// (Terraform 1.8 and later) sends MoveResourceState with the AWS resource's stored state, and
// each resource below with an AWS counterpart turns it into its own.
//
// The counterparts take the AWS provider's attribute names, so the move is schema-guided rather
// than written per attribute: every attribute of the target schema takes the source attribute of
// the same name, converted to the target's type (the AWS provider's sets become ordered lists
// here; JSON carries both as arrays). What the target does not model is dropped; when it held a
// value, a warning names it, so nothing is lost silently. Terraform reads the moved resource
// before it plans, so computed attributes the AWS provider did not have (a lock's mode and date)
// are filled in by that read.
//
// The source shapes are terraform-provider-aws's, as v5.100.0 and v6.x write them (its
// internal/service/backup: vault.go, vault_lock_configuration.go, vault_policy.go,
// vault_notifications.go, logically_air_gapped_vault.go, plan.go, selection.go,
// restore_testing_plan.go, restore_testing_selection.go, framework.go, report_plan.go,
// global_settings.go, region_settings.go). 6.0 added a
// per-resource `region` to every resource; here the region is the provider's, so it is dropped.
// aws_backup_plan's state is at schema version 1 in both; the others are at 0.

// awsProviderSuffix ends the AWS provider's address in Terraform ("registry.terraform.io/hashicorp/aws")
// and in OpenTofu ("registry.opentofu.org/hashicorp/aws").
const awsProviderSuffix = "/hashicorp/aws"

// awsOnlyAttributes are top-level AWS attributes dropped without a warning: they have no
// meaning here and hold a value in every state the AWS provider writes.
var awsOnlyAttributes = map[string]string{
	"region": "the AWS provider's per-resource region (6.x); here the region is the provider's",
}

// movedFromAWS is the state mover from the AWS provider's resource awsType, whose state the AWS
// provider 5.x and 6.x stores at schema version awsVersion.
func movedFromAWS(awsType string, awsVersion int64) []resource.StateMover {
	return []resource.StateMover{{StateMover: func(ctx context.Context, req resource.MoveStateRequest, resp *resource.MoveStateResponse) {
		if req.SourceTypeName != awsType || !strings.HasSuffix(req.SourceProviderAddress, awsProviderSuffix) {
			return // not ours: the framework tries the next mover, then refuses the move
		}
		if req.SourceSchemaVersion != awsVersion {
			resp.Diagnostics.AddError("Cannot move this "+awsType+" state",
				fmt.Sprintf("The state of %s is at schema version %d; moving takes the state hashicorp/aws 5.x and 6.x write (version %d). "+
					"Run `terraform apply -refresh-only` with hashicorp/aws 5.x or later first, so it upgrades the state, then move it.",
					awsType, req.SourceSchemaVersion, awsVersion))
			return
		}
		if req.SourceRawState == nil || len(req.SourceRawState.JSON) == 0 {
			resp.Diagnostics.AddError("Cannot move this "+awsType+" state", "Terraform sent no stored state for "+awsType+" (only JSON state can be moved).")
			return
		}
		var source any
		dec := json.NewDecoder(bytes.NewReader(req.SourceRawState.JSON))
		dec.UseNumber()
		if err := dec.Decode(&source); err != nil {
			resp.Diagnostics.AddError("Cannot move this "+awsType+" state", fmt.Sprintf("Its stored state is not a JSON object: %v.", err))
			return
		}
		conv := stateConversion{}
		target, err := conv.value(resp.TargetState.Schema.Type().TerraformType(ctx), source, "")
		if err != nil {
			resp.Diagnostics.AddError("Cannot move this "+awsType+" state", err.Error())
			return
		}
		resp.TargetState.Raw = target
		if len(conv.dropped) > 0 {
			sort.Strings(conv.dropped)
			resp.Diagnostics.AddWarning("Attributes of "+awsType+" dropped by the move",
				fmt.Sprintf("The moved state had values for %s, which this provider's resource does not model; they were left out of its state. "+
					"The next plan shows whether the configuration still sets them: remove them there "+
					"(docs/guides/migrating-from-aws.md lists what differs).", strings.Join(conv.dropped, ", ")))
		}
	}}}
}

// stateConversion converts decoded JSON state into a value of a target type, recording the
// source attributes with a value that the target has no place for.
type stateConversion struct {
	dropped []string
}

func (c *stateConversion) value(typ tftypes.Type, v any, at string) (tftypes.Value, error) {
	if v == nil {
		return tftypes.NewValue(typ, nil), nil
	}
	fail := func(want string) (tftypes.Value, error) {
		return tftypes.Value{}, fmt.Errorf("%s: want %s, the stored state has %T", displayPath(at), want, v)
	}
	switch {
	case typ.Is(tftypes.String):
		s, ok := v.(string)
		if !ok {
			return fail("a string")
		}
		return tftypes.NewValue(typ, s), nil
	case typ.Is(tftypes.Bool):
		b, ok := v.(bool)
		if !ok {
			return fail("a bool")
		}
		return tftypes.NewValue(typ, b), nil
	case typ.Is(tftypes.Number):
		n, ok := v.(json.Number)
		if !ok {
			return fail("a number")
		}
		f, _, err := big.ParseFloat(string(n), 10, 512, big.ToNearestEven)
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("%s: %w", displayPath(at), err)
		}
		return tftypes.NewValue(typ, f), nil
	}
	switch typ := typ.(type) {
	case tftypes.List, tftypes.Set:
		items, ok := v.([]any)
		if !ok {
			return fail("a list")
		}
		elemType := elementType(typ)
		elems := make([]tftypes.Value, 0, len(items))
		for i, item := range items {
			e, err := c.value(elemType, item, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return tftypes.Value{}, err
			}
			elems = append(elems, e)
		}
		return tftypes.NewValue(typ, elems), nil
	case tftypes.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return fail("a map")
		}
		elems := make(map[string]tftypes.Value, len(m))
		for k, item := range m {
			e, err := c.value(typ.ElementType, item, at+"."+k)
			if err != nil {
				return tftypes.Value{}, err
			}
			elems[k] = e
		}
		return tftypes.NewValue(typ, elems), nil
	case tftypes.Object:
		m, ok := v.(map[string]any)
		if !ok {
			return fail("an object")
		}
		attrs := make(map[string]tftypes.Value, len(typ.AttributeTypes))
		for name, attrType := range typ.AttributeTypes {
			a, err := c.value(attrType, m[name], joinPath(at, name))
			if err != nil {
				return tftypes.Value{}, err
			}
			attrs[name] = a
		}
		for name, item := range m {
			if _, kept := typ.AttributeTypes[name]; kept || isEmpty(item) {
				continue
			}
			if _, known := awsOnlyAttributes[name]; known && at == "" {
				continue
			}
			c.dropped = append(c.dropped, joinPath(at, name))
		}
		return tftypes.NewValue(typ, attrs), nil
	}
	return tftypes.Value{}, fmt.Errorf("%s: the target type %s cannot be moved into", displayPath(at), typ)
}

func elementType(typ tftypes.Type) tftypes.Type {
	if l, ok := typ.(tftypes.List); ok {
		return l.ElementType
	}
	return typ.(tftypes.Set).ElementType
}

// isEmpty is true of a JSON value that holds nothing: null, "", false, 0, or an empty list,
// map or object (or one holding only empty values), as the AWS provider stores an unset
// attribute or block.
func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	case json.Number:
		return v == "0"
	case []any:
		for _, e := range v {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range v {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	}
	return false
}

func joinPath(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

func displayPath(at string) string {
	if at == "" {
		return "the state"
	}
	return at
}

// The resources with an AWS provider counterpart. aws_backup_vault_lock_configuration becomes
// backup_vault_lock; the others keep their name after the prefix.

func (r *vaultResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_backup_vault", 0)
}

func (r *vaultLockResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_backup_vault_lock_configuration", 0)
}

func (r *vaultPolicyResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_backup_vault_policy", 0)
}

func (r *vaultNotificationsResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_backup_vault_notifications", 0)
}

func (r *airGappedVaultResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_backup_logically_air_gapped_vault", 0)
}

func (r *planResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_backup_plan", 1)
}

func (r *selectionResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_backup_selection", 0)
}

func (r *restoreTestingPlanResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_backup_restore_testing_plan", 0)
}

func (r *restoreTestingSelectionResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_backup_restore_testing_selection", 0)
}

func (r *frameworkResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_backup_framework", 0)
}

func (r *reportPlanResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_backup_report_plan", 0)
}

func (r *regionSettingsResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_backup_region_settings", 0)
}

// The AWS provider's global settings ID is the account ID; here it is always globalSettingsID,
// and the identity mirrors it, so the move sets it rather than letting the first read change it.
func (r *globalSettingsResource) MoveState(context.Context) []resource.StateMover {
	movers := movedFromAWS("aws_backup_global_settings", 0)
	move := movers[0].StateMover
	movers[0].StateMover = func(ctx context.Context, req resource.MoveStateRequest, resp *resource.MoveStateResponse) {
		move(ctx, req, resp)
		if resp.Diagnostics.HasError() || resp.TargetState.Raw.IsNull() {
			return
		}
		resp.Diagnostics.Append(resp.TargetState.SetAttribute(ctx, path.Root("id"), globalSettingsID)...)
	}
	return movers
}
