/**
 * The automation.yml of issue 16's scale targets, generated: 1,000 jobs, 200 watched tasks, 300 scaled
 * services and 100 blue/green apps over 100 clusters. Every job has its own task definition family and
 * its own task role, and every watched task too; jobs share ten execution roles (one per team), as
 * accounts usually do. Names are realistic in length (a team prefix and a purpose), not minimal, so the
 * sizes measured on it are those of a real file of this scale.
 */
import type { AutomationInput } from '../../shared/config/schema.ts';

export const SCALE_TARGETS = { jobs: 1_000, watchedTasks: 200, scaledServices: 300, apps: 100, clusters: 100 } as const;

const ACCOUNT = '123456789012';
const ELB = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}`;
const pad = (i: number, width = 4) => String(i).padStart(width, '0');
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const TEAMS = ['billing', 'catalog', 'checkout', 'fulfilment', 'identity', 'ledger', 'marketing', 'payments', 'reporting', 'search'];
const team = (i: number) => TEAMS[i % TEAMS.length] as string;
const cluster = (i: number) => `${team(i)}-cluster-${pad(i % 100, 2)}`;

export function scaleConfig(targets: { [K in keyof typeof SCALE_TARGETS]: number } = SCALE_TARGETS): AutomationInput {
  const jobs = Object.fromEntries(
    Array.from({ length: targets.jobs }, (_, i) => [
      `${team(i)}-job-${pad(i)}`,
      {
        // Every job at the same minute: the burst the issue asks about (test/integration/burst.test.ts).
        schedule: 'cron(0 2 * * ? *)',
        cluster: cluster(i),
        taskDefinition: `${team(i)}-export-${pad(i)}`,
        taskRole: role(`${team(i)}-export-${pad(i)}-task`),
        executionRole: role(`${team(i)}-task-execution`),
      },
    ]),
  );
  const watchedTasks = Object.fromEntries(
    Array.from({ length: targets.watchedTasks }, (_, i) => [
      `${team(i)}-worker-${pad(i)}`,
      {
        cluster: cluster(i),
        taskDefinition: `${team(i)}-worker-${pad(i)}`,
        taskRole: role(`${team(i)}-worker-${pad(i)}-task`),
        executionRole: role(`${team(i)}-task-execution`),
      },
    ]),
  );
  const services = Object.fromEntries(
    Array.from({ length: targets.scaledServices }, (_, i) => [
      `${team(i)}-api-${pad(i)}`,
      {
        cluster: cluster(i),
        scaling: {
          timezone: 'Europe/Berlin',
          periods: { 'business-hours': { days: 'MON-FRI', from: '08:00', to: '18:00', min: 2, max: 10 } },
        },
      },
    ]),
  );
  const apps = Object.fromEntries(
    Array.from({ length: targets.apps }, (_, i) => {
      const name = `${team(i)}-web-${pad(i, 3)}`;
      const lb = `app/${team(i)}-alb-${pad(i, 3)}/0123456789ab${pad(i)}`;
      return [
        name,
        {
          cluster: cluster(i),
          listener: `${ELB}:listener/${lb}/11111111111${pad(i, 5)}`,
          blue: { service: `${name}-blue`, targetGroup: `${ELB}:targetgroup/${name}-blue/aaaaaaaaaaa${pad(i, 5)}` },
          green: { service: `${name}-green`, targetGroup: `${ELB}:targetgroup/${name}-green/bbbbbbbbbbb${pad(i, 5)}` },
          gates: { alarms: [`${name}-5xx`] },
          taskRoles: [role(`${name}-task`), role(`${team(i)}-task-execution`)],
        },
      ];
    }),
  );
  return { jobs, watchedTasks, services, apps };
}
