package console

import (
	"context"
	"net/http"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// nonCompliant is the verdict of a control on a resource that fails it (and of a framework
// with such a verdict), as the engine's compliance endpoint answers it.
const nonCompliant = "NON_COMPLIANT"

// frameworkData is a framework with its controls and its verdicts, evaluated when the page is
// read: NON_COMPLIANT results first, since they are what an auditor came for.
type frameworkData struct {
	*backup.DescribeFrameworkOutput
	Compliance    *engineclient.FrameworkCompliance
	NonCompliant  int
	ResultsByRisk []engineclient.ComplianceResult
}

// reportPlanData is a report plan with its most recent report job, if it has run.
type reportPlanData struct {
	types.ReportPlan
	LastJob *types.ReportJob
}

type complianceData struct {
	Frameworks  []frameworkData
	ReportPlans []reportPlanData
}

func (c *Console) compliance(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	cl := s.clients
	var d complianceData
	frameworks, err := listFrameworks(ctx, cl)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	for _, f := range frameworks {
		fd, err := frameworkOf(ctx, cl, aws.ToString(f.FrameworkName))
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		d.Frameworks = append(d.Frameworks, fd)
	}
	for p := backup.NewListReportPlansPaginator(cl.Backup, &backup.ListReportPlansInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		for _, rp := range out.ReportPlans {
			last, err := lastReportJob(ctx, cl, aws.ToString(rp.ReportPlanName))
			if err != nil {
				c.fail(w, r, s, err)
				return
			}
			d.ReportPlans = append(d.ReportPlans, reportPlanData{rp, last})
		}
	}
	c.render(w, r, s, "compliance", http.StatusOK, d)
}

func listFrameworks(ctx context.Context, cl Clients) ([]types.Framework, error) {
	var out []types.Framework
	for p := backup.NewListFrameworksPaginator(cl.Backup, &backup.ListFrameworksInput{}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Frameworks...)
	}
	return out, nil
}

// frameworkOf describes a framework and evaluates it now.
func frameworkOf(ctx context.Context, cl Clients, name string) (frameworkData, error) {
	described, err := cl.Backup.DescribeFramework(ctx, &backup.DescribeFrameworkInput{FrameworkName: &name})
	if err != nil {
		return frameworkData{}, err
	}
	verdicts, err := cl.Extension.GetFrameworkCompliance(ctx, name)
	if err != nil {
		return frameworkData{}, err
	}
	fd := frameworkData{DescribeFrameworkOutput: described, Compliance: verdicts, ResultsByRisk: slices.Clone(verdicts.Results)}
	slices.SortStableFunc(fd.ResultsByRisk, func(a, b engineclient.ComplianceResult) int {
		return rank(a.ComplianceStatus) - rank(b.ComplianceStatus)
	})
	for _, res := range verdicts.Results {
		if res.ComplianceStatus == nonCompliant {
			fd.NonCompliant++
		}
	}
	return fd, nil
}

// rank orders verdicts: NON_COMPLIANT before anything else.
func rank(status string) int {
	if status == nonCompliant {
		return 0
	}
	return 1
}

// lastReportJob is the plan's most recently created report job, or nil.
func lastReportJob(ctx context.Context, cl Clients, plan string) (*types.ReportJob, error) {
	var last *types.ReportJob
	for p := backup.NewListReportJobsPaginator(cl.Backup, &backup.ListReportJobsInput{ByReportPlanName: &plan}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for i := range out.ReportJobs {
			j := &out.ReportJobs[i]
			if last == nil || aws.ToTime(j.CreationTime).After(aws.ToTime(last.CreationTime)) {
				last = j
			}
		}
	}
	return last, nil
}
