// The product insights screen's charts (ECharts, tree-shaken): a theme's messages per period,
// and rates (hits out of messages) per market, grouped by series. A click names the point so
// the screen can list the conversations behind it.
import { useEffect, useRef } from "react";
import { init, use as registerCharts } from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import { useI18n } from "../i18n/i18n";

registerCharts([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

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
  const el = useRef<HTMLDivElement>(null);
  const { t, fmt, dir } = useI18n();
  useEffect(() => {
    if (!el.current) return;
    const pct = (v: number) => fmt.number(v, { style: "percent", maximumFractionDigits: 1 });
    const chart = init(el.current, undefined, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 56, right: 16, top: 36, bottom: 28 },
      legend: { top: 0, show: series.length > 1, align: dir === "rtl" ? "right" : "auto" },
      tooltip: {
        trigger: "item",
        formatter: (p: { seriesIndex?: number; dataIndex: number; name: string; seriesName?: string }) => {
          const r = series[p.seriesIndex ?? -1]?.points[p.dataIndex];
          if (!r) return "";
          const who = series.length > 1 ? `${p.name} · ${p.seriesName ?? ""}` : p.name;
          return `${who}: ${t("insRateOf", { rate: pct(r.rate), hits: fmt.number(r.hits), docs: fmt.number(r.docs) })}`;
        },
      },
      xAxis: { type: "category", inverse: dir === "rtl", data: categories },
      yAxis: { type: "value", position: dir === "rtl" ? "right" : "left", axisLabel: { formatter: pct } },
      series: series.map((s) => ({ name: s.name, type: "bar", cursor: onPick ? "pointer" : "default", data: s.points.map((r) => r?.rate ?? null) })),
    });
    if (onPick) chart.on("click", (p) => onPick(p.seriesIndex ?? 0, p.dataIndex));
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [categories, series, label, t, fmt, dir, onPick]);
  return <div ref={el} role="img" aria-label={label} style={{ height: 260, width: "100%" }} />;
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
  const el = useRef<HTMLDivElement>(null);
  const { t, fmt, dir } = useI18n();
  useEffect(() => {
    if (!el.current) return;
    const chart = init(el.current, undefined, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 16, bottom: 28 },
      tooltip: {
        trigger: "item",
        formatter: (p: { dataIndex: number }) => {
          const x = periods[p.dataIndex];
          return x ? `${fmt.date(x.period)}: ${t("insThemeOfTotal", { docs: fmt.number(x.docs), total: fmt.number(x.total) })}` : "";
        },
      },
      xAxis: { type: "category", inverse: dir === "rtl", data: periods.map((p) => fmt.date(p.period)) },
      yAxis: { type: "value", minInterval: 1, position: dir === "rtl" ? "right" : "left" },
      series: [{ name: label, type: "line", symbolSize: 10, cursor: onPick ? "pointer" : "default", data: periods.map((p) => p.docs) }],
    });
    if (onPick) chart.on("click", (p) => onPick(p.dataIndex));
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [periods, label, t, fmt, dir, onPick]);
  return <div ref={el} role="img" aria-label={label} style={{ height: 220, width: "100%" }} />;
}
