package wire

// DescribeGlobalSettingsOutput is the wire output of DescribeGlobalSettings.
type DescribeGlobalSettingsOutput struct {
	GlobalSettings map[string]string `json:"GlobalSettings"`
	LastUpdateTime *Timestamp        `json:"LastUpdateTime,omitempty"`
}

// UpdateGlobalSettingsInput is the wire input of UpdateGlobalSettings.
type UpdateGlobalSettingsInput struct {
	GlobalSettings map[string]string `json:"GlobalSettings"`
}

// DescribeRegionSettingsOutput is the wire output of DescribeRegionSettings.
type DescribeRegionSettingsOutput struct {
	ResourceTypeOptInPreference      map[string]bool `json:"ResourceTypeOptInPreference"`
	ResourceTypeManagementPreference map[string]bool `json:"ResourceTypeManagementPreference"`
}

// UpdateRegionSettingsInput is the wire input of UpdateRegionSettings.
type UpdateRegionSettingsInput struct {
	ResourceTypeOptInPreference      map[string]bool `json:"ResourceTypeOptInPreference"`
	ResourceTypeManagementPreference map[string]bool `json:"ResourceTypeManagementPreference"`
}
