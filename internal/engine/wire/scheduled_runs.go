package wire

// ListPlanResourcesInput names a plan, and optionally one of its selections.
type ListPlanResourcesInput struct {
	BackupPlanId string `json:"BackupPlanId"`
	// SelectionId, when set, asks for what that selection alone covers.
	SelectionId string `json:"SelectionId,omitempty"`
}

// ListPlanResourcesOutput is what a plan's selections cover.
type ListPlanResourcesOutput struct {
	// ResourceArns are the registered resources a rule of the plan would back up if it fired
	// now, in registry order.
	ResourceArns []string `json:"ResourceArns"`
}
