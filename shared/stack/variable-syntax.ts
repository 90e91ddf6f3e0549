/**
 * osls resolves `${…}` in every value of the configuration, including the CloudFormation generated
 * from automation.yml: `schedule: rate(${opt:stage} minutes)` would silently become whatever --stage
 * says. So no string of automation.yml (key or value) may contain "${".
 */
const VARIABLE_START = '${';

/** One problem line per offending key or value, with its path, as ConfigError lists them. */
export function variableSyntaxProblems(document: unknown): string[] {
  const problems: string[] = [];
  const visit = (value: unknown, path: string[]): void => {
    if (typeof value === 'string') {
      if (value.includes(VARIABLE_START)) problems.push(`${where(path)}: ${JSON.stringify(value)} ${WHY}`);
    } else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) visit(item, [...path, String(index)]);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes(VARIABLE_START)) problems.push(`${where(path)}: the key ${JSON.stringify(key)} ${WHY}`);
        visit(item, [...path, key]);
      }
    }
  };
  visit(document, []);
  return problems;
}

const WHY = 'contains "${", which serverless would resolve as one of its variables while packaging: remove it';

const where = (path: string[]): string => (path.length ? path.join('.') : '(top level)');
