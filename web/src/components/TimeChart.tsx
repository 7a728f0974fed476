// A uPlot time-series chart: draws tens of thousands of points (30 days of minutes) in milliseconds. Times are
// seconds since the epoch, shown in UTC. Vertical markers (changes) and a horizontal threshold (the objective, or the
// zero budget line) are drawn on the canvas; the container says how many points it drew, for tests and screen readers.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** Format for the legend and the y axis. */
  format?: (v: number) => string;
  fill?: string;
}

export interface ChartMarker {
  /** Seconds since the epoch. */
  t: number;
  label: string;
}

export interface TimeChartProps {
  title: string;
  /** Seconds since the epoch, ascending. */
  times: number[];
  series: ChartSeries[];
  markers?: ChartMarker[];
  threshold?: { value: number; label: string };
  yRange?: [number | null, number | null];
  height?: number;
  /** One sentence for screen readers describing what the chart shows now. */
  summary: string;
}

const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');

export function TimeChart({ title, times, series, markers = [], threshold, yRange, height = 220, summary }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // Markers and threshold are read by the draw hook through a ref, so new ones need no new chart.
  const extras = useRef({ markers, threshold });
  extras.current = { markers, threshold };

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const fmt = series[0]?.format ?? ((v: number) => String(v));
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height,
      tzDate: utc,
      cursor: { drag: { x: true, y: false } },
      scales: {
        x: { time: true },
        y: yRange ? { range: (_u, min, max) => [yRange[0] ?? min, yRange[1] ?? max] } : {},
      },
      axes: [
        { stroke: '#333', grid: { stroke: '#e4e4e4' }, ticks: { stroke: '#ccc' } },
        { stroke: '#333', grid: { stroke: '#e4e4e4' }, ticks: { stroke: '#ccc' }, size: 70, values: (_u, vals) => vals.map((v) => (v === null ? '' : fmt(v))) },
      ],
      series: [
        { label: 'time (UTC)', value: (_u, v) => (v === null ? '–' : new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ')) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          fill: s.fill,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : (s.format ?? String)(v)),
        })),
      ],
      hooks: {
        draw: [
          (u) => {
            const { ctx } = u;
            const { markers: ms, threshold: th } = extras.current;
            ctx.save();
            if (th) {
              const y = u.valToPos(th.value, 'y', true);
              if (y >= u.bbox.top && y <= u.bbox.top + u.bbox.height) {
                ctx.strokeStyle = '#b00020';
                ctx.setLineDash([6, 4]);
                ctx.lineWidth = 1;
                ctx.beginPath();
                ctx.moveTo(u.bbox.left, y);
                ctx.lineTo(u.bbox.left + u.bbox.width, y);
                ctx.stroke();
                ctx.setLineDash([]);
              }
            }
            ctx.strokeStyle = '#6a1b9a';
            ctx.fillStyle = '#6a1b9a';
            ctx.font = `${Math.round(11 * devicePixelRatio)}px sans-serif`;
            for (const m of ms) {
              const x = u.valToPos(m.t, 'x', true);
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.fillText('▼', x - 4 * devicePixelRatio, u.bbox.top + 10 * devicePixelRatio);
            }
            ctx.restore();
            el.dataset.drawn = String(Number(el.dataset.drawn ?? '0') + 1);
            el.dataset.points = String(u.data[0]?.length ?? 0);
            if (!el.dataset.firstDrawnAt) el.dataset.firstDrawnAt = String(performance.now());
          },
        ],
      },
    };
    const data: uPlot.AlignedData = [times, ...series.map((s) => s.values)];
    plot.current = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(300, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // The chart is rebuilt when its shape changes (series, height); data changes go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [series.length, series.map((s) => s.label).join('|'), height]);

  useEffect(() => {
    plot.current?.setData([times, ...series.map((s) => s.values)]);
  }, [times, series]);

  useEffect(() => {
    plot.current?.redraw(false, false);
  }, [markers, threshold]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-canvas" role="img" aria-label={`${title}: ${summary}`} data-chart={title} />
      {markers.length > 0 && (
        <p className="chart-note">
          ▼ changes: {markers.slice(-5).map((m) => `${new Date(m.t * 1000).toISOString().slice(5, 16).replace('T', ' ')} ${m.label}`).join('; ')}
          {markers.length > 5 ? ` (and ${markers.length - 5} earlier)` : ''}
        </p>
      )}
    </figure>
  );
}
