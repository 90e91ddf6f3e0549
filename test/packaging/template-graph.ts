/**
 * The references between a CloudFormation template's resources (Ref, Fn::GetAtt, Fn::Sub, DependsOn),
 * for the checks CloudFormation would otherwise make only at deploy time: every reference resolves, and
 * no resource depends on itself ("Circular dependency between resources"). Used by the unit tests on the
 * generated resources and by the packaging test on the template osls writes.
 */

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
}

/** ${Name} or ${Name.Attribute} in a Sub template; ${!Literal} is an escape, ${AWS::…} a pseudo-parameter. */
const SUB_REFERENCE = /\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g;

/** The logical ids `value` refers to, pseudo-parameters left out, in first-seen order without repeats. */
export function referencedIds(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    for (const [key, inner] of Object.entries(node)) {
      if (key === 'Ref' && typeof inner === 'string' && !inner.startsWith('AWS::')) found.add(inner);
      if (key === 'Fn::GetAtt') {
        const target = Array.isArray(inner) ? inner[0] : typeof inner === 'string' ? inner.split('.')[0] : undefined;
        if (typeof target === 'string') found.add(target);
      }
      if (key === 'Fn::Sub') {
        const [template, variables] = Array.isArray(inner) ? inner : [inner, {}];
        const local = new Set(Object.keys((variables ?? {}) as object));
        if (typeof template === 'string') {
          for (const [, name = ''] of template.matchAll(SUB_REFERENCE)) if (!local.has(name)) found.add(name);
        }
      }
      visit(inner);
    }
  };
  visit(value);
  return [...found];
}

/** What each resource depends on: its references and its DependsOn. */
export function dependencyGraph(resources: Record<string, TemplateResource>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(resources)) {
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    graph.set(id, [...new Set([...referencedIds(resource.Properties ?? {}), ...dependsOn])]);
  }
  return graph;
}

/** References to logical ids the template does not define. */
export function danglingReferences(resources: Record<string, TemplateResource>, outputs: unknown = {}): string[] {
  const known = new Set(Object.keys(resources));
  const referenced = [...dependencyGraph(resources).values()].flat().concat(referencedIds(outputs));
  return [...new Set(referenced.filter((id) => !known.has(id)))];
}

/** Every dependency cycle, each as the path that closes it (A → B → A), found by depth-first search. */
export function referenceCycles(resources: Record<string, TemplateResource>): string[][] {
  const graph = dependencyGraph(resources);
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): void => {
    if (state.get(id) === 'done' || !graph.has(id)) return;
    if (state.get(id) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(id)), id]);
      return;
    }
    state.set(id, 'visiting');
    path.push(id);
    for (const next of graph.get(id) ?? []) visit(next);
    path.pop();
    state.set(id, 'done');
  };
  for (const id of graph.keys()) visit(id);
  return cycles;
}
