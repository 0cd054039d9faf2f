package restoretesting

import (
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

const (
	prodVault = "arn:aws:backup:us-east-1:123456789012:backup-vault:prod-main"
	devVault  = "arn:aws:backup:us-east-1:123456789012:backup-vault:dev-main"
	euVault   = "arn:aws:backup:eu-west-1:123456789012:backup-vault:prod-dr"
)

func TestVaultWildcardsIncludeThenExclude(t *testing.T) {
	for _, c := range []struct {
		name             string
		include, exclude []string
		vault            string
		want             bool
	}{
		{"star takes every vault", []string{"*"}, nil, devVault, true},
		{"an exact ARN", []string{prodVault}, nil, prodVault, true},
		{"an exact ARN only", []string{prodVault}, nil, devVault, false},
		{"a name prefix", []string{"arn:aws:backup:*:*:backup-vault:prod-*"}, nil, euVault, true},
		{"a name prefix leaves others", []string{"arn:aws:backup:*:*:backup-vault:prod-*"}, nil, devVault, false},
		{"a region", []string{"arn:aws:backup:us-east-1:*"}, nil, euVault, false},
		{"exclude wins", []string{"*"}, []string{"arn:aws:backup:*:*:backup-vault:dev-*"}, devVault, false},
		{"exclude leaves the rest", []string{"*"}, []string{"arn:aws:backup:*:*:backup-vault:dev-*"}, prodVault, true},
		{"regexp characters are literal", []string{"arn:aws:backup:us-east-1:123456789012:backup-vault:prod.main"}, nil, prodVault, false},
		{"nothing included", nil, nil, prodVault, false},
	} {
		if got := vaultSelected(c.vault, c.include, c.exclude); got != c.want {
			t.Errorf("%s: vaultSelected(%s, %v, %v) = %v, want %v", c.name, c.vault, c.include, c.exclude, got, c.want)
		}
	}
	for _, bad := range []string{"prod", "", "backup-vault:prod"} {
		if err := checkVaultPattern(bad); err == nil {
			t.Errorf("checkVaultPattern(%q) accepted a pattern that is neither * nor an ARN", bad)
		}
	}
}

func TestPointsAreEligibleWithinTheWindowInTheVaults(t *testing.T) {
	at := time.Date(2024, 3, 10, 3, 0, 0, 0, time.UTC)
	days := int32(7)
	sel := wire.RestoreTestingRecoveryPointSelection{Algorithm: AlgorithmLatest, IncludeVaults: []string{"*"}, ExcludeVaults: []string{devVault},
		RecoveryPointTypes: []string{PointTypeSnapshot}, SelectionWindowDays: &days}
	point := func(created time.Time, vault, status, damage string) records.RecoveryPoint {
		return records.RecoveryPoint{CreationDate: created, VaultARN: vault, Status: status, Damage: damage}
	}
	for _, c := range []struct {
		name string
		rp   records.RecoveryPoint
		want bool
	}{
		{"inside the window", point(at.AddDate(0, 0, -3), prodVault, records.RecoveryPointCompleted, ""), true},
		{"exactly at the window's start", point(at.AddDate(0, 0, -7), prodVault, records.RecoveryPointCompleted, ""), true},
		{"before the window", point(at.AddDate(0, 0, -7).Add(-time.Second), prodVault, records.RecoveryPointCompleted, ""), false},
		{"after the run's instant", point(at.Add(time.Minute), prodVault, records.RecoveryPointCompleted, ""), false},
		{"an excluded vault", point(at.AddDate(0, 0, -1), devVault, records.RecoveryPointCompleted, ""), false},
		{"being deleted", point(at.AddDate(0, 0, -1), prodVault, "DELETING", ""), false},
		{"damaged: tested, so that the test fails", point(at.AddDate(0, 0, -1), prodVault, "PARTIAL", "snapshot missing"), true},
	} {
		if got := pointEligible(c.rp, sel, at); got != c.want {
			t.Errorf("%s: eligible = %v, want %v", c.name, got, c.want)
		}
	}
	continuousOnly := sel
	continuousOnly.RecoveryPointTypes = []string{PointTypeContinuous}
	if pointEligible(point(at.AddDate(0, 0, -1), prodVault, records.RecoveryPointCompleted, ""), continuousOnly, at) {
		t.Error("a snapshot point was eligible for a plan that tests continuous points only")
	}
}

func TestLatestPicksTheNewestAndRandomIsRepeatableAndSpread(t *testing.T) {
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var points []records.RecoveryPoint
	for i := range 10 {
		points = append(points, records.RecoveryPoint{ID: string(rune('a' + i)), CreationDate: base.Add(time.Duration(9-i) * time.Hour)})
	}
	if got, ok := pickPoint(points, AlgorithmLatest, "x"); !ok || got.ID != "a" {
		t.Errorf("latest picked %q, want a (the newest)", got.ID)
	}
	if _, ok := pickPoint(nil, AlgorithmLatest, "x"); ok {
		t.Error("picked a point out of none")
	}
	seen := map[string]bool{}
	for i := range 200 {
		seed := "plan|sel|" + base.Add(time.Duration(i)*7*24*time.Hour).String()
		first, _ := pickPoint(points, AlgorithmRandom, seed)
		again, _ := pickPoint(points, AlgorithmRandom, seed)
		if first.ID != again.ID {
			t.Fatalf("random pick with seed %q: %s then %s; it must be repeatable", seed, first.ID, again.ID)
		}
		seen[first.ID] = true
	}
	if len(seen) < 8 {
		t.Errorf("200 weekly random picks chose only %d of 10 points: %v", len(seen), seen)
	}
}

func TestSelectionsMatchByARNOrWildcardAndTags(t *testing.T) {
	r := resources.Resource{ARN: "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1", Type: "EFS", Tags: map[string]string{"env": "prod", "tier": "gold"}}
	kv := func(k, v string) wire.KeyValue { return wire.KeyValue{Key: k, Value: v} }
	for _, c := range []struct {
		name string
		sel  records.RestoreTestingSelection
		want bool
	}{
		{"star", records.RestoreTestingSelection{ProtectedResourceType: "EFS", ProtectedResourceArns: []string{"*"}}, true},
		{"another type", records.RestoreTestingSelection{ProtectedResourceType: "RDS", ProtectedResourceArns: []string{"*"}}, false},
		{"its ARN", records.RestoreTestingSelection{ProtectedResourceType: "EFS", ProtectedResourceArns: []string{r.ARN}}, true},
		{"another ARN", records.RestoreTestingSelection{ProtectedResourceType: "EFS", ProtectedResourceArns: []string{r.ARN + "0"}}, false},
		{"equal tags hold", records.RestoreTestingSelection{ProtectedResourceType: "EFS", ProtectedResourceArns: []string{"*"},
			ProtectedResourceConditions: &wire.ProtectedResourceConditions{StringEquals: []wire.KeyValue{kv("env", "prod"), kv("tier", "gold")}}}, true},
		{"one equal tag fails", records.RestoreTestingSelection{ProtectedResourceType: "EFS", ProtectedResourceArns: []string{"*"},
			ProtectedResourceConditions: &wire.ProtectedResourceConditions{StringEquals: []wire.KeyValue{kv("env", "prod"), kv("tier", "silver")}}}, false},
		{"not-equal tag matches", records.RestoreTestingSelection{ProtectedResourceType: "EFS", ProtectedResourceArns: []string{"*"},
			ProtectedResourceConditions: &wire.ProtectedResourceConditions{StringNotEquals: []wire.KeyValue{kv("env", "prod")}}}, false},
		{"not-equal tag differs", records.RestoreTestingSelection{ProtectedResourceType: "EFS", ProtectedResourceArns: []string{"*"},
			ProtectedResourceConditions: &wire.ProtectedResourceConditions{StringNotEquals: []wire.KeyValue{kv("env", "dev"), kv("missing", "x")}}}, true},
	} {
		if got := resourceSelected(c.sel, r); got != c.want {
			t.Errorf("%s: selected = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestScratchTargetsAreNewResourcesNamedAfterTheJob(t *testing.T) {
	const job = "0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B"
	efs := scratchMetadata(resources.Resource{Type: "EFS", Locator: "/srv/data/orders"}, job, map[string]string{"PerformanceMode": "generalPurpose"})
	if efs["destination-path"] != "/srv/data/restore-test-0190a1b2c3d47e5f8a9b0c1d2e3f4a5b" || efs["newFileSystem"] != "true" || efs["PerformanceMode"] != "generalPurpose" {
		t.Errorf("EFS scratch metadata = %v", efs)
	}
	under := scratchMetadata(resources.Resource{Type: "EFS", Locator: "/srv/data/orders"}, job, map[string]string{"destination-path": "/srv/scratch"})
	if under["destination-path"] != "/srv/scratch/restore-test-0190a1b2c3d47e5f8a9b0c1d2e3f4a5b" {
		t.Errorf("EFS scratch under the overrides' destination-path = %v", under)
	}
	rds := scratchMetadata(resources.Resource{Type: "RDS", ID: "orders"}, job, map[string]string{"DBInstanceIdentifier": "orders"})
	if rds["DBInstanceIdentifier"] != "restore-test-0190a1b2c3d47e5f8a9b0c1d2e3f4a5b" {
		t.Errorf("RDS scratch metadata = %v: the original's identifier must never be the target", rds)
	}
	s3 := scratchMetadata(resources.Resource{Type: "S3", ID: "orders"}, job, nil)
	if s3["DestinationBucketName"] != "restore-test-0190a1b2c3d47e5f8a9b0c1d2e3f4a5b" || s3["NewBucket"] != "true" {
		t.Errorf("S3 scratch metadata = %v", s3)
	}
}
