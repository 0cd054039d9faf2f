package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// The safety net for members the API adds after this provider was written. The SDK decodes only
// the members it knows and drops the rest, and a resource keeps only what its schema has, so a
// new member of an answer (a new plan field, say) would be lost without a word on the next write.
// Instead:
//
//   - every SDK client records, for calls made under watchAnswers' context, the raw JSON body of
//     each answer (recordAnswers, an API option of the clients);
//   - a resource's Read compares the answers of its own operations with the members of the API
//     model this provider models (modelAnswers) and warns, naming each unknown member, and keeps
//     their list in its private state (noteUnmodelled); import reads too, so it warns as well;
//   - ModifyPlan refuses a plan that would rewrite or replace the object while the list is not
//     empty (refuseDroppingUnmodelled): destroying it, or changing only its tags, stays allowed.
//
// The account settings resources only warn: their updates set the keys they name and leave the
// rest of the settings as they are, so an update cannot drop a member.

// answerRecorder holds the raw answers of the calls made with its context, by operation.
type answerRecorder struct {
	mu      sync.Mutex
	answers map[string][][]byte
}

type answerRecorderKey struct{}

// watchAnswers returns a context under which the clients record their answers, and the recorder.
func watchAnswers(ctx context.Context) (context.Context, *answerRecorder) {
	r := &answerRecorder{answers: map[string][][]byte{}}
	return context.WithValue(ctx, answerRecorderKey{}, r), r
}

// recordAnswers is an API option of every SDK client: it copies the body of each successful
// answer to the context's recorder, if any, before the SDK decodes it. It sits after the
// operation's deserializer in the stack, so it sees the raw response first.
func recordAnswers(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("RecordAnswerMembers",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			rec, ok := ctx.Value(answerRecorderKey{}).(*answerRecorder)
			if err != nil || !ok {
				return out, md, err
			}
			resp, ok := out.RawResponse.(*smithyhttp.Response)
			if !ok || resp.Body == nil || resp.StatusCode >= 300 {
				return out, md, err
			}
			body, rerr := io.ReadAll(resp.Body)
			_ = resp.Body.Close() // fully read; the SDK decodes the copy below
			resp.Body = io.NopCloser(bytes.NewReader(body))
			if rerr != nil {
				return out, md, fmt.Errorf("read the answer of %s: %w", middleware.GetOperationName(ctx), rerr)
			}
			rec.mu.Lock()
			op := middleware.GetOperationName(ctx)
			rec.answers[op] = append(rec.answers[op], body)
			rec.mu.Unlock()
			return out, md, nil
		}), middleware.After)
}

// recordEngineAnswer is the engine client's Answered hook: it records registry answers
// (GetResource) as the SDK clients record theirs.
func recordEngineAnswer(ctx context.Context, method, path string, body []byte) {
	rec, ok := ctx.Value(answerRecorderKey{}).(*answerRecorder)
	if !ok || method != "GET" || !strings.HasPrefix(path, engineclient.ResourcePath("")) {
		return
	}
	rec.mu.Lock()
	rec.answers[opGetResource] = append(rec.answers[opGetResource], body)
	rec.mu.Unlock()
}

// opGetResource names the engine registry's GetResource answers in a recorder.
const opGetResource = "GetResource"

