package wire

// The shapes of AWS Backup's restore testing operations, member for member as service-2.json
// names them. AWS documents them under "Restore testing" in the AWS Backup Developer Guide
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html) and in the API
// reference pages API_RestoreTestingPlanForCreate.html, API_RestoreTestingSelectionForCreate.html,
// API_RestoreTestingRecoveryPointSelection.html and API_PutRestoreValidationResult.html.

// RestoreTestingRecoveryPointSelection is how a plan picks the recovery point it restores.
type RestoreTestingRecoveryPointSelection struct {
	Algorithm           string   `json:"Algorithm,omitempty"`
	ExcludeVaults       []string `json:"ExcludeVaults,omitempty"`
	IncludeVaults       []string `json:"IncludeVaults,omitempty"`
	RecoveryPointTypes  []string `json:"RecoveryPointTypes,omitempty"`
	SelectionWindowDays *int32   `json:"SelectionWindowDays,omitempty"`
}

// RestoreTestingPlanForCreate is CreateRestoreTestingPlan's plan.
type RestoreTestingPlanForCreate struct {
	RecoveryPointSelection     *RestoreTestingRecoveryPointSelection `json:"RecoveryPointSelection"`
	RestoreTestingPlanName     string                                `json:"RestoreTestingPlanName"`
	ScheduleExpression         string                                `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string                                `json:"ScheduleExpressionTimezone,omitempty"`
	StartWindowHours           *int32                                `json:"StartWindowHours,omitempty"`
}

// CreateRestoreTestingPlanInput is the wire input of CreateRestoreTestingPlan.
type CreateRestoreTestingPlanInput struct {
	CreatorRequestId   string                       `json:"CreatorRequestId,omitempty"`
	RestoreTestingPlan *RestoreTestingPlanForCreate `json:"RestoreTestingPlan"`
	Tags               map[string]string            `json:"Tags,omitempty"`
}

// CreateRestoreTestingPlanOutput is the wire output of CreateRestoreTestingPlan.
type CreateRestoreTestingPlanOutput struct {
	CreationTime           *Timestamp `json:"CreationTime"`
	RestoreTestingPlanArn  string     `json:"RestoreTestingPlanArn"`
	RestoreTestingPlanName string     `json:"RestoreTestingPlanName"`
}

// RestoreTestingPlanNameInput names a plan: the input of GetRestoreTestingPlan and
// DeleteRestoreTestingPlan.
type RestoreTestingPlanNameInput struct {
	RestoreTestingPlanName string `json:"RestoreTestingPlanName"`
}

// RestoreTestingPlanForGet is GetRestoreTestingPlan's plan.
type RestoreTestingPlanForGet struct {
	CreationTime               *Timestamp                            `json:"CreationTime"`
	CreatorRequestId           string                                `json:"CreatorRequestId,omitempty"`
	LastExecutionTime          *Timestamp                            `json:"LastExecutionTime,omitempty"`
	LastUpdateTime             *Timestamp                            `json:"LastUpdateTime,omitempty"`
	RecoveryPointSelection     *RestoreTestingRecoveryPointSelection `json:"RecoveryPointSelection"`
	RestoreTestingPlanArn      string                                `json:"RestoreTestingPlanArn"`
	RestoreTestingPlanName     string                                `json:"RestoreTestingPlanName"`
	ScheduleExpression         string                                `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string                                `json:"ScheduleExpressionTimezone,omitempty"`
	StartWindowHours           int32                                 `json:"StartWindowHours"`
}

// GetRestoreTestingPlanOutput is the wire output of GetRestoreTestingPlan.
type GetRestoreTestingPlanOutput struct {
	RestoreTestingPlan *RestoreTestingPlanForGet `json:"RestoreTestingPlan"`
}

// RestoreTestingPlanForUpdate is UpdateRestoreTestingPlan's plan: members left out keep their value.
type RestoreTestingPlanForUpdate struct {
	RecoveryPointSelection     *RestoreTestingRecoveryPointSelection `json:"RecoveryPointSelection,omitempty"`
	ScheduleExpression         string                                `json:"ScheduleExpression,omitempty"`
	ScheduleExpressionTimezone *string                               `json:"ScheduleExpressionTimezone,omitempty"`
	StartWindowHours           *int32                                `json:"StartWindowHours,omitempty"`
}

// UpdateRestoreTestingPlanInput is the wire input of UpdateRestoreTestingPlan.
type UpdateRestoreTestingPlanInput struct {
	RestoreTestingPlan     *RestoreTestingPlanForUpdate `json:"RestoreTestingPlan"`
	RestoreTestingPlanName string                       `json:"RestoreTestingPlanName"`
}

