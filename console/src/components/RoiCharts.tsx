// The ROI model's value as a waterfall (each dimension a step, ending in the total) and its
// sensitivity as a tornado (NPV with each input moved down and up, around the base NPV).
// Every figure is the roi query's; the browser only lays the bars out.
import { useMemo } from "react";
import { use as registerCharts } from "echarts/core";
import { BarChart } from "echarts/charts";
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from "echarts/components";
import { useI18n } from "../i18n/i18n";
import { useChart } from "./useChart";

registerCharts([BarChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent]);

// Colours dark enough for 3:1 against white (WCAG non-text contrast).
const colours = { gain: "#2b8a3e", loss: "#c92a2a", total: "#364fc7", low: "#d9480f", high: "#1864ab" };

export interface Step {
  label: string;
  value: number;
}

/**
 * The standard ECharts waterfall: a transparent bar lifts each visible one to where the
 * running total stood; the last bar is the total, from zero. Stacking "all" keeps a step
 * that crosses zero (a negative dimension) in place.
 */
export function Waterfall({ steps, total, totalLabel, label, money }: { steps: Step[]; total: number; totalLabel: string; label: string; money: (v: number, compact?: boolean) => string }) {
  const { dir } = useI18n();
  const option = useMemo(() => {
    const bases: number[] = [];
    const bars: { value: number; itemStyle: { color: string } }[] = [];
    let running = 0;
    for (const s of steps) {
      const next = running + s.value;
      bases.push(Math.min(running, next));
      bars.push({ value: Math.abs(s.value), itemStyle: { color: s.value < 0 ? colours.loss : colours.gain } });
      running = next;
    }
    bases.push(Math.min(0, total));
    bars.push({ value: Math.abs(total), itemStyle: { color: colours.total } });
    const signed = [...steps.map((s) => s.value), total];
    const names = [...steps.map((s) => s.label), totalLabel];
    return {
    animation: false,
    grid: { left: dir === "rtl" ? 16 : 96, right: dir === "rtl" ? 96 : 16, top: 16, bottom: 56 },
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: (ps: { dataIndex: number }[]) => {
        const i = ps[0]?.dataIndex ?? 0;
        return `${names[i] ?? ""}: ${money(signed[i] ?? 0)}`;
      },
    },
    xAxis: { type: "category", inverse: dir === "rtl", data: names, axisLabel: { interval: 0, width: 96, overflow: "break" } },
    yAxis: { type: "value", position: dir === "rtl" ? "right" : "left", axisLabel: { formatter: (v: number) => money(v, true) } },
    series: [
      { type: "bar", stack: "waterfall", stackStrategy: "all", silent: true, itemStyle: { color: "transparent" }, data: bases },
      { type: "bar", stack: "waterfall", stackStrategy: "all", data: bars },
    ],
    };
  }, [steps, total, totalLabel, money, dir]);
  return useChart({ option, label, height: 300 });
}

export interface Swing {
  label: string;
  low: number;
  high: number;
}

/**
 * A tornado: per input (widest swing on top) the NPV with the input moved down and up, as
 * bars from the base NPV (the axis is the difference; its labels are NPV).
 */
export function Tornado({ rows, base, lowName, highName, label, money }: { rows: Swing[]; base: number; lowName: string; highName: string; label: string; money: (v: number, compact?: boolean) => string }) {
  const { dir } = useI18n();
  const option = useMemo(() => ({
    animation: false,
    grid: { left: dir === "rtl" ? 24 : 200, right: dir === "rtl" ? 200 : 24, top: 32, bottom: 28 },
    legend: { top: 0 },
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      valueFormatter: (v: unknown) => money(base + Number(v)),
    },
    xAxis: { type: "value", inverse: dir === "rtl", axisLabel: { formatter: (v: number) => money(base + v, true) } },
    yAxis: { type: "category", inverse: true, position: dir === "rtl" ? "right" : "left", data: rows.map((r) => r.label), axisLabel: { width: 184, overflow: "truncate" } },
    series: [
      {
        name: lowName,
        type: "bar",
        barGap: "-100%",
        itemStyle: { color: colours.low },
        data: rows.map((r) => r.low - base),
        // The base NPV: the axis labels it at 0.
        markLine: { silent: true, symbol: "none", label: { show: false }, lineStyle: { color: "#495057" }, data: [{ xAxis: 0 }] },
      },
      { name: highName, type: "bar", barGap: "-100%", itemStyle: { color: colours.high }, data: rows.map((r) => r.high - base) },
    ],
  }), [rows, base, lowName, highName, money, dir]);
  return useChart({ option, label, height: 64 + rows.length * 26 });
}
