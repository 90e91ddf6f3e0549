/**
 * The `web` app of the blue/green tests: its two services behind the `shop` load balancer, as the
 * tests write them in automation.yml. moto invents the real ARNs when they are seeded (seedApps
 * returns the automation with them).
 */
const HEAD = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';

export const WEB_APP_BEHIND_SHOP = {
  listener: `${HEAD}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2`,
  blue: { service: 'web-blue', targetGroup: `${HEAD}:targetgroup/web-blue/73e2d6bc24d8a067` },
  green: { service: 'web-green', targetGroup: `${HEAD}:targetgroup/web-green/09966e5bd7e8e8ef` },
} as const;
