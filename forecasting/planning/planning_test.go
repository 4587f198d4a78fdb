package planning_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/forecasting/planning"
	"github.com/meridian-cs/meridian/forecasting/staffing"
)

func TestStaffPlansEveryIntervalAndTotals(t *testing.T) {
	start := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	d := planning.Demand{Start: start, Step: 30 * time.Minute, Contacts: []float64{100, 0, 50}}
	tg := staffing.Target{ServiceLevel: 0.8, AnswerSeconds: 20, Shrinkage: 0.3}
	plan, err := planning.Staff(context.Background(), staffing.Queue{AHTSeconds: 180}, tg, d)
	if err != nil {
		t.Fatal(err)
	}
	// 100 contacts per half hour at 180 s is the worked example: 14 agents.
	first := plan.Intervals[0]
	if first.Queue.CallsPerHour != 200 || first.Result.Agents != 14 || !plan.Intervals[2].Start.Equal(start.Add(time.Hour)) {
		t.Fatalf("first interval %+v", first)
	}
	if z := plan.Intervals[1]; z.Result.Agents != 0 || z.Result.ServiceLevel != 1 {
		t.Fatalf("no contacts need no agents: %+v", z)
	}
	var hours float64
	for _, iv := range plan.Intervals {
		hours += float64(iv.Result.Agents) * 0.5
	}
	sl := (100*first.Result.ServiceLevel + 50*plan.Intervals[2].Result.ServiceLevel) / 150
	if plan.PeakAgents != 14 || plan.AgentHours != hours || math.Abs(plan.ServiceLevel-sl) > 1e-12 || plan.PeakScheduled != first.Result.ScheduledAgents {
		t.Fatalf("totals %+v", plan)
	}
}

func TestStaffNamesTheIntervalItCannotPlanBeforePlanningAny(t *testing.T) {
	d := planning.Demand{Step: time.Hour, Contacts: []float64{10, -1, math.NaN()}}
	_, err := planning.Staff(context.Background(), staffing.Queue{AHTSeconds: 180}, staffing.Target{ServiceLevel: 0.8, AnswerSeconds: 20}, d)
	var ie *planning.IntervalError
	var pe *staffing.ParamError
	if !errors.As(err, &ie) || ie.Index != 1 || !errors.As(err, &pe) || pe.Param != staffing.ParamCallsPerHour {
		t.Fatalf("err = %v, want interval 1's calls per hour", err)
	}
}
