package provider

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

var (
	_ resource.ResourceWithConfigure   = (*vaultPolicyResource)(nil)
	_ resource.ResourceWithImportState = (*vaultPolicyResource)(nil)
)

// NewVaultPolicyResource returns the backup_vault_policy resource.
func NewVaultPolicyResource() resource.Resource {
	r := &vaultPolicyResource{}
	r.vaultSubresource = vaultSubresource[vaultPolicyModel]{
		typeName: "backup_vault_policy", reads: "GetBackupVaultAccessPolicy",
		write: r.put, refresh: r.read, remove: r.remove,
		removing:     "removing the access policy of backup vault %q",
		goneSummary:  "Vault access policy disappeared",
		goneOnCreate: "The access policy of backup vault %q was removed outside Terraform while it was being created.",
		goneOnUpdate: "The access policy of backup vault %q was removed outside Terraform during the update.",
		goneOnRead:   "backup vault access policy not found, removing from state",
		importWhat:   "an access policy",
	}
	return r
}

// vaultPolicyResource gets Create, Read, Update, Delete and ImportState from vaultSubresource.
type vaultPolicyResource struct {
	c *clients
	vaultSubresource[vaultPolicyModel]
}

type vaultPolicyModel struct {
	ID              types.String `tfsdk:"id"`
	BackupVaultName types.String `tfsdk:"backup_vault_name"`
	BackupVaultARN  types.String `tfsdk:"backup_vault_arn"`
	Policy          IAMPolicy    `tfsdk:"policy"`
}

func (m vaultPolicyModel) vaultName() string { return m.BackupVaultName.ValueString() }

func (r *vaultPolicyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vault_policy"
}

func (r *vaultPolicyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "A backup vault's access policy: a resource-based IAM policy over AWS Backup's actions on the vault and its " +
			"recovery points. Counterpart of `aws_backup_vault_policy`.",
		Attributes: withVaultSubresourceAttributes("Name of the vault. Changing it moves the policy to another vault (replacement).",
			"ARN of the vault.",
			map[string]schema.Attribute{
				"policy": schema.StringAttribute{
					Required:      true,
					CustomType:    IAMPolicyType{},
					PlanModifiers: []planmodifier.String{keepEquivalentPolicy()},
					MarkdownDescription: "The policy document, as JSON (use `jsonencode` or `data \"aws_iam_policy_document\"`-style text). It needs " +
						"`Version` and `Statement`; each statement an `Effect` (`Allow` or `Deny`), a `Principal`, `backup:` actions and " +
						"resources. Equivalent documents — other whitespace or key order, a single string for a one-item list — do not " +
						"show as changes. Changing it updates the policy in place.",
				},
			}),
	}
}

func (r *vaultPolicyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (r *vaultPolicyResource) put(ctx context.Context, m vaultPolicyModel, _ *vaultPolicyModel, diags *diag.Diagnostics) bool {
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
		addStateAPIError(diags, fmt.Sprintf("reading the access policy of backup vault %q", name), err)
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

func (r *vaultPolicyResource) remove(ctx context.Context, vault string) error {
	_, err := r.c.Backup.DeleteBackupVaultAccessPolicy(ctx, &backup.DeleteBackupVaultAccessPolicyInput{BackupVaultName: aws.String(vault)})
	return err
}
