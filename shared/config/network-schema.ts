/** The awsvpc network of tasks ecs-autopilot starts: jobs, watched tasks and blue/green hook tasks. */
import * as z from 'zod';

export const network = z
  .strictObject({
    subnets: z
      .array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: 'must be a subnet id (subnet-…)' }))
      .min(1)
      .max(16),
    securityGroups: z
      .array(z.string().regex(/^sg-[0-9a-f]+$/, { error: 'must be a security group id (sg-…)' }))
      .max(5)
      .default([]),
    assignPublicIp: z.boolean().default(false),
  })
  .meta({ description: 'awsvpc network configuration of the tasks' });
