package provider

import (
	"errors"
	"fmt"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

// hints say what to do about an API error, by error code.
var hints = map[string]string{
	"AlreadyExistsException": "Something with this name already exists. Choose another name, or bring the existing one under Terraform with `terraform import`.",
	"ResourceNotFoundException": "Check the name or ID the message names, and that it exists in this account and region. If it is created in " +
		"this configuration, refer to it through its resource (such as backup_vault.x.name or backup_plan.p.id) rather than a literal, so " +
		"Terraform creates it first.",
	"InvalidParameterValueException":      "Fix the value named in the message and apply again.",
	"MissingParameterValueException":      "Set the missing argument named in the message.",
	"InvalidRequestException":             "The engine refused the request; the message above says which rule it breaks and what to change.",
	"LimitExceededException":              "A limit was reached; remove something or ask for a higher limit.",
	"UnrecognizedClientException":         "The access key is unknown to the endpoint: check access_key/secret_key, the profile, or run `terraform-provider-backup engine credentials` for a local daemon.",
	"InvalidSignatureException":           "The request signature was refused: check secret_key, and that this machine's clock is right.",
	"MissingAuthenticationTokenException": "No credentials were found: set access_key/secret_key or profile in the provider block.",
	"AccessDeniedException":               "The vault's access policy or your permissions deny this action.",
}

// addAPIError adds a diagnostic for a failed API call: what the provider was doing, the API's
// error code and message, and what to do about it.
func addAPIError(diags *diag.Diagnostics, action string, err error) {
	diags.AddError(errorSummary(action), errorDetail(err, hints))
}

// stateHints are the hints for a call on an object Terraform has in its state, where a
// ResourceNotFoundException means it went away behind Terraform's back.
var stateHints = func() map[string]string {
	h := maps.Clone(hints)
	h["ResourceNotFoundException"] = "It may have been deleted outside Terraform; `terraform refresh` (or `terraform apply -refresh-only`) updates the state."
	return h
}()

// addStateAPIError is addAPIError for a call on an object in Terraform's state (reading,
// updating or deleting it), where not found means it was deleted outside Terraform. Creates and
// actions name objects from the configuration and use addAPIError: there the object may simply
// not exist yet.
func addStateAPIError(diags *diag.Diagnostics, action string, err error) {
	diags.AddError(errorSummary(action), errorDetail(err, stateHints))
}

// foundAfterWrite passes on whether a read right after Terraform wrote an object found it. When
// it did not, and the read reported no error of its own, the object was removed outside
// Terraform in between: that is reported with summary and detail, which say what and when.
func foundAfterWrite(diags *diag.Diagnostics, found bool, summary, detail string) bool {
	if !found && !diags.HasError() {
		diags.AddError(summary, detail)
	}
	return found
}

func errorSummary(action string) string { return "Error " + action }

func errorDetail(err error, hints map[string]string) string {
	code := awsbackup.ErrorCode(err)
	if code == "" {
		if errors.Is(err, errNotConfigured) {
			return "The provider is not configured: this is a bug in the provider, please report it."
		}
		return err.Error()
	}
	detail := fmt.Sprintf("%s: %s", code, awsbackup.ErrorMessage(err))
	if h, ok := hints[code]; ok {
		detail += "\n\n" + h
	}
	return detail
}

// configureClients extracts *clients from provider data in a resource's Configure.
func configureClients(data any, diags *diag.Diagnostics) *clients {
	if data == nil {
		return nil // the provider is not configured yet (validation); Configure runs again later
	}
	c, ok := data.(*clients)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *clients, got %T: this is a bug in the provider, please report it.", data))
		return nil
	}
	return c
}

// addDeploymentError reports a create or update (verb "create" or "update") of a kind of resource
// (a framework, a report plan) whose deployment did not complete in time. The write itself
// landed, so the fix is a longer timeout and another apply.
func addDeploymentError(diags *diag.Diagnostics, kind, name, verb string, err error) {
	diags.AddError(fmt.Sprintf("Error waiting for %s %q", kind, name),
		fmt.Sprintf("The %s was %sd but its deployment did not complete: %v. Raise timeouts.%s if deployment is slow, and run terraform apply again.", kind, verb, err, verb))
}
