/**
 * A schema failure of a `/v1` request as a sentence a person can read and the parameter it is
 * about, in OpenAI's words ("Missing required parameter", "Unknown parameter", "Invalid value"),
 * instead of ajv's list of every union branch that did not match.
 */

export interface ValidationIssue {
  readonly keyword?: string;
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: {
    readonly additionalProperty?: string;
    readonly missingProperty?: string;
    readonly allowedValue?: unknown;
    readonly allowedValues?: readonly unknown[];
    readonly type?: string | readonly string[];
    readonly comparison?: string;
    readonly limit?: number;
  };
}

/** `/messages/0/role` → `messages[0].role`. */
function paramOf(instancePath: string | undefined, property?: string): string {
  const parts = (instancePath ?? '').split('/').filter((part) => part !== '');
  if (property !== undefined) parts.push(property);
  return parts.reduce(
    (joined, part) =>
      /^\d+$/.test(part) ? `${joined}[${part}]` : joined === '' ? part : `${joined}.${part}`,
    '',
  );
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  number: 'a number',
  integer: 'an integer',
  string: 'a string',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  null: 'null',
};

const quote = (value: unknown) => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

/** What the issues at one path ask for, e.g. "a number <= 2 or null", "one of 'auto', 'none'". */
function expectationOf(issues: readonly ValidationIssue[]): string {
  const constants: unknown[] = [];
  const types: string[] = [];
  const limits: string[] = [];
  const others: string[] = [];
  for (const issue of issues) {
    const params = issue.params ?? {};
    if (issue.keyword === 'const') constants.push(params.allowedValue);
    else if (issue.keyword === 'enum') constants.push(...(params.allowedValues ?? []));
    else if (issue.keyword === 'type') types.push(...[params.type ?? []].flat());
    else if (params.comparison !== undefined && params.limit !== undefined) {
      limits.push(`${params.comparison} ${params.limit}`);
    } else if (issue.keyword === 'required' && params.missingProperty !== undefined) {
      others.push(`an object with '${params.missingProperty}'`);
    } else if (issue.message !== undefined) others.push(issue.message.replace(/^must /, ''));
  }
  const choices: string[] = [];
  if (constants.length > 0) {
    choices.push(constants.length === 1 ? quote(constants[0]) : `one of ${constants.map(quote).join(', ')}`);
  }
  if (limits.length > 0) choices.push(`a number ${limits.join(' and ')}`);
  for (const type of types) {
    const name = TYPE_NAMES[type] ?? type;
    if (!(limits.length > 0 && (type === 'number' || type === 'integer')) && !choices.includes(name)) {
      choices.push(name);
    }
  }
  choices.push(...others);
  if (choices.length <= 1) return choices[0] ?? 'a valid value';
  return `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;
}

/** The parameter a schema failure is about and a message naming it, or undefined for no failure. */
export function describeValidation(
  issues: readonly ValidationIssue[] | undefined,
): { param: string; message: string } | undefined {
  const first = issues?.[0];
  if (issues === undefined || first === undefined) return undefined;
  const property = first.params?.additionalProperty;
  if (first.keyword === 'additionalProperties' && property !== undefined) {
    const param = paramOf(first.instancePath, property);
    return { param, message: `Unknown parameter: '${param}'.` };
  }
  const missing = first.params?.missingProperty;
  if (first.keyword === 'required' && missing !== undefined) {
    const param = paramOf(first.instancePath, missing);
    return { param, message: `Missing required parameter: '${param}'.` };
  }
  // Every branch of a union adds its own issue: group them by the place they are about.
  const byPath = new Map<string, ValidationIssue[]>();
  for (const issue of issues) {
    if (issue.keyword === 'anyOf' || issue.keyword === 'oneOf') continue;
    const path = issue.instancePath ?? '';
    byPath.set(path, [...(byPath.get(path) ?? []), issue]);
  }
  const groups = [...byPath.entries()].slice(0, 3);
  const [main, ...more] = groups.map(([path, group]) => ({
    param: paramOf(path),
    expected: expectationOf(group),
  }));
  if (main === undefined) return { param: '', message: 'Invalid request body.' };
  const where = (param: string) => (param === '' ? 'the body' : `'${param}'`);
  const message = [
    `Invalid value for ${where(main.param)}: expected ${main.expected}.`,
    ...more.map((group) => `At ${where(group.param)}: expected ${group.expected}.`),
  ].join(' ');
  return { param: main.param, message };
}
