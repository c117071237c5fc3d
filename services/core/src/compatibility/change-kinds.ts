/**
 * Kinds of difference between two schema versions, named as Confluent Schema Registry names them
 * so that users who know it recognise them. Each is compatible or not for a BACKWARD check
 * (a reader using the new schema can read data written with the old one).
 */
export const compatibleKinds: ReadonlySet<string> = new Set([
  'ID_CHANGED',
  'DESCRIPTION_CHANGED',
  'TITLE_CHANGED',
  'DEFAULT_CHANGED',
  'SCHEMA_REMOVED',
  'TYPE_EXTENDED',
  'MAX_LENGTH_INCREASED',
  'MAX_LENGTH_REMOVED',
  'MIN_LENGTH_DECREASED',
  'MIN_LENGTH_REMOVED',
  'PATTERN_REMOVED',
  'MAXIMUM_INCREASED',
  'MAXIMUM_REMOVED',
  'MINIMUM_DECREASED',
  'MINIMUM_REMOVED',
  'EXCLUSIVE_MAXIMUM_INCREASED',
  'EXCLUSIVE_MAXIMUM_REMOVED',
  'EXCLUSIVE_MINIMUM_DECREASED',
  'EXCLUSIVE_MINIMUM_REMOVED',
  'MULTIPLE_OF_REDUCED',
  'MULTIPLE_OF_REMOVED',
  'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED',
  'REQUIRED_ATTRIBUTE_REMOVED',
  'DEPENDENCY_ARRAY_NARROWED',
  'DEPENDENCY_ARRAY_REMOVED',
  'DEPENDENCY_SCHEMA_REMOVED',
  'MAX_PROPERTIES_INCREASED',
  'MAX_PROPERTIES_REMOVED',
  'MIN_PROPERTIES_DECREASED',
  'MIN_PROPERTIES_REMOVED',
  'ADDITIONAL_PROPERTIES_ADDED',
  'ADDITIONAL_PROPERTIES_EXTENDED',
  'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL',
  'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'MAX_ITEMS_INCREASED',
  'MAX_ITEMS_REMOVED',
  'MIN_ITEMS_DECREASED',
  'MIN_ITEMS_REMOVED',
  'UNIQUE_ITEMS_REMOVED',
  'ADDITIONAL_ITEMS_ADDED',
  'ADDITIONAL_ITEMS_EXTENDED',
  'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL',
  'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'ENUM_ARRAY_EXTENDED',
  'COMBINED_TYPE_EXTENDED',
  'PRODUCT_TYPE_NARROWED',
  'SUM_TYPE_EXTENDED',
  'NOT_TYPE_NARROWED',
]);

/**
 * Lenient mode (per subject), as Confluent's lenient set: also compatible are adding a property to
 * an open content model (optional, or required with a default), closing or narrowing
 * `additionalProperties`, and a property added or removed that the partially open model does not
 * cover. These are the changes producers make most often; a strict reading refuses them because an
 * old writer could have sent anything under a name the old schema did not list. (The NOT_COVERED
 * kinds never decide a verdict alone: the incompatible difference underneath is reported too.)
 */
export const lenientKinds: ReadonlySet<string> = new Set([
  ...compatibleKinds,
  'OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
  'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL',
  'ADDITIONAL_PROPERTIES_REMOVED',
  'ADDITIONAL_PROPERTIES_NARROWED',
  'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
]);

/** Numeric keywords whose kinds are `<PREFIX>_ADDED | _REMOVED | _INCREASED | _DECREASED`. */
const limits: Readonly<Record<string, { keyword: string; upperBound: boolean }>> = {
  MAX_LENGTH: { keyword: 'maxLength', upperBound: true },
  MIN_LENGTH: { keyword: 'minLength', upperBound: false },
  MAXIMUM: { keyword: 'maximum', upperBound: true },
  MINIMUM: { keyword: 'minimum', upperBound: false },
  EXCLUSIVE_MAXIMUM: { keyword: 'exclusiveMaximum', upperBound: true },
  EXCLUSIVE_MINIMUM: { keyword: 'exclusiveMinimum', upperBound: false },
  MAX_ITEMS: { keyword: 'maxItems', upperBound: true },
  MIN_ITEMS: { keyword: 'minItems', upperBound: false },
  MAX_PROPERTIES: { keyword: 'maxProperties', upperBound: true },
  MIN_PROPERTIES: { keyword: 'minProperties', upperBound: false },
};

/**
 * One sentence for a change: what changed, where, and (for an incompatible change) why data
 * written before may no longer be read.
 */
