/**
 * The gates a step passes before more traffic moves, and holds at every tick while it waits: no gate
 * alarm in ALARM, the new colour's targets all healthy and enough of them, and every metric check
 * within its limits over its window. Pure: the values come from the check-gates action.
 */
import type { AppSpec, MetricCheck, MetricResult, TargetHealthCount } from './model.ts';

/** `inconclusive`: not clearly a failure (metricVerdict); the app's gates.onInconclusive says what it means. */
export type Verdict = { pass: true } | { pass: false; reason: string; inconclusive?: true | undefined };

const PASS: Verdict = { pass: true };

/**
 * Whether a colour may take (more) traffic: no unhealthy target and at least minHealthyTargets healthy
 * ones, in each of its target groups (the count is its weakest one's, named when there are several).
 */
export function healthVerdict(health: TargetHealthCount, minHealthy: number, service: string): Verdict {
  const who = health.targetGroup ? `${service} in target group ${targetGroupName(health.targetGroup)}` : service;
  if (health.healthy === 0) return { pass: false, reason: `${who} has no healthy target` };
  if (health.unhealthy > 0) {
    return { pass: false, reason: `${who} has ${health.unhealthy} target(s) not healthy (and ${health.healthy} healthy)` };
  }
  if (health.healthy < minHealthy) {
    return { pass: false, reason: `${who} has ${health.healthy} healthy target(s); the gate asks for at least ${minHealthy}` };
  }
  return PASS;
}

/** `web-blue` of `…:targetgroup/web-blue/<id>`. */
const targetGroupName = (arn: string) => /:targetgroup\/([^/]+)\//.exec(arn)?.[1] ?? arn;

const format = (value: number) => String(Math.round(value * 1000) / 1000);

export interface MetricWindow {
  start: Date;
  end: Date;
  /** Seconds: the whole window, so CloudWatch answers with one datapoint, the aggregate the stats ask for. */
  period: number;
}

const MINUTE = 60_000;

/**
 * The window a metric check reads at `now`: its `windowSeconds` (rounded up to whole minutes, as
 * CloudWatch wants) up to the last whole minute, but not before `since`, when the weight held now was
 * reached: data from an earlier weight says nothing about this one. Undefined before a whole minute at
 * this weight: nothing to read yet.
 */
export function metricWindow(check: MetricCheck, now: Date, since?: Date | undefined): MetricWindow | undefined {
  const end = Math.floor(now.getTime() / MINUTE) * MINUTE;
  const full = end - Math.ceil(check.windowSeconds / 60) * MINUTE;
  const start = since === undefined ? full : Math.max(full, Math.ceil(since.getTime() / MINUTE) * MINUTE);
  if (start >= end) return undefined;
  return { start: new Date(start), end: new Date(end), period: (end - start) / 1000 };
}

/**
 * A metric check's verdict. Inconclusive (Argo Rollouts' word for a measurement neither good nor bad):
 * no data with `onNoData: inconclusive`, or a value past its limit by at most the check's
 * `inconclusiveMargin`. Anything further past its limit is a clear failure.
 */
export function metricVerdict(check: MetricCheck, result: MetricResult | undefined, who: string): Verdict {
  if (result?.evaluated === false) return PASS;
  const value = result?.value;
  if (value === undefined) {
    if (check.onNoData === 'pass') return PASS;
    const reason = `metric check ${check.name} had no data for ${who} over its window (onNoData: ${check.onNoData})`;
    return check.onNoData === 'inconclusive' ? { pass: false, reason, inconclusive: true } : { pass: false, reason };
  }
  const margin = check.inconclusiveMargin ?? 0;
  const past = (by: number, reason: string): Verdict =>
    by <= margin
      ? { pass: false, reason: `${reason}, within its inconclusiveMargin ${format(margin)}`, inconclusive: true }
      : { pass: false, reason };
  if (check.max !== undefined && value > check.max) {
    return past(value - check.max, `metric check ${check.name}: ${who} ${format(value)} is above its max ${format(check.max)}`);
  }
  if (check.min !== undefined && value < check.min) {
    return past(check.min - value, `metric check ${check.name}: ${who} ${format(value)} is below its min ${format(check.min)}`);
  }
  const baseline = result?.baseline;
  if (check.baseline && baseline !== undefined && value > baseline + check.baseline.maxIncrease) {
    return past(
      value - baseline - check.baseline.maxIncrease,
      `metric check ${check.name}: ${who} ${format(value)} is more than ${format(check.baseline.maxIncrease)} above ` +
        `the live colour's ${format(baseline)} over the same window`,
    );
  }
  return PASS;
}

/**
 * Every gate of the app: alarms, then health, then metrics in config order. A clear failure wins over
 * an inconclusive check, whichever comes first: an inconclusive verdict means nothing clearly failed.
 */
export function gatesVerdict(
  app: AppSpec,
  observed: { alarmsInAlarm: string[]; health: TargetHealthCount; metrics: MetricResult[] },
  who: string,
): Verdict {
  const firing = observed.alarmsInAlarm.filter((name) => app.gates.alarms.includes(name));
  if (firing.length > 0) return { pass: false, reason: `alarm ${firing.join(', ')} in ALARM` };
  const health = healthVerdict(observed.health, app.gates.minHealthyTargets, who);
  if (!health.pass) return health;
  // One result per target group of the new colour: each is judged on its own.
  const verdicts = app.gates.metrics.flatMap((check) => {
    const results = observed.metrics.filter((m) => m.name === check.name);
    return (results.length > 0 ? results : [undefined]).map((result) =>
      metricVerdict(check, result, result?.targetGroup ? `${who} in target group ${targetGroupName(result.targetGroup)}` : who),
    );
  });
  return verdicts.find((v) => !v.pass && !v.inconclusive) ?? verdicts.find((v) => !v.pass) ?? PASS;
}
