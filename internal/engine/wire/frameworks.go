package wire

// The shapes of Backup Audit Manager's frameworks (CreateFramework … ListFrameworks), as the
// model names them.

// ControlInputParameter is the model's ControlInputParameter: one parameter of a control.
type ControlInputParameter struct {
	ParameterName  string `json:"ParameterName,omitempty"`
	ParameterValue string `json:"ParameterValue,omitempty"`
}

// ControlScope is the model's ControlScope: the resources a control evaluates.
type ControlScope struct {
	ComplianceResourceIds   []string          `json:"ComplianceResourceIds,omitempty"`
	ComplianceResourceTypes []string          `json:"ComplianceResourceTypes,omitempty"`
	Tags                    map[string]string `json:"Tags,omitempty"`
}

// FrameworkControl is the model's FrameworkControl: one control of a framework.
type FrameworkControl struct {
	ControlInputParameters []ControlInputParameter `json:"ControlInputParameters,omitempty"`
	ControlName            string                  `json:"ControlName"`
	ControlScope           *ControlScope           `json:"ControlScope,omitempty"`
}

// CreateFrameworkInput is the wire input of CreateFramework.
type CreateFrameworkInput struct {
	FrameworkControls    []FrameworkControl `json:"FrameworkControls"`
	FrameworkDescription string             `json:"FrameworkDescription,omitempty"`
	FrameworkName        string             `json:"FrameworkName"`
	FrameworkTags        map[string]string  `json:"FrameworkTags,omitempty"`
	IdempotencyToken     string             `json:"IdempotencyToken,omitempty"`
}

// CreateFrameworkOutput is the wire output of CreateFramework.
type CreateFrameworkOutput struct {
	FrameworkArn  string `json:"FrameworkArn"`
	FrameworkName string `json:"FrameworkName"`
}

// DescribeFrameworkInput is the wire input of DescribeFramework.
type DescribeFrameworkInput struct {
	FrameworkName string `json:"FrameworkName"`
}

// DescribeFrameworkOutput is the wire output of DescribeFramework.
type DescribeFrameworkOutput struct {
	CreationTime         *Timestamp         `json:"CreationTime,omitempty"`
	DeploymentStatus     string             `json:"DeploymentStatus,omitempty"`
	FrameworkArn         string             `json:"FrameworkArn"`
	FrameworkControls    []FrameworkControl `json:"FrameworkControls"`
	FrameworkDescription string             `json:"FrameworkDescription,omitempty"`
	FrameworkName        string             `json:"FrameworkName"`
	FrameworkStatus      string             `json:"FrameworkStatus,omitempty"`
	IdempotencyToken     string             `json:"IdempotencyToken,omitempty"`
}

// UpdateFrameworkInput is the wire input of UpdateFramework.
type UpdateFrameworkInput struct {
	FrameworkControls    []FrameworkControl `json:"FrameworkControls,omitempty"`
	FrameworkDescription *string            `json:"FrameworkDescription,omitempty"`
	FrameworkName        string             `json:"FrameworkName"`
	IdempotencyToken     string             `json:"IdempotencyToken,omitempty"`
}

// UpdateFrameworkOutput is the wire output of UpdateFramework.
type UpdateFrameworkOutput struct {
	CreationTime  *Timestamp `json:"CreationTime,omitempty"`
	FrameworkArn  string     `json:"FrameworkArn"`
	FrameworkName string     `json:"FrameworkName"`
}

// DeleteFrameworkInput is the wire input of DeleteFramework.
type DeleteFrameworkInput struct {
	FrameworkName string `json:"FrameworkName"`
}

// ListFrameworksInput is the wire input of ListFrameworks.
type ListFrameworksInput struct {
	MaxResults *int32 `json:"MaxResults,omitempty"`
	NextToken  string `json:"NextToken,omitempty"`
}

// Framework is one framework in ListFrameworks.
type Framework struct {
	CreationTime         *Timestamp `json:"CreationTime,omitempty"`
	DeploymentStatus     string     `json:"DeploymentStatus,omitempty"`
	FrameworkArn         string     `json:"FrameworkArn"`
	FrameworkDescription string     `json:"FrameworkDescription,omitempty"`
	FrameworkName        string     `json:"FrameworkName"`
	NumberOfControls     int32      `json:"NumberOfControls"`
}

// ListFrameworksOutput is the wire output of ListFrameworks.
type ListFrameworksOutput struct {
	Frameworks []*Framework `json:"Frameworks"`
	NextToken  string       `json:"NextToken,omitempty"`
}

// ComplianceResult is one control's verdict on one resource: what the engine's extension
// endpoint /_engine/frameworks/{name}/compliance lists (no AWS shape; AWS keeps these in AWS Config).
type ComplianceResult struct {
	ControlName      string     `json:"ControlName"`
	ResourceArn      string     `json:"ResourceArn"`
	ResourceType     string     `json:"ResourceType"`
	ComplianceStatus string     `json:"ComplianceStatus"`
	Reason           string     `json:"Reason,omitempty"`
	EvaluationTime   *Timestamp `json:"EvaluationTime,omitempty"`
}

// FrameworkComplianceOutput answers the extension endpoint for one framework's results.
type FrameworkComplianceOutput struct {
	FrameworkArn     string              `json:"FrameworkArn"`
	FrameworkName    string              `json:"FrameworkName"`
	ComplianceStatus string              `json:"ComplianceStatus"`
	EvaluationTime   *Timestamp          `json:"EvaluationTime,omitempty"`
	Results          []*ComplianceResult `json:"Results"`
}
