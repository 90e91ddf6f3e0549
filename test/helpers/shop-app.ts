/**
 * The `shop` app of the configuration tests: its two services behind the shop load balancer, as
 * automation.yml writes them; `extra` adds or replaces settings.
 */
export const SHOP_ELB_ARN_HEAD = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';

export const shopApp = (extra: Record<string, unknown> = {}) => ({
  cluster: 'web',
  listener: `${SHOP_ELB_ARN_HEAD}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2`,
  blue: { service: 'shop-blue', targetGroup: `${SHOP_ELB_ARN_HEAD}:targetgroup/shop-blue/73e2d6bc24d8a067` },
  green: { service: 'shop-green', targetGroup: `${SHOP_ELB_ARN_HEAD}:targetgroup/shop-green/09966e5bd7e8e8ef` },
  ...extra,
});