// UpdateRestoreTestingPlanOutput is the wire output of UpdateRestoreTestingPlan.
type UpdateRestoreTestingPlanOutput struct {
	CreationTime           *Timestamp `json:"CreationTime"`
	RestoreTestingPlanArn  string     `json:"RestoreTestingPlanArn"`
	RestoreTestingPlanName string     `json:"RestoreTestingPlanName"`
	UpdateTime             *Timestamp `json:"UpdateTime"`
}

// ListRestoreTestingPlansInput is the wire input of ListRestoreTestingPlans.
type ListRestoreTestingPlansInput struct {
	MaxResults *int32 `json:"MaxResults,omitempty"`
	NextToken  string `json:"NextToken,omitempty"`
}

// RestoreTestingPlanForList is one plan in ListRestoreTestingPlans.
type RestoreTestingPlanForList struct {
	CreationTime               *Timestamp `json:"CreationTime"`
	LastExecutionTime          *Timestamp `json:"LastExecutionTime,omitempty"`
	LastUpdateTime             *Timestamp `json:"LastUpdateTime,omitempty"`
	RestoreTestingPlanArn      string     `json:"RestoreTestingPlanArn"`
	RestoreTestingPlanName     string     `json:"RestoreTestingPlanName"`
	ScheduleExpression         string     `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string     `json:"ScheduleExpressionTimezone,omitempty"`
	StartWindowHours           int32      `json:"StartWindowHours"`
}

// ListRestoreTestingPlansOutput is the wire output of ListRestoreTestingPlans.
type ListRestoreTestingPlansOutput struct {
	NextToken           string                       `json:"NextToken,omitempty"`
	RestoreTestingPlans []*RestoreTestingPlanForList `json:"RestoreTestingPlans"`
}

// ProtectedResourceConditions filter a selection's resources by their tags.
type ProtectedResourceConditions struct {
	StringEquals    []KeyValue `json:"StringEquals,omitempty"`
	StringNotEquals []KeyValue `json:"StringNotEquals,omitempty"`
}

// KeyValue is the model's KeyValue: one tag.
type KeyValue struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// RestoreTestingSelectionForCreate is CreateRestoreTestingSelection's selection.
type RestoreTestingSelectionForCreate struct {
	IamRoleArn                  string                       `json:"IamRoleArn"`
	ProtectedResourceArns       []string                     `json:"ProtectedResourceArns,omitempty"`
	ProtectedResourceConditions *ProtectedResourceConditions `json:"ProtectedResourceConditions,omitempty"`
	ProtectedResourceType       string                       `json:"ProtectedResourceType"`
	RestoreMetadataOverrides    map[string]string            `json:"RestoreMetadataOverrides,omitempty"`
	RestoreTestingSelectionName string                       `json:"RestoreTestingSelectionName"`
	ValidationWindowHours       *int32                       `json:"ValidationWindowHours,omitempty"`
}

// CreateRestoreTestingSelectionInput is the wire input of CreateRestoreTestingSelection.
type CreateRestoreTestingSelectionInput struct {
	CreatorRequestId        string                            `json:"CreatorRequestId,omitempty"`
	RestoreTestingPlanName  string                            `json:"RestoreTestingPlanName"`
	RestoreTestingSelection *RestoreTestingSelectionForCreate `json:"RestoreTestingSelection"`
}

// CreateRestoreTestingSelectionOutput is the wire output of CreateRestoreTestingSelection.
type CreateRestoreTestingSelectionOutput struct {
	CreationTime                *Timestamp `json:"CreationTime"`
	RestoreTestingPlanArn       string     `json:"RestoreTestingPlanArn"`
	RestoreTestingPlanName      string     `json:"RestoreTestingPlanName"`
	RestoreTestingSelectionName string     `json:"RestoreTestingSelectionName"`
}

// RestoreTestingSelectionNameInput names a selection: the input of GetRestoreTestingSelection
// and DeleteRestoreTestingSelection.
type RestoreTestingSelectionNameInput struct {
	RestoreTestingPlanName      string `json:"RestoreTestingPlanName"`
	RestoreTestingSelectionName string `json:"RestoreTestingSelectionName"`
}

// RestoreTestingSelectionForGet is GetRestoreTestingSelection's selection.
type RestoreTestingSelectionForGet struct {
	CreationTime                *Timestamp                   `json:"CreationTime"`
	CreatorRequestId            string                       `json:"CreatorRequestId,omitempty"`
	IamRoleArn                  string                       `json:"IamRoleArn"`
	ProtectedResourceArns       []string                     `json:"ProtectedResourceArns,omitempty"`
	ProtectedResourceConditions *ProtectedResourceConditions `json:"ProtectedResourceConditions,omitempty"`
	ProtectedResourceType       string                       `json:"ProtectedResourceType"`
	RestoreMetadataOverrides    map[string]string            `json:"RestoreMetadataOverrides,omitempty"`
	RestoreTestingPlanName      string                       `json:"RestoreTestingPlanName"`
	RestoreTestingSelectionName string                       `json:"RestoreTestingSelectionName"`
	ValidationWindowHours       int32                        `json:"ValidationWindowHours"`
}

// GetRestoreTestingSelectionOutput is the wire output of GetRestoreTestingSelection.
type GetRestoreTestingSelectionOutput struct {
	RestoreTestingSelection *RestoreTestingSelectionForGet `json:"RestoreTestingSelection"`
}

// RestoreTestingSelectionForUpdate is UpdateRestoreTestingSelection's selection: members left
// out keep their value.
type RestoreTestingSelectionForUpdate struct {
	IamRoleArn                  string                       `json:"IamRoleArn,omitempty"`
	ProtectedResourceArns       []string                     `json:"ProtectedResourceArns,omitempty"`
	ProtectedResourceConditions *ProtectedResourceConditions `json:"ProtectedResourceConditions,omitempty"`
	RestoreMetadataOverrides    map[string]string            `json:"RestoreMetadataOverrides,omitempty"`
	ValidationWindowHours       *int32                       `json:"ValidationWindowHours,omitempty"`
}

// UpdateRestoreTestingSelectionInput is the wire input of UpdateRestoreTestingSelection.
type UpdateRestoreTestingSelectionInput struct {
	RestoreTestingPlanName      string                            `json:"RestoreTestingPlanName"`
	RestoreTestingSelection     *RestoreTestingSelectionForUpdate `json:"RestoreTestingSelection"`
	RestoreTestingSelectionName string                            `json:"RestoreTestingSelectionName"`
}

// UpdateRestoreTestingSelectionOutput is the wire output of UpdateRestoreTestingSelection.
type UpdateRestoreTestingSelectionOutput struct {
	CreationTime                *Timestamp `json:"CreationTime"`
	RestoreTestingPlanArn       string     `json:"RestoreTestingPlanArn"`
	RestoreTestingPlanName      string     `json:"RestoreTestingPlanName"`
	RestoreTestingSelectionName string     `json:"RestoreTestingSelectionName"`
	UpdateTime                  *Timestamp `json:"UpdateTime"`
}

// ListRestoreTestingSelectionsInput is the wire input of ListRestoreTestingSelections.
type ListRestoreTestingSelectionsInput struct {
	MaxResults             *int32 `json:"MaxResults,omitempty"`
	NextToken              string `json:"NextToken,omitempty"`
	RestoreTestingPlanName string `json:"RestoreTestingPlanName"`
}

// RestoreTestingSelectionForList is one selection in ListRestoreTestingSelections.
type RestoreTestingSelectionForList struct {
	CreationTime                *Timestamp `json:"CreationTime"`
	IamRoleArn                  string     `json:"IamRoleArn"`
	ProtectedResourceType       string     `json:"ProtectedResourceType"`
	RestoreTestingPlanName      string     `json:"RestoreTestingPlanName"`
	RestoreTestingSelectionName string     `json:"RestoreTestingSelectionName"`
	ValidationWindowHours       int32      `json:"ValidationWindowHours"`
}

// ListRestoreTestingSelectionsOutput is the wire output of ListRestoreTestingSelections.
type ListRestoreTestingSelectionsOutput struct {
	NextToken                string                            `json:"NextToken,omitempty"`
	RestoreTestingSelections []*RestoreTestingSelectionForList `json:"RestoreTestingSelections"`
}

// GetRestoreTestingInferredMetadataInput is the wire input of GetRestoreTestingInferredMetadata.
type GetRestoreTestingInferredMetadataInput struct {
	BackupVaultAccountId string `json:"BackupVaultAccountId,omitempty"`
	BackupVaultName      string `json:"BackupVaultName"`
	RecoveryPointArn     string `json:"RecoveryPointArn"`
}

// GetRestoreTestingInferredMetadataOutput is the wire output of GetRestoreTestingInferredMetadata.
type GetRestoreTestingInferredMetadataOutput struct {
	InferredMetadata map[string]string `json:"InferredMetadata"`
}

// PutRestoreValidationResultInput is the wire input of PutRestoreValidationResult.
type PutRestoreValidationResultInput struct {
	RestoreJobId            string `json:"RestoreJobId"`
	ValidationStatus        string `json:"ValidationStatus"`
	ValidationStatusMessage string `json:"ValidationStatusMessage,omitempty"`
}

// RestoreJobCreator is the model's RestoreJobCreator: the restore testing plan that started a job.
type RestoreJobCreator struct {
	RestoreTestingPlanArn string `json:"RestoreTestingPlanArn,omitempty"`
}
