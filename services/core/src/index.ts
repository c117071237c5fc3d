// Public surface of @plumbline/core: pure domain logic, no I/O.
export * from './errors';
export * from './validation-error';
export * from './envelope/envelope';
export * from './envelope/ingest-subject';
export * from './envelope/parse-envelope';
export * from './contracts/contract';
export * from './contracts/annotations';
export * from './contracts/contract-registry';
export * from './contracts/contract-validators';
export * from './contracts/dataschema';
export * from './contracts/fingerprint';
export * from './governance/outcome';
export * from './governance/decision';
export * from './governance/policy-gate';
export * from './governance/governance-engine';
export * from './policies/policy-set';
export * from './lineage/lineage-row';
