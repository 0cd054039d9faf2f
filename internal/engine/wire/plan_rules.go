package wire

// Lifecycle is the wire Lifecycle, stored as-is in points and jobs.

// CopyAction is the wire CopyAction, stored as-is in backup jobs.

// IndexAction is the wire IndexAction.
type IndexAction struct {
	ResourceTypes []string `json:"ResourceTypes,omitempty"`
}

// ScanAction is the wire ScanAction.
type ScanAction struct {
	MalwareScanner string `json:"MalwareScanner,omitempty"`
	ScanMode       string `json:"ScanMode,omitempty"`
}

// ScanSetting is the wire ScanSetting.
type ScanSetting struct {
	MalwareScanner string   `json:"MalwareScanner,omitempty"`
	ResourceTypes  []string `json:"ResourceTypes,omitempty"`
	ScannerRoleArn string   `json:"ScannerRoleArn,omitempty"`
}

// AdvancedBackupSetting is the wire AdvancedBackupSetting.
type AdvancedBackupSetting struct {
	BackupOptions map[string]string `json:"BackupOptions,omitempty"`
	ResourceType  string            `json:"ResourceType,omitempty"`
}

// BackupRuleInput is the wire BackupRuleInput: one rule as a client writes it.
type BackupRuleInput struct {
	RuleName                               string            `json:"RuleName"`
	TargetBackupVaultName                  string            `json:"TargetBackupVaultName"`
	ScheduleExpression                     string            `json:"ScheduleExpression,omitempty"`
	ScheduleExpressionTimezone             string            `json:"ScheduleExpressionTimezone,omitempty"`
	StartWindowMinutes                     *int64            `json:"StartWindowMinutes,omitempty"`
	CompletionWindowMinutes                *int64            `json:"CompletionWindowMinutes,omitempty"`
	Lifecycle                              *Lifecycle        `json:"Lifecycle,omitempty"`
	RecoveryPointTags                      map[string]string `json:"RecoveryPointTags,omitempty"`
	CopyActions                            []CopyAction      `json:"CopyActions,omitempty"`
	EnableContinuousBackup                 *bool             `json:"EnableContinuousBackup,omitempty"`
	IndexActions                           []IndexAction     `json:"IndexActions,omitempty"`
	ScanActions                            []ScanAction      `json:"ScanActions,omitempty"`
	TargetLogicallyAirGappedBackupVaultArn string            `json:"TargetLogicallyAirGappedBackupVaultArn,omitempty"`
}

// BackupRule is the wire BackupRule: a stored rule, with its ID.
type BackupRule struct {
	RuleId string `json:"RuleId,omitempty"`
	BackupRuleInput
}

// BackupPlanInput is the wire BackupPlanInput: a plan as a client writes it.
type BackupPlanInput struct {
	BackupPlanName         string                  `json:"BackupPlanName"`
	Rules                  []BackupRuleInput       `json:"Rules"`
	AdvancedBackupSettings []AdvancedBackupSetting `json:"AdvancedBackupSettings,omitempty"`
	ScanSettings           []ScanSetting           `json:"ScanSettings,omitempty"`
}

// BackupPlan is the wire BackupPlan: a plan as the engine answers it.
type BackupPlan struct {
	BackupPlanName         string                  `json:"BackupPlanName"`
	Rules                  []BackupRule            `json:"Rules"`
	AdvancedBackupSettings []AdvancedBackupSetting `json:"AdvancedBackupSettings,omitempty"`
	ScanSettings           []ScanSetting           `json:"ScanSettings,omitempty"`
}

// Input returns a stored plan as the input that would recreate it.
func (p BackupPlan) Input() BackupPlanInput {
	in := BackupPlanInput{BackupPlanName: p.BackupPlanName, AdvancedBackupSettings: p.AdvancedBackupSettings, ScanSettings: p.ScanSettings}
	for _, r := range p.Rules {
		in.Rules = append(in.Rules, r.BackupRuleInput)
	}
	return in
}
