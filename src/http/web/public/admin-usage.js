/**
 * The admin page's usage tab: tokens per day for each user over the last days, as a uPlot chart
 * (vendored in ./uplot/), and the rows behind it by day, user and model.
 */

import { row } from './admin-format.js';
import { call } from './people-api.js';
import uPlot from './uplot/uPlot.esm.js';

const DAY_S = 86_400;
const COLORS = ['#2f5bd3', '#d1495b', '#2a9d8f', '#e9a23b', '#7b5ea7', '#3d405b'];

/** @param {{ report: (error: unknown) => void }} context */
export function usageTab(context) {
  const days = document.getElementById('usage-days');
  const box = document.getElementById('usage-chart');
  const table = document.querySelector('#usage-table tbody');
  let chart = null;

  /** @param {Map<string, string>} names user names by id */
  async function load(names) {
    const count = Number(days.value);
    const today = Math.floor(Date.now() / 1000 / DAY_S) * DAY_S;
    const from = today - (count - 1) * DAY_S;
    const usage = await call('GET', `/api/usage?from=${from}`);
    const nameOf = (owner) => names.get(owner) ?? owner;
    table.replaceChildren(
      ...[...usage.data].reverse().map((entry) => {
        const tr = row([
          entry.day,
          nameOf(entry.owner),
          entry.model,
          String(entry.requests),
          String(entry.input_tokens),
          String(entry.output_tokens),
          entry.cost === null ? '—' : `$${entry.cost.toFixed(4)}`,
        ]);
        tr.dataset.owner = nameOf(entry.owner);
        return tr;
      }),
    );

    // One series per user: input + output tokens per UTC day, 0 on days without use.
    const xs = Array.from({ length: count }, (_, index) => from + index * DAY_S);
    const series = new Map();
    for (const entry of usage.data) {
      const dayIndex = Math.round((Date.parse(`${entry.day}T00:00:00Z`) / 1000 - from) / DAY_S);
      if (dayIndex < 0 || dayIndex >= count) continue;
      const values = series.get(entry.owner) ?? new Array(count).fill(0);
      values[dayIndex] += entry.input_tokens + entry.output_tokens;
      series.set(entry.owner, values);
    }
    chart?.destroy();
    const owners = [...series.keys()];
    chart = new uPlot(
      {
        width: Math.max(320, box.clientWidth),
        height: 260,
        scales: { x: { time: true } },
        axes: [{}, { label: 'tokens', size: 70 }],
        series: [
          {},
          ...owners.map((owner, index) => ({
            label: nameOf(owner),
            stroke: COLORS[index % COLORS.length],
            width: 2,
            points: { show: true, size: 5 },
          })),
        ],
      },
      [xs, ...owners.map((owner) => series.get(owner))],
      box,
    );
  }

  return {
    load: (names) => load(names).catch(context.report),
    onDaysChange: (listener) => days.addEventListener('change', listener),
  };
}
