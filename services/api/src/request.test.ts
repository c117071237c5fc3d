import { describe, expect, it } from 'vitest';
import { Permission, allPermissions } from '@plumbline/core';
import { routeAccess } from './access';
import { limitParam, nestsDeeperThan, onlyFields } from './request';

describe('request limits', () => {
  it('measures nesting without recursion, arrays and objects alike', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i += 1) deep = i % 2 === 0 ? [deep] : { a: deep };
    expect(nestsDeeperThan(deep, 64)).toBe(true);
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
    expect(nestsDeeperThan('text', 0)).toBe(false);
  });

  it('caps page sizes and refuses what is not a whole number', () => {
    expect(limitParam(undefined, 100, 1_000)).toBe(100);
    expect(limitParam('250', 100, 1_000)).toBe(250);
    for (const raw of ['0', '1001', '2.5', 'all'])
      expect(() => limitParam(raw, 100, 1_000)).toThrow(/from 1 to 1000/);
  });

  it('names unknown fields instead of ignoring them', () => {
    expect(() => onlyFields({ reason: 'x' }, ['reason'])).not.toThrow();
    expect(() => onlyFields({ reason: 'x', role: 'admin' }, ['reason'])).toThrow(
      /unknown field\(s\): role; this route takes reason/,
    );
  });
});

describe('the access table', () => {
  it('names only known permissions, and keeps the health probe the one public route', () => {
    const entries = Object.entries(routeAccess);
    for (const [, access] of entries)
      if (access.kind === 'permission') expect(allPermissions).toContain(access.permission);
    expect(
      entries.filter(([, access]) => access.kind === 'public').map(([route]) => route),
    ).toEqual(['GET /api/health']);
    expect(routeAccess['GET /api/audit']).toEqual({
      kind: 'permission',
      permission: Permission.AuditRead,
    });
  });
});
