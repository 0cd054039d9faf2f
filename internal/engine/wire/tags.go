package wire

// TagResourceInput is the wire input of TagResource.
type TagResourceInput struct {
	ResourceArn string            `json:"ResourceArn"`
	Tags        map[string]string `json:"Tags"`
}

// UntagResourceInput is the wire input of UntagResource.
type UntagResourceInput struct {
	ResourceArn string   `json:"ResourceArn"`
	TagKeyList  []string `json:"TagKeyList"`
}

// ListTagsInput is the wire input of ListTags.
type ListTagsInput struct {
	ResourceArn string `json:"ResourceArn"`
	MaxResults  *int32 `json:"MaxResults,omitempty"`
	NextToken   string `json:"NextToken,omitempty"`
}

// ListTagsOutput is the wire output of ListTags.
type ListTagsOutput struct {
	Tags      map[string]string `json:"Tags"`
	NextToken string            `json:"NextToken,omitempty"`
}

// GetSupportedResourceTypesOutput is the wire output of GetSupportedResourceTypes.
type GetSupportedResourceTypesOutput struct {
	ResourceTypes []string `json:"ResourceTypes"`
}
