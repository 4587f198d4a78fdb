// Agents needed per region and hour as a heat-map (a region per row, an interval per column).
import { useEffect, useRef } from "react";
import { init, use as registerCharts } from "echarts/core";
import { HeatmapChart } from "echarts/charts";
import { GridComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import { useI18n } from "../i18n/i18n";

registerCharts([HeatmapChart, GridComponent, TooltipComponent, VisualMapComponent, SVGRenderer]);

export default function StaffingHeatmap({
  regions,
  hours,
  values,
  label,
  diverging,
}: {
  regions: string[];
  /** Interval starts (ISO), the columns. */
  hours: string[];
  /** values[r][h]: agents (or the difference in agents) of region r in hour h; null when unknown. */
  values: (number | null)[][];
  label: string;
  diverging: boolean;
}) {
  const el = useRef<HTMLDivElement>(null);
  const { fmt, dir } = useI18n();
  useEffect(() => {
    if (!el.current) return;
    const chart = init(el.current, undefined, { renderer: "svg" });
    const data: [number, number, number][] = [];
    values.forEach((row, r) => row.forEach((v, h) => v != null && data.push([h, r, v])));
    const all = data.map((d) => d[2]);
    const hi = Math.max(1, ...all.map(Math.abs));
    chart.setOption({
      animation: false,
      grid: { left: 64, right: 24, top: 8, bottom: 72 },
      tooltip: {
        formatter: (p: { value: [number, number, number] }) =>
          `${regions[p.value[1]] ?? ""} · ${fmt.dateTime(hours[p.value[0]] ?? "")}: ${fmt.number(p.value[2], { signDisplay: diverging ? "exceptZero" : "auto" })}`,
      },
      xAxis: { type: "category", inverse: dir === "rtl", data: hours.map((h) => fmt.time(h)), splitArea: { show: true } },
      yAxis: { type: "category", position: dir === "rtl" ? "right" : "left", data: regions, splitArea: { show: true } },
      visualMap: {
        min: diverging ? -hi : 0,
        max: hi,
        calculable: true,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        inRange: { color: diverging ? ["#1971c2", "#f8f9fa", "#c92a2a"] : ["#f3f0ff", "#5f3dc4"] },
        formatter: (v: number) => fmt.number(v, { maximumFractionDigits: 0 }),
      },
      series: [{ type: "heatmap", data, label: { show: hours.length <= 24, formatter: (p: { value: [number, number, number] }) => fmt.number(p.value[2]) } }],
    });
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [regions, hours, values, label, diverging, fmt, dir]);
  return <div ref={el} role="img" aria-label={label} data-testid="staffing-heatmap" style={{ height: 96 + regions.length * 44, width: "100%" }} />;
}
