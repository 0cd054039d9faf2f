package provider

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// What the recovery point resource and data source share: the lifecycle object and reading a
// point's description into Terraform values.

var calculatedLifecycleAttrTypes = map[string]attr.Type{
	"move_to_cold_storage_at": types.StringType,
	"delete_at":               types.StringType,
}

// lifecycleToAPI converts cold_storage_after and delete_after; both null is no lifecycle (keep
// the point until it is deleted).
func lifecycleToAPI(coldAfter, deleteAfter types.Int64) *backuptypes.Lifecycle {
	if coldAfter.IsNull() && deleteAfter.IsNull() {
		return nil
	}
	return &backuptypes.Lifecycle{MoveToColdStorageAfterDays: coldAfter.ValueInt64Pointer(), DeleteAfterDays: deleteAfter.ValueInt64Pointer()}
}

// lifecycleFromAPI reads a point's lifecycle back as cold_storage_after and delete_after; unset
// members read as null, so a configuration without them plans clean.
func lifecycleFromAPI(lc *backuptypes.Lifecycle) (coldAfter, deleteAfter types.Int64) {
	if lc == nil {
		return types.Int64Null(), types.Int64Null()
	}
	return types.Int64PointerValue(lc.MoveToColdStorageAfterDays), types.Int64PointerValue(lc.DeleteAfterDays)
}

func calculatedLifecycleFromAPI(c *backuptypes.CalculatedLifecycle) types.Object {
	if c == nil {
		return types.ObjectNull(calculatedLifecycleAttrTypes)
	}
	return types.ObjectValueMust(calculatedLifecycleAttrTypes, map[string]attr.Value{
		"move_to_cold_storage_at": rfc(aws.ToTime(c.MoveToColdStorageAt)),
		"delete_at":               rfc(aws.ToTime(c.DeleteAt)),
	})
}

// validateLifecycle applies AWS's rule at plan time: delete_after >= cold_storage_after + 90.
func validateLifecycle(coldAfter, deleteAfter types.Int64, diags *diag.Diagnostics) {
	if coldAfter.IsNull() || deleteAfter.IsNull() || coldAfter.IsUnknown() || deleteAfter.IsUnknown() {
		return
	}
	if cold, del := coldAfter.ValueInt64(), deleteAfter.ValueInt64(); del < cold+90 {
		diags.AddAttributeError(path.Root("delete_after"), "Retention too short for cold storage",
			fmt.Sprintf("A recovery point stays in cold storage for at least 90 days: delete_after (%d) must be at least cold_storage_after + 90 = %d. "+
				"Raise delete_after, or lower cold_storage_after.", del, cold+90))
	}
}

// pointValues are the computed attributes a description of a point fills.
type pointValues struct {
	ResourceARN, ResourceType, ResourceName, Status, StatusMessage, StorageClass types.String
	CreationDate, CompletionDate, EncryptionKeyARN, IAMRoleARN                   types.String
	BackupSizeBytes, ColdStorageAfter, DeleteAfter                               types.Int64
	CalculatedLifecycle                                                          types.Object
}

func pointValuesFrom(out *backup.DescribeRecoveryPointOutput) pointValues {
	cold, del := lifecycleFromAPI(out.Lifecycle)
	return pointValues{
		ColdStorageAfter:    cold,
		DeleteAfter:         del,
		ResourceARN:         types.StringValue(aws.ToString(out.ResourceArn)),
		ResourceType:        types.StringValue(aws.ToString(out.ResourceType)),
		ResourceName:        types.StringValue(aws.ToString(out.ResourceName)),
		Status:              types.StringValue(string(out.Status)),
		StatusMessage:       types.StringValue(aws.ToString(out.StatusMessage)),
		StorageClass:        types.StringValue(string(out.StorageClass)),
		CreationDate:        rfc(aws.ToTime(out.CreationDate)),
		CompletionDate:      rfc(aws.ToTime(out.CompletionDate)),
		EncryptionKeyARN:    types.StringValue(aws.ToString(out.EncryptionKeyArn)),
		IAMRoleARN:          types.StringValue(aws.ToString(out.IamRoleArn)),
		BackupSizeBytes:     types.Int64Value(aws.ToInt64(out.BackupSizeInBytes)),
		CalculatedLifecycle: calculatedLifecycleFromAPI(out.CalculatedLifecycle),
	}
}