export function describeChange(
  kind: string,
  pointer: string,
  oldValue: unknown,
  newValue: unknown,
  compatible = compatibleKinds.has(kind),
): string {
  const at = place(pointer);
  const parent = place(pointer.replace(/\/[^/]*$/, '') || '#/');
  const verdict = compatible
    ? 'compatible: it accepts everything accepted before'
    : lenientKinds.has(kind)
      ? 'incompatible unless the subject is lenient: data written with the old schema may be refused'
      : 'incompatible: data written with the old schema may be refused';
  // `#/required/foo` names property `foo` of the object at `#/`.
  const required = /^(.*)\/required\/([^/]*)$/.exec(pointer);
  const requiredName = `"${required?.[2] ?? ''}" of the object at ${place(required?.[1] || '#/')}`;

  const limit = /^(.*)_(ADDED|REMOVED|INCREASED|DECREASED)$/.exec(kind);
  const bound = limit === null ? undefined : limits[limit[1] ?? ''];
  if (limit !== null && bound !== undefined) {
    const change = {
      ADDED: `was added (${show(newValue)})`,
      REMOVED: `was removed (was ${show(oldValue)})`,
      INCREASED: `went up from ${show(oldValue)} to ${show(newValue)}`,
      DECREASED: `went down from ${show(oldValue)} to ${show(newValue)}`,
    }[limit[2] as 'ADDED' | 'REMOVED' | 'INCREASED' | 'DECREASED'];
    return `${bound.keyword} at ${parent} ${change}; ${verdict}.`;
  }

  const values =
    oldValue !== undefined || newValue !== undefined
      ? ` (was ${show(oldValue)}, now ${show(newValue)})`
      : '';
  const sentences: Readonly<Record<string, string>> = {
    ID_CHANGED: `$id at ${at} changed`,
    TITLE_CHANGED: `title at ${at} changed`,
    DESCRIPTION_CHANGED: `description at ${at} changed`,
    DEFAULT_CHANGED: `default at ${at} changed`,
    TYPE_CHANGED: `the type at ${at} changed${values}`,
    TYPE_NARROWED: `${at} now accepts only integers where it accepted any number`,
    TYPE_EXTENDED: `${at} now accepts any number where it accepted only integers`,
    SCHEMA_ADDED: `a schema was added at ${at} where anything was accepted`,
    SCHEMA_REMOVED: `the schema at ${at} was removed, so anything is accepted there`,
    PATTERN_ADDED: `a pattern was added at ${parent}${values}`,
    PATTERN_REMOVED: `the pattern at ${parent} was removed${values}`,
    PATTERN_CHANGED: `the pattern at ${parent} changed${values}`,
    MULTIPLE_OF_ADDED: `multipleOf was added at ${parent}${values}`,
    MULTIPLE_OF_REMOVED: `multipleOf was removed at ${parent}${values}`,
    MULTIPLE_OF_EXPANDED: `multipleOf at ${parent} became a multiple of the old value${values}`,
    MULTIPLE_OF_REDUCED: `multipleOf at ${parent} became a divisor of the old value${values}`,
    MULTIPLE_OF_CHANGED: `multipleOf at ${parent} changed${values}`,
    REQUIRED_ATTRIBUTE_ADDED: `property ${requiredName} became required, and data written before may not have it`,
    REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED: `property ${requiredName} became required, with a default for data that lacks it`,
    REQUIRED_ATTRIBUTE_REMOVED: `property ${requiredName} is no longer required`,
    PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: `property ${at} was added to an open object, where data written before may hold anything under that name`,
    OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: `optional property ${at} was added to an open object, where data written before may hold anything under that name`,
    REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: `required property ${at} was added to an open object: data written before may lack it or hold anything under that name`,
    REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL: `required property ${at}, with a default, was added to an open object, where data written before may hold anything under that name`,
    PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL: `property ${at} was added to an open object with a schema that accepts anything`,
    REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: `required property ${at} was added, and data written before does not have it`,
    REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL: `required property ${at} was added with a default for data written before`,
    OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: `optional property ${at} was added to an object that did not accept unknown properties`,
    PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL: `property ${at} was removed, and the object still accepts any extra property`,
    PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL: `property ${at} was removed from a closed object, so data written before that carries it would be refused`,
    PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL: `property ${at}, which could never be present, was removed from a closed object`,
    PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: `property ${at} was added with a schema that reads what the old patternProperties/additionalProperties allowed under that name`,
    PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: `property ${at} was added with a schema that does not read what the old patternProperties/additionalProperties allowed under that name`,
    PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: `property ${at} was removed, and the new patternProperties/additionalProperties still read what it held`,
    PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: `property ${at} was removed, and the new patternProperties/additionalProperties do not read what it held`,
    ADDITIONAL_PROPERTIES_ADDED: `the object at ${parent} now accepts extra properties`,
    ADDITIONAL_PROPERTIES_REMOVED: `the object at ${parent} no longer accepts extra properties, which data written before may carry`,
    ADDITIONAL_PROPERTIES_EXTENDED: `extra properties of the object at ${parent} may now hold anything`,
    ADDITIONAL_PROPERTIES_NARROWED: `extra properties of the object at ${parent} must now match a schema, which those written before may not`,
    DEPENDENCY_ARRAY_ADDED: `a property dependency was added at ${at}`,
    DEPENDENCY_ARRAY_REMOVED: `a property dependency was removed at ${at}`,
    DEPENDENCY_ARRAY_EXTENDED: `the property dependency at ${at} now requires more properties${values}`,
    DEPENDENCY_ARRAY_NARROWED: `the property dependency at ${at} now requires fewer properties${values}`,
    DEPENDENCY_ARRAY_CHANGED: `the property dependency at ${at} changed${values}`,
    DEPENDENCY_SCHEMA_ADDED: `a schema dependency was added at ${at}`,
    DEPENDENCY_SCHEMA_REMOVED: `a schema dependency was removed at ${at}`,
    UNIQUE_ITEMS_ADDED: `items of the array at ${parent} must now be unique`,
    UNIQUE_ITEMS_REMOVED: `items of the array at ${parent} no longer need to be unique`,
    ADDITIONAL_ITEMS_ADDED: `the array at ${parent} now accepts items past its tuple`,
    ADDITIONAL_ITEMS_REMOVED: `the array at ${parent} no longer accepts items past its tuple`,
    ADDITIONAL_ITEMS_EXTENDED: `items past the tuple of the array at ${parent} may now hold anything`,
    ADDITIONAL_ITEMS_NARROWED: `items past the tuple of the array at ${parent} must now match a schema`,
    ITEM_ADDED_TO_OPEN_CONTENT_MODEL: `tuple item ${at} was added to an open array, where data written before may hold anything at that position`,
    ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL: `tuple item ${at} was added to an open array with a schema that accepts anything`,
    ITEM_ADDED_TO_CLOSED_CONTENT_MODEL: `tuple item ${at} was added to an array that accepted nothing at that position`,
    ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL: `tuple item ${at} was removed, and the array still accepts any extra item`,
    ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL: `tuple item ${at} was removed from a closed array, so data written before that has it would be refused`,
    ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL: `tuple item ${at}, which could never be present, was removed from a closed array`,
    ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: `tuple item ${at} was added with a schema that reads what the old additional items allowed there`,
    ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: `tuple item ${at} was added with a schema that does not read what the old additional items allowed there`,
    ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: `tuple item ${at} was removed, and the new additional items still read what it held`,
    ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: `tuple item ${at} was removed, and the new additional items do not read what it held`,
    ENUM_ARRAY_EXTENDED: `values were added to the enum at ${parent}${values}`,
    ENUM_ARRAY_NARROWED: `values were removed from the enum at ${parent}${values}`,
    ENUM_ARRAY_CHANGED: pointer.endsWith('/const')
      ? `the const value at ${parent} changed${values}`
      : `the enum at ${parent} changed${values}`,
    COMBINED_TYPE_EXTENDED: `the combination at ${at} changed to a wider one${values}`,
    COMBINED_TYPE_CHANGED: `the combination at ${at} changed from one allOf/anyOf/oneOf to another that accepts different data${values}`,
    COMBINED_TYPE_SUBSCHEMAS_CHANGED: `some alternatives at ${at} have no compatible counterpart in the new schema`,
    PRODUCT_TYPE_EXTENDED: `allOf at ${at} gained a member, so data must satisfy more`,
    PRODUCT_TYPE_NARROWED: `allOf at ${at} lost a member, so data must satisfy less`,
    SUM_TYPE_EXTENDED: `${at} gained an alternative`,
    SUM_TYPE_NARROWED: `${at} lost an alternative of anyOf/oneOf`,
    NOT_TYPE_EXTENDED: `'not' at ${parent} now excludes more`,
    NOT_TYPE_NARROWED: `'not' at ${parent} now excludes less`,
  };
  const sentence =
    sentences[kind] ?? `${kind.toLowerCase().replaceAll('_', ' ')} at ${at}${values}`;
  return `${capitalise(sentence)}; ${verdict}.`;
}

/** `#/properties/amount` → `/properties/amount`; the root → `the root`. */
function place(pointer: string): string {
  return pointer === '#/' || pointer === '#' ? 'the root' : pointer.replace(/^#/, '');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function show(value: unknown): string {
  return value === undefined ? 'absent' : JSON.stringify(value);
}
