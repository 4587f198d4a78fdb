// Conversations per queue of the supervisor board (waiting, assigned, parked, with the bot),
// stacked bars with ECharts; a click on a bar opens the inbox filtered to that queue's
// conversations in that state.
import { useEffect, useRef } from "react";
import { init, use as registerCharts } from "echarts/core";
import { BarChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import { useI18n } from "../i18n/i18n";
import type { BoardQuery } from "../gql/graphql";

registerCharts([BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

type Queue = BoardQuery["board"]["queues"][number];

export const series = [
  { key: "waiting", status: "QUEUED", label: "boardWaiting" },
  { key: "assigned", status: "ASSIGNED", label: "boardAssigned" },
  { key: "parked", status: "PENDING", label: "boardParked" },
  { key: "withBot", status: "BOT", label: "boardWithBot" },
] as const;

export default function BoardChart({ queues, onDrill }: { queues: Queue[]; onDrill: (language: string, status: string) => void }) {
  const el = useRef<HTMLDivElement>(null);
  const { t, fmt, dir } = useI18n();
  useEffect(() => {
    if (!el.current) return;
    const chart = init(el.current, undefined, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v: unknown) => fmt.number(Number(v)) },
      xAxis: { type: "category", inverse: dir === "rtl", data: queues.map((q) => fmt.language(q.language)) },
      yAxis: { type: "value", minInterval: 1, position: dir === "rtl" ? "right" : "left" },
      series: series.map((s) => ({ name: t(s.label), type: "bar", stack: "all", data: queues.map((q) => q[s.key]) })),
    });
    chart.on("click", (p) => {
      const q = queues[p.dataIndex];
      const s = series[p.seriesIndex ?? -1];
      if (q && s) onDrill(q.language, s.status);
    });
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [queues, fmt, dir, t, onDrill]);
  return <div ref={el} role="img" aria-label={t("boardChart")} style={{ height: 260, width: "100%" }} />;
}
