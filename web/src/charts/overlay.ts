// Several runs' curves in one <cnn-line-chart>: each run's points merged on the union of their x
// (uPlot wants one sorted x array), a series null where its run has no point.
import type { LineChart, LineSeries } from './line-chart';

/** Sets a chart's series and data: the points of each series merged on the union of their x. */
export function overlay(
  chart: LineChart,
  series: LineSeries[],
  points: Array<ReadonlyArray<readonly [number, number]>>,
) {
  chart.series = series;
  chart.clear();
  const rows = new Map<number, Array<number | null>>();
  points.forEach((ps, i) => {
    for (const [x, y] of ps) {
      let row = rows.get(x);
      if (!row) rows.set(x, (row = new Array<number | null>(series.length).fill(null)));
      row[i] = y;
    }
  });
  for (const x of [...rows.keys()].sort((a, b) => a - b)) chart.append(x, rows.get(x)!);
}
