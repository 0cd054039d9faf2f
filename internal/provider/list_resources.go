package provider

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

// List resources (Terraform 1.14 and later): `list "backup_vault" "all" { provider = backup }`
// in a .tfquery.hcl file, and `terraform query` finds what exists and writes the import blocks
// and configuration for it.
//
// A list resource answers identities; the framework requires a managed resource of the same
// type, whose identity they are. Each one here pairs a listing of the API with the managed
// resource it lists. When Terraform asks for the resources too (include_resource), each is
// imported by its ID and read, exactly as `terraform import` does, so a listed resource is
// what an import would store. Backup and copy jobs have no managed resource to be listed as:
// their results are recovery points, which backup_recovery_point lists.

// listedItem is one listed resource: its identity values, in its identity spec's order, and a
// name for people.
type listedItem struct {
	identity    []string
	displayName string
}

// lister lists one kind of resource; config is the list block's configuration.
type lister func(ctx context.Context, c *clients, config listConfig, yield func(listedItem) bool) error

// listConfig holds the list blocks' optional filters; a list resource declares those it takes.
type listConfig struct {
	VaultName              types.String `tfsdk:"vault_name"`
	PlanID                 types.String `tfsdk:"plan_id"`
	RestoreTestingPlanName types.String `tfsdk:"restore_testing_plan_name"`
}

// listFilter is a filter attribute of a list block.
type listFilter struct {
	name, description string
}

var (
	filterVaultName = listFilter{"vault_name", "Only the recovery points of this vault. Unset: those of every vault."}
	filterPlanID    = listFilter{"plan_id", "Only the selections of this backup plan. Unset: those of every plan."}

	filterRestoreTestingPlanName = listFilter{"restore_testing_plan_name", "Only the selections of this restore testing plan. Unset: those of every plan."}
)

// listResource lists one managed resource type.
type listResource struct {
	c           *clients
	typeSuffix  string // the managed resource's type name after the provider's, such as "_vault"
	description string
	filters     []listFilter
	spec        identitySpec
	newResource func() resource.Resource
	list        lister
}

var (
	_ list.ListResource              = (*listResource)(nil)
	_ list.ListResourceWithConfigure = (*listResource)(nil)
)

func (l *listResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + l.typeSuffix
}

func (l *listResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	attrs := map[string]listschema.Attribute{}
	for _, f := range l.filters {
		attrs[f.name] = listschema.StringAttribute{Optional: true, MarkdownDescription: f.description}
	}
	resp.Schema = listschema.Schema{MarkdownDescription: l.description, Attributes: attrs}
}

