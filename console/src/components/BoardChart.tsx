// Conversations per queue of the supervisor board (waiting, assigned, parked, with the bot),
// stacked bars with ECharts; a click on a bar (or Enter on the bar the arrow keys reached)
// opens the inbox filtered to that queue's conversations in that state.
import { useMemo } from "react";
import { use as registerCharts } from "echarts/core";
import { BarChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { useI18n } from "../i18n/i18n";
import type { BoardQuery } from "../gql/graphql";
import { useChart, type Cell } from "./useChart";

registerCharts([BarChart, GridComponent, LegendComponent, TooltipComponent]);

type Queue = BoardQuery["board"]["queues"][number];

export const series = [
  { key: "waiting", status: "QUEUED", label: "boardWaiting" },
  { key: "assigned", status: "ASSIGNED", label: "boardAssigned" },
  { key: "parked", status: "PENDING", label: "boardParked" },
  { key: "withBot", status: "BOT", label: "boardWithBot" },
] as const;

export default function BoardChart({ queues, onDrill }: { queues: Queue[]; onDrill: (language: string, status: string) => void }) {
  const { t, fmt, dir } = useI18n();
  const option = useMemo(
    () => ({
      animation: false,
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v: unknown) => fmt.number(Number(v)) },
      xAxis: { type: "category", inverse: dir === "rtl", data: queues.map((q) => fmt.language(q.language)) },
      yAxis: { type: "value", minInterval: 1, position: dir === "rtl" ? "right" : "left" },
      series: series.map((s) => ({ name: t(s.label), type: "bar", stack: "all", data: queues.map((q) => q[s.key]) })),
    }),
    [queues, fmt, dir, t],
  );
  const keys = useMemo(
    () => ({
      // A state per row, bottom-up as the stack draws them; a queue per column.
      rows: series.length,
      cols: queues.length,
      rowsUp: true,
      at: ({ row, col }: Cell) => {
        const q = queues[col];
        const s = series[row];
        return q && s && q[s.key] > 0 ? { seriesIndex: row, dataIndex: col } : null;
      },
      describe: ({ row, col }: Cell) => {
        const q = queues[col];
        const s = series[row];
        return q && s ? `${fmt.language(q.language)} · ${t(s.label)}: ${fmt.number(q[s.key])}` : "";
      },
    }),
    [queues, fmt, t],
  );
  return useChart({
    option,
    label: t("boardChart"),
    keys,
    pick: ({ row, col }) => {
      const q = queues[col];
      const s = series[row];
      if (q && s) onDrill(q.language, s.status);
    },
    height: 260,
  });
}
