import { describe, it, expect } from 'vitest';
import { buildTree, visibleUris, parentUri, refreshTarget, uriSegments } from './tree.ts';

const n = (uri: string, value?: string) => ({ uri, updatedAt: '2026-01-01T00:00:00Z', ...(value !== undefined ? { value } : {}) });

describe('tree', () => {
  const root = buildTree([n('./DevDetail/FwV', '3.0'), n('./DevInfo/Man', 'Acme'), n('./DevDetail/Ext/Conf/X', '1'), n('./DevInfo')]);

  it('fills in interior nodes never read and sorts children', () => {
    expect(root.children.map((c) => c.name)).toEqual(['DevDetail', 'DevInfo']);
    const dd = root.children[0];
    expect(dd.node).toBeUndefined();
    expect(dd.children.map((c) => c.uri)).toEqual(['./DevDetail/Ext', './DevDetail/FwV']);
    expect(dd.children[1].node?.value).toBe('3.0');
    expect(root.children[1].node?.uri).toBe('./DevInfo');
  });

  it('lists visible URIs in display order for keyboard navigation', () => {
    expect(visibleUris(root, new Set(['.']))).toEqual(['.', './DevDetail', './DevInfo']);
    expect(visibleUris(root, new Set(['.', './DevDetail']))).toEqual(['.', './DevDetail', './DevDetail/Ext', './DevDetail/FwV', './DevInfo']);
    expect(visibleUris(root, new Set())).toEqual(['.']);
  });

  it('knows parents and segments', () => {
    expect(parentUri('./A/B')).toBe('./A');
    expect(parentUri('.')).toBeUndefined();
    expect(uriSegments('A/B')).toEqual(['.', 'A', 'B']);
  });

  it('refreshes a leaf by its value and an interior node by its whole subtree', () => {
    expect(refreshTarget(root.children[0].children[1])).toBe('./DevDetail/FwV');
    expect(refreshTarget(root.children[0])).toBe('./DevDetail?list=StructData');
    expect(refreshTarget(root)).toBe('.?list=StructData');
  });
});
