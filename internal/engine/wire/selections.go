package wire

import "github.com/strongroom/terraform-provider-backup/internal/engine/selection"

// Condition is the wire Condition of ListOfTags.
type Condition struct {
	ConditionKey   string `json:"ConditionKey"`
	ConditionType  string `json:"ConditionType"`
	ConditionValue string `json:"ConditionValue"`
}

// ConditionParameter is one key and value of a Conditions operator.
type ConditionParameter struct {
	ConditionKey   string `json:"ConditionKey,omitempty"`
	ConditionValue string `json:"ConditionValue,omitempty"`
}

// Conditions is the wire Conditions of a selection.
type Conditions struct {
	StringEquals    []ConditionParameter `json:"StringEquals,omitempty"`
	StringLike      []ConditionParameter `json:"StringLike,omitempty"`
	StringNotEquals []ConditionParameter `json:"StringNotEquals,omitempty"`
	StringNotLike   []ConditionParameter `json:"StringNotLike,omitempty"`
}

// BackupSelection is the wire BackupSelection: which resources a plan backs up, and the role it
// uses. It is stored exactly as given, so reads return what was written.
type BackupSelection struct {
	SelectionName string      `json:"SelectionName"`
	IamRoleArn    string      `json:"IamRoleArn"`
	Resources     []string    `json:"Resources,omitempty"`
	NotResources  []string    `json:"NotResources,omitempty"`
	ListOfTags    []Condition `json:"ListOfTags,omitempty"`
	Conditions    *Conditions `json:"Conditions,omitempty"`
}

// Spec returns the selection's matching criteria for package selection.
func (b *BackupSelection) Spec() selection.Spec {
	spec := selection.Spec{Resources: b.Resources, NotResources: b.NotResources}
	for _, t := range b.ListOfTags {
		spec.ListOfTags = append(spec.ListOfTags, selection.Tag{Key: t.ConditionKey, Value: t.ConditionValue})
	}
	if b.Conditions != nil {
		conv := func(ps []ConditionParameter) []selection.Tag {
			var out []selection.Tag
			for _, p := range ps {
				out = append(out, selection.Tag{Key: p.ConditionKey, Value: p.ConditionValue})
			}
			return out
		}
		spec.Conditions = selection.Conditions{StringEquals: conv(b.Conditions.StringEquals), StringLike: conv(b.Conditions.StringLike),
			StringNotEquals: conv(b.Conditions.StringNotEquals), StringNotLike: conv(b.Conditions.StringNotLike)}
	}
	return spec
}

// CreateBackupSelectionInput is the wire input of CreateBackupSelection.
type CreateBackupSelectionInput struct {
	BackupPlanId     string          `json:"BackupPlanId"`
	BackupSelection  BackupSelection `json:"BackupSelection"`
	CreatorRequestId string          `json:"CreatorRequestId,omitempty"`
}

// CreateBackupSelectionOutput is the wire output of CreateBackupSelection.
type CreateBackupSelectionOutput struct {
	BackupPlanId string     `json:"BackupPlanId"`
	CreationDate *Timestamp `json:"CreationDate"`
	SelectionId  string     `json:"SelectionId"`
}

// GetBackupSelectionInput is the wire input of GetBackupSelection.
type GetBackupSelectionInput struct {
	BackupPlanId string `json:"BackupPlanId"`
	SelectionId  string `json:"SelectionId"`
}

// GetBackupSelectionOutput is the wire output of GetBackupSelection.
type GetBackupSelectionOutput struct {
	BackupPlanId     string          `json:"BackupPlanId"`
	BackupSelection  BackupSelection `json:"BackupSelection"`
	CreationDate     *Timestamp      `json:"CreationDate,omitempty"`
	CreatorRequestId string          `json:"CreatorRequestId,omitempty"`
	SelectionId      string          `json:"SelectionId"`
}

// DeleteBackupSelectionInput is the wire input of DeleteBackupSelection.
type DeleteBackupSelectionInput struct {
	BackupPlanId string `json:"BackupPlanId"`
	SelectionId  string `json:"SelectionId"`
}

// ListBackupSelectionsInput is the wire input of ListBackupSelections.
type ListBackupSelectionsInput struct {
	BackupPlanId string `json:"BackupPlanId"`
	MaxResults   *int32 `json:"MaxResults,omitempty"`
	NextToken    string `json:"NextToken,omitempty"`
}

// BackupSelectionsListMember is one selection in ListBackupSelections.
type BackupSelectionsListMember struct {
	BackupPlanId     string     `json:"BackupPlanId"`
	CreationDate     *Timestamp `json:"CreationDate,omitempty"`
	CreatorRequestId string     `json:"CreatorRequestId,omitempty"`
	IamRoleArn       string     `json:"IamRoleArn"`
	SelectionId      string     `json:"SelectionId"`
	SelectionName    string     `json:"SelectionName"`
}

// ListBackupSelectionsOutput is the wire output of ListBackupSelections.
type ListBackupSelectionsOutput struct {
	BackupSelectionsList []*BackupSelectionsListMember `json:"BackupSelectionsList"`
	NextToken            string                        `json:"NextToken,omitempty"`
}
