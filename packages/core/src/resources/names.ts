import { createHash } from 'node:crypto';

/**
 * Kubernetes name rules (apimachinery/pkg/util/validation) with the same messages, so
 * `invalid value: not a DNS 1035 label: [...]` reads exactly as it does from Knative.
 */
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const MAX_NAME_LENGTH = 63;
const SUBDOMAIN_MAX = 253;

const dns1035Msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an " +
  "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', " +
  "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const dns1123LabelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and " +
  "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used " +
  "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const dns1123SubdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or " +
  "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used " +
  "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const qualifiedNameMsg =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end " +
  "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for " +
  "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

function maxLen(n: number): string {
  return `must be no more than ${n} characters`;
}

/** Problems with `value` as a DNS-1035 label; empty when valid. */
export function dns1035LabelErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > MAX_NAME_LENGTH) out.push(maxLen(MAX_NAME_LENGTH));
  if (!DNS1035.test(value)) out.push(dns1035Msg);
  return out;
}

export function isDns1035Label(value: string): boolean {
  return dns1035LabelErrors(value).length === 0;
}

export function dns1123LabelErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > MAX_NAME_LENGTH) out.push(maxLen(MAX_NAME_LENGTH));
  if (!DNS1123_LABEL.test(value)) out.push(dns1123LabelMsg);
  return out;
}

export function dns1123SubdomainErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > SUBDOMAIN_MAX) out.push(maxLen(SUBDOMAIN_MAX));
  if (!DNS1123_SUBDOMAIN.test(value)) out.push(dns1123SubdomainMsg);
  return out;
}

/**
 * Kubernetes' NameIsDNS1035Label(name, prefix): a generateName prefix may end in '-' because
 * random characters follow it.
 */
export function nameIsDns1035Label(name: string, prefix: boolean): string[] {
  const v = prefix && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
  return dns1035LabelErrors(v);
}

/** Qualified names (`[prefix/]name`), used for label and annotation keys and traffic names. */
export function qualifiedNameErrors(value: string): string[] {
  const parts = value.split('/');
  let name = value;
  const out: string[] = [];
  if (parts.length === 2) {
    const [prefix, n] = parts as [string, string];
    name = n;
    if (prefix.length === 0) out.push('prefix part must be non-empty');
    else out.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start " +
        "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex " +
        "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain " +
        "prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) out.push('name part must be non-empty');
  else if (name.length > MAX_NAME_LENGTH) out.push(`name part ${maxLen(MAX_NAME_LENGTH)}`);
  if (name.length > 0 && !QUALIFIED_NAME.test(name)) out.push(qualifiedNameMsg);
  return out;
}

export function labelValueErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > MAX_NAME_LENGTH) out.push(maxLen(MAX_NAME_LENGTH));
  if (!LABEL_VALUE.test(value))
    out.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', " +
        "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or " +
        "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  return out;
}

/**
 * Knative's kmeta.ChildName: `parent + suffix`, but when that exceeds 63 characters the parent
 * is cut and an MD5 of the whole parent keeps children of different long parents apart.
 */
export function childName(parent: string, suffix: string): string {
  const longest = MAX_NAME_LENGTH;
  const md5Len = 32;
  if (parent.length <= longest - suffix.length) return parent + suffix;
  const head = longest - suffix.length - md5Len;
  if (longest - suffix.length <= 0)
    return createHash('md5')
      .update(parent + suffix)
      .digest('hex');
  const hash = createHash('md5').update(parent).digest('hex');
  return (head > 0 ? parent.slice(0, head) : '') + hash + suffix;
}

/** The name the Configuration reconciler gives a revision: `<config>-<generation, 5 digits>`. */
export function revisionName(configurationName: string, generation: number): string {
  return childName(configurationName, `-${String(generation).padStart(5, '0')}`);
}

/**
 * Knative's container name templates are Go templates over the parent object's metadata;
 * Kedge supports the one field people use, `{{.Name}}`.
 */
export function renderNameTemplate(
  template: string,
  parentName: string,
  key = 'container-name-template',
): string | { error: string } {
  const out = template.replace(/\{\{\s*\.Name\s*\}\}/g, parentName);
  if (out.includes('{{') || out.includes('}}'))
    return { error: `invalid value: ${template}: ${key} supports only {{.Name}}` };
  return out;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const GENERATE_SUFFIX = 5;

/**
 * Kubernetes' generateName: the prefix (cut so the result fits 63 characters) plus five
 * characters from an alphabet without vowels. `random` returns [0, 1); inject it in tests.
 */
export function generateName(prefix: string, random: () => number = Math.random): string {
  const head =
    prefix.length > MAX_NAME_LENGTH - GENERATE_SUFFIX ? prefix.slice(0, MAX_NAME_LENGTH - GENERATE_SUFFIX) : prefix;
  let out = head;
  for (let i = 0; i < GENERATE_SUFFIX; i++) out += GENERATE_ALPHABET[Math.floor(random() * GENERATE_ALPHABET.length)]!;
  return out;
}
