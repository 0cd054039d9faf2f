package wire

// ListBackupPlanTemplatesInput is the wire input of ListBackupPlanTemplates.
type ListBackupPlanTemplatesInput struct {
	MaxResults *int32 `json:"MaxResults,omitempty"`
	NextToken  string `json:"NextToken,omitempty"`
}

// BackupPlanTemplatesListMember is one template in ListBackupPlanTemplates.
type BackupPlanTemplatesListMember struct {
	BackupPlanTemplateId   string `json:"BackupPlanTemplateId"`
	BackupPlanTemplateName string `json:"BackupPlanTemplateName"`
}

// ListBackupPlanTemplatesOutput is the wire output of ListBackupPlanTemplates.
type ListBackupPlanTemplatesOutput struct {
	BackupPlanTemplatesList []*BackupPlanTemplatesListMember `json:"BackupPlanTemplatesList"`
	NextToken               string                           `json:"NextToken,omitempty"`
}

// GetBackupPlanFromTemplateInput is the wire input of GetBackupPlanFromTemplate.
type GetBackupPlanFromTemplateInput struct {
	BackupPlanTemplateId string `json:"BackupPlanTemplateId"`
}

// GetBackupPlanFromTemplateOutput is the wire output of GetBackupPlanFromTemplate.
type GetBackupPlanFromTemplateOutput struct {
	BackupPlanDocument BackupPlan `json:"BackupPlanDocument"`
}

// ExportBackupPlanTemplateInput is the wire input of ExportBackupPlanTemplate.
type ExportBackupPlanTemplateInput struct {
	BackupPlanId string `json:"BackupPlanId"`
}

// ExportBackupPlanTemplateOutput is the wire output of ExportBackupPlanTemplate.
type ExportBackupPlanTemplateOutput struct {
	BackupPlanTemplateJson string `json:"BackupPlanTemplateJson"`
}

// GetBackupPlanFromJSONInput is the wire input of GetBackupPlanFromJSON.
type GetBackupPlanFromJSONInput struct {
	BackupPlanTemplateJson string `json:"BackupPlanTemplateJson"`
}

// GetBackupPlanFromJSONOutput is the wire output of GetBackupPlanFromJSON.
type GetBackupPlanFromJSONOutput struct {
	BackupPlan BackupPlan `json:"BackupPlan"`
}
