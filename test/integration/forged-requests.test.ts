/**
 * What a deployer can put on the bus, forged (issue 12): `deployers` may put the three deployment
 * requests with ecs-autopilot's source, with any detail. Each forged request — carrying an alert
 * (firing with a phishing link, or resolving), extra fields, or naming another app — is routed by the
 * stack's own rules as EventBridge would, to shift-traffic only, never to notify; and against moto
 * it changes nothing but what a request may change: a running deployment keeps its weights and
 * stage, nothing is rolled back, no alert is raised or resolved.
 */
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeEach, describe, expect, it } from 'vitest';
import { shiftTraffic } from '../../functions/shift-traffic.ts';
import { DeployedRules, emulatorResourceNames } from '../../sandbox/deployed-rules.ts';
import { EMULATOR_REGION } from '../../sandbox/emulator.ts';
import { emulatorShiftRuntime, seedApps } from '../../sandbox/seed.ts';
import { forwardOf } from '../../shared/blue-green/forward.ts';
import { DEPLOYMENT_REQUEST_DETAIL_TYPES } from '../../shared/blue-green/model.ts';
import type { ShiftRuntime } from '../../shared/blue-green/runtime.ts';
import { WEB_APP_BEHIND_SHOP } from '../helpers/web-app.ts';
import { quietLog, useEmulatorWorld } from './world.ts';

const config = {
  defaults: { cluster: 'shop' },
  apps: {
    web: {
      ...WEB_APP_BEHIND_SHOP,
      strategy: { steps: [{ weight: 10, pause: 'until-promoted' }] },
      gates: { minHealthyTargets: 1 },
      bakeTime: '1m',
      rollbackWindow: '0s',
    },
  },
  deployers: ['arn:aws:iam::210987654321:role/ci-deployer'],
};

const alert = {
  cluster: 'shop',
  subject: { kind: 'app', name: 'web' },
  category: 'deployment-failed',
  severity: 'critical',
  summary: 'Login required: [restore access](https://example.com/phish)',
};

/** The forged details a deployer might try, for each request type. */
const FORGERIES: Record<string, Record<string, unknown>> = {
  'a firing alert with a phishing link': { alert },
  'a resolving alert': { alert: { ...alert, resolves: true } },
  'fields no request carries': { cluster: 'shop', service: 'web-blue', desiredCount: 0 },
};

describe('requests forged by a deployer (issue 12)', () => {
  const t = useEmulatorWorld(config, new Date('2026-11-23T10:00:00Z'));
  let rt: ShiftRuntime;

  beforeEach(async () => {
    const seeded = await seedApps(t.world, t.automation, {});
    rt = emulatorShiftRuntime(t.world, seeded.automation, t.clock, quietLog);
  });

  const fromDeployer = (detailType: string, detail: Record<string, unknown>) => ({
    version: '0',
    id: `forged-${Math.random().toString(16).slice(2)}`,
    source: 'ecs-autopilot',
    'detail-type': detailType,
    account: '210987654321',
    region: EMULATOR_REGION,
    time: t.clock.now().toISOString(),
    resources: [],
    detail,
  });

  async function weights() {
    const app = rt.automation.apps.web;
    const { Listeners = [] } = await rt.elb.send(new DescribeListenersCommand({ ListenerArns: [app?.listener ?? ''] }));
    return forwardOf(Listeners[0]?.DefaultActions ?? []).targetGroups.map((g) => g.weight);
  }

  it('each reaches shift-traffic only, is refused naming what it carried, and the running deployment carries on untouched', async () => {
    const home = { ...rt, account: '123456789012', region: EMULATOR_REGION };
    const [started] = await shiftTraffic(
      fromDeployer('Deployment Requested', { app: 'web', id: 'web-1', images: { app: 'web:v2' } }),
      home,
    );
    expect(started).toMatchObject({ deploymentId: 'web-1', stage: 'paused' });
    const before = { weights: await weights(), deployment: await rt.deployments.get('web') };
    await t.events(); // drained
    const rules = new DeployedRules(t.automation, emulatorResourceNames(t.world.busArn));

    for (const detailType of DEPLOYMENT_REQUEST_DETAIL_TYPES) {
      for (const [what, forged] of Object.entries(FORGERIES)) {
        const own =
          detailType === 'Deployment Requested'
            ? { app: 'web', id: `web-forged-${what.length}`, images: { app: 'web:v3' } }
            : { app: 'web', id: 'web-1', ...(detailType === 'Deployment Promotion Requested' && { step: 1 }) };
        const event = fromDeployer(detailType, { ...own, ...forged });
        expect(
          rules.matching(event, 'own').map((rule) => rule.name),
          `${detailType} with ${what}`,
        ).toEqual(['deployment-requests']);
        const outcome = shiftTraffic(event, home);
        const carried = Object.keys(forged).join(', ');
        if (detailType === 'Deployment Requested') {
          expect((await outcome)[0]?.rejected, `${detailType} with ${what}`).toMatch(new RegExp(`also had ${carried}$`));
        } else {
          await expect(outcome, `${detailType} with ${what}`).rejects.toThrow(new RegExp(`it also had ${carried}$`));
        }
      }
    }

    expect(await weights()).toEqual(before.weights);
    expect(await rt.deployments.get('web')).toMatchObject({ id: 'web-1', stage: 'paused', version: before.deployment?.version });
    const published = await t.events();
    expect(published.map((e) => e['detail-type'])).toEqual(Array(Object.keys(FORGERIES).length).fill('Deployment Rejected'));
    expect(published.some((e) => 'alert' in e.detail)).toBe(false);
  });
});
