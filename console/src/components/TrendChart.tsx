// A measure per day, one line per region, from a metrics answer; a click on a point (or Enter
// on the point the arrow keys reached) names the cell (region, day) so the screen can list the
// conversations behind it.
import { useMemo } from "react";
import { use as registerCharts } from "echarts/core";
import { LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { useI18n } from "../i18n/i18n";
import { useChart, type Cell } from "./useChart";

registerCharts([LineChart, GridComponent, LegendComponent, TooltipComponent]);

export interface Series {
  name: string;
  points: (number | null)[];
}

export default function TrendChart({
  days,
  series,
  label,
  format,
  onPick,
}: {
  days: string[];
  series: Series[];
  label: string;
  format: (v: number) => string;
  onPick: (series: string, day: string) => void;
}) {
  const { fmt, dir } = useI18n();
  const option = useMemo(
    () => ({
      animation: false,
      grid: { left: 56, right: 16, top: 36, bottom: 28 },
      legend: { top: 0 },
      tooltip: { trigger: "axis", valueFormatter: (v: unknown) => (v == null ? "–" : format(Number(v))) },
      xAxis: { type: "category", inverse: dir === "rtl", data: days.map((d) => fmt.date(d)) },
      yAxis: { type: "value", position: dir === "rtl" ? "right" : "left", axisLabel: { formatter: (v: number) => format(v) } },
      series: series.map((s) => ({ name: s.name, type: "line", symbolSize: 8, data: s.points })),
    }),
    [days, series, fmt, dir, format],
  );
  const keys = useMemo(
    () => ({
      rows: series.length,
      cols: days.length,
      // The latest day of the first series first.
      start: { row: 0, col: days.length - 1 },
      at: ({ row, col }: Cell) => (series[row]?.points[col] != null ? { seriesIndex: row, dataIndex: col } : null),
      describe: ({ row, col }: Cell) => `${series[row]?.name ?? ""} · ${fmt.date(days[col] ?? "")}: ${format(series[row]?.points[col] ?? 0)}`,
    }),
    [days, series, fmt, format],
  );
  return useChart({
    option,
    label,
    keys,
    pick: ({ row, col }) => {
      const s = series[row];
      const d = days[col];
      if (s && d) onPick(s.name, d);
    },
    height: 280,
  });
}
