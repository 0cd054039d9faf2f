package engineclient

import (
	"context"
	"net/http"
	"net/url"
)

// frameworksPath is the engine's extension collection of Backup Audit Manager frameworks.
const frameworksPath = "/_engine/v1/frameworks"

// ComplianceResult is one control's verdict on one resource.
type ComplianceResult struct {
	ControlName      string `json:"ControlName"`
	ResourceArn      string `json:"ResourceArn"`
	ResourceType     string `json:"ResourceType"`
	ComplianceStatus string `json:"ComplianceStatus"` // COMPLIANT or NON_COMPLIANT
	Reason           string `json:"Reason"`
}

// FrameworkCompliance is a framework's verdicts, evaluated when asked.
type FrameworkCompliance struct {
	FrameworkArn     string             `json:"FrameworkArn"`
	FrameworkName    string             `json:"FrameworkName"`
	ComplianceStatus string             `json:"ComplianceStatus"` // COMPLIANT when every result is
	Results          []ComplianceResult `json:"Results"`
}

// GetFrameworkCompliance evaluates the framework named name against the engine's state now and
// returns its verdicts per control and resource. An unknown name is ResourceNotFoundException.
func (c *Client) GetFrameworkCompliance(ctx context.Context, name string) (*FrameworkCompliance, error) {
	var out FrameworkCompliance
	if err := c.do(ctx, http.MethodGet, frameworksPath+"/"+url.PathEscape(name)+"/compliance", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
