package service

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// The account settings of AWS Backup's "Settings" page: global settings per account
// (DescribeGlobalSettings, UpdateGlobalSettings) and region settings per account and region
// (DescribeRegionSettings, UpdateRegionSettings). Two of them are enforced:
// isCrossAccountBackupEnabled by jobs.PrepareCopy and the copy job runner, and
// ResourceTypeOptInPreference by StartBackupJob and by the scheduler's selection resolution
// (scheduler.ResolveSelections). The rest are kept and answered as set.

// DescribeGlobalSettings answers every flag AWS documents, the account's own values over the
// defaults (records.DefaultGlobalSettings), and when the account last updated them.
func (s *Service) DescribeGlobalSettings(ctx context.Context, _ *struct{}) (*wire.DescribeGlobalSettingsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var g records.GlobalSettings
	err = s.store.View(ctx, func(tx store.Tx) error {
		g, err = records.GetGlobalSettings(tx, c.AccountID)
		return err
	})
	if err != nil {
		return nil, internal("describe global settings", err)
	}
	return &wire.DescribeGlobalSettingsOutput{GlobalSettings: g.Effective(), LastUpdateTime: wire.NewTimestamp(g.LastUpdateTime)}, nil
}

// UpdateGlobalSettings sets the flags it names and keeps the others. Each must be a flag AWS
// documents, with the value "true" or "false".
func (s *Service) UpdateGlobalSettings(ctx context.Context, in *wire.UpdateGlobalSettingsInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := rules.GlobalSettings(in.GlobalSettings); err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		g, err := records.GetGlobalSettings(tx, c.AccountID)
		if err != nil {
			return err
		}
		if g.Settings == nil {
			g.Settings = map[string]string{}
		}
		maps.Copy(g.Settings, in.GlobalSettings)
		g.LastUpdateTime = s.clock.Now()
		return records.PutDoc(tx, records.CollGlobalSettings, records.GlobalSettingsKey(c.AccountID), g)
	})
	if err != nil {
		return nil, internal("update global settings", err)
	}
	return &struct{}{}, nil
}

// DescribeRegionSettings answers, for each resource type the engine backs up, whether the
// account has it opted in and fully managed in the caller's region.
func (s *Service) DescribeRegionSettings(ctx context.Context, _ *struct{}) (*wire.DescribeRegionSettingsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var r records.RegionSettings
	err = s.store.View(ctx, func(tx store.Tx) error {
		r, err = records.GetRegionSettings(tx, c.AccountID, c.Region)
		return err
	})
	if err != nil {
		return nil, internal("describe region settings", err)
	}
	out := &wire.DescribeRegionSettingsOutput{ResourceTypeOptInPreference: map[string]bool{}, ResourceTypeManagementPreference: map[string]bool{}}
	for _, t := range s.resourceTypes() {
		out.ResourceTypeOptInPreference[t] = r.OptedIn(t)
		managed, set := r.Management[t]
		out.ResourceTypeManagementPreference[t] = managed || !set
	}
	return out, nil
}

// UpdateRegionSettings sets the preferences it names in the caller's region and keeps the others.
// Each type must be one DescribeRegionSettings lists (the engine's connectors' types), as AWS
// refuses a type its region does not support.
func (s *Service) UpdateRegionSettings(ctx context.Context, in *wire.UpdateRegionSettingsInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	types := append([]string{}, s.resourceTypes()...)
	sort.Strings(types)
	for _, m := range []struct {
		member string
		prefs  map[string]bool
	}{{"ResourceTypeOptInPreference", in.ResourceTypeOptInPreference}, {"ResourceTypeManagementPreference", in.ResourceTypeManagementPreference}} {
		for _, t := range slices.Sorted(maps.Keys(m.prefs)) {
			if !slices.Contains(types, t) {
				return nil, apierr.InvalidParameter("%s: resource type %q is not supported in this region; DescribeRegionSettings lists the supported types: %s", m.member, t, strings.Join(types, ", "))
			}
		}
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		r, err := records.GetRegionSettings(tx, c.AccountID, c.Region)
		if err != nil {
			return err
		}
		if len(in.ResourceTypeOptInPreference) > 0 {
			if r.OptIn == nil {
				r.OptIn = map[string]bool{}
			}
			maps.Copy(r.OptIn, in.ResourceTypeOptInPreference)
		}
		if len(in.ResourceTypeManagementPreference) > 0 {
			if r.Management == nil {
				r.Management = map[string]bool{}
			}
			maps.Copy(r.Management, in.ResourceTypeManagementPreference)
		}
		return records.PutDoc(tx, records.CollRegionSettings, records.RegionSettingsKey(c.AccountID, c.Region), r)
	})
	if err != nil {
		return nil, internal("update region settings", err)
	}
	return &struct{}{}, nil
}

// refuseOptedOutType refuses an on-demand backup of a resource type the account has opted out of
// in the caller's region; AWS refuses an on-demand backup of a type whose service is not enabled.
func refuseOptedOutType(tx store.Tx, c Caller, resourceType string) error {
	r, err := records.GetRegionSettings(tx, c.AccountID, c.Region)
	if err != nil {
		return err
	}
	if !r.OptedIn(resourceType) {
		return apierr.InvalidReq("resource type %s is opted out of AWS Backup in %s for account %s: opt it in with UpdateRegionSettings (ResourceTypeOptInPreference %s=true) before backing it up",
			resourceType, c.Region, c.AccountID, resourceType)
	}
	return nil
}
