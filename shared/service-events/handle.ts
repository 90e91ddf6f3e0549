/**
 * An ECS service event, end to end: parse it, check it is from this stack's account and region, decide
 * (pure, decide.ts) and publish. Nothing is stored: the events' ids derive from the ECS event's, so a
 * redelivery, or a retry after a failed publish, puts the same ids, which notify takes once.
 */

import { isFromElsewhere } from '../events/origin.ts';
import { busEventOf } from '../events/pending-event.ts';
import type { StopRuntime } from '../stopped-tasks/runtime.ts';
import { decideServiceEvent } from './decide.ts';
import { parseEcsServiceEvent } from './trigger.ts';

export interface ServiceEventOutcome {
  eventName: string;
  service: string;
  action: string;
}

export async function handleServiceEvent(
  event: unknown,
  rt: Pick<StopRuntime, 'automation' | 'bus' | 'log' | 'account' | 'region'>,
): Promise<ServiceEventOutcome> {
  const parsed = parseEcsServiceEvent(event);
  const base = { eventName: parsed.eventName, service: parsed.serviceArn };
  if (isFromElsewhere(parsed, rt)) {
    rt.log.warn('ignored a service event from another account or region', {
      account: parsed.account,
      region: parsed.region,
      service: parsed.serviceArn,
    });
    return { ...base, action: `ignored: from ${parsed.account}/${parsed.region}, not ${rt.account}/${rt.region}` };
  }
  const decision = decideServiceEvent(parsed, rt.automation);
  if (decision.kind === 'ignore') {
    rt.log.info('a service event ignored', { eventName: parsed.eventName, reason: decision.reason });
    return { ...base, action: `ignored: ${decision.reason}` };
  }
  await rt.bus.publish(decision.events.map(busEventOf));
  const published = decision.events.map((e) => e.detailType);
  rt.log.info('service event published', { eventName: parsed.eventName, published });
  return { ...base, action: `published ${published.join(', ')}` };
}
