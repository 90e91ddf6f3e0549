/**
 * Whose task stopped: a job's run (startedBy ecs-autopilot/<job>), a watched standalone task (its task
 * group), a watched service (group service:<name>), or nobody ecs-autopilot looks after. Pure.
 */
import { clusterNameOf } from '../config/cluster.ts';
import type { Automation, JobSpec, ServiceWatch, WatchedTaskSpec } from '../config/schema.ts';
import { jobOfStartedBy } from '../jobs/ownership.ts';
import type { TaskStopFacts } from './stop-facts.ts';

export type StopSubject =
  | { kind: 'job'; job: JobSpec }
  | { kind: 'watched-task'; spec: WatchedTaskSpec }
  | { kind: 'service'; watch: ServiceWatch }
  | { kind: 'none'; reason: string };

export function subjectOfStop(facts: TaskStopFacts, automation: Automation): StopSubject {
  const inCluster = (cluster: string) => clusterNameOf(cluster) === facts.clusterName;
  const jobName = jobOfStartedBy(facts.startedBy);
  if (jobName !== undefined) {
    const job = automation.jobs[jobName];
    if (job && inCluster(job.cluster)) return { kind: 'job', job };
    return { kind: 'none', reason: `started by job "${jobName}", which automation.yml no longer has in cluster ${facts.clusterName}` };
  }
  const watched = Object.values(automation.watchedTasks).find((spec) => inCluster(spec.cluster) && spec.group === facts.group);
  if (watched) return { kind: 'watched-task', spec: watched };
  if (facts.service !== undefined) {
    const watch = Object.values(automation.services).find((s) => inCluster(s.cluster) && s.service === facts.service);
    if (watch) return { kind: 'service', watch };
    return { kind: 'none', reason: `service ${facts.service} in cluster ${facts.clusterName} is not in automation.yml's services` };
  }
  return {
    kind: 'none',
    reason: `task group ${facts.group ?? '(none)'} in cluster ${facts.clusterName} is neither a job's nor a watched task's`,
  };
}
