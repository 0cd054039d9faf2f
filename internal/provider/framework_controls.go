package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/compliance"
)

// Plan-time checks of a framework's controls, and the defaults read back without a diff. Both use
// the engine's control catalogue (package compliance), so names, parameters, their values and
// scopes are checked exactly as the engine checks them at apply, in its words.

// validateControls checks the control blocks' names, parameters and scopes. Controls with an
// unknown value are left to apply.
func validateControls(ctx context.Context, controls []frameworkControlModel, diags *diag.Diagnostics) {
	if len(controls) > compliance.MaxControls {
		diags.AddAttributeError(path.Root("control"), "Too many controls",
			fmt.Sprintf("A framework has %d controls; AWS Backup Audit Manager allows at most %d per account and region.", len(controls), compliance.MaxControls))
	}
	for i, c := range controls {
		at := path.Root("control").AtListIndex(i)
		if c.Name.IsUnknown() {
			continue
		}
		control, ok := compliance.Lookup(c.Name.ValueString())
		if !ok {
			diags.AddAttributeError(at.AtName("name"), "Unknown control",
				fmt.Sprintf("%q is not a control AWS Backup Audit Manager offers: use one of %s.", c.Name.ValueString(), strings.Join(compliance.Names(), ", ")))
			continue
		}
		given, complete := map[string]string{}, true
		for j, p := range c.InputParameters {
			if p.Name.IsUnknown() || p.Value.IsUnknown() {
				complete = false
				continue
			}
			if _, dup := given[p.Name.ValueString()]; dup {
				diags.AddAttributeError(at.AtName("input_parameter").AtListIndex(j), "Parameter given twice",
					fmt.Sprintf("Control %s names input parameter %s twice: give each parameter once.", control.Name, p.Name.ValueString()))
				complete = false
			}
			given[p.Name.ValueString()] = p.Value.ValueString()
		}
		if complete {
			if _, err := compliance.CheckParameters(fmt.Sprintf("control[%d]", i), control, given); err != nil {
				addControlError(diags, at.AtName("input_parameter"), "Invalid control parameters", err)
			}
		}
		if len(c.Scope) == 1 && known(c.Scope[0].ComplianceResourceIDs, c.Scope[0].ComplianceResourceTypes, c.Scope[0].Tags) {
			s := c.Scope[0]
			var scope compliance.Scope
			diags.Append(s.ComplianceResourceIDs.ElementsAs(ctx, &scope.ResourceIDs, false)...)
			diags.Append(s.ComplianceResourceTypes.ElementsAs(ctx, &scope.ResourceTypes, false)...)
			tags, d := mapFromTF(ctx, s.Tags)
			diags.Append(d...)
			scope.Tags = tags
			if len(scope.ResourceIDs)+len(scope.ResourceTypes)+len(scope.Tags) == 0 {
				diags.AddAttributeError(at.AtName("scope"), "Empty scope",
					"A scope block names resource types, one tag, or one resource type and its resource IDs: fill it in, or remove it to evaluate every resource.")
				continue
			}
			if err := compliance.CheckScope(fmt.Sprintf("control[%d]", i), scope); err != nil {
				addControlError(diags, at.AtName("scope"), "Invalid control scope", err)
			}
		}
	}
}

// controlParameterNames maps the API's member names in the catalogue's messages to this
// provider's attribute names.
var controlParameterNames = strings.NewReplacer(
	".ControlScope.ComplianceResourceIds", ".scope.compliance_resource_ids",
	".ControlScope.ComplianceResourceTypes", ".scope.compliance_resource_types",
	".ControlScope.Tags", ".scope.tags",
	".ControlScope", ".scope",
	"ComplianceResourceIds", "compliance_resource_ids",
	"ComplianceResourceTypes", "compliance_resource_types",
	"ControlInputParameters", "input_parameter",
)

// addControlError reports a catalogue refusal at p, with the API's error code.
func addControlError(diags *diag.Diagnostics, p path.Path, summary string, err error) {
	detail := err.Error()
	if e, ok := apierr.As(err); ok {
		detail = e.Code + ": " + controlParameterNames.Replace(e.Message) + "."
	}
	diags.AddAttributeError(p, summary, detail)
}

// controlParameterIsDefault reports whether value is the default of a control's parameter, which
// the service fills in for a parameter left out.
func controlParameterIsDefault(control, param, value string) bool {
	c, ok := compliance.Lookup(control)
	if !ok {
		return false
	}
	i := slices.IndexFunc(c.Parameters, func(p compliance.Parameter) bool { return p.Name == param })
	return i >= 0 && c.Parameters[i].Default != "" && c.Parameters[i].Default == value
}
