import { describe, expect, it } from 'vitest';
import { compactRows } from './chdb-store';

const decode = (body: Buffer) => body.toString('utf8').split('\n');

describe('compactRows', () => {
  it('sends rows with the same fields once as column names, then one array per row', () => {
    const compact = compactRows([
      { id: 1, name: 'a', tags: { k: 'v' } },
      { name: "it's", id: 2, tags: {} },
    ]);
    expect(compact?.columns).toEqual(['id', 'name', 'tags']);
    expect(decode(compact!.body)).toEqual(['[1,"a",{"k":"v"}]', '[2,"it\'s",{}]']);
  });

  it('keeps a field present but undefined as null (the column default), like JSONEachRow', () => {
    expect(decode(compactRows([{ id: 1, note: undefined }])!.body)).toEqual(['[1,null]']);
  });

  it('declines rows whose fields differ, so that no field is dropped or misplaced', () => {
    expect(compactRows([{ id: 1, a: 'x' }, { id: 2 }])).toBeUndefined();
    expect(compactRows([{ id: 1 }, { id: 2, a: 'x' }])).toBeUndefined();
    expect(
      compactRows([
        { id: 1, a: 'x' },
        { id: 2, b: 'y' },
      ]),
    ).toBeUndefined();
    expect(compactRows([])).toBeUndefined();
  });
});
