package wire

// The shapes of Backup Audit Manager's report plans and report jobs, as the model names them.

// ReportDeliveryChannel is the model's ReportDeliveryChannel: where and in which formats a
// report plan's reports go.
type ReportDeliveryChannel struct {
	Formats      []string `json:"Formats,omitempty"`
	S3BucketName string   `json:"S3BucketName"`
	S3KeyPrefix  string   `json:"S3KeyPrefix,omitempty"`
}

// ReportSetting is the model's ReportSetting: the report's template and what it covers.
type ReportSetting struct {
	Accounts           []string `json:"Accounts,omitempty"`
	FrameworkArns      []string `json:"FrameworkArns,omitempty"`
	NumberOfFrameworks int32    `json:"NumberOfFrameworks,omitempty"`
	OrganizationUnits  []string `json:"OrganizationUnits,omitempty"`
	Regions            []string `json:"Regions,omitempty"`
	ReportTemplate     string   `json:"ReportTemplate"`
}

// CreateReportPlanInput is the wire input of CreateReportPlan.
type CreateReportPlanInput struct {
	IdempotencyToken      string                 `json:"IdempotencyToken,omitempty"`
	ReportDeliveryChannel *ReportDeliveryChannel `json:"ReportDeliveryChannel"`
	ReportPlanDescription string                 `json:"ReportPlanDescription,omitempty"`
	ReportPlanName        string                 `json:"ReportPlanName"`
	ReportPlanTags        map[string]string      `json:"ReportPlanTags,omitempty"`
	ReportSetting         *ReportSetting         `json:"ReportSetting"`
}

// CreateReportPlanOutput is the wire output of CreateReportPlan.
type CreateReportPlanOutput struct {
	CreationTime   *Timestamp `json:"CreationTime,omitempty"`
	ReportPlanArn  string     `json:"ReportPlanArn"`
	ReportPlanName string     `json:"ReportPlanName"`
}

// ReportPlan is the model's ReportPlan.
type ReportPlan struct {
	CreationTime                *Timestamp             `json:"CreationTime,omitempty"`
	DeploymentStatus            string                 `json:"DeploymentStatus,omitempty"`
	LastAttemptedExecutionTime  *Timestamp             `json:"LastAttemptedExecutionTime,omitempty"`
	LastSuccessfulExecutionTime *Timestamp             `json:"LastSuccessfulExecutionTime,omitempty"`
	ReportDeliveryChannel       *ReportDeliveryChannel `json:"ReportDeliveryChannel,omitempty"`
	ReportPlanArn               string                 `json:"ReportPlanArn"`
	ReportPlanDescription       string                 `json:"ReportPlanDescription,omitempty"`
	ReportPlanName              string                 `json:"ReportPlanName"`
	ReportSetting               *ReportSetting         `json:"ReportSetting,omitempty"`
}

// DescribeReportPlanInput is the wire input of DescribeReportPlan.
type DescribeReportPlanInput struct {
	ReportPlanName string `json:"ReportPlanName"`
}

// DescribeReportPlanOutput is the wire output of DescribeReportPlan.
type DescribeReportPlanOutput struct {
	ReportPlan *ReportPlan `json:"ReportPlan"`
}

// UpdateReportPlanInput is the wire input of UpdateReportPlan.
type UpdateReportPlanInput struct {
	IdempotencyToken      string                 `json:"IdempotencyToken,omitempty"`
	ReportDeliveryChannel *ReportDeliveryChannel `json:"ReportDeliveryChannel,omitempty"`
	ReportPlanDescription *string                `json:"ReportPlanDescription,omitempty"`
	ReportPlanName        string                 `json:"ReportPlanName"`
	ReportSetting         *ReportSetting         `json:"ReportSetting,omitempty"`
}

// UpdateReportPlanOutput is the wire output of UpdateReportPlan.
type UpdateReportPlanOutput struct {
	CreationTime   *Timestamp `json:"CreationTime,omitempty"`
	ReportPlanArn  string     `json:"ReportPlanArn"`
	ReportPlanName string     `json:"ReportPlanName"`
}

// DeleteReportPlanInput is the wire input of DeleteReportPlan.
type DeleteReportPlanInput struct {
	ReportPlanName string `json:"ReportPlanName"`
}

// ListReportPlansInput is the wire input of ListReportPlans.
type ListReportPlansInput struct {
	MaxResults *int32 `json:"MaxResults,omitempty"`
	NextToken  string `json:"NextToken,omitempty"`
}

// ListReportPlansOutput is the wire output of ListReportPlans.
type ListReportPlansOutput struct {
	NextToken   string        `json:"NextToken,omitempty"`
	ReportPlans []*ReportPlan `json:"ReportPlans"`
}

// StartReportJobInput is the wire input of StartReportJob.
type StartReportJobInput struct {
	IdempotencyToken string `json:"IdempotencyToken,omitempty"`
	ReportPlanName   string `json:"ReportPlanName"`
}

// StartReportJobOutput is the wire output of StartReportJob.
type StartReportJobOutput struct {
	ReportJobId string `json:"ReportJobId"`
}

// ReportDestination is the model's ReportDestination: the bucket and the keys a job wrote.
type ReportDestination struct {
	S3BucketName string   `json:"S3BucketName,omitempty"`
	S3Keys       []string `json:"S3Keys,omitempty"`
}

// ReportJob is the model's ReportJob.
type ReportJob struct {
	CompletionTime    *Timestamp         `json:"CompletionTime,omitempty"`
	CreationTime      *Timestamp         `json:"CreationTime,omitempty"`
	ReportDestination *ReportDestination `json:"ReportDestination,omitempty"`
	ReportJobId       string             `json:"ReportJobId"`
	ReportPlanArn     string             `json:"ReportPlanArn"`
	ReportTemplate    string             `json:"ReportTemplate"`
	Status            string             `json:"Status"`
	StatusMessage     string             `json:"StatusMessage,omitempty"`
}

// DescribeReportJobInput is the wire input of DescribeReportJob.
type DescribeReportJobInput struct {
	ReportJobId string `json:"ReportJobId"`
}

// DescribeReportJobOutput is the wire output of DescribeReportJob.
type DescribeReportJobOutput struct {
	ReportJob *ReportJob `json:"ReportJob"`
}

// ListReportJobsInput is the wire input of ListReportJobs.
type ListReportJobsInput struct {
	ByCreationAfter  *Timestamp `json:"ByCreationAfter,omitempty"`
	ByCreationBefore *Timestamp `json:"ByCreationBefore,omitempty"`
	ByReportPlanName string     `json:"ByReportPlanName,omitempty"`
	ByStatus         string     `json:"ByStatus,omitempty"`
	MaxResults       *int32     `json:"MaxResults,omitempty"`
	NextToken        string     `json:"NextToken,omitempty"`
}

// ListReportJobsOutput is the wire output of ListReportJobs.
type ListReportJobsOutput struct {
	NextToken  string       `json:"NextToken,omitempty"`
	ReportJobs []*ReportJob `json:"ReportJobs"`
}
