/**
 * The picture of a real sandbox day in a real browser: `ecs-autopilot sandbox --json --html FILE` runs the
 * bundled demo against moto once; Debian's Chromium (headless, driven by playwright-core) opens the page
 * from the file; what it shows is counted against the JSON report of the same run.
 *
 * DEMO_DAY_PNG=docs/demo-day.png npx vitest run test/browser   also writes the README's screenshot.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import type { SandboxReport, TimelineEntry } from '../../sandbox/timeline.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// Relative to the project, as a person types them: the page names them.
const EXAMPLE_CONFIG = relative(process.cwd(), fileURLToPath(new URL('../../automation.yml', import.meta.url)));
const DEMO = relative(process.cwd(), fileURLToPath(new URL('../../sandbox/scenarios/demo.yml', import.meta.url)));
/** A Monday: the demo's story needs a weekday (business-hours scaling and jobs). */
const MONDAY = '2026-11-23';

const lineOf = (entry: TimelineEntry) => `${entry.local}  ${entry.subject}  ${entry.label}  ${entry.detail}`;

describe('the picture of the demo day, in Chromium', () => {
  const folder = mkdtempSync(join(tmpdir(), 'picture-'));
  const file = join(folder, 'demo-day.html');
  const stderr: string[] = [];
  const requested: string[] = [];
  let report: SandboxReport;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    // Missing Chromium fails the test, never skips it: .ci/run installs Debian's package.
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Debian's chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (.ci/run does this)`);
    }
    const stdout: string[] = [];
    const code = await main(['sandbox', '--config', EXAMPLE_CONFIG, '--scenario', DEMO, '--from', MONDAY, '--json', '--html', file], {
      out: (line) => stdout.push(line),
      err: (line) => stderr.push(line),
    });
    if (code !== 0) throw new Error(`sandbox exited ${code}:\n${stderr.join('\n')}`);
    report = JSON.parse(stdout.join('\n')) as SandboxReport;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1048, height: 900 }, deviceScaleFactor: 2 });
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(pathToFileURL(file).href);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const lane = (kind: string, name: string) => page.locator(`#day g.lane[data-kind="${kind}"][data-name="${name}"]`);

  it('is written next to the JSON report of the same run, with a progress line on stderr', () => {
    expect(stderr.at(-1)).toBe(`wrote ${file}`);
    expect(report.summary.length).toBeGreaterThan(0);
  });

  it('loads nothing but itself', () => {
    expect(requested).toEqual([pathToFileURL(file).href]);
  });

  it('has a lane, with its label, for each job, watched task, service and app', async () => {
    const lanes = [
      ...report.summary.map((row) => ['job', row.job]),
      ...report.watchedTasks.map((row) => ['watched-task', row.watchedTask]),
      ...report.services.map((row) => ['service', row.serviceKey]),
      ...report.apps.map((row) => ['app', row.app]),
    ];
    expect(lanes.map(([kind]) => kind)).toEqual(expect.arrayContaining(['job', 'watched-task', 'service', 'app']));
    for (const [kind, name] of lanes) {
      expect(await lane(kind ?? '', name ?? '').count(), `${kind} ${name}`).toBe(1);
      expect(await page.locator('#day .lane-label .name', { hasText: new RegExp(`^${name}$`) }).isVisible()).toBe(true);
    }
  });

  it("draws each job's runs as bars by outcome, a link from each retried attempt to its retry, and skipped and missed firings as marks", async () => {
    const demo = report.summary.find((row) => row.job === 'nightly-report');
    expect(demo).toMatchObject({ retries: 1 });
    for (const row of report.summary) {
      const jobLane = lane('job', row.job);
      const counts = {
        runs: await jobLane.locator('rect.run').count(),
        succeeded: await jobLane.locator('rect.run.succeeded').count(),
        retried: await jobLane.locator('rect.run.retried').count(),
        retryLinks: await jobLane.locator('.retry-link').count(),
        failed: await jobLane.locator('rect.run.failed').count(),
        timedOut: await jobLane.locator('rect.run.timed-out').count(),
        skipped: await jobLane.locator('.mark.skipped').count(),
        missed: await jobLane.locator('.mark.missed').count(),
      };
      expect(counts, row.job).toEqual({
        runs: row.runs.filter((run) => run.launchedAt).length,
        succeeded: row.succeeded,
        retried: row.retries,
        retryLinks: row.retries,
        failed: row.failed,
        timedOut: row.timedOut,
        skipped: row.skipped,
        missed: row.missed,
      });
    }
    const totals = (key: 'timedOut' | 'skipped' | 'missed') => report.summary.reduce((sum, row) => sum + row[key], 0);
    expect([totals('timedOut'), totals('skipped'), totals('missed')].every((total) => total > 0)).toBe(true);
  });

  it('titles each bar with its timeline lines', async () => {
    const timedOut = report.timeline.find((entry) => entry.what === 'timed-out');
    const bar = lane('job', timedOut?.job ?? '').locator('rect.run.timed-out title');
    expect(await bar.textContent()).toContain(timedOut && lineOf(timedOut));
  });

  it("draws the watched task's tasks, stops and restarts, and the pause after its crash loop", async () => {
    const [queueWorker] = report.watchedTasks;
    expect(queueWorker).toMatchObject({ watchedTask: 'queue-worker', stops: 6, restarts: 5, paused: expect.anything() });
    const watched = lane('watched-task', 'queue-worker');
    expect(await watched.locator('.mark.restarted').count()).toBe(queueWorker?.restarts);
    expect(await watched.locator('.mark.stopped').count()).toBe(queueWorker?.stops);
    expect(await watched.locator('rect.task').count()).toBe(queueWorker?.stops);
    expect(await watched.locator('.mark.crash-loop').count()).toBe(1);
    expect(await watched.locator('.pause').count()).toBe(1);
  });

  it("draws each service's task count as a line with a step per change", async () => {
    expect(report.services.some((row) => row.changes > 0)).toBe(true);
    for (const row of report.services) {
      expect(await lane('service', row.serviceKey).locator('path.count-line').count()).toBe(1);
      expect(await lane('service', row.serviceKey).locator('.scaling-step').count(), row.serviceKey).toBe(row.changes);
    }
  });

  it("draws each app's traffic weights as steps", async () => {
    for (const app of report.apps) {
      const weights = report.deployments.filter((row) => row.app === app.app).flatMap((row) => row.weights);
      expect(weights.length).toBeGreaterThan(0);
      expect(await lane('app', app.app).locator('.weight-step').count()).toBe(weights.length);
    }
  });

  it('marks each alert, firing or resolved, in the lane of its subject', async () => {
    const firing = report.alerts.filter((alert) => alert.status === 'firing').length;
    expect(firing).toBeGreaterThan(0);
    expect(await page.locator('#day .mark.alert.firing').count()).toBe(firing);
    expect(await page.locator('#day .mark.alert.resolved').count()).toBe(report.alerts.length - firing);
  });

  it('shows the crash loop in a close-up, and keeps its labels apart', async () => {
    expect(await page.locator('.close-up figcaption', { hasText: 'queue-worker' }).count()).toBe(1);
    for (const selector of ['#day text.hour', '#day .lane-label', '.legend .key']) {
      const found: Array<{ left: number; right: number; top: number; bottom: number }> = [];
      for (const element of await page.locator(selector).all()) {
        const box = await element.boundingBox();
        if (box) found.push({ left: box.x, right: box.x + box.width, top: box.y, bottom: box.y + box.height });
      }
      expect(found.length, selector).toBeGreaterThan(1);
      const overlapping = found.flatMap((a, i) =>
        found
          .slice(i + 1)
          .filter((b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5),
      );
      expect(overlapping, selector).toEqual([]);
    }
  });

  it('prints, and takes a screenshot', async () => {
    const pdf = await page.pdf({ format: 'A4', landscape: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const png = await page.locator('#picture').screenshot();
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    if (process.env.DEMO_DAY_PNG) writeFileSync(process.env.DEMO_DAY_PNG, png);
  });
});
