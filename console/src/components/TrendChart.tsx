// A measure per day, one line per region, from a metrics answer; a click on a point names
// the cell (region, day) so the screen can list the conversations behind it.
import { useEffect, useRef } from "react";
import { init, use as registerCharts } from "echarts/core";
import { LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import { useI18n } from "../i18n/i18n";

registerCharts([LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

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
  const el = useRef<HTMLDivElement>(null);
  const { fmt, dir } = useI18n();
  useEffect(() => {
    if (!el.current) return;
    const chart = init(el.current, undefined, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 56, right: 16, top: 36, bottom: 28 },
      legend: { top: 0 },
      tooltip: { trigger: "axis", valueFormatter: (v: unknown) => (v == null ? "–" : format(Number(v))) },
      xAxis: { type: "category", inverse: dir === "rtl", data: days.map((d) => fmt.date(d)) },
      yAxis: { type: "value", position: dir === "rtl" ? "right" : "left", axisLabel: { formatter: (v: number) => format(v) } },
      series: series.map((s) => ({ name: s.name, type: "line", symbolSize: 8, data: s.points })),
    });
    chart.on("click", (p) => {
      const s = series[p.seriesIndex ?? -1];
      const d = days[p.dataIndex];
      if (s && d) onPick(s.name, d);
    });
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [days, series, fmt, dir, format, onPick]);
  return <div ref={el} role="img" aria-label={label} style={{ height: 280, width: "100%" }} />;
}
