/**
 * reconcile-schedules: the deploy-time step that makes the stack's reconciled schedule group hold the
 * schedules of the automation.yml it was deployed with (shared/schedules/), when they are too many to be
 * CloudFormation resources. CloudFormation invokes it for its custom resource (Create and Update:
 * reconcile; Delete: empty the group) and waits for the answer it PUTs back, a failure included.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import middy from '@middy/core';
import { clientConfig } from '#shared/aws/clients.ts';
import { coldStartRuntime } from '#shared/cold-start.ts';
import { loadDeployedAutomation } from '#shared/config/deployed.ts';
import type { Automation } from '#shared/config/schema.ts';
import { logger } from '#shared/logger.ts';
import { parseReconcileRequest, responseTo, sendResponse, targetsOf } from '#shared/schedules/custom-resource.ts';
import { desiredSchedules } from '#shared/schedules/desired.ts';
import { reconcileSchedules } from '#shared/schedules/reconcile.ts';
import { readSettings } from '#shared/settings.ts';

export interface ReconcileRuntime {
  scheduler: SchedulerClient;
  automation: () => Automation;
  now: () => Date;
  fetch: typeof fetch;
  log: Pick<typeof logger, 'info' | 'error'>;
}

/** The raw handler: tests call it with their own runtime. */
export async function reconcileSchedulesHandler(event: unknown, rt: ReconcileRuntime): Promise<void> {
  const request = parseReconcileRequest(event);
  let outcome: Parameters<typeof responseTo>[1];
  try {
    const targets = targetsOf(request);
    // Delete (the stack, or the schedules moving back into the template): the group is emptied.
    const desired = request.RequestType === 'Delete' ? [] : desiredSchedules(rt.automation(), rt.now(), targets);
    const result = await reconcileSchedules(rt.scheduler, targets.groupName, desired);
    rt.log.info('schedules reconciled', { requestType: request.RequestType, ...result });
    outcome = { ok: true, data: { ...result } };
  } catch (error) {
    rt.log.error('reconciling the schedules failed', { error });
    outcome = { ok: false, reason: `${(error as Error).name}: ${(error as Error).message}` };
  }
  await sendResponse(request.ResponseURL, responseTo(request, outcome), rt.fetch);
}

function runtimeFromEnvironment(): ReconcileRuntime {
  const settings = readSettings();
  return {
    scheduler: new SchedulerClient(clientConfig()),
    automation: () => loadDeployedAutomation(settings.AUTOMATION_FILE),
    now: () => new Date(),
    fetch,
    log: logger,
  };
}

/** The automation is read when a request comes, inside the try: a broken file is answered FAILED, not left unanswered. */
const lambdaRuntime = coldStartRuntime(runtimeFromEnvironment);

export const handler = middy((event: unknown) => reconcileSchedulesHandler(event, lambdaRuntime())).use(
  injectLambdaContext(logger, { resetKeys: true }),
);
