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
