// The one owner of an ECharts chart's life in the console: init on its element, setOption when
// the option changes, resize with its box, dispose on unmount; a click on a point drills down,
// and a chart given keys is focusable: arrow keys walk its points (highlighted, with their
// tooltip, and announced), Enter or Space drills on the point shown exactly as a click does.
// Chart components build only their option (each registers the ECharts parts it uses).
import { useCallback, useEffect, useId, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactElement } from "react";
import { init, use as registerCharts, type ECharts, type EChartsCoreOption } from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { VisuallyHidden } from "@mantine/core";
import { useI18n } from "../i18n/i18n";

registerCharts([SVGRenderer]);

/** A point of a chart as the keyboard walks it: a row (a series, a heat-map's row) and a column. */
export interface Cell {
  row: number;
  col: number;
}

/** An element of the chart's option: what ECharts highlights and shows the tooltip of. */
export interface Item {
  seriesIndex: number;
  dataIndex: number;
}

/** How the keyboard walks a chart's points. */
export interface Keys {
  rows: number;
  cols: number;
  /** The cell's element; null where there is no point (the walk steps over it). */
  at: (c: Cell) => Item | null;
  /** What a screen reader hears on arriving at the cell (its figure, formatted). */
  describe: (c: Cell) => string;
  /** Where the first key press lands (default: the first column of the first row). */
  start?: Cell;
  /** Columns Page Up and Page Down move (default: a tenth of them). */
  page?: number;
  /** Rows are drawn bottom-up (a category y axis), so Arrow Up goes to the next row. */
  rowsUp?: boolean;
  /** The cell's x value, on a chart whose x axis zooms (dataZoom): the window follows the keys. */
  x?: (c: Cell) => number;
}

export interface ChartSpec {
  option: EChartsCoreOption;
  /** The chart's accessible name. */
  label: string;
  keys?: Keys;
  /** Drills down on a cell: what a click on it and Enter on it do. */
  pick?: (c: Cell) => void;
  /** For lines without symbols: the cell of a click anywhere over the grid, by the x value there. */
  cellAtX?: (x: number) => Cell | null;
  height: CSSProperties["height"];
  testId?: string;
}

/**
 * The chart's element: role img with the chart's accessible name; with keys also focusable,
 * described by the keys' hint, and followed by a live region that announces the point reached.
 */
