import { describe, expect, it } from 'vitest';
import { compileTypePattern, patternSpecificity } from './type-pattern';

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
  ])('%s matches %s: %s', (pattern, type, expected) => {
    expect(compileTypePattern(pattern)(type)).toBe(expected);
  });

  it('ranks exact above wildcards and more fixed tokens above fewer', () => {
    expect(patternSpecificity('a.b')).toBeGreaterThan(patternSpecificity('a.*'));
    expect(patternSpecificity('a.*')).toBeGreaterThan(patternSpecificity('*'));
    expect(patternSpecificity('a.b.>')).toBeGreaterThan(patternSpecificity('a.>'));
  });
});
