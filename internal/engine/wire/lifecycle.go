package wire

// CalculatedLifecycle is the model's CalculatedLifecycle: the dates a Lifecycle works out to.
type CalculatedLifecycle struct {
	DeleteAt            *Timestamp `json:"DeleteAt,omitempty"`
	MoveToColdStorageAt *Timestamp `json:"MoveToColdStorageAt,omitempty"`
}