func (l *listResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

func (l *listResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config listConfig
	for _, f := range l.filters {
		var v types.String
		if d := req.Config.GetAttribute(ctx, path.Root(f.name), &v); d.HasError() {
			stream.Results = list.ListResultsStreamDiagnostics(d)
			return
		}
		switch f {
		case filterVaultName:
			config.VaultName = v
		case filterPlanID:
			config.PlanID = v
		case filterRestoreTestingPlanName:
			config.RestoreTestingPlanName = v
		}
	}
	if l.c == nil {
		stream.Results = list.ListResultsStreamDiagnostics(diag.Diagnostics{diag.NewErrorDiagnostic("Provider not configured",
			"The backup provider must be configured before its resources can be listed.")})
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		var sent int64
		err := l.list(ctx, l.c, config, func(item listedItem) bool {
			if req.Limit > 0 && sent >= req.Limit {
				return false
			}
			sent++
			return push(l.result(ctx, req, item))
		})
		if err != nil {
			push(list.ListResult{Diagnostics: l.listError(err)})
		}
	}
}

// listError reports a failed listing. Not found can only be what a filter names, so the hint
// points at the list block's config rather than at the state.
func (l *listResource) listError(err error) diag.Diagnostics {
	var d diag.Diagnostics
	action := "listing backup" + l.typeSuffix + " resources"
	if awsbackup.ErrorCode(err) != "ResourceNotFoundException" || len(l.filters) == 0 {
		addAPIError(&d, action, err)
		return d
	}
	var names []string
	for _, f := range l.filters {
		names = append(names, f.name)
	}
	d.AddError(errorSummary(action), fmt.Sprintf("ResourceNotFoundException: %s\n\nThe list block's config names something that does not exist: check its %s, or leave it unset to list them all.",
		awsbackup.ErrorMessage(err), strings.Join(names, ", ")))
	return d
}

// result is the list result of item: its identity, and with include_resource, its state as an
// import followed by a read makes it.
func (l *listResource) result(ctx context.Context, req list.ListRequest, item listedItem) list.ListResult {
	r := req.NewListResult(ctx)
	r.DisplayName = item.displayName
	for i, a := range l.spec.attrs {
		r.Diagnostics.Append(r.Identity.SetAttribute(ctx, path.Root(a.name), item.identity[i])...)
	}
	if !req.IncludeResource {
		r.Resource = nil
		return r
	}
	state, d := l.importAndRead(ctx, req, l.spec.importID(item.identity))
	r.Diagnostics.Append(d...)
	r.Resource = state
	return r
}

// importAndRead imports the managed resource by ID and reads it, as `terraform import` does.
func (l *listResource) importAndRead(ctx context.Context, req list.ListRequest, id string) (*tfsdk.Resource, diag.Diagnostics) {
	var diags diag.Diagnostics
	res := l.newResource()
	if rc, ok := res.(resource.ResourceWithConfigure); ok {
		var cr resource.ConfigureResponse
		rc.Configure(ctx, resource.ConfigureRequest{ProviderData: l.c}, &cr)
		diags.Append(cr.Diagnostics...)
	}
	importer, ok := res.(resource.ResourceWithImportState)
	if !ok || diags.HasError() {
		diags.AddError("Cannot read a listed resource", fmt.Sprintf("backup%s cannot be imported, so its listing cannot include the resource.", l.typeSuffix))
		return nil, diags
	}
	empty := tfsdk.State{Schema: req.ResourceSchema, Raw: tftypes.NewValue(req.ResourceSchema.Type().TerraformType(ctx), nil)}
	imported := resource.ImportStateResponse{State: empty}
	importer.ImportState(ctx, resource.ImportStateRequest{ID: id}, &imported)
	diags.Append(imported.Diagnostics...)
	if diags.HasError() {
		return nil, diags
	}
	read := resource.ReadResponse{State: imported.State}
	res.Read(ctx, resource.ReadRequest{State: imported.State}, &read)
	diags.Append(read.Diagnostics...)
	if diags.HasError() || read.State.Raw.IsNull() {
		return nil, diags // gone between the listing and the read: the identity is still listed
	}
	return &tfsdk.Resource{Schema: req.ResourceSchema, Raw: read.State.Raw}, diags
}

// The list resources, each with the managed resource it lists.
func listResources() []func() list.ListResource {
	lr := func(l listResource) func() list.ListResource {
		return func() list.ListResource { c := l; return &c }
	}
	return []func() list.ListResource{
		lr(listResource{typeSuffix: "_vault", description: "Every backup vault (not the logically air-gapped ones).",
			spec: identityByName, newResource: NewVaultResource, list: listVaults(backuptypes.VaultTypeBackupVault)}),
		lr(listResource{typeSuffix: "_vault_lock", description: "The lock of every locked vault.",
			spec: identityByVaultName, newResource: NewVaultLockResource, list: listVaultsHaving(vaultIsLocked)}),
		lr(listResource{typeSuffix: "_vault_policy", description: "The access policy of every vault that has one.",
			spec: identityByVaultName, newResource: NewVaultPolicyResource, list: listVaultsHaving(vaultHasPolicy)}),
		lr(listResource{typeSuffix: "_vault_notifications", description: "The notification configuration of every vault that has one.",
			spec: identityByVaultName, newResource: NewVaultNotificationsResource, list: listVaultsHaving(vaultHasNotifications)}),
		lr(listResource{typeSuffix: "_logically_air_gapped_vault", description: "Every logically air-gapped backup vault.",
			spec: identityByName, newResource: NewAirGappedVaultResource, list: listVaults(backuptypes.VaultTypeLogicallyAirGappedBackupVault)}),
		lr(listResource{typeSuffix: "_plan", description: "Every backup plan.",
			spec: identityByID("ID of the backup plan."), newResource: NewPlanResource, list: listPlans}),
		lr(listResource{typeSuffix: "_selection", description: "The backup selections of one plan, or of every plan.",
			filters: []listFilter{filterPlanID}, spec: identityOfSelection, newResource: NewSelectionResource, list: listSelections}),
		lr(listResource{typeSuffix: "_recovery_point", description: "The recovery points of one vault, or of every vault: those of backup jobs and of copy jobs alike.",
			filters: []listFilter{filterVaultName}, spec: identityOfRecoveryPoint, newResource: NewRecoveryPointResource, list: listRecoveryPoints}),
		lr(listResource{typeSuffix: "_legal_hold", description: "Every legal hold, active or not.",
			spec: identityByID("ID of the legal hold."), newResource: NewLegalHoldResource, list: listLegalHolds}),
		lr(listResource{typeSuffix: "_protected_resource", description: "Every resource registered with the engine (not available with `endpoint = \"aws\"`).",
			spec: identityOfProtectedResource, newResource: NewProtectedResourceResource, list: listProtectedResources}),
		lr(listResource{typeSuffix: "_restore_job", description: "Every restore job.",
			spec: identityByID("ID of the restore job."), newResource: NewRestoreJobResource, list: listRestoreJobs}),
		lr(listResource{typeSuffix: "_restore_testing_plan", description: "Every restore testing plan.",
			spec: identityOfRestoreTestingPlan, newResource: NewRestoreTestingPlanResource, list: listRestoreTestingPlans}),
		lr(listResource{typeSuffix: "_restore_testing_selection", description: "The restore testing selections of one plan, or of every plan.",
			filters: []listFilter{filterRestoreTestingPlanName}, spec: identityOfRestoreTestingSelection,
			newResource: NewRestoreTestingSelectionResource, list: listRestoreTestingSelections}),
		lr(listResource{typeSuffix: "_framework", description: "Every Backup Audit Manager framework.",
			spec: identityByID("Name of the framework."), newResource: NewFrameworkResource, list: listFrameworks}),
		lr(listResource{typeSuffix: "_report_plan", description: "Every Backup Audit Manager report plan.",
			spec: identityByID("Name of the report plan."), newResource: NewReportPlanResource, list: listReportPlans}),
	}
}

// pager is the method set of the SDK's paginators.
type pager[Page any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*backup.Options)) (Page, error)
}

