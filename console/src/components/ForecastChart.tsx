// A series' history and forecast on a time axis: the forecast's mean inside its prediction
// interval (the band between lo and hi), a what-if forecast beside it, and the planning
// events that fed the forecast marked where they fall. A click on the history, or Enter on the
// hour the arrow keys reached, names the interval so the screen can list the conversations
// behind it.
import { useMemo } from "react";
import { use as registerCharts } from "echarts/core";
import { LineChart } from "echarts/charts";
import { DataZoomComponent, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TooltipComponent } from "echarts/components";
import { useI18n } from "../i18n/i18n";
import { useChart } from "./useChart";

registerCharts([LineChart, DataZoomComponent, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TooltipComponent]);

export interface Point {
  t: string;
  mean: number;
  lo: number;
  hi: number;
}

export interface Marked {
  name: string;
  startsAt: string;
  endsAt?: string | null;
}

export interface Labels {
  history: string;
  forecast: string;
  band: string;
  whatIf: string;
}

export default function ForecastChart({
  history,
  points,
  whatIf,
  events,
  labels,
  label,
  stepMs,
  onPick,
}: {
  history: { t: string; contacts?: number | null }[];
  points: Point[];
  whatIf: Point[] | null;
  events: Marked[];
  labels: Labels;
  label: string;
  stepMs: number;
  onPick: (t: string) => void;
}) {
  const { fmt, dir } = useI18n();
  const n = useMemo(() => (v: number) => fmt.number(v, { maximumFractionDigits: 1 }), [fmt]);
  const option = useMemo(() => {
    const first = Date.parse(history[0]?.t ?? points[0]?.t ?? "");
    const last = Date.parse(points[points.length - 1]?.t ?? history[history.length - 1]?.t ?? "");
    // Open on the last three weeks of history and the forecast; the slider shows the rest.
    const shown = Math.max(first, Date.parse(points[0]?.t ?? "") - 21 * 86_400_000);
    const span = last - first || 1;
    const mark = (name: string) => ({
      silent: true,
      symbol: "none",
      label: { formatter: name, position: "insideEndTop" },
      lineStyle: { type: "dashed", color: "#c2255c" },
    });
    const lines = events.filter((e) => !e.endsAt).map((e) => ({ xAxis: Date.parse(e.startsAt), name: e.name, label: { formatter: e.name } }));
    const areas = events.flatMap((e) => (e.endsAt ? [[{ xAxis: Date.parse(e.startsAt), name: e.name }, { xAxis: Date.parse(e.endsAt) }]] : []));
    return {
      animation: false,
      grid: { left: 56, right: 24, top: 36, bottom: 64 },
      legend: { top: 0, data: [labels.history, labels.forecast, labels.band, ...(whatIf ? [labels.whatIf] : [])] },
      tooltip: {
        trigger: "axis",
        formatter: (ps: { seriesName: string; value: [number, number]; seriesIndex: number; dataIndex: number }[]) => {
          const p0 = ps[0];
          if (!p0) return "";
          const rows = [fmt.dateTime(new Date(p0.value[0]))];
          for (const p of ps) {
            if (p.seriesIndex === 2) continue; // the band's lower edge: shown with the band
            if (p.seriesIndex === 3) {
              const pt = points[p.dataIndex];
              if (pt) rows.push(`${labels.band}: ${n(pt.lo)} – ${n(pt.hi)}`);
              continue;
            }
            rows.push(`${p.seriesName}: ${n(p.value[1])}`);
          }
          return rows.join("<br/>");
        },
      },
      dataZoom: [
        { type: "slider", startValue: shown, bottom: 8, labelFormatter: (v: number) => fmt.dateTime(new Date(v)) },
        { type: "inside", startValue: shown },
      ],
      xAxis: { type: "time", inverse: dir === "rtl", min: first, max: first + span },
      yAxis: { type: "value", position: dir === "rtl" ? "right" : "left", axisLabel: { formatter: (v: number) => n(v) } },
      series: [
        { name: labels.history, type: "line", showSymbol: false, color: "#1c7ed6", data: history.map((p) => [Date.parse(p.t), p.contacts ?? null]) },
        {
          name: labels.forecast,
          type: "line",
          showSymbol: false,
          color: "#5f3dc4",
          lineStyle: { width: 2 },
          data: points.map((p) => [Date.parse(p.t), p.mean]),
          markLine: { ...mark(""), data: lines },
          markArea: { silent: true, itemStyle: { color: "rgba(194, 37, 92, 0.12)" }, label: { position: "insideTop" }, data: areas },
        },
        { name: "lo", type: "line", stack: "band", showSymbol: false, lineStyle: { opacity: 0 }, data: points.map((p) => [Date.parse(p.t), p.lo]) },
        {
          name: labels.band,
          type: "line",
          stack: "band",
          showSymbol: false,
          color: "#9775fa",
          lineStyle: { opacity: 0 },
          areaStyle: { opacity: 0.3 },
          data: points.map((p) => [Date.parse(p.t), p.hi - p.lo]),
        },
        ...(whatIf
          ? [{ name: labels.whatIf, type: "line", showSymbol: false, color: "#e8590c", lineStyle: { type: "dashed", width: 2 }, data: whatIf.map((p) => [Date.parse(p.t), p.mean]) }]
          : []),
      ],
    };
  }, [history, points, whatIf, events, labels, fmt, dir, n]);
  const keys = useMemo(
    () => ({
      rows: 1,
      cols: history.length,
      // The latest hour first; Page Up and Page Down move a day.
      start: { row: 0, col: history.length - 1 },
      page: Math.max(1, Math.round(86_400_000 / stepMs)),
      at: ({ col }: { col: number }) => (history[col] ? { seriesIndex: 0, dataIndex: col } : null),
      x: ({ col }: { col: number }) => Date.parse(history[col]?.t ?? ""),
      describe: ({ col }: { col: number }) => {
        const p = history[col];
        return p ? `${fmt.dateTime(p.t)} · ${labels.history}: ${p.contacts == null ? "–" : n(p.contacts)}` : "";
      },
    }),
    [history, stepMs, labels, fmt, n],
  );
  return useChart({
    option,
    label,
    keys,
    pick: ({ col }) => {
      const p = history[col];
      if (p) onPick(p.t);
    },
    // Lines this dense show no symbols: a click anywhere over the history names its interval.
    cellAtX: (ms) => {
      const col = history.findIndex((p) => {
        const t = Date.parse(p.t);
        return ms >= t && ms < t + stepMs;
      });
      return col < 0 ? null : { row: 0, col };
    },
    height: 340,
    testId: "forecast-chart",
  });
}
