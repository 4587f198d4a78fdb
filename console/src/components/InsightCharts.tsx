// The product insights screen's charts (ECharts, tree-shaken): a theme's messages per period,
// and rates (hits out of messages) per market, grouped by series. A click (or Enter on the
// point the arrow keys reached) names the point so the screen can list the conversations
// behind it.
import { useMemo } from "react";
import { use as registerCharts } from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { useI18n } from "../i18n/i18n";
import { useChart, type Cell } from "./useChart";

registerCharts([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent]);

/** A rate as the server gives it: hits out of docs. */
export interface RatePoint {
  hits: number;
  docs: number;
  rate: number;
}

export interface RateSeries {
  name: string;
  points: (RatePoint | null)[];
}

/** Grouped bars of rates, one group per category (market), one bar per series. */
export function RateBars({
  categories,
  series,
  label,
  onPick,
}: {
  categories: string[];
  series: RateSeries[];
  label: string;
  /** Without it (a key that may not list the conversations behind a bar) no bar is a link. */
  onPick?: (series: number, category: number) => void;
}) {
  const { t, fmt, dir } = useI18n();
  const text = useMemo(() => {
    const pct = (v: number) => fmt.number(v, { style: "percent", maximumFractionDigits: 1 });
    return (s: number, c: number) => {
      const r = series[s]?.points[c];
      if (!r) return "";
      const who = series.length > 1 ? `${categories[c] ?? ""} · ${series[s]?.name ?? ""}` : (categories[c] ?? "");
      return `${who}: ${t("insRateOf", { rate: pct(r.rate), hits: fmt.number(r.hits), docs: fmt.number(r.docs) })}`;
    };
  }, [categories, series, t, fmt]);
  const option = useMemo(
    () => ({
      animation: false,
      grid: { left: 56, right: 16, top: 36, bottom: 28 },
      legend: { top: 0, show: series.length > 1, align: dir === "rtl" ? "right" : "auto" },
      tooltip: { trigger: "item", formatter: (p: { seriesIndex?: number; dataIndex: number }) => text(p.seriesIndex ?? -1, p.dataIndex) },
      xAxis: { type: "category", inverse: dir === "rtl", data: categories },
      yAxis: { type: "value", position: dir === "rtl" ? "right" : "left", axisLabel: { formatter: (v: number) => fmt.number(v, { style: "percent", maximumFractionDigits: 1 }) } },
      series: series.map((s) => ({ name: s.name, type: "bar", cursor: onPick ? "pointer" : "default", data: s.points.map((r) => r?.rate ?? null) })),
    }),
    [categories, series, fmt, dir, text, onPick],
  );
  const keys = useMemo(
    () => ({
      rows: series.length,
      cols: categories.length,
      at: ({ row, col }: Cell) => (series[row]?.points[col] ? { seriesIndex: row, dataIndex: col } : null),
      describe: ({ row, col }: Cell) => text(row, col),
    }),
    [categories, series, text],
  );
  return useChart({ option, label, keys, pick: onPick && (({ row, col }) => onPick(row, col)), height: 260 });
}

/** A theme's messages per period (of the period's messages in the slice, in the tooltip). */
export function ThemeTrend({
  periods,
  label,
  onPick,
}: {
  periods: { period: string; docs: number; total: number }[];
  label: string;
  /** Without it (a key that may not list the conversations behind a point) no point is a link. */
  onPick?: (period: number) => void;
}) {
  const { t, fmt, dir } = useI18n();
  const text = useMemo(
    () => (i: number) => {
      const x = periods[i];
      return x ? `${fmt.date(x.period)}: ${t("insThemeOfTotal", { docs: fmt.number(x.docs), total: fmt.number(x.total) })}` : "";
    },
    [periods, t, fmt],
  );
  const option = useMemo(
    () => ({
      animation: false,
      grid: { left: 48, right: 16, top: 16, bottom: 28 },
      tooltip: { trigger: "item", formatter: (p: { dataIndex: number }) => text(p.dataIndex) },
      xAxis: { type: "category", inverse: dir === "rtl", data: periods.map((p) => fmt.date(p.period)) },
      yAxis: { type: "value", minInterval: 1, position: dir === "rtl" ? "right" : "left" },
      series: [{ name: label, type: "line", symbolSize: 10, cursor: onPick ? "pointer" : "default", data: periods.map((p) => p.docs) }],
    }),
    [periods, label, fmt, dir, text, onPick],
  );
  const keys = useMemo(
    () => ({
      rows: 1,
      cols: periods.length,
      start: { row: 0, col: periods.length - 1 },
      at: ({ col }: Cell) => (periods[col] ? { seriesIndex: 0, dataIndex: col } : null),
      describe: ({ col }: Cell) => text(col),
    }),
    [periods, text],
  );
  return useChart({ option, label, keys, pick: onPick && (({ col }) => onPick(col)), height: 220 });
}
