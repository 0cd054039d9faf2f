package provider

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

var (
	_ resource.ResourceWithConfigure   = (*vaultPolicyResource)(nil)
	_ resource.ResourceWithImportState = (*vaultPolicyResource)(nil)
)

// NewVaultPolicyResource returns the backup_vault_policy resource.
func NewVaultPolicyResource() resource.Resource { return &vaultPolicyResource{} }

type vaultPolicyResource struct{ c *clients }

type vaultPolicyModel struct {
	ID              types.String `tfsdk:"id"`
	BackupVaultName types.String `tfsdk:"backup_vault_name"`
	BackupVaultARN  types.String `tfsdk:"backup_vault_arn"`
	Policy          IAMPolicy    `tfsdk:"policy"`
}

func (r *vaultPolicyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vault_policy"
}

func (r *vaultPolicyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A backup vault's access policy: a resource-based IAM policy over AWS Backup's actions on the vault and its " +
			"recovery points. Counterpart of `aws_backup_vault_policy`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The vault's name.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"backup_vault_name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the vault. Changing it moves the policy to another vault (replacement).",
				Validators:          []validator.String{stringvalidator.RegexMatches(vaultNamePattern, vaultNameRule)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"backup_vault_arn": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "ARN of the vault.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"policy": schema.StringAttribute{
				Required:      true,
				CustomType:    IAMPolicyType{},
				PlanModifiers: []planmodifier.String{keepEquivalentPolicy()},
				MarkdownDescription: "The policy document, as JSON (use `jsonencode` or `data \"aws_iam_policy_document\"`-style text). It needs " +
					"`Version` and `Statement`; each statement an `Effect` (`Allow` or `Deny`), a `Principal`, `backup:` actions and " +
					"resources. Equivalent documents — other whitespace or key order, a single string for a one-item list — do not " +
					"show as changes. Changing it updates the policy in place.",
			},
		},
	}
}

func (r *vaultPolicyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (r *vaultPolicyResource) put(ctx context.Context, m vaultPolicyModel, diags *diag.Diagnostics) bool {
	name := m.BackupVaultName.ValueString()
	_, err := r.c.Backup.PutBackupVaultAccessPolicy(ctx, &backup.PutBackupVaultAccessPolicyInput{
		BackupVaultName: aws.String(name),
		Policy:          aws.String(m.Policy.ValueString()),
	})
	if err != nil {
		addAPIError(diags, fmt.Sprintf("setting the access policy of backup vault %q", name), err)
		return false
	}
	tflog.Info(ctx, "set backup vault access policy", map[string]any{"name": name})
	return true
}

// read refreshes m from the API. It returns false, with no diagnostic, if the vault or its policy
// is gone.
func (r *vaultPolicyResource) read(ctx context.Context, m *vaultPolicyModel, diags *diag.Diagnostics) bool {
	name := m.BackupVaultName.ValueString()
	out, err := awsbackup.FindVaultAccessPolicy(ctx, r.c.Backup, name)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addAPIError(diags, fmt.Sprintf("reading the access policy of backup vault %q", name), err)
		return false
	}
	m.ID = types.StringValue(aws.ToString(out.BackupVaultName))
	m.BackupVaultName = types.StringValue(aws.ToString(out.BackupVaultName))
	m.BackupVaultARN = types.StringValue(aws.ToString(out.BackupVaultArn))
	// The document as the API holds it; the framework keeps the prior text when the two are
	// semantically equal (IAMPolicy.StringSemanticEquals).
	m.Policy = NewIAMPolicyValue(aws.ToString(out.Policy))
	return true
}

func (r *vaultPolicyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan vaultPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !r.put(ctx, plan, &resp.Diagnostics) {
		return
	}
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, &plan, &resp.Diagnostics), "Vault access policy disappeared", fmt.Sprintf("The access policy of backup vault %q was removed outside Terraform while it was being created.", plan.BackupVaultName.ValueString())) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *vaultPolicyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state vaultPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !r.read(ctx, &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			tflog.Warn(ctx, "backup vault access policy not found, removing from state", map[string]any{"backup_vault_name": state.BackupVaultName.ValueString()})
			resp.State.RemoveResource(ctx)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *vaultPolicyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan vaultPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !r.put(ctx, plan, &resp.Diagnostics) {
		return
	}
	if !foundAfterWrite(&resp.Diagnostics, r.read(ctx, &plan, &resp.Diagnostics), "Vault access policy disappeared", fmt.Sprintf("The access policy of backup vault %q was removed outside Terraform during the update.", plan.BackupVaultName.ValueString())) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *vaultPolicyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state vaultPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.BackupVaultName.ValueString()
	_, err := r.c.Backup.DeleteBackupVaultAccessPolicy(ctx, &backup.DeleteBackupVaultAccessPolicyInput{BackupVaultName: aws.String(name)})
	if err != nil && awsbackup.ErrorCode(err) != "ResourceNotFoundException" {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("removing the access policy of backup vault %q", name), err)
	}
}

func (r *vaultPolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByVaultName(ctx, req, resp, "an access policy")
}

// importByVaultName imports a per-vault resource whose ID is the vault's name.
func importByVaultName(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse, what string) {
	if !vaultNamePattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("The import ID of %s is the vault's name, which %s; got %q.", what, vaultNameRule, req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("backup_vault_name"), req.ID)...)
}
