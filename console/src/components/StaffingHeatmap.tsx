// Agents needed per region and hour as a heat-map (a region per row, an interval per column);
// the arrow keys walk its cells, each announced with its figure. The hours are planned, so
// there are no conversations to list behind them.
import { useMemo } from "react";
import { use as registerCharts } from "echarts/core";
import { HeatmapChart } from "echarts/charts";
import { GridComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import { useI18n } from "../i18n/i18n";
import { useChart, type Cell } from "./useChart";

registerCharts([HeatmapChart, GridComponent, TooltipComponent, VisualMapComponent]);

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
  const { fmt, dir } = useI18n();
  // The heat-map's one series lists the known cells; index[r][h] is a cell's place in it.
  const { data, index } = useMemo(() => {
    const data: [number, number, number][] = [];
    const index = values.map((row, r) => row.map((v, h) => (v == null ? -1 : data.push([h, r, v]) - 1)));
    return { data, index };
  }, [values]);
  const text = useMemo(
    () => (r: number, h: number, v: number) => `${regions[r] ?? ""} · ${fmt.dateTime(hours[h] ?? "")}: ${fmt.number(v, { signDisplay: diverging ? "exceptZero" : "auto" })}`,
    [regions, hours, diverging, fmt],
  );
  const option = useMemo(() => {
    const hi = Math.max(1, ...data.map((d) => Math.abs(d[2])));
    return {
      animation: false,
      grid: { left: 64, right: 24, top: 8, bottom: 72 },
      tooltip: { formatter: (p: { value: [number, number, number] }) => text(p.value[1], p.value[0], p.value[2]) },
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
    };
  }, [data, regions, hours, diverging, fmt, dir, text]);
  const keys = useMemo(
    () => ({
      rows: regions.length,
      cols: hours.length,
      rowsUp: true, // the first region is the bottom row
      at: ({ row, col }: Cell) => {
        const i = index[row]?.[col] ?? -1;
        return i < 0 ? null : { seriesIndex: 0, dataIndex: i };
      },
      describe: ({ row, col }: Cell) => {
        const v = values[row]?.[col];
        return v == null ? "" : text(row, col, v);
      },
    }),
    [regions, hours, values, index, text],
  );
  return useChart({ option, label, keys, height: 96 + regions.length * 44, testId: "staffing-heatmap" });
}
