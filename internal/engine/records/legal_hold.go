package records

// HoldMember is one point a hold covers, as ListRecoveryPointsByLegalHold shows it, in
// CollLegalHoldPoints.
type HoldMember struct {
	PointID      string `json:"point_id"`
	PointARN     string `json:"point_arn"`
	VaultName    string `json:"vault_name"`
	ResourceARN  string `json:"resource_arn"`
	ResourceType string `json:"resource_type"`
}

// HoldRef marks a point as held by a hold, in CollPointLegalHolds.
type HoldRef struct {
	HoldID string `json:"hold_id"`
}