// unmodelled returns the members of the recorded answers of ops that modelAnswers does not list,
// as paths such as "BackupPlan.Rules[0].NewMember", sorted and without repeats.
func (r *answerRecorder) unmodelled(ops ...string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	for _, op := range ops {
		known := knownMembers(op)
		for _, body := range r.answers[op] {
			var v any
			if json.Unmarshal(body, &v) != nil {
				continue // not JSON: the SDK reports that itself
			}
			walkMembers(v, "", "", known, seen)
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// knownMembersByOp caches knownMembers' answers: every Read of every resource asks for one.
var knownMembersByOp sync.Map // op -> map[string]bool, read-only once stored

// knownMembers expands modelAnswers[op] to every path that is a member or leads to one. The map
// it returns is shared: callers only read it.
func knownMembers(op string) map[string]bool {
	if known, ok := knownMembersByOp.Load(op); ok {
		return known.(map[string]bool)
	}
	known := expandMembers(op)
	stored, _ := knownMembersByOp.LoadOrStore(op, known)
	return stored.(map[string]bool)
}

// expandMembers is knownMembers without the cache.
func expandMembers(op string) map[string]bool {
	known := map[string]bool{}
	members := modelAnswers[op]
	if op == opGetResource {
		members = engineclient.ResourceAnswerMembers // the engine's own API, not AWS's model
	}
	for _, p := range members {
		for i := range p {
			if p[i] == '.' || p[i] == '[' || p[i] == '{' {
				known[p[:i]] = true
			}
		}
		known[p] = true
	}
	return known
}

// walkMembers records in unknown the members of v (at pattern path pat, shown as shown) that
// known does not list. A map whose keys are data ("Tags{}") is not walked.
func walkMembers(v any, pat, shown string, known, unknown map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		if known[pat+"{}"] {
			return
		}
		for k, child := range v {
			p, s := k, k
			if pat != "" {
				p, s = pat+"."+k, shown+"."+k
			}
			if !known[p] {
				unknown[s] = true
				continue
			}
			walkMembers(child, p, s, known, unknown)
		}
	case []any:
		for i, child := range v {
			walkMembers(child, pat+"[]", fmt.Sprintf("%s[%d]", shown, i), known, unknown)
		}
	}
}

// privateUnmodelled is the private-state key under which a resource keeps the members of its
// last answer that it does not model.
const privateUnmodelled = "unmodelled_members"

// privateState is the part of the framework's private state a resource writes.
type privateState interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// noteUnmodelled warns about members of the answers to ops that the resource does not model, and
// keeps their list in its private state (an empty list clears it). what names the object, such
// as `backup_plan "nightly" (ID ...)`.
func noteUnmodelled(ctx context.Context, rec *answerRecorder, what string, private privateState, diags *diag.Diagnostics, ops ...string) {
	members := rec.unmodelled(ops...)
	value := []byte(`[]`)
	if len(members) > 0 {
		value, _ = json.Marshal(members) // a []string always marshals
		diags.AddWarning("The API answered fields this provider does not model",
			fmt.Sprintf("%s: %s answered %s, which this version of the provider has no argument for. Terraform keeps them only while it "+
				"does not rewrite the object: plans that would update or replace it are refused, so they are not dropped. "+
				"Upgrade the provider to one that models them, or remove them outside Terraform.",
				what, strings.Join(ops, "/"), strings.Join(members, ", ")))
	}
	if hasPrivateState(private) {
		diags.Append(private.SetKey(ctx, privateUnmodelled, value)...)
	}
}

// hasPrivateState reports whether a read has private state to write. A list resource's
// include_resource reads outside a plan, through a response whose Private is a nil
// *privatestate.ProviderData (a framework-internal type), which refuses every write.
func hasPrivateState(p privateState) bool {
	if p == nil {
		return false
	}
	v := reflect.ValueOf(p)
	return v.Kind() != reflect.Pointer || !v.IsNil()
}

// refuseDroppingUnmodelled fails a plan that would rewrite or replace an object whose last
// answer had members the provider does not model. Changes of ignored attributes (tags, which a
// separate API call changes) and a destroy are allowed. Resources call it from ModifyPlan.
func refuseDroppingUnmodelled(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, ignored ...string) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() || req.Private == nil {
		return
	}
	raw, d := req.Private.GetKey(ctx, privateUnmodelled)
	resp.Diagnostics.Append(d...)
	var members []string
	if len(raw) == 0 || json.Unmarshal(raw, &members) != nil || len(members) == 0 {
		return
	}
	changed := changedAttributes(req, ignored)
	if len(changed) == 0 {
		return
	}
	resp.Diagnostics.AddError("This change would drop fields the provider does not model",
		fmt.Sprintf("The object was last read with %s, which this version of the provider has no argument for. Changing %s would "+
			"rewrite (or replace) it without them, so the plan is refused. Upgrade the provider to one that models them, or remove them "+
			"outside Terraform and refresh.", strings.Join(members, ", "), strings.Join(changed, ", ")))
}

// changedAttributes lists the top-level attributes and blocks the plan changes, leaving out
// ignored ones and computed values that are merely unknown (config null, plan unknown).
func changedAttributes(req resource.ModifyPlanRequest, ignored []string) []string {
	var plan, state, config map[string]tftypes.Value
	if req.Plan.Raw.As(&plan) != nil || req.State.Raw.As(&state) != nil || req.Config.Raw.As(&config) != nil {
		return []string{"the object"} // cannot tell: assume the worst
	}
	var changed []string
	for name, p := range plan {
		if slices.Contains(ignored, name) || p.Equal(state[name]) {
			continue
		}
		if c, ok := config[name]; !p.IsKnown() && (!ok || c.IsNull()) {
			continue
		}
		changed = append(changed, name)
	}
	sort.Strings(changed)
	return changed
}

// modelAnswers are the members of the answers resources read, as the API model (service-2.json) this
// provider is built against has them: "A.B" is member B of structure A, "A[]" the elements of list
// A, and "A{}" a map whose keys are data. Each resource models them or keeps them only as output
// (dates, counts); a member not listed here is one the API added later.
var modelAnswers = map[string][]string{
	"DescribeBackupVault": {
		"BackupVaultArn", "BackupVaultName", "CreationDate", "CreatorRequestId", "EncryptionKeyArn", "EncryptionKeyType",
		"LatestMpaApprovalTeamUpdate.ExpiryDate", "LatestMpaApprovalTeamUpdate.InitiationDate",
		"LatestMpaApprovalTeamUpdate.MpaSessionArn", "LatestMpaApprovalTeamUpdate.Status", "LatestMpaApprovalTeamUpdate.StatusMessage",
		"LockDate", "Locked", "MaxRetentionDays", "MinRetentionDays", "MpaApprovalTeamArn", "MpaSessionArn", "NumberOfRecoveryPoints",
		"SourceBackupVaultArn", "VaultState", "VaultType",
	},
	"GetBackupVaultAccessPolicy": {
		"BackupVaultArn", "BackupVaultName", "Policy",
	},
	"GetBackupVaultNotifications": {
		"BackupVaultArn", "BackupVaultEvents[]", "BackupVaultName", "SNSTopicArn",
	},
	"GetBackupPlan": {
		"AdvancedBackupSettings[].BackupOptions{}", "AdvancedBackupSettings[].ResourceType",
		"BackupPlan.AdvancedBackupSettings[].BackupOptions{}", "BackupPlan.AdvancedBackupSettings[].ResourceType",
		"BackupPlan.BackupPlanName", "BackupPlan.Rules[].CompletionWindowMinutes",
		"BackupPlan.Rules[].CopyActions[].DestinationBackupVaultArn", "BackupPlan.Rules[].CopyActions[].Lifecycle.DeleteAfterDays",
		"BackupPlan.Rules[].CopyActions[].Lifecycle.DeleteAfterEvent",
		"BackupPlan.Rules[].CopyActions[].Lifecycle.MoveToColdStorageAfterDays",
		"BackupPlan.Rules[].CopyActions[].Lifecycle.OptInToArchiveForSupportedResources", "BackupPlan.Rules[].EnableContinuousBackup",
		"BackupPlan.Rules[].IndexActions[].ResourceTypes[]", "BackupPlan.Rules[].Lifecycle.DeleteAfterDays",
		"BackupPlan.Rules[].Lifecycle.DeleteAfterEvent", "BackupPlan.Rules[].Lifecycle.MoveToColdStorageAfterDays",
		"BackupPlan.Rules[].Lifecycle.OptInToArchiveForSupportedResources", "BackupPlan.Rules[].RecoveryPointTags{}",
		"BackupPlan.Rules[].RuleId", "BackupPlan.Rules[].RuleName", "BackupPlan.Rules[].ScanActions[].MalwareScanner",
		"BackupPlan.Rules[].ScanActions[].ScanMode", "BackupPlan.Rules[].ScheduleExpression",
		"BackupPlan.Rules[].ScheduleExpressionTimezone", "BackupPlan.Rules[].StartWindowMinutes",
		"BackupPlan.Rules[].TargetBackupVaultName", "BackupPlan.Rules[].TargetLogicallyAirGappedBackupVaultArn",
		"BackupPlan.ScanSettings[].MalwareScanner", "BackupPlan.ScanSettings[].ResourceTypes[]",
		"BackupPlan.ScanSettings[].ScannerRoleArn", "BackupPlanArn", "BackupPlanId", "CreationDate", "CreatorRequestId",
		"DeletionDate", "LastExecutionDate", "ScheduledRunsPreview[].ExecutionTime", "ScheduledRunsPreview[].RuleExecutionType",
		"ScheduledRunsPreview[].RuleId", "VersionId",
	},
	"GetBackupSelection": {
		"BackupPlanId", "BackupSelection.Conditions.StringEquals[].ConditionKey",
		"BackupSelection.Conditions.StringEquals[].ConditionValue", "BackupSelection.Conditions.StringLike[].ConditionKey",
		"BackupSelection.Conditions.StringLike[].ConditionValue", "BackupSelection.Conditions.StringNotEquals[].ConditionKey",
		"BackupSelection.Conditions.StringNotEquals[].ConditionValue", "BackupSelection.Conditions.StringNotLike[].ConditionKey",
		"BackupSelection.Conditions.StringNotLike[].ConditionValue", "BackupSelection.IamRoleArn",
		"BackupSelection.ListOfTags[].ConditionKey", "BackupSelection.ListOfTags[].ConditionType",
		"BackupSelection.ListOfTags[].ConditionValue", "BackupSelection.NotResources[]", "BackupSelection.Resources[]",
		"BackupSelection.SelectionName", "CreationDate", "CreatorRequestId", "SelectionId",
	},
	"GetLegalHold": {
		"CancelDescription", "CancellationDate", "CreationDate", "Description", "LegalHoldArn", "LegalHoldId",
		"RecoveryPointSelection.DateRange.FromDate", "RecoveryPointSelection.DateRange.ToDate",
		"RecoveryPointSelection.ResourceIdentifiers[]", "RecoveryPointSelection.VaultNames[]", "RetainRecordUntil", "Status", "Title",
	},
	"DescribeRecoveryPoint": {
		"BackupSizeInBytes", "BackupVaultArn", "BackupVaultName", "CalculatedLifecycle.DeleteAt",
		"CalculatedLifecycle.MoveToColdStorageAt", "CompletionDate", "CompositeMemberIdentifier", "CreatedBy.BackupPlanArn",
		"CreatedBy.BackupPlanId", "CreatedBy.BackupPlanName", "CreatedBy.BackupPlanVersion", "CreatedBy.BackupRuleCron",
		"CreatedBy.BackupRuleId", "CreatedBy.BackupRuleName", "CreatedBy.BackupRuleTimezone", "CreationDate", "EncryptionKeyArn",
		"EncryptionKeyType", "IamRoleArn", "IndexStatus", "IndexStatusMessage", "InitiationDate", "IsEncrypted", "IsParent",
		"LastRestoreTime", "Lifecycle.DeleteAfterDays", "Lifecycle.DeleteAfterEvent", "Lifecycle.MoveToColdStorageAfterDays",
		"Lifecycle.OptInToArchiveForSupportedResources", "ParentRecoveryPointArn", "RecoveryPointArn", "ResourceArn", "ResourceName",
		"ResourceType", "ScanResults[].Findings[]", "ScanResults[].LastScanTimestamp", "ScanResults[].MalwareScanner",
		"ScanResults[].ScanJobState", "SourceBackupVaultArn", "Status", "StatusMessage", "StorageClass", "VaultType",
	},
	"DescribeRestoreJob": {
		"AccountId", "BackupSizeInBytes", "BackupVaultArn", "CompletionDate", "CreatedBy.RestoreTestingPlanArn", "CreatedResourceArn",
		"CreationDate", "DeletionStatus", "DeletionStatusMessage", "ExpectedCompletionTimeMinutes", "IamRoleArn", "IsParent",
		"ParentJobId", "PercentDone", "RecoveryPointArn", "RecoveryPointCreationDate", "ResourceType", "RestoreJobId",
		"SourceResourceArn", "Status", "StatusMessage", "ValidationStatus", "ValidationStatusMessage",
	},
	"GetRestoreJobMetadata": {
		"Metadata{}", "RestoreJobId",
	},
	"GetRestoreTestingPlan": {
		"RestoreTestingPlan.CreationTime", "RestoreTestingPlan.CreatorRequestId", "RestoreTestingPlan.LastExecutionTime",
		"RestoreTestingPlan.LastUpdateTime", "RestoreTestingPlan.RecoveryPointSelection.Algorithm",
		"RestoreTestingPlan.RecoveryPointSelection.ExcludeVaults[]", "RestoreTestingPlan.RecoveryPointSelection.IncludeVaults[]",
		"RestoreTestingPlan.RecoveryPointSelection.RecoveryPointTypes[]", "RestoreTestingPlan.RecoveryPointSelection.SelectionWindowDays",
		"RestoreTestingPlan.RestoreTestingPlanArn", "RestoreTestingPlan.RestoreTestingPlanName", "RestoreTestingPlan.ScheduleExpression",
		"RestoreTestingPlan.ScheduleExpressionTimezone", "RestoreTestingPlan.StartWindowHours",
	},
	// Of the Audit Manager answers, IdempotencyToken and the report plan's execution times are
	// output only; the settings' maps are data (flags, resource types), so a new flag or type
	// is no new member.
	"DescribeFramework": {
		"CreationTime", "DeploymentStatus", "FrameworkArn", "FrameworkControls[].ControlInputParameters[].ParameterName",
		"FrameworkControls[].ControlInputParameters[].ParameterValue", "FrameworkControls[].ControlName",
		"FrameworkControls[].ControlScope.ComplianceResourceIds[]", "FrameworkControls[].ControlScope.ComplianceResourceTypes[]",
		"FrameworkControls[].ControlScope.Tags{}", "FrameworkDescription", "FrameworkName", "FrameworkStatus", "IdempotencyToken",
	},
	"DescribeReportPlan": {
		"ReportPlan.CreationTime", "ReportPlan.DeploymentStatus", "ReportPlan.LastAttemptedExecutionTime",
		"ReportPlan.LastSuccessfulExecutionTime", "ReportPlan.ReportDeliveryChannel.Formats[]",
		"ReportPlan.ReportDeliveryChannel.S3BucketName", "ReportPlan.ReportDeliveryChannel.S3KeyPrefix", "ReportPlan.ReportPlanArn",
		"ReportPlan.ReportPlanDescription", "ReportPlan.ReportPlanName", "ReportPlan.ReportSetting.Accounts[]",
		"ReportPlan.ReportSetting.FrameworkArns[]", "ReportPlan.ReportSetting.NumberOfFrameworks",
		"ReportPlan.ReportSetting.OrganizationUnits[]", "ReportPlan.ReportSetting.Regions[]", "ReportPlan.ReportSetting.ReportTemplate",
	},
	"DescribeGlobalSettings": {
		"GlobalSettings{}", "LastUpdateTime",
	},
	"DescribeRegionSettings": {
		"ResourceTypeManagementPreference{}", "ResourceTypeOptInPreference{}",
	},
	"GetRestoreTestingSelection": {
		"RestoreTestingSelection.CreationTime", "RestoreTestingSelection.CreatorRequestId", "RestoreTestingSelection.IamRoleArn",
		"RestoreTestingSelection.ProtectedResourceArns[]", "RestoreTestingSelection.ProtectedResourceConditions.StringEquals[].Key",
		"RestoreTestingSelection.ProtectedResourceConditions.StringEquals[].Value",
		"RestoreTestingSelection.ProtectedResourceConditions.StringNotEquals[].Key",
		"RestoreTestingSelection.ProtectedResourceConditions.StringNotEquals[].Value", "RestoreTestingSelection.ProtectedResourceType",
		"RestoreTestingSelection.RestoreMetadataOverrides{}", "RestoreTestingSelection.RestoreTestingPlanName",
		"RestoreTestingSelection.RestoreTestingSelectionName", "RestoreTestingSelection.ValidationWindowHours",
	},
}
