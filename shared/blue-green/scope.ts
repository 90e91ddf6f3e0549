/**
 * What a deployment of an app may put on its services: task definitions of the app's families
 * (`allowedFamilies`), images of its repositories (`allowedImages`, when set) and its task and execution
 * roles (`taskRoles`). Anyone who may put `Deployment Requested` on the bus could otherwise roll another
 * team's task definition — and its task role — onto the app's services. Pure: the request is checked as
 * it arrives, the revision it comes to (named, or registered from images) once it has been read.
 */
import type { AppSpec, RevisionFacts } from './model.ts';

/** `family` of `arn:…:task-definition/family:revision`, `family:revision` or `family`. */
export const familyOf = (taskDefinition: string): string =>
  taskDefinition.slice(taskDefinition.lastIndexOf('/') + 1).split(':')[0] ?? taskDefinition;

/** `registry/path/name` of `registry/path/name:tag` or `…@sha256:…`: what an allowedImages pattern is matched against. */
export function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, lastColon) : withoutDigest;
}

/** `*` stands for any characters but "/": `…/shop/*` allows the repositories directly under shop/. */
function matches(pattern: string, repository: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${source}$`).test(repository);
}

export const imageAllowed = (app: AppSpec, image: string): boolean =>
  app.allowed.images === undefined || app.allowed.images.some((pattern) => matches(pattern, repositoryOf(image)));

const allowedFamiliesText = (app: AppSpec) => `apps.${app.name} allows the families ${app.allowed.families.join(', ')} (allowedFamilies)`;
const allowedImagesText = (app: AppSpec) => `apps.${app.name} allows images of ${(app.allowed.images ?? []).join(', ')} (allowedImages)`;

/** `arn:aws:…:<region>:<account>:…` → region and account. */
const placeOf = (arn: string) => {
  const [, , , region, account] = arn.split(':');
  return { region, account };
};

/** Why a request names something the app does not allow, or undefined when it names nothing of the kind. */
export function requestRefusal(
  app: AppSpec,
  taskDefinition: string | undefined,
  images: Record<string, string> | undefined,
): string | undefined {
  if (taskDefinition !== undefined) {
    if (taskDefinition.startsWith('arn:')) {
      const named = placeOf(taskDefinition);
      const own = placeOf(app.listener);
      if (named.region !== own.region || named.account !== own.account) {
        return `task definition ${taskDefinition} is not in the app's account ${own.account} and region ${own.region}`;
      }
    }
    if (!app.allowed.families.includes(familyOf(taskDefinition))) {
      return `task definition ${taskDefinition} is not one of the app's: ${allowedFamiliesText(app)}`;
    }
  }
  const refused = Object.entries(images ?? {}).filter(([, image]) => !imageAllowed(app, image));
  if (refused.length > 0) {
    return `image ${refused.map(([container, image]) => `${container}=${image}`).join(', ')} is not from the app's repositories: ${allowedImagesText(app)}`;
  }
  return undefined;
}

/** A role of a task definition (an ARN, or the name alone as ECS also takes it) among `taskRoles`. */
const roleAllowed = (app: AppSpec, role: string) =>
  app.allowed.roles.some((allowed) => allowed === role || (!role.startsWith('arn:') && allowed.endsWith(`/${role}`)));

/** Why the app may not run this revision (its family, a role, an image), or undefined when it may. */
export function revisionRefusal(app: AppSpec, revision: RevisionFacts): string | undefined {
  if (!app.allowed.families.includes(revision.family)) {
    return `${revision.name} is not one of the app's: ${allowedFamiliesText(app)}`;
  }
  const roles = [
    ['task role', revision.taskRole],
    ['execution role', revision.executionRole],
  ].filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '' && !roleAllowed(app, entry[1]));
  if (roles.length > 0) {
    const allowed = app.allowed.roles.length > 0 ? app.allowed.roles.join(', ') : 'none';
    return `${revision.name} has the ${roles.map(([kind, role]) => `${kind} ${role}`).join(' and the ')}: apps.${app.name} allows the roles ${allowed} (taskRoles)`;
  }
  const images = Object.entries(revision.images).filter(([, image]) => !imageAllowed(app, image));
  if (images.length > 0) {
    return `${revision.name} runs ${images.map(([container, image]) => `${container}=${image}`).join(', ')}, not from the app's repositories: ${allowedImagesText(app)}`;
  }
  return undefined;
}
