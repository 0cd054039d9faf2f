package wire

// ListBackupJobSummariesInput is the wire input of ListBackupJobSummaries.
type ListBackupJobSummariesInput struct {
	AccountId         string `json:"AccountId,omitempty"`
	State             string `json:"State,omitempty"`
	ResourceType      string `json:"ResourceType,omitempty"`
	MessageCategory   string `json:"MessageCategory,omitempty"`
	AggregationPeriod string `json:"AggregationPeriod,omitempty"`
	MaxResults        *int32 `json:"MaxResults,omitempty"`
	NextToken         string `json:"NextToken,omitempty"`
}

// BackupJobSummary is the wire BackupJobSummary.
type BackupJobSummary struct {
	AccountId       string     `json:"AccountId,omitempty"`
	Count           int64      `json:"Count"`
	EndTime         *Timestamp `json:"EndTime,omitempty"`
	MessageCategory string     `json:"MessageCategory,omitempty"`
	Region          string     `json:"Region"`
	ResourceType    string     `json:"ResourceType,omitempty"`
	StartTime       *Timestamp `json:"StartTime,omitempty"`
	State           string     `json:"State,omitempty"`
}

// ListBackupJobSummariesOutput is the wire output of ListBackupJobSummaries.
type ListBackupJobSummariesOutput struct {
	AggregationPeriod  string              `json:"AggregationPeriod"`
	BackupJobSummaries []*BackupJobSummary `json:"BackupJobSummaries"`
	NextToken          string              `json:"NextToken,omitempty"`
}

// ListRestoreJobSummariesInput is the wire input of ListRestoreJobSummaries.
type ListRestoreJobSummariesInput struct {
	AccountId         string `json:"AccountId,omitempty"`
	State             string `json:"State,omitempty"`
	ResourceType      string `json:"ResourceType,omitempty"`
	AggregationPeriod string `json:"AggregationPeriod,omitempty"`
	MaxResults        *int32 `json:"MaxResults,omitempty"`
	NextToken         string `json:"NextToken,omitempty"`
}

// RestoreJobSummary is the wire RestoreJobSummary.
type RestoreJobSummary struct {
	AccountId    string     `json:"AccountId,omitempty"`
	Count        int64      `json:"Count"`
	EndTime      *Timestamp `json:"EndTime,omitempty"`
	Region       string     `json:"Region"`
	ResourceType string     `json:"ResourceType,omitempty"`
	StartTime    *Timestamp `json:"StartTime,omitempty"`
	State        string     `json:"State,omitempty"`
}

// ListRestoreJobSummariesOutput is the wire output of ListRestoreJobSummaries.
type ListRestoreJobSummariesOutput struct {
	AggregationPeriod   string               `json:"AggregationPeriod"`
	RestoreJobSummaries []*RestoreJobSummary `json:"RestoreJobSummaries"`
	NextToken           string               `json:"NextToken,omitempty"`
}
