package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// backup_engine_clock moves the engine's fake clock, so a configuration (a `terraform test` file,
// an acceptance test) can make a schedule fire and a lifecycle act, then assert the outcome with
// the data sources. It is not a real object: creating or changing it moves the clock (which never
// goes back), and destroying it does nothing.

var (
	_ resource.ResourceWithConfigure   = (*engineClockResource)(nil)
	_ resource.ResourceWithImportState = (*engineClockResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*engineClockResource)(nil)
)

// engineClockID is the resource's ID: there is one engine clock.
const engineClockID = "engine-clock"

// NewEngineClockResource returns the backup_engine_clock resource.
func NewEngineClockResource() resource.Resource { return &engineClockResource{} }

type engineClockResource struct{ c *clients }

type engineClockModel struct {
	ID       types.String `tfsdk:"id"`
	Advance  types.String `tfsdk:"advance"`
	Time     types.String `tfsdk:"time"`
	Triggers types.Map    `tfsdk:"triggers"`
	MaxWait  types.String `tfsdk:"max_wait"`
	Now      types.String `tfsdk:"now"`
	Steps    types.Int64  `tfsdk:"steps"`
}

func (r *engineClockResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_engine_clock"
}

// clockDuration validates advance.
type clockDuration struct{}

func (clockDuration) Description(context.Context) string {
	return "must be a duration such as 24h, 90m, 400d or 1d12h"
}
func (v clockDuration) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (clockDuration) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := clock.ParseDuration(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration", err.Error())
	}
}

func (r *engineClockResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Bump it, with an UpgradeState and a state_upgrade_test.go case, when the state's shape changes.
		Version: 0,
		MarkdownDescription: "Moves the engine's **fake clock**, for tests of backup policy: creating this resource, and every change of " +
			"`advance`, `time` or `triggers`, moves the clock forward and does everything that comes due on the way, in time order — " +
			"plan rules fire and their backup jobs run to completion, start and completion windows close, lifecycles move recovery " +
			"points to cold storage and delete them — before the apply continues. Data sources that `depends_on` this resource then " +
			"read the outcome (`backup_backup_jobs`, `backup_recovery_points`).\n\n" +
			"The engine must run on a fake clock: the embedded engine with `fake_clock` in the provider block, or a daemon started with " +
			"`engine serve --fake-clock`. Against AWS Backup, or an engine on the wall clock, this resource fails. The clock never goes " +
			"back: destroying the resource leaves it where it is.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Always `" + engineClockID + "`: there is one engine clock.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"advance": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How far to move the clock each time the resource is created or changed: a duration such as `24h`, " +
					"`90m`, `400d` or `1d12h`. Changing it (or `triggers`) moves the clock by the new value, from where it is.",
				Validators: []validator.String{clockDuration{}, stringvalidator.ConflictsWith(path.MatchRoot("time"))},
			},
			"time": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "An RFC 3339 time to move the clock to, such as `2025-01-02T03:00:00Z`; it must not be before the clock's time.",
				Validators:          []validator.String{rfc3339{}},
			},
			"triggers": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Arbitrary values; any change moves the clock again by `advance` (or to `time`).",
			},
			"max_wait": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How long each step waits for the jobs it started before moving on, such as `5m` (default: as long as they " +
					"take). A job still running at the end of its completion window is then stopped, as the window says.",
				Validators: []validator.String{clockDuration{}},
			},
			"now": schema.StringAttribute{Computed: true, MarkdownDescription: "The engine's time after the move (RFC 3339)."},
			"steps": schema.Int64Attribute{
				Computed: true, MarkdownDescription: "How many instants at which something came due the clock stopped at on the way.",
			},
		},
	}
}

func (r *engineClockResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = configureClients(req.ProviderData, &resp.Diagnostics)
}

// notOnAWS explains why the resource cannot work against AWS Backup.
const notOnAWS = "backup_engine_clock moves the fake clock of the backup engine; AWS Backup runs on real time, which nobody can move. " +
	"Remove this resource from configurations applied to AWS (keep it in tests that run on the embedded engine with fake_clock, " +
	"or on `engine serve --fake-clock`)."

func (r *engineClockResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.c == nil || req.Plan.Raw.IsNull() {
		return
	}
	if r.c.Mode == modeAWS {
		resp.Diagnostics.AddError("The clock of AWS Backup cannot be moved", notOnAWS)
	}
}

