package wire

// RegisteredResource is a registry entry on the wire.
type RegisteredResource struct {
	ResourceArn  string            `json:"ResourceArn"`
	ResourceType string            `json:"ResourceType"`
	ResourceId   string            `json:"ResourceId"`
	ResourceName string            `json:"ResourceName"`
	Locator      string            `json:"Locator"`
	Tags         map[string]string `json:"Tags"`
	CreationDate *Timestamp        `json:"CreationDate,omitempty"`
}

// RegisterResourceInput registers a resource.
type RegisterResourceInput struct {
	ResourceType string            `json:"ResourceType"`
	Locator      string            `json:"Locator"`
	Tags         map[string]string `json:"Tags,omitempty"`
}

// GetResourceInput names a registered resource.
type GetResourceInput struct {
	ResourceArn string `json:"ResourceArn"`
}

// ListResourcesInput lists registered resources.
type ListResourcesInput struct {
	ResourceType string `json:"ResourceType,omitempty"`
	MaxResults   *int32 `json:"MaxResults,omitempty"`
	NextToken    string `json:"NextToken,omitempty"`
}

// ListResourcesOutput is a page of registered resources.
type ListResourcesOutput struct {
	Resources []*RegisteredResource `json:"Resources"`
	NextToken string                `json:"NextToken,omitempty"`
}

// UpdateResourceInput replaces a registered resource's tags.
type UpdateResourceInput struct {
	ResourceArn string            `json:"ResourceArn"`
	Tags        map[string]string `json:"Tags"`
}
