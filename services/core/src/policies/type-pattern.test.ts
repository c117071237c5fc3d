import { describe, expect, it } from 'vitest';
import {
  compileTypePattern,
  isExactType,
  patternSpecificity,
  patternsOverlap,
} from './type-pattern';

describe('type patterns', () => {
  it.each([
    ['*', 'change_order.approved', true],
    ['change_order.approved', 'change_order.approved', true],
    ['change_order.approved', 'change_order.submitted', false],
    ['change_order.*', 'change_order.approved', true],
    ['change_order.*', 'change_order.approved.v2', false],
    ['*.approved', 'purchase_order.approved', true],
    ['finance.>', 'finance.invoice.posted', true],
    ['finance.>', 'finance', false],
    ['finance.>', 'costs.invoice', false],
    ['finance.>', 'finance.invoice', true],
    ['finance.*.posted', 'finance.invoice.posted', true],
    ['finance.*.posted', 'finance.invoice.voided', false],
    ['*.approved.>', 'change_order.approved.v2', true],
    ['>', 'anything.at_all', true],
  ])('%s matches %s: %s', (pattern, type, expected) => {
    expect(compileTypePattern(pattern)(type)).toBe(expected);
  });

  it('ranks exact above wildcards and more fixed tokens above fewer', () => {
    expect(patternSpecificity('a.b')).toBeGreaterThan(patternSpecificity('a.*'));
    expect(patternSpecificity('a.*')).toBeGreaterThan(patternSpecificity('*'));
    expect(patternSpecificity('a.b.>')).toBeGreaterThan(patternSpecificity('a.>'));
  });
});

describe('pattern overlap', () => {
  it.each([
    ['a.b', 'a.b', true],
    ['a.b', 'a.c', false],
    ['a.*', '*.b', true],
    ['a.*', 'a.b.c', false],
    ['a.>', 'a.b.c', true],
    ['a.>', 'a', false],
    ['a.>', 'b.>', false],
    ['*', 'x.y.z', true],
    ['a.*.c', 'a.b.*', true],
    ['a.*.c', 'a.b.d', false],
  ])('%s and %s overlap: %s', (a, b, expected) => {
    expect(patternsOverlap(a, b)).toBe(expected);
    expect(patternsOverlap(b, a)).toBe(expected);
  });
});

describe('exact types', () => {
  it('tells exact types from patterns; a star inside a token is literal', () => {
    expect(isExactType('invoice.posted')).toBe(true);
    expect(isExactType('invoice.*')).toBe(false);
    expect(isExactType('invoice.>')).toBe(false);
    expect(isExactType('*')).toBe(false);
    expect(compileTypePattern('change_*.approved')('change_order.approved')).toBe(false);
    expect(compileTypePattern('change_*.approved')('change_*.approved')).toBe(true);
  });
});