export function useChart(spec: ChartSpec): ReactElement {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  // The handlers ECharts calls read the latest spec, so a new onPick does not re-init.
  const latest = useRef(spec);
  useEffect(() => {
    latest.current = spec;
  });
  const cursor = useRef<Cell | null>(null);
  const [point, setPoint] = useState("");
  const { t, dir } = useI18n();
  const hint = useId();

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const c = init(el, undefined, { renderer: "svg" });
    chart.current = c;
    const drill = (cell: Cell | null) => {
      const pick = latest.current.pick;
      if (!cell || !pick) return;
      cursor.current = cell; // the keys go on from the point clicked
      pick(cell);
    };
    // A clicked element's series is its row, its data index its column (as keys walk them).
    c.on("click", (p) => {
      if (latest.current.cellAtX || p.seriesIndex == null) return;
      drill({ row: p.seriesIndex, col: p.dataIndex });
    });
    c.getZr().on("click", (e) => {
      const at = latest.current.cellAtX;
      if (!at || !c.containPixel({ gridIndex: 0 }, [e.offsetX, e.offsetY])) return;
      const v = c.convertFromPixel({ gridIndex: 0 }, [e.offsetX, e.offsetY]) as unknown;
      drill(at(Array.isArray(v) ? Number(v[0]) : Number(v)));
    });
    const resize = new ResizeObserver(() => c.resize());
    resize.observe(el);
    return () => {
      resize.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    // notMerge: a series the new option lacks (a what-if cleared) goes.
    chart.current?.setOption(spec.option, { notMerge: true });
  }, [spec.option]);

  const leave = useCallback(() => {
    const c = chart.current;
    const k = latest.current.keys;
    const at = cursor.current && k?.at(cursor.current);
    if (!c) return;
    if (at) c.dispatchAction({ type: "downplay", ...at });
    c.dispatchAction({ type: "hideTip" });
  }, []);

  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLDivElement>) => {
      const { keys: k, pick } = latest.current;
      const c = chart.current;
      if (!k || !c || k.rows <= 0 || k.cols <= 0) return;
      let cur = cursor.current;
      if (cur && (cur.row >= k.rows || cur.col >= k.cols)) cur = null; // the data changed
      if ((e.key === "Enter" || e.key === " ") && cur) {
        e.preventDefault();
        if (pick && k.at(cur)) pick(cur);
        return;
      }
      const ahead = dir === "rtl" ? -1 : 1; // an rtl chart's x axis runs right to left
      const page = k.page ?? Math.max(1, Math.round(k.cols / 10));
      const moves: Record<string, [number, number] | undefined> = {
        ArrowRight: [0, ahead],
        ArrowLeft: [0, -ahead],
        ArrowUp: [k.rowsUp ? 1 : -1, 0],
        ArrowDown: [k.rowsUp ? -1 : 1, 0],
        PageUp: [0, page],
        PageDown: [0, -page],
        Home: [0, -k.cols],
        End: [0, k.cols],
      };
      const move = moves[e.key];
      if (!move) return;
      e.preventDefault();
      const start = first(k);
      const next = cur ? walk(k, cur, move) : e.key === "Home" || e.key === "End" ? (start && (walk(k, start, move) ?? start)) : start;
      if (!next) return;
      leave();
      cursor.current = next;
      if (k.x) follow(c, k.x(next));
      const at = k.at(next);
      if (at) {
        c.dispatchAction({ type: "highlight", ...at });
        c.dispatchAction({ type: "showTip", ...at });
      }
      setPoint(k.describe(next));
    },
    [dir, leave],
  );

  const style = { height: spec.height, width: "100%" };
  if (!spec.keys) return <div ref={ref} role="img" aria-label={spec.label} data-testid={spec.testId} style={style} />;
  return (
    <>
      <div
        ref={ref}
        role="img"
        aria-label={spec.label}
        aria-describedby={hint}
        tabIndex={0}
        className="mantine-focus-auto"
        data-testid={spec.testId}
        style={style}
        onKeyDown={onKeyDown}
        onBlur={leave}
      />
      <VisuallyHidden id={hint}>{t(spec.pick ? "chartKeysDrill" : "chartKeys")}</VisuallyHidden>
      <VisuallyHidden aria-live="polite" data-chart-point="">
        {point}
      </VisuallyHidden>
    </>
  );
}

/** Moves the first dataZoom's window, keeping its width, so that it shows x. */
function follow(c: ECharts, x: number) {
  const z = (c.getOption() as { dataZoom?: { startValue?: number; endValue?: number }[] }).dataZoom?.[0];
  if (z?.startValue == null || z.endValue == null || (x >= z.startValue && x <= z.endValue)) return;
  const span = z.endValue - z.startValue;
  const from = x < z.startValue ? x : x - span;
  c.dispatchAction({ type: "dataZoom", startValue: from, endValue: from + span });
}

/** The first cell with a point from keys.start on, along its row. */
function first(k: Keys): Cell | null {
  const s = k.start ?? { row: 0, col: 0 };
  const row = Math.min(Math.max(s.row, 0), k.rows - 1);
  const col = Math.min(Math.max(s.col, 0), k.cols - 1);
  if (k.at({ row, col })) return { row, col };
  return walk(k, { row, col }, [0, -1]) ?? walk(k, { row, col }, [0, 1]);
}

/**
 * The cell a move lands on: by the step, clamped to the chart, then on along the move past
 * cells without a point (a jump, Home or End, comes back towards where it started); null when
 * there is none.
 */
function walk(k: Keys, from: Cell, [dr, dc]: [number, number]): Cell | null {
  const clamp = (v: number, n: number) => Math.min(Math.max(v, 0), n - 1);
  const to = { row: clamp(from.row + dr, k.rows), col: clamp(from.col + dc, k.cols) };
  const scan = (sr: number, sc: number): Cell | null => {
    for (let { row, col } = to; row >= 0 && row < k.rows && col >= 0 && col < k.cols; row += sr, col += sc) {
      if (row === from.row && col === from.col) {
        if (sr === -Math.sign(dr) && sc === -Math.sign(dc)) return null; // back where it started
        continue;
      }
      if (k.at({ row, col })) return { row, col };
    }
    return null;
  };
  const ahead = scan(Math.sign(dr), Math.sign(dc));
  if (ahead || (Math.abs(dr) <= 1 && Math.abs(dc) <= 1)) return ahead;
  return scan(-Math.sign(dr), -Math.sign(dc));
}
