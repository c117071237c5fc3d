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
 * Lenient mode (per subject): also compatible are adding an optional property to an open
 * content model, and closing or narrowing `additionalProperties`: the changes producers make
 * most often, refused by a strict reading because an old writer could have sent anything there.
 */
export const lenientKinds: ReadonlySet<string> = new Set([
  ...compatibleKinds,
  'OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
  'ADDITIONAL_PROPERTIES_REMOVED',
  'ADDITIONAL_PROPERTIES_NARROWED',
]);

/** A sentence for a kind, given where it is. */
export function describeChange(
  kind: string,
  pointer: string,
  oldValue: unknown,
  newValue: unknown,
): string {
  const at = pointer === '#/' || pointer === '#' ? 'the root' : pointer.slice(1);
  const values =
    oldValue !== undefined || newValue !== undefined
      ? ` (was ${show(oldValue)}, now ${show(newValue)})`
      : '';
  const sentences: Record<string, string> = {
    TYPE_CHANGED: `the type at ${at} changed, so data written before cannot be read`,
    TYPE_NARROWED: `${at} now accepts fewer types (number became integer)`,
    TYPE_EXTENDED: `${at} now accepts more types`,
    SCHEMA_ADDED: `a schema was added at ${at} where there was none`,
    SCHEMA_REMOVED: `the schema at ${at} was removed`,
    REQUIRED_ATTRIBUTE_ADDED: `${at} became required; data written before may not have it`,
    REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: `a new required property ${at} was added; data written before does not have it`,
    REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: `a new required property ${at} was added to an open object`,
    PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: `property ${at} was added to an open object: data written before may hold anything under that name`,
    OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: `optional property ${at} was added to an open object: data written before may hold anything under that name (compatible in lenient mode)`,
    PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL: `property ${at} was removed from a closed object: data written before still carries it and would be refused`,
    PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: `property ${at} was added with a schema that the old additionalProperties/patternProperties did not cover`,
    PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: `property ${at} was removed, and the new additionalProperties/patternProperties do not accept what it held`,
    ADDITIONAL_PROPERTIES_REMOVED: `additionalProperties at ${at} is now closed: data written before may carry extra properties (compatible in lenient mode)`,
    ADDITIONAL_PROPERTIES_NARROWED: `additionalProperties at ${at} now has a schema: extra properties written before may not match it (compatible in lenient mode)`,
    ITEM_ADDED_TO_OPEN_CONTENT_MODEL: `tuple item ${at} was added to an open array`,
    ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL: `tuple item ${at} was removed from a closed array`,
    ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: `tuple item ${at} was added with a schema the old additionalItems did not cover`,
    ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: `tuple item ${at} was removed and the new additionalItems do not cover it`,
    ADDITIONAL_ITEMS_REMOVED: `additionalItems at ${at} is now closed`,
    ADDITIONAL_ITEMS_NARROWED: `additionalItems at ${at} now has a schema`,
    ENUM_ARRAY_NARROWED: `values were removed from the enum at ${at}`,
    ENUM_ARRAY_CHANGED: `the enum at ${at} changed`,
    COMBINED_TYPE_CHANGED: `the combination keyword at ${at} changed (allOf/anyOf/oneOf)`,
    COMBINED_TYPE_SUBSCHEMAS_CHANGED: `the alternatives at ${at} changed so that some old ones have no compatible match`,
    PRODUCT_TYPE_EXTENDED: `allOf at ${at} gained a schema: data must now satisfy more`,
    SUM_TYPE_NARROWED: `${at} lost an alternative of anyOf/oneOf`,
    NOT_TYPE_EXTENDED: `'not' at ${at} now excludes more`,
    DEPENDENCY_ARRAY_ADDED: `a property dependency was added at ${at}`,
    DEPENDENCY_ARRAY_EXTENDED: `a property dependency at ${at} now requires more`,
    DEPENDENCY_ARRAY_CHANGED: `a property dependency at ${at} changed`,
    DEPENDENCY_SCHEMA_ADDED: `a schema dependency was added at ${at}`,
    UNIQUE_ITEMS_ADDED: `items at ${at} must now be unique`,
    PATTERN_ADDED: `a pattern was added at ${at}`,
    PATTERN_CHANGED: `the pattern at ${at} changed`,
  };
  const generic = kind.toLowerCase().replaceAll('_', ' ');
  return (sentences[kind] ?? `${generic} at ${at}`) + values;
}

function show(value: unknown): string {
  return value === undefined ? 'absent' : JSON.stringify(value);
}
