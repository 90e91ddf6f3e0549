/**
 * Where an AWS event comes from, against the stack's own account and region. Rules on a bus that receives
 * events forwarded from other accounts or regions match names (a cluster, a service, an alarm) that may
 * exist there too; such an event is not this stack's. A home not known (the sandbox, tests) takes all.
 */
export interface StackHome {
  account?: string | undefined;
  region?: string | undefined;
}

export function isFromElsewhere(origin: { account?: string | undefined; region?: string | undefined }, home: StackHome): boolean {
  return Boolean((home.account && origin.account !== home.account) || (home.region && origin.region !== home.region));
}

/**
 * Why an event is not this stack's, or undefined when it is (or carries no origin: a timer, the
 * watchdog's tick). `checked` says which sources must come from home: requests that `deployers` of
 * other accounts may put are left to the bus policy.
 */
export function foreignOrigin(input: unknown, home: StackHome, checked: (source: string) => boolean = () => true): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { source, account, region } = input as Record<string, unknown>;
  if (typeof source !== 'string' || !checked(source)) return undefined;
  const origin = { account: typeof account === 'string' ? account : undefined, region: typeof region === 'string' ? region : undefined };
  if (!isFromElsewhere(origin, home)) return undefined;
  return `from account ${origin.account ?? '(none)'}, region ${origin.region ?? '(none)'}, not this stack's ${home.account ?? 'any'}/${home.region ?? 'any'}`;
}
