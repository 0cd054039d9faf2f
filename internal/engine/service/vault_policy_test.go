package service

import (
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

const denyDeletePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"}]}`

func TestVaultAccessPolicyRoundTripsExactlyAsWritten(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("guarded")
	// Odd spacing, key order and a one-item list: none of it may be normalised away.
	written := "{\n    \"Statement\" : [ {\"Resource\":\"*\", \"Action\":[\"backup:DeleteRecoveryPoint\"],\n\t\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"*\"}} ],\n  \"Version\": \"2012-10-17\"\n}\n"
	if _, err := ts.PutBackupVaultAccessPolicy(ts.ctx, &wire.PutBackupVaultAccessPolicyInput{BackupVaultName: "guarded", Policy: &written}); err != nil {
		t.Fatal(err)
	}
	out, err := ts.GetBackupVaultAccessPolicy(ts.ctx, &wire.GetBackupVaultAccessPolicyInput{BackupVaultName: "guarded"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Policy != written {
		t.Errorf("policy came back as\n%q\nwant exactly\n%q", out.Policy, written)
	}
	if out.BackupVaultName != "guarded" || out.BackupVaultArn != VaultARN(testRegion, testAccount, "guarded") {
		t.Errorf("answer names %s / %s", out.BackupVaultName, out.BackupVaultArn)
	}
	// A put replaces the policy.
	if _, err := ts.PutBackupVaultAccessPolicy(ts.ctx, &wire.PutBackupVaultAccessPolicyInput{BackupVaultName: "guarded", Policy: ptr(denyDeletePolicy)}); err != nil {
		t.Fatal(err)
	}
	if out, _ := ts.GetBackupVaultAccessPolicy(ts.ctx, &wire.GetBackupVaultAccessPolicyInput{BackupVaultName: "guarded"}); out.Policy != denyDeletePolicy {
		t.Errorf("second put did not replace the policy: %q", out.Policy)
	}
}

func TestVaultAccessPolicyValidation(t *testing.T) {
	cases := []struct {
		name      string
		policy    *string
		code      string
		fragments []string
	}{
		{"missing", nil, apierr.MissingParameterValue, []string{"Policy is required"}},
		{"empty", ptr(""), apierr.MissingParameterValue, []string{"Policy is required"}},
		{"not JSON", ptr(`{"Version":`), apierr.InvalidParameterValue, []string{"not valid JSON"}},
		{"bad effect in the second statement", ptr(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:*","Resource":"*"},{"Effect":"Permit","Principal":"*","Action":"backup:*","Resource":"*"}]}`),
			apierr.InvalidParameterValue, []string{`Statement[1].Effect must be "Allow" or "Deny", got "Permit"`}},
		{"action of another service", ptr(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"*"}}`),
			apierr.InvalidParameterValue, []string{"Statement.Action", "only name backup: actions"}},
		{"action the API does not have", ptr(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"backup:DeleteVaultForever","Resource":"*"}}`),
			apierr.InvalidParameterValue, []string{"matches no AWS Backup action"}},
		{"no principal", ptr(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"backup:*","Resource":"*"}}`),
			apierr.InvalidParameterValue, []string{"Statement.Principal is missing"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestService(t)
			ts.createVault("guarded")
			_, err := ts.PutBackupVaultAccessPolicy(ts.ctx, &wire.PutBackupVaultAccessPolicyInput{BackupVaultName: "guarded", Policy: tc.policy})
			wantCode(t, err, tc.code, tc.fragments...)
			_, err = ts.GetBackupVaultAccessPolicy(ts.ctx, &wire.GetBackupVaultAccessPolicyInput{BackupVaultName: "guarded"})
			wantCode(t, err, apierr.ResourceNotFound)
		})
	}
}

func TestVaultAccessPolicyNotFoundAndIdempotentDelete(t *testing.T) {
	ts := newTestService(t)
	_, err := ts.PutBackupVaultAccessPolicy(ts.ctx, &wire.PutBackupVaultAccessPolicyInput{BackupVaultName: "absent", Policy: ptr(denyDeletePolicy)})
	wantCode(t, err, apierr.ResourceNotFound, "absent")
	_, err = ts.DeleteBackupVaultAccessPolicy(ts.ctx, &wire.DeleteBackupVaultAccessPolicyInput{BackupVaultName: "absent"})
	wantCode(t, err, apierr.ResourceNotFound, "absent")

	ts.createVault("guarded")
	_, err = ts.GetBackupVaultAccessPolicy(ts.ctx, &wire.GetBackupVaultAccessPolicyInput{BackupVaultName: "guarded"})
	wantCode(t, err, apierr.ResourceNotFound, "guarded has no access policy")
	if _, err := ts.PutBackupVaultAccessPolicy(ts.ctx, &wire.PutBackupVaultAccessPolicyInput{BackupVaultName: "guarded", Policy: ptr(denyDeletePolicy)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := ts.DeleteBackupVaultAccessPolicy(ts.ctx, &wire.DeleteBackupVaultAccessPolicyInput{BackupVaultName: "guarded"}); err != nil {
			t.Fatalf("delete #%d: %v", i+1, err)
		}
	}
	_, err = ts.GetBackupVaultAccessPolicy(ts.ctx, &wire.GetBackupVaultAccessPolicyInput{BackupVaultName: "guarded"})
	wantCode(t, err, apierr.ResourceNotFound)
}
