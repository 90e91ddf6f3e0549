/**
 * Deployment requests that come late or again (issue 12), as the pure decision takes them: a request
 * is acted on once, and only while it is the newest for its app.
 */
import { describe, expect, it } from 'vitest';
import { transition } from '../../shared/blue-green/decide.ts';
import type { AppSpec, Deployment, DeploymentEvent } from '../../shared/blue-green/model.ts';

const ARN = 'arn:aws:elasticloadbalancing:eu-central-1:123456789012';
const app: AppSpec = {
  name: 'shop',
  cluster: 'web',
  listener: `${ARN}:listener/app/shop/0000000000000003/0000000000000004`,
  colours: {
    blue: { service: 'shop-blue', targetGroup: `${ARN}:targetgroup/shop-blue/0000000000000001` },
    green: { service: 'shop-green', targetGroup: `${ARN}:targetgroup/shop-green/0000000000000002` },
  },
  routes: [
    {
      listener: `${ARN}:listener/app/shop/0000000000000003/0000000000000004`,
      targetGroups: { blue: `${ARN}:targetgroup/shop-blue/0000000000000001`, green: `${ARN}:targetgroup/shop-green/0000000000000002` },
      shift: 'weighted',
    },
  ],
  strategy: 'all-at-once',
  steps: [{ weight: 100, pause: { kind: 'for', seconds: 60 } }],
  gates: { alarms: [], minHealthyTargets: 1, metrics: [] },
  bakeSeconds: 60,
  rollbackWindowSeconds: 0,
  timeouts: { readySeconds: 900, promoteSeconds: 86_400 },
  allowed: { families: ['shop'], images: undefined, roles: [] },
};

const NOW = new Date('2026-11-23T12:00:00Z');
const iso = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();

/** shop-3, succeeded; requested at 11:00 (sent a second before), after shop-1 and shop-2. */
const last: Deployment = {
  app: 'shop',
  id: 'shop-3',
  version: 9,
  stage: 'succeeded',
  requestedAt: iso(-3600),
  requestSentAt: iso(-3601),
  earlierIds: ['shop-2', 'shop-1'],
  step: 0,
  newPercent: 100,
  stageSince: iso(-1800),
  weights: [],
  outbox: [],
  updatedAt: iso(-1800),
};

const requested = (id: string, sentAt?: string): DeploymentEvent => ({
  kind: 'requested',
  id,
  sentAt,
  taskDefinition: 'shop:7',
  requestedBy: 'ci',
});

describe('deployment requests that come late or again', () => {
  it('ignores a late duplicate of a request that already ran, recording it in the last deployment and publishing why', () => {
    const result = transition(last, requested('shop-2', iso(-7200)), app, NOW);

    expect(result.deployment).toMatchObject({ id: 'shop-3', stage: 'succeeded' });
    expect(result.deployment?.requests).toEqual([
      {
        kind: 'deploy',
        requestId: 'shop-2',
        deploymentId: 'shop-2',
        by: 'ci',
        at: NOW.toISOString(),
        outcome: 'ignored',
        reason: expect.stringMatching(/^request shop-2 already ran: .*before shop-3/),
      },
    ]);
    expect(result.actions).toEqual([
      expect.objectContaining({
        kind: 'publish',
        detailType: 'Deployment Request Ignored',
        id: 'shop-3:ignored:shop-2',
        detail: expect.objectContaining({ request: expect.objectContaining({ kind: 'deploy', requestId: 'shop-2' }) }),
      }),
    ]);
    // Recorded as a rejection too, so `deploy --wait` for it ends.
    expect(result.rejected).toEqual({ id: 'shop-2', reason: expect.stringMatching(/already ran/) });
  });

  it('ignores a new request sent before the last deployment was, even with an id never seen (it came late)', () => {
    const result = transition(last, requested('shop-9', iso(-3700)), app, NOW);
    expect(result.rejected?.reason).toMatch(/^request shop-9 was sent at .*, older than deployment shop-3 \(sent at /);
    expect(result.deployment?.id).toBe('shop-3');
  });

  it('the same late request delivered again once it is recorded changes nothing', () => {
    const ignored = transition(last, requested('shop-2'), app, NOW).deployment as Deployment;
    expect(transition(ignored, requested('shop-2'), app, NOW)).toEqual({ deployment: ignored, actions: [] });
  });

  it('keeps a rejection final: the request delivered again publishes its rejection again and starts nothing', () => {
    const earlierRejection = { app: 'shop', id: 'shop-4', reason: 'deployment shop-3 of shop is baking', at: iso(-60) };
    const result = transition(last, requested('shop-4', iso(-30)), app, NOW, { earlierRejection });

    expect(result.deployment).toBe(last);
    expect(result.rejected).toEqual({ id: 'shop-4', reason: earlierRejection.reason, recorded: true });
    expect(result.actions).toEqual([
      expect.objectContaining({
        detailType: 'Deployment Rejected',
        id: 'shop-4:rejected',
        detail: expect.objectContaining({ reason: earlierRejection.reason }),
      }),
    ]);
  });

  it('starts a newer request, keeping the ids of the earlier deployments and when it was sent', () => {
    const result = transition(last, requested('shop-4', iso(-5)), app, NOW);
    expect(result.deployment).toMatchObject({
      id: 'shop-4',
      stage: 'starting',
      requestSentAt: iso(-5),
      earlierIds: ['shop-3', 'shop-2', 'shop-1'],
    });
    expect(result.rejected).toBeUndefined();
  });

  it('takes a request dated in the future as sent now, so it cannot make every later request look stale', () => {
    const result = transition(last, requested('shop-4', iso(86_400 * 365)), app, NOW);
    expect(result.deployment).toMatchObject({ id: 'shop-4', requestSentAt: NOW.toISOString() });
    expect(transition(result.deployment, requested('shop-5', iso(60)), app, new Date(NOW.getTime() + 60_000)).rejected?.reason).not.toMatch(
      /older/,
    );
  });

  it('keeps the last 50 earlier ids', () => {
    const long = { ...last, earlierIds: Array.from({ length: 60 }, (_, i) => `shop-old-${i}`) };
    expect(transition(long, requested('shop-4', iso(-5)), app, NOW).deployment?.earlierIds).toHaveLength(50);
  });
});
