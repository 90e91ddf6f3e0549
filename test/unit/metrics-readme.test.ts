/** The README's table of metrics (Watching ecs-autopilot itself) names each metric the functions emit, with its unit and dimensions. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS, type MetricDefinition } from '../../shared/metrics/catalogue.ts';

const README = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
const rows = README.split('\n').filter((line) => line.startsWith('| `') && /\| (Count|Seconds) \|/.test(line));

describe('the README on metrics', () => {
  it.each(Object.values(METRICS).map((m): [string, MetricDefinition] => [m.name, m]))(
    'documents %s with its unit and dimensions',
    (name, metric) => {
      const row = rows.find((line) => line.split('|')[1]?.includes(`\`${name}\``));
      expect(row, `no row names ${name}`).toBeDefined();
      const [, , unit, dimensions] = (row ?? '').split('|').map((cell) => cell.trim());
      expect(unit).toBe(metric.unit);
      expect([...(dimensions ?? '').matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]).filter((d) => d && metric.dimensions.includes(d))).toEqual(
        [...metric.dimensions],
      );
    },
  );
});