// allItems yields every item of every page p answers (items picks them out of a page). An error
// ends the sequence as its last element.
func allItems[Page, Item any](ctx context.Context, p pager[Page], items func(Page) []Item) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				var none Item
				yield(none, err)
				return
			}
			for _, item := range items(page) {
				if !yield(item, nil) {
					return
				}
			}
		}
	}
}

// allVaults yields every vault of the given type ("" for every type).
func allVaults(ctx context.Context, c *clients, kind backuptypes.VaultType) iter.Seq2[backuptypes.BackupVaultListMember, error] {
	p := backup.NewListBackupVaultsPaginator(c.Backup, &backup.ListBackupVaultsInput{ByVaultType: kind})
	return allItems(ctx, p, func(o *backup.ListBackupVaultsOutput) []backuptypes.BackupVaultListMember { return o.BackupVaultList })
}

func listVaults(kind backuptypes.VaultType) lister {
	return func(ctx context.Context, c *clients, _ listConfig, yield func(listedItem) bool) error {
		for v, err := range allVaults(ctx, c, kind) {
			if err != nil {
				return err
			}
			if v.VaultType != "" && v.VaultType != kind {
				continue
			}
			name := aws.ToString(v.BackupVaultName)
			if !yield(listedItem{identity: []string{name}, displayName: name}) {
				return nil
			}
		}
		return nil
	}
}

// listVaultsHaving lists the vaults, of every type, for which has is true: those with a lock,
// an access policy or notifications, which are configured per vault and identified by its name.
func listVaultsHaving(has func(context.Context, *clients, backuptypes.BackupVaultListMember) (bool, error)) lister {
	return func(ctx context.Context, c *clients, _ listConfig, yield func(listedItem) bool) error {
		for v, err := range allVaults(ctx, c, "") {
			if err != nil {
				return err
			}
			ok, err := has(ctx, c, v)
			if err != nil {
				return err
			}
			name := aws.ToString(v.BackupVaultName)
			if ok && !yield(listedItem{identity: []string{name}, displayName: name}) {
				return nil
			}
		}
		return nil
	}
}

func vaultIsLocked(_ context.Context, _ *clients, v backuptypes.BackupVaultListMember) (bool, error) {
	// A logically air-gapped vault is always locked, by its own retention range rather than by a
	// backup_vault_lock.
	return aws.ToBool(v.Locked) && v.VaultType != backuptypes.VaultTypeLogicallyAirGappedBackupVault, nil
}

