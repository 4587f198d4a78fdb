// The sentiment of each analysed inbound message, as the server's sentimentTrend lists it,
// drawn with ECharts (only the parts this chart uses, to keep the chunk small).
import { useMemo } from "react";
import { use as registerCharts } from "echarts/core";
import { LineChart } from "echarts/charts";
import { GridComponent, TooltipComponent } from "echarts/components";
import { useI18n } from "../i18n/i18n";
import { useChart } from "./useChart";

registerCharts([LineChart, GridComponent, TooltipComponent]);

export default function SentimentChart({ scores }: { scores: number[] }) {
  const { t, fmt, dir } = useI18n();
  const option = useMemo(
    () => ({
      animation: false,
      grid: { left: 36, right: 12, top: 8, bottom: 24 },
      tooltip: { trigger: "axis", valueFormatter: (v: unknown) => fmt.number(Number(v), { maximumFractionDigits: 2 }) },
      xAxis: { type: "category", inverse: dir === "rtl", data: scores.map((_, i) => fmt.number(i + 1)) },
      yAxis: { type: "value", min: -1, max: 1, position: dir === "rtl" ? "right" : "left" },
      series: [{ type: "line", data: scores, smooth: true, areaStyle: { opacity: 0.15 } }],
    }),
    [scores, fmt, dir],
  );
  return useChart({ option, label: t("sentimentTrend"), height: 140 });
}
