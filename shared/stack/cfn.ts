/**
 * The CloudFormation shapes the stack generator writes: the resources' properties are those of the
 * CloudFormation resource schemas (@awboost/cfntypes, types only: nothing of it reaches a bundle or the
 * packaging), where any value may also be one of the intrinsic functions we use; and the helpers that
 * write those intrinsics.
 */

import type { ResourceTypes } from '@awboost/cfntypes';

export type CfnString = string | { Ref: string } | { 'Fn::GetAtt': [string, string] } | { 'Fn::Sub': string };

type Intrinsic = Exclude<CfnString, string>;

/** A CloudFormation property type in which every string may also be an intrinsic function. */
export type WithIntrinsics<T> = T extends string
  ? T | Intrinsic
  : T extends number | boolean
    ? T
    : T extends readonly (infer U)[]
      ? readonly WithIntrinsics<U>[]
      : T extends object
        ? { [K in keyof T]: WithIntrinsics<T[K]> }
        : T;

export type CfnResourceType = keyof ResourceTypes;

/** The resource types the generator writes. */
type StackResourceType =
  | 'AWS::CloudWatch::Alarm'
  | 'AWS::CloudWatch::Dashboard'
  | 'AWS::DynamoDB::Table'
  | 'AWS::Events::EventBus'
  | 'AWS::Events::EventBusPolicy'
  | 'AWS::Events::Rule'
  | 'AWS::IAM::Role'
  | 'AWS::Lambda::Permission'
  | 'AWS::Scheduler::Schedule'
  | 'AWS::Scheduler::ScheduleGroup'
  | 'AWS::SNS::Subscription'
  | 'AWS::SNS::Topic'
  | 'AWS::SNS::TopicPolicy'
  | 'AWS::SQS::Queue'
  | 'AWS::SQS::QueuePolicy';

/** A resource of one type, with that type's properties. */
export interface Resource<T extends CfnResourceType> {
  Type: T;
  Properties: WithIntrinsics<ResourceTypes[T]>;
  DeletionPolicy?: 'Retain';
  UpdateReplacePolicy?: 'Retain';
}

/** A resource the generator writes, typed by its Type. */
export type StackResource = { [T in StackResourceType]: Resource<T> }[StackResourceType];

/** Any resource of the template, as the checks of the generated stack read it (aws-limits.ts, the tests). */
export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: 'Retain';
  UpdateReplacePolicy?: 'Retain';
}

export interface StackResources {
  Resources: Record<string, CfnResource>;
  Outputs: Record<string, { Description: string; Value: CfnString }>;
}

export interface StackNames {
  service: string;
  stage: string;
}

export const sub = (template: string): CfnString => ({ 'Fn::Sub': template });
export const ref = (logicalId: string): CfnString => ({ Ref: logicalId });
export const getAtt = (logicalId: string, attribute: string): CfnString => ({ 'Fn::GetAtt': [logicalId, attribute] });
/** An ARN in the stack's own partition, region and account. */
export const ownArn = (service: string, resource: string): CfnString =>
  sub(`arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`);