// move moves the clock as m says and records the outcome in m.
func (r *engineClockResource) move(ctx context.Context, m *engineClockModel) error {
	if r.c.Registry == nil {
		return fmt.Errorf("%s", notOnAWS)
	}
	var maxWait time.Duration
	if v := m.MaxWait.ValueString(); v != "" {
		maxWait, _ = clock.ParseDuration(v)
	}
	var mv *engineclient.ClockMove
	var err error
	switch {
	case m.Advance.ValueString() != "":
		mv, err = r.c.Registry.AdvanceClock(ctx, m.Advance.ValueString(), maxWait)
	case m.Time.ValueString() != "":
		t, _ := time.Parse(time.RFC3339, m.Time.ValueString())
		mv, err = r.c.Registry.SetClock(ctx, t, maxWait)
	default:
		var clk *engineclient.Clock
		if clk, err = r.c.Registry.GetClock(ctx); err == nil {
			if clk.Mode != "fake" {
				return fmt.Errorf("%s", wallClockDetail)
			}
			mv = &engineclient.ClockMove{Clock: *clk, From: clk.Now}
		}
	}
	if err != nil {
		return err
	}
	tflog.Info(ctx, "moved the engine clock", map[string]any{"from": mv.From.Format(time.RFC3339), "to": mv.Now.Format(time.RFC3339), "steps": mv.Steps})
	if mv.Unfinished {
		tflog.Warn(ctx, "some jobs were still running after max_wait; the clock moved on without them", map[string]any{"max_wait": m.MaxWait.ValueString()})
	}
	m.ID = types.StringValue(engineClockID)
	m.Now = types.StringValue(mv.Now.UTC().Format(time.RFC3339Nano))
	m.Steps = types.Int64Value(int64(mv.Steps))
	return nil
}

const wallClockDetail = "The engine runs on the wall clock, which cannot be moved. Run it on a fake clock: set fake_clock in the provider " +
	"block (embedded engine; e.g. fake_clock = \"2025-01-01T00:00:00Z\", with a data_dir of its own), or start the daemon with " +
	"`engine serve --fake-clock 2025-01-01T00:00:00Z`."

func (r *engineClockResource) addMoveError(diags interface{ AddError(string, string) }, err error) {
	switch awsbackup.ErrorCode(err) {
	case "InvalidRequestException":
		diags.AddError("The engine clock cannot be moved", wallClockDetail)
	case "InvalidParameterValueException":
		diags.AddError("The engine clock cannot be moved there", awsbackup.ErrorMessage(err)+
			"\n\nThe clock only moves forward: use advance, or a time later than the engine's (its time is the `now` of this resource).")
	case "":
		diags.AddError("Error moving the engine clock", err.Error())
	default:
		diags.AddError("Error moving the engine clock", errorDetail(err, hints))
	}
}

func (r *engineClockResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m engineClockModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.move(ctx, &m); err != nil {
		r.addMoveError(&resp.Diagnostics, err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (r *engineClockResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m engineClockModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The resource is the record of a move; there is nothing remote to drift. An import (no
	// `now` yet) records the clock's time.
	if m.Now.IsNull() || m.Now.ValueString() == "" {
		if r.c.Registry == nil {
			resp.Diagnostics.AddError("The clock of AWS Backup cannot be imported", notOnAWS)
			return
		}
		clk, err := r.c.Registry.GetClock(ctx)
		if err != nil {
			addStateAPIError(&resp.Diagnostics, "reading the engine clock", err)
			return
		}
		m.ID, m.Now, m.Steps = types.StringValue(engineClockID), types.StringValue(clk.Now.Format(time.RFC3339Nano)), types.Int64Value(0)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (r *engineClockResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m engineClockModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var prior engineClockModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	moves := !m.Advance.Equal(prior.Advance) || !m.Time.Equal(prior.Time) || !m.Triggers.Equal(prior.Triggers)
	if moves {
		if err := r.move(ctx, &m); err != nil {
			r.addMoveError(&resp.Diagnostics, err)
			return
		}
	} else {
		m.ID, m.Now, m.Steps = prior.ID, prior.Now, prior.Steps // only max_wait changed
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Delete leaves the clock where it is: time does not go back.
func (r *engineClockResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

func (r *engineClockResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != engineClockID {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Import the engine clock with the ID %q (there is one engine clock), got %q.", engineClockID, req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), engineClockID)...)
}