func vaultHasPolicy(ctx context.Context, c *clients, v backuptypes.BackupVaultListMember) (bool, error) {
	return found(awsbackup.FindVaultAccessPolicy(ctx, c.Backup, aws.ToString(v.BackupVaultName)))
}

func vaultHasNotifications(ctx context.Context, c *clients, v backuptypes.BackupVaultListMember) (bool, error) {
	return found(awsbackup.FindVaultNotifications(ctx, c.Backup, aws.ToString(v.BackupVaultName)))
}

// found turns a finder's answer into whether it found something; not found is not an error.
func found[T any](_ T, err error) (bool, error) {
	if awsbackup.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

func listPlans(ctx context.Context, c *clients, _ listConfig, yield func(listedItem) bool) error {
	p := backup.NewListBackupPlansPaginator(c.Backup, &backup.ListBackupPlansInput{})
	for plan, err := range allItems(ctx, p, func(o *backup.ListBackupPlansOutput) []backuptypes.BackupPlansListMember { return o.BackupPlansList }) {
		if err != nil {
			return err
		}
		id := aws.ToString(plan.BackupPlanId)
		if !yield(listedItem{identity: []string{id}, displayName: fmt.Sprintf("%s (%s)", aws.ToString(plan.BackupPlanName), id)}) {
			return nil
		}
	}
	return nil
}

func listSelections(ctx context.Context, c *clients, config listConfig, yield func(listedItem) bool) error {
	planIDs := []string{config.PlanID.ValueString()}
	if config.PlanID.IsNull() {
		planIDs = nil
		err := listPlans(ctx, c, config, func(item listedItem) bool {
			planIDs = append(planIDs, item.identity[0])
			return true
		})
		if err != nil {
			return err
		}
	}
	for _, planID := range planIDs {
		p := backup.NewListBackupSelectionsPaginator(c.Backup, &backup.ListBackupSelectionsInput{BackupPlanId: aws.String(planID)})
		for s, err := range allItems(ctx, p, func(o *backup.ListBackupSelectionsOutput) []backuptypes.BackupSelectionsListMember {
			return o.BackupSelectionsList
		}) {
			if err != nil {
				return err
			}
			id := aws.ToString(s.SelectionId)
			if !yield(listedItem{identity: []string{planID, id}, displayName: fmt.Sprintf("%s (plan %s)", aws.ToString(s.SelectionName), planID)}) {
				return nil
			}
		}
	}
	return nil
}

func listRecoveryPoints(ctx context.Context, c *clients, config listConfig, yield func(listedItem) bool) error {
	vaults := []string{config.VaultName.ValueString()}
	if config.VaultName.IsNull() {
		vaults = nil
		for v, err := range allVaults(ctx, c, "") {
			if err != nil {
				return err
			}
			vaults = append(vaults, aws.ToString(v.BackupVaultName))
		}
	}
	for _, vault := range vaults {
		p := backup.NewListRecoveryPointsByBackupVaultPaginator(c.Backup, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String(vault)})
		for rp, err := range allItems(ctx, p, func(o *backup.ListRecoveryPointsByBackupVaultOutput) []backuptypes.RecoveryPointByBackupVault {
			return o.RecoveryPoints
		}) {
			if err != nil {
				return err
			}
			arn := aws.ToString(rp.RecoveryPointArn)
			display := fmt.Sprintf("%s of %s in %s", arn, aws.ToString(rp.ResourceArn), vault)
			if !yield(listedItem{identity: []string{vault, arn}, displayName: display}) {
				return nil
			}
		}
	}
	return nil
}

func listLegalHolds(ctx context.Context, c *clients, _ listConfig, yield func(listedItem) bool) error {
	p := backup.NewListLegalHoldsPaginator(c.Backup, &backup.ListLegalHoldsInput{})
	for h, err := range allItems(ctx, p, func(o *backup.ListLegalHoldsOutput) []backuptypes.LegalHold { return o.LegalHolds }) {
		if err != nil {
			return err
		}
		id := aws.ToString(h.LegalHoldId)
		if !yield(listedItem{identity: []string{id}, displayName: fmt.Sprintf("%s (%s, %s)", aws.ToString(h.Title), id, h.Status)}) {
			return nil
		}
	}
	return nil
}

