import { AnnotationKeyword } from './annotations';
import type { JsonSchema } from './contract';

/** Lint rules a contract owner sees on every registration; a registry setting can make any mandatory. */
export const LintRule = {
  BusinessKey: 'business-key',
  Descriptions: 'descriptions',
  AdditionalPropertiesExplicit: 'additional-properties-explicit',
  SensitiveMarked: 'sensitive-marked',
} as const;
export type LintRule = (typeof LintRule)[keyof typeof LintRule];
export const allLintRules: readonly LintRule[] = Object.values(LintRule);

export interface LintFinding {
  readonly rule: LintRule;
  readonly pointer: string;
  readonly message: string;
}

/** Property names that usually hold personal or financial data. */
const sensitiveName =
  /(e_?mail|phone|mobile|bank|iban|account_number|national_id|ssn|social_security|tax_id|passport|birth|salary|hourly_rate|wage)/i;

export function lintContract(schema: JsonSchema): LintFinding[] {
  const findings: LintFinding[] = [];
  if (typeof schema !== 'object') return findings;
  const top = (schema.properties ?? {}) as Record<string, unknown>;
  const keys = Object.entries(top).filter(
    ([, property]) =>
      typeof property === 'object' &&
      property !== null &&
      (property as Record<string, unknown>)[AnnotationKeyword.BusinessKey] === true,
  );
  if (keys.length !== 1) {
    findings.push({
      rule: LintRule.BusinessKey,
      pointer: '/properties',
      message:
        keys.length === 0
          ? 'no property is marked "x-business-key": true'
          : `${keys.length} properties are marked as the business key; mark exactly one`,
    });
  }
  const visit = (node: unknown, pointer: string) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const object = node as Record<string, unknown>;
    const properties = object.properties;
    if (properties !== null && typeof properties === 'object') {
      if (object.additionalProperties === undefined && object.unevaluatedProperties === undefined) {
        findings.push({
          rule: LintRule.AdditionalPropertiesExplicit,
          pointer,
          message:
            'declare additionalProperties (false for a closed record, or a schema) instead of leaving it open by default',
        });
      }
      for (const [name, property] of Object.entries(properties as Record<string, unknown>)) {
        const at = `${pointer}/properties/${name}`;
        const keywords = (property ?? {}) as Record<string, unknown>;
        if (typeof keywords.description !== 'string' || keywords.description.trim() === '') {
          findings.push({
            rule: LintRule.Descriptions,
            pointer: at,
            message: `property '${name}' has no description`,
          });
        }
        if (sensitiveName.test(name) && keywords[AnnotationKeyword.Sensitive] !== true) {
          findings.push({
            rule: LintRule.SensitiveMarked,
            pointer: at,
            message: `'${name}' looks like personal or financial data; mark it "x-sensitive": true (or rename it)`,
          });
        }
      }
    }
    for (const [key, value] of Object.entries(object)) {
      if (key === 'properties' && value !== null && typeof value === 'object') {
        for (const [name, property] of Object.entries(value as Record<string, unknown>))
          visit(property, `${pointer}/properties/${name}`);
      } else if (
        ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains'].includes(key)
      ) {
        visit(value, `${pointer}/${key}`);
      } else if (['allOf', 'anyOf', 'oneOf', 'prefixItems'].includes(key) && Array.isArray(value)) {
        value.forEach((item, index) => visit(item, `${pointer}/${key}/${index}`));
      } else if (
        ['$defs', 'definitions'].includes(key) &&
        value !== null &&
        typeof value === 'object'
      ) {
        for (const [name, item] of Object.entries(value as Record<string, unknown>))
          visit(item, `${pointer}/${key}/${name}`);
      }
    }
  };
  visit(schema, '');
  return findings;
}
