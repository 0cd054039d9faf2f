package api

import "github.com/strongroom/terraform-provider-backup/internal/engine/service"

// auditManagerOperations are Backup Audit Manager's: frameworks, report plans and report jobs.
func auditManagerOperations(s *service.Service) map[string]opFunc {
	return map[string]opFunc{
		"CreateFramework":    op(s.CreateFramework),
		"DescribeFramework":  op(s.DescribeFramework),
		"UpdateFramework":    op(s.UpdateFramework),
		"DeleteFramework":    op(s.DeleteFramework),
		"ListFrameworks":     op(s.ListFrameworks),
		"CreateReportPlan":   op(s.CreateReportPlan),
		"DescribeReportPlan": op(s.DescribeReportPlan),
		"UpdateReportPlan":   op(s.UpdateReportPlan),
		"DeleteReportPlan":   op(s.DeleteReportPlan),
		"ListReportPlans":    op(s.ListReportPlans),
		"StartReportJob":     op(s.StartReportJob),
		"DescribeReportJob":  op(s.DescribeReportJob),
		"ListReportJobs":     op(s.ListReportJobs),
	}
}
