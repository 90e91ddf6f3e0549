/** The state table's shape, shared by the CloudFormation template and the sandbox, so they cannot drift. */
import { ALERT_GROUP_INDEX, DEADLINE_INDEX, STATE_TABLE_KEYS } from './keys.ts';

export const STATE_TABLE_DEFINITION = {
  AttributeDefinitions: [
    { AttributeName: STATE_TABLE_KEYS.partition, AttributeType: 'S' },
    { AttributeName: STATE_TABLE_KEYS.sort, AttributeType: 'S' },
    { AttributeName: DEADLINE_INDEX.partition, AttributeType: 'S' },
    { AttributeName: DEADLINE_INDEX.sort, AttributeType: 'S' },
    { AttributeName: ALERT_GROUP_INDEX.partition, AttributeType: 'S' },
    { AttributeName: ALERT_GROUP_INDEX.sort, AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: STATE_TABLE_KEYS.partition, KeyType: 'HASH' },
    { AttributeName: STATE_TABLE_KEYS.sort, KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: DEADLINE_INDEX.name,
      KeySchema: [
        { AttributeName: DEADLINE_INDEX.partition, KeyType: 'HASH' },
        { AttributeName: DEADLINE_INDEX.sort, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    },
    {
      // Keys only: the group key is in the sort key, which is all inhibition needs; `alerts` reads the items.
      IndexName: ALERT_GROUP_INDEX.name,
      KeySchema: [
        { AttributeName: ALERT_GROUP_INDEX.partition, KeyType: 'HASH' },
        { AttributeName: ALERT_GROUP_INDEX.sort, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    },
  ],
  BillingMode: 'PAY_PER_REQUEST',
} as const;

export const STATE_TABLE_TTL_ATTRIBUTE = STATE_TABLE_KEYS.ttl;
