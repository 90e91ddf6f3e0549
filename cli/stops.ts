/** `stops <service|watched task>`: the stop history ECS forgets an hour after a task stops, read from the state table. */
import { createAwsClients } from '../shared/aws/clients.ts';
import { closestName } from '../shared/config/closest-name.ts';
import { clusterNameOf } from '../shared/config/cluster.ts';
import type { Automation } from '../shared/config/schema.ts';
import { type KeyPrefix, keys } from '../shared/state/keys.ts';
import { StopHistory } from '../shared/state/stop-history.ts';
import type { StopRecord } from '../shared/stopped-tasks/stop-record.ts';

/** The partitions holding the stops of `name`: a service of `services`, a watched task, or both when both are so named. */
export function stopPartitions(automation: Automation, name: string, file: string): KeyPrefix[] {
  const watch = automation.services[name];
  const partitions = [
    ...(watch ? [keys.serviceStops(clusterNameOf(watch.cluster), watch.service)] : []),
    ...(automation.watchedTasks[name] ? [keys.watchStops(name)] : []),
  ];
  if (partitions.length > 0) return partitions;
  const services = Object.keys(automation.services);
  const watched = Object.keys(automation.watchedTasks);
  const likely = closestName(name, [...services, ...watched]);
  throw new RangeError(
    `"${name}" is neither a service nor a watched task in ${file} (services: ${services.join(', ') || 'none'}; watched tasks: ${watched.join(', ') || 'none'})${likely ? `; did you mean "${likely}"?` : ''}`,
  );
}

export interface StopsOptions {
  partitions: KeyPrefix[];
  since: Date;
  limit: number;
  tableName: string;
  region?: string | undefined;
  endpoint?: string | undefined;
}

/** The stops since `since`, newest first, at most `limit`. */
export async function readStops(options: StopsOptions): Promise<StopRecord[]> {
  const clients = createAwsClients({ region: options.region, endpoint: options.endpoint });
  const history = new StopHistory(clients.dynamo, options.tableName);
  const all = (await Promise.all(options.partitions.map((partition) => history.since(partition, options.since)))).flat();
  return all.sort((a, b) => b.stoppedAt.localeCompare(a.stoppedAt)).slice(0, options.limit);
}

export const STOP_COLUMNS = ['STOPPED AT (UTC)', 'TASK', 'CATEGORY', 'EXIT / STOP CODE', 'ACTION', 'REASON'];

export function stopRows(stops: StopRecord[]): string[][] {
  return stops.map((stop) => [
    stop.stoppedAt,
    stop.taskId,
    stop.subKind ? `${stop.category} (${stop.subKind})` : stop.category,
    [...stop.exitCodes.map((exit) => `${exit.container}=${exit.exitCode}`), ...(stop.stopCode ? [stop.stopCode] : [])].join(' ') || '-',
    stop.action,
    stop.because,
  ]);
}
