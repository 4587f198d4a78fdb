// The sentiment of each analysed inbound message, as the server's sentimentTrend lists it,
// drawn with ECharts (only the parts this chart uses, to keep the chunk small).
import { useEffect, useRef } from "react";
import { init, use as registerCharts } from "echarts/core";
import { LineChart } from "echarts/charts";
import { GridComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import { useI18n } from "../i18n/i18n";

registerCharts([LineChart, GridComponent, TooltipComponent, SVGRenderer]);

export default function SentimentChart({ scores }: { scores: number[] }) {
  const el = useRef<HTMLDivElement>(null);
  const { t, fmt, dir } = useI18n();
  useEffect(() => {
    if (!el.current) return;
    const chart = init(el.current, undefined, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 36, right: 12, top: 8, bottom: 24 },
      tooltip: { trigger: "axis", valueFormatter: (v: unknown) => fmt.number(Number(v), { maximumFractionDigits: 2 }) },
      xAxis: { type: "category", inverse: dir === "rtl", data: scores.map((_, i) => fmt.number(i + 1)) },
      yAxis: { type: "value", min: -1, max: 1, position: dir === "rtl" ? "right" : "left" },
      series: [{ type: "line", data: scores, smooth: true, areaStyle: { opacity: 0.15 } }],
    });
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [scores, fmt, dir]);
  return <div ref={el} role="img" aria-label={t("sentimentTrend")} style={{ height: 140, width: "100%" }} />;
}
