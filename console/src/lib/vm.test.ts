import { describe, it, expect } from 'vitest';
import { actionLabel, imagesFor, isFinal, modeSwitch, newVmBody, vmActions } from './vm.ts';

const images = [
  { name: 'personal', kind: 'Personal', withClient: false, digest: 'sha256:1' },
  { name: 'enterprise', kind: 'Enterprise', withClient: true, digest: 'sha256:2' },
];

describe('VM actions', () => {
  it('offers what the state allows', () => {
    expect(vmActions({ name: 'a', state: 'running', clientInstalled: true })).toEqual(['stop', 'delete']);
    expect(vmActions({ name: 'a', state: 'stopped', clientInstalled: false })).toEqual(['start', 'install-client', 'delete']);
    expect(vmActions({ name: 'a', state: 'crashed' })).toEqual(['start', 'delete']);
  });
  it('offers nothing while an operation is in flight or for a registered-only device', () => {
    expect(vmActions({ name: 'a', state: 'running', pending: 'stop' })).toEqual([]);
    expect(vmActions({ name: 'a', state: 'creating' })).toEqual([]);
    expect(vmActions({ name: 'VM:x', state: 'unknown', registeredOnly: true, clientInstalled: true })).toEqual([]);
  });
  it('labels actions', () => {
    expect(actionLabel('install-client')).toBe('Install DM client');
    expect(actionLabel('stop')).toBe('Stop');
  });
  it('knows final operation states', () => {
    expect(isFinal('succeeded')).toBe(true);
    expect(isFinal('expired')).toBe(true);
    expect(isFinal('sent')).toBe(false);
  });
});

describe('VM create form', () => {
  it('builds the documented body; withClient only when the operator overrides the image', () => {
    expect(newVmBody({ name: ' web-01 ', kind: 'enterprise', image: 'enterprise', withClient: 'image' }, images)).toEqual({ name: 'web-01', kind: 'enterprise', image: 'enterprise' });
    expect(newVmBody({ name: 'p1', kind: 'personal', image: 'personal', withClient: 'yes' }, images)).toEqual({ name: 'p1', kind: 'personal', image: 'personal', withClient: true });
    expect(newVmBody({ name: 'p1', kind: 'personal', image: 'personal', withClient: 'no' }, images)).toMatchObject({ withClient: false });
  });
  it('sends a management mode only for a VM with a DM client', () => {
    expect(newVmBody({ name: 'e1', kind: 'enterprise', image: 'enterprise', withClient: 'image', mode: 'proxy' }, images)).toMatchObject({ mode: 'proxy' });
    expect(newVmBody({ name: 'e1', kind: 'enterprise', image: 'enterprise', withClient: 'image', mode: '' }, images)).not.toHaveProperty('mode');
    expect(newVmBody({ name: 'p1', kind: 'personal', image: 'personal', withClient: 'image', mode: 'transparent' }, images)).toMatchObject({ field: 'mode' });
    expect(newVmBody({ name: 'p1', kind: 'personal', image: 'personal', withClient: 'yes', mode: 'transparent' }, images)).toMatchObject({ withClient: true, mode: 'transparent' });
    expect(newVmBody({ name: 'e1', kind: 'enterprise', image: 'enterprise', withClient: 'no', mode: 'direct' }, images)).toMatchObject({ field: 'mode' });
  });
  it('switches direct ↔ transparent behind a gateway only', () => {
    expect(modeSwitch({ mode: 'direct', via: 'H' })).toBe('transparent');
    expect(modeSwitch({ mode: 'transparent', via: 'H' })).toBe('direct');
    expect(modeSwitch({ mode: 'proxy', via: 'H' })).toBeUndefined();
    expect(modeSwitch({ mode: 'direct' })).toBeUndefined();
  });
  it('refuses what the server would refuse', () => {
    expect(newVmBody({ name: '-x', kind: 'personal', image: 'personal', withClient: 'image' }, images)).toMatchObject({ field: 'name' });
    expect(newVmBody({ name: 'a'.repeat(65), kind: 'personal', image: 'personal', withClient: 'image' }, images)).toMatchObject({ field: 'name' });
    expect(newVmBody({ name: 'a/b', kind: 'personal', image: 'personal', withClient: 'image' }, images)).toMatchObject({ field: 'name' });
    expect(newVmBody({ name: 'ok', kind: 'personal', image: 'nope', withClient: 'image' }, images)).toMatchObject({ field: 'image' });
  });
  it('lists the images built for the kind first', () => {
    expect(imagesFor('enterprise', images).map((i) => i.name)).toEqual(['enterprise', 'personal']);
    expect(imagesFor('personal', images).map((i) => i.name)).toEqual(['personal', 'enterprise']);
  });
});