func listProtectedResources(ctx context.Context, c *clients, _ listConfig, yield func(listedItem) bool) error {
	if c.Registry == nil {
		return fmt.Errorf("AWS Backup has no registry of protected resources: backup_protected_resource lists an engine's only")
	}
	all, err := c.Registry.ListResources(ctx, "")
	if err != nil {
		return err
	}
	for _, r := range all {
		display := fmt.Sprintf("%s %s (%s)", r.ResourceType, r.ResourceName, r.ResourceArn)
		if !yield(listedItem{identity: []string{r.ResourceArn}, displayName: display}) {
			return nil
		}
	}
	return nil
}

func listRestoreJobs(ctx context.Context, c *clients, _ listConfig, yield func(listedItem) bool) error {
	p := backup.NewListRestoreJobsPaginator(c.Backup, &backup.ListRestoreJobsInput{})
	for j, err := range allItems(ctx, p, func(o *backup.ListRestoreJobsOutput) []backuptypes.RestoreJobsListMember { return o.RestoreJobs }) {
		if err != nil {
			return err
		}
		id := aws.ToString(j.RestoreJobId)
		if !yield(listedItem{identity: []string{id}, displayName: fmt.Sprintf("restore job %s (%s)", id, j.Status)}) {
			return nil
		}
	}
	return nil
}

func listRestoreTestingPlans(ctx context.Context, c *clients, _ listConfig, yield func(listedItem) bool) error {
	p := backup.NewListRestoreTestingPlansPaginator(c.Backup, &backup.ListRestoreTestingPlansInput{})
	for plan, err := range allItems(ctx, p, func(o *backup.ListRestoreTestingPlansOutput) []backuptypes.RestoreTestingPlanForList {
		return o.RestoreTestingPlans
	}) {
		if err != nil {
			return err
		}
		name := aws.ToString(plan.RestoreTestingPlanName)
		if !yield(listedItem{identity: []string{name}, displayName: fmt.Sprintf("%s (%s)", name, aws.ToString(plan.ScheduleExpression))}) {
			return nil
		}
	}
	return nil
}

func listRestoreTestingSelections(ctx context.Context, c *clients, config listConfig, yield func(listedItem) bool) error {
	planNames := []string{config.RestoreTestingPlanName.ValueString()}
	if config.RestoreTestingPlanName.IsNull() {
		planNames = nil
		err := listRestoreTestingPlans(ctx, c, config, func(item listedItem) bool {
			planNames = append(planNames, item.identity[0])
			return true
		})
		if err != nil {
			return err
		}
	}
	for _, planName := range planNames {
		p := backup.NewListRestoreTestingSelectionsPaginator(c.Backup, &backup.ListRestoreTestingSelectionsInput{RestoreTestingPlanName: aws.String(planName)})
		for s, err := range allItems(ctx, p, func(o *backup.ListRestoreTestingSelectionsOutput) []backuptypes.RestoreTestingSelectionForList {
			return o.RestoreTestingSelections
		}) {
			if err != nil {
				return err
			}
			name := aws.ToString(s.RestoreTestingSelectionName)
			display := fmt.Sprintf("%s (%s, plan %s)", name, aws.ToString(s.ProtectedResourceType), planName)
			if !yield(listedItem{identity: []string{name, planName}, displayName: display}) {
				return nil
			}
		}
	}
	return nil
}

func listFrameworks(ctx context.Context, c *clients, _ listConfig, yield func(listedItem) bool) error {
	frameworks, err := awsbackup.ListFrameworks(ctx, c.Backup)
	if err != nil {
		return err
	}
	for _, f := range frameworks {
		name := aws.ToString(f.FrameworkName)
		if !yield(listedItem{identity: []string{name}, displayName: fmt.Sprintf("%s (%d controls)", name, f.NumberOfControls)}) {
			return nil
		}
	}
	return nil
}

func listReportPlans(ctx context.Context, c *clients, _ listConfig, yield func(listedItem) bool) error {
	plans, err := awsbackup.ListReportPlans(ctx, c.Backup)
	if err != nil {
		return err
	}
	for _, p := range plans {
		name := aws.ToString(p.ReportPlanName)
		template := ""
		if p.ReportSetting != nil {
			template = aws.ToString(p.ReportSetting.ReportTemplate)
		}
		if !yield(listedItem{identity: []string{name}, displayName: fmt.Sprintf("%s (%s)", name, template)}) {
			return nil
		}
	}
	return nil
}
