package wire

// ListPlanResourcesInput names a plan.
type ListPlanResourcesInput struct {
	BackupPlanId string `json:"BackupPlanId"`
}

// ListPlanResourcesOutput is what a plan's selections cover.
type ListPlanResourcesOutput struct {
	// ResourceArns are the registered resources a rule of the plan would back up if it fired
	// now, in registry order.
	ResourceArns []string `json:"ResourceArns"`
}
