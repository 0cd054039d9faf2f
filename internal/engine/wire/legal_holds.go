package wire

// RecoveryPointSelection is the model's RecoveryPointSelection: which points a hold covers.
type RecoveryPointSelection struct {
	DateRange           *DateRange `json:"DateRange,omitempty"`
	ResourceIdentifiers []string   `json:"ResourceIdentifiers,omitempty"`
	VaultNames          []string   `json:"VaultNames,omitempty"`
}

// DateRange is the model's DateRange: creation dates, both ends inclusive.
type DateRange struct {
	FromDate *Timestamp `json:"FromDate,omitempty"`
	ToDate   *Timestamp `json:"ToDate,omitempty"`
}

// CreateLegalHoldInput is the wire input of CreateLegalHold.
type CreateLegalHoldInput struct {
	Title                  string                  `json:"Title"`
	Description            string                  `json:"Description"`
	IdempotencyToken       string                  `json:"IdempotencyToken,omitempty"`
	RecoveryPointSelection *RecoveryPointSelection `json:"RecoveryPointSelection,omitempty"`
	Tags                   map[string]string       `json:"Tags,omitempty"`
}

// CreateLegalHoldOutput is the wire output of CreateLegalHold.
type CreateLegalHoldOutput struct {
	CreationDate           *Timestamp              `json:"CreationDate,omitempty"`
	Description            string                  `json:"Description"`
	LegalHoldArn           string                  `json:"LegalHoldArn"`
	LegalHoldId            string                  `json:"LegalHoldId"`
	RecoveryPointSelection *RecoveryPointSelection `json:"RecoveryPointSelection,omitempty"`
	Status                 string                  `json:"Status"`
	Title                  string                  `json:"Title"`
}

// GetLegalHoldInput is the wire input of GetLegalHold.
type GetLegalHoldInput struct {
	LegalHoldId string `json:"LegalHoldId"`
}

// GetLegalHoldOutput is the wire output of GetLegalHold.
type GetLegalHoldOutput struct {
	CancelDescription      string                  `json:"CancelDescription,omitempty"`
	CancellationDate       *Timestamp              `json:"CancellationDate,omitempty"`
	CreationDate           *Timestamp              `json:"CreationDate,omitempty"`
	Description            string                  `json:"Description"`
	LegalHoldArn           string                  `json:"LegalHoldArn"`
	LegalHoldId            string                  `json:"LegalHoldId"`
	RecoveryPointSelection *RecoveryPointSelection `json:"RecoveryPointSelection,omitempty"`
	RetainRecordUntil      *Timestamp              `json:"RetainRecordUntil,omitempty"`
	Status                 string                  `json:"Status"`
	Title                  string                  `json:"Title"`
}

// ListLegalHoldsInput is the wire input of ListLegalHolds.
type ListLegalHoldsInput struct {
	MaxResults *int32 `json:"MaxResults,omitempty"`
	NextToken  string `json:"NextToken,omitempty"`
}

// LegalHold is one hold in ListLegalHolds.
type LegalHold struct {
	CancellationDate *Timestamp `json:"CancellationDate,omitempty"`
	CreationDate     *Timestamp `json:"CreationDate,omitempty"`
	Description      string     `json:"Description"`
	LegalHoldArn     string     `json:"LegalHoldArn"`
	LegalHoldId      string     `json:"LegalHoldId"`
	Status           string     `json:"Status"`
	Title            string     `json:"Title"`
}

// ListLegalHoldsOutput is the wire output of ListLegalHolds.
type ListLegalHoldsOutput struct {
	LegalHolds []*LegalHold `json:"LegalHolds"`
	NextToken  string       `json:"NextToken,omitempty"`
}

// CancelLegalHoldInput is the wire input of CancelLegalHold.
type CancelLegalHoldInput struct {
	LegalHoldId        string `json:"LegalHoldId"`
	CancelDescription  string `json:"CancelDescription"`
	RetainRecordInDays *int64 `json:"RetainRecordInDays,omitempty"`
}

// ListRecoveryPointsByLegalHoldInput is the wire input of ListRecoveryPointsByLegalHold.
type ListRecoveryPointsByLegalHoldInput struct {
	LegalHoldId string `json:"LegalHoldId"`
	MaxResults  *int32 `json:"MaxResults,omitempty"`
	NextToken   string `json:"NextToken,omitempty"`
}

// RecoveryPointMember is one point in ListRecoveryPointsByLegalHold.
type RecoveryPointMember struct {
	BackupVaultName  string `json:"BackupVaultName"`
	RecoveryPointArn string `json:"RecoveryPointArn"`
	ResourceArn      string `json:"ResourceArn"`
	ResourceType     string `json:"ResourceType"`
}

// ListRecoveryPointsByLegalHoldOutput is the wire output of ListRecoveryPointsByLegalHold.
type ListRecoveryPointsByLegalHoldOutput struct {
	RecoveryPoints []*RecoveryPointMember `json:"RecoveryPoints"`
	NextToken      string                 `json:"NextToken,omitempty"`
}
