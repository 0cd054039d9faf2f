package service

import (
	"fmt"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	modelnames "github.com/strongroom/terraform-provider-backup/internal/engine/names"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// This file checks the names that reach the service by ways the API model does not guard:
// inside ARNs, in members the model gives no pattern (DeleteBackupVault's vault name,
// DescribeBackupVault's BackupVaultAccountId), through the extension API and from stored plans.
// An account, region and vault name become directories of the data dir (package layout checks
// them again there), so a name that is not one is refused before any work.

// checkRegion refuses a region, named in field, that the engine does not serve.
func (s *Service) checkRegion(field, name string) error {
	if err := s.regions.Check(name); err != nil {
		return apierr.InvalidParameter("%s names a region this engine does not serve: %v", field, err)
	}
	return nil
}

// checkARN parses arn, named in field, and checks the names it carries: its region, when it has
// one, must be one the engine serves, and a backup vault ARN's name must be a vault name.
// (ParseARN has already held the account to 12 digits.)
func (s *Service) checkARN(field, arn string) (arns.ARN, error) {
	a, err := arns.Parse(arn)
	if err != nil {
		e, _ := apierr.As(err)
		return arns.ARN{}, apierr.InvalidParameter("%s: %s", field, e.Message)
	}
	if a.Region != "" {
		if err := s.checkRegion(field+" "+arn, a.Region); err != nil {
			return arns.ARN{}, err
		}
	}
	if a.Service == "backup" && a.Kind() == "backup-vault" {
		if err := modelnames.Vault(a.Name()); err != nil {
			return arns.ARN{}, apierr.InvalidParameter("%s %q: %v", field, arn, err)
		}
	}
	return a, nil
}

// checkPlanARNs checks the regions of the vault ARNs a plan copies to: validatePlan holds them
// to the form of a vault ARN, this to the regions the engine serves.
func (s *Service) checkPlanARNs(p *wire.BackupPlanInput, prefix string) error {
	for i, r := range p.Rules {
		path := fmt.Sprintf("%sRules[%d].", prefix, i)
		for j, c := range r.CopyActions {
			if _, err := s.checkARN(fmt.Sprintf("%sCopyActions[%d].DestinationBackupVaultArn", path, j), c.DestinationBackupVaultArn); err != nil {
				return err
			}
		}
		if r.TargetLogicallyAirGappedBackupVaultArn != "" {
			if _, err := s.checkARN(path+"TargetLogicallyAirGappedBackupVaultArn", r.TargetLogicallyAirGappedBackupVaultArn); err != nil {
				return err
			}
		}
	}
	return nil
}
