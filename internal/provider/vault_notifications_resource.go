package provider

import (
	"context"
	"fmt"
	"regexp"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	tftypes "github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

// snsTopicARNPattern is an SNS topic ARN (topic names: letters, digits, - and _, with .fifo for
// FIFO topics). Compiled on first use, as frameworkNamePattern.
var snsTopicARNPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)
})

var (
	_ resource.ResourceWithConfigure   = (*vaultNotificationsResource)(nil)
	_ resource.ResourceWithImportState = (*vaultNotificationsResource)(nil)
)

// NewVaultNotificationsResource returns the backup_vault_notifications resource.
func NewVaultNotificationsResource() resource.Resource {
	r := &vaultNotificationsResource{}
	r.vaultSubresource = vaultSubresource[vaultNotificationsModel]{
		typeName: "backup_vault_notifications", reads: "GetBackupVaultNotifications",
		write: r.put, refresh: r.read, remove: r.remove,
		removing:     "removing the notifications of backup vault %q",
		goneSummary:  "Vault notifications disappeared",
		goneOnCreate: "The notifications of backup vault %q were removed outside Terraform while they were being created.",
		goneOnUpdate: "The notifications of backup vault %q were removed outside Terraform during the update.",
		goneOnRead:   "backup vault notifications not found, removing from state",
		importWhat:   "a vault's notification configuration",
	}
	return r
}

// vaultNotificationsResource gets Create, Read, Update, Delete and ImportState from vaultSubresource.
type vaultNotificationsResource struct {
	c *clients
	vaultSubresource[vaultNotificationsModel]
}

type vaultNotificationsModel struct {
	ID                tftypes.String `tfsdk:"id"`
	BackupVaultName   tftypes.String `tfsdk:"backup_vault_name"`
	BackupVaultARN    tftypes.String `tfsdk:"backup_vault_arn"`
	SNSTopicARN       tftypes.String `tfsdk:"sns_topic_arn"`
	BackupVaultEvents tftypes.List   `tfsdk:"backup_vault_events"`
}

func (m vaultNotificationsModel) vaultName() string { return m.BackupVaultName.ValueString() }

func vaultEventNames() []string {
	var names []string
	for _, e := range types.BackupVaultEvent("").Values() {
		names = append(names, string(e))
	}
	return names
}

func (r *vaultNotificationsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vault_notifications"
}

func (r *vaultNotificationsResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "The SNS topic a backup vault notifies, and of which events. Counterpart of `aws_backup_vault_notifications`; " +
			"unlike it, changing the topic or the events updates the configuration in place, and the events are an ordered list " +
			"read back as written.",
		Attributes: withVaultSubresourceAttributes("Name of the vault. Changing it moves the configuration to another vault (replacement).",
			"ARN of the vault.",
			map[string]schema.Attribute{
				"sns_topic_arn": schema.StringAttribute{
					Required:            true,
					MarkdownDescription: "ARN of the SNS topic the vault's events go to, such as `arn:aws:sns:us-east-1:123456789012:backup-events`.",
					Validators: []validator.String{stringvalidator.RegexMatches(snsTopicARNPattern(),
						"must be an SNS topic ARN: arn:aws:sns:REGION:ACCOUNT:TOPIC_NAME")},
				},
				"backup_vault_events": schema.ListAttribute{
					Required:            true,
					ElementType:         tftypes.StringType,
					MarkdownDescription: "Events to notify, such as `BACKUP_JOB_COMPLETED`, `BACKUP_JOB_FAILED`, `RESTORE_JOB_COMPLETED`, `COPY_JOB_FAILED`.",
					Validators: []validator.List{
						listvalidator.SizeAtLeast(1),
						listvalidator.ValueStringsAre(stringvalidator.OneOf(vaultEventNames()...)),
					},
				},
			}),
	}
}

func (r *vaultNotificationsResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (r *vaultNotificationsResource) put(ctx context.Context, m vaultNotificationsModel, _ *vaultNotificationsModel, diags *diag.Diagnostics) bool {
	name := m.BackupVaultName.ValueString()
	var names []string
	diags.Append(m.BackupVaultEvents.ElementsAs(ctx, &names, false)...)
	if diags.HasError() {
		return false
	}
	events := make([]types.BackupVaultEvent, 0, len(names))
	for _, n := range names {
		events = append(events, types.BackupVaultEvent(n))
	}
	_, err := r.c.Backup.PutBackupVaultNotifications(ctx, &backup.PutBackupVaultNotificationsInput{
		BackupVaultName:   aws.String(name),
		SNSTopicArn:       aws.String(m.SNSTopicARN.ValueString()),
		BackupVaultEvents: events,
	})
	if err != nil {
		addAPIError(diags, fmt.Sprintf("setting the notifications of backup vault %q", name), err)
		return false
	}
	tflog.Info(ctx, "set backup vault notifications", map[string]any{"name": name, "events": names})
	return true
}

// read refreshes m from the API. It returns false, with no diagnostic, if the vault or its
// configuration is gone.
func (r *vaultNotificationsResource) read(ctx context.Context, m *vaultNotificationsModel, diags *diag.Diagnostics) bool {
	name := m.BackupVaultName.ValueString()
	out, err := awsbackup.FindVaultNotifications(ctx, r.c.Backup, name)
	if awsbackup.IsNotFound(err) {
		return false
	}
	if err != nil {
		addStateAPIError(diags, fmt.Sprintf("reading the notifications of backup vault %q", name), err)
		return false
	}
	names := make([]string, 0, len(out.BackupVaultEvents))
	for _, e := range out.BackupVaultEvents {
		names = append(names, string(e))
	}
	events, d := tftypes.ListValueFrom(ctx, tftypes.StringType, names)
	diags.Append(d...)
	if d.HasError() {
		return false
	}
	m.ID = tftypes.StringValue(aws.ToString(out.BackupVaultName))
	m.BackupVaultName = tftypes.StringValue(aws.ToString(out.BackupVaultName))
	m.BackupVaultARN = tftypes.StringValue(aws.ToString(out.BackupVaultArn))
	m.SNSTopicARN = tftypes.StringValue(aws.ToString(out.SNSTopicArn))
	m.BackupVaultEvents = events
	return true
}

func (r *vaultNotificationsResource) remove(ctx context.Context, vault string) error {
	_, err := r.c.Backup.DeleteBackupVaultNotifications(ctx, &backup.DeleteBackupVaultNotificationsInput{BackupVaultName: aws.String(vault)})
	return err
}
