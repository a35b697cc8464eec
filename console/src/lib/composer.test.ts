import { describe, it, expect } from 'vitest';
import { emptyRow, toCommand } from './composer.ts';

describe('composer', () => {
  it('sends only what each verb uses', () => {
    const full = { target: ' ./A/B ', source: ' ./S ', data: ' x ', format: 'chr', type: 'text/plain' };
    expect(toCommand({ ...emptyRow(), ...full, verb: 'Get' })).toEqual({ verb: 'Get', target: './A/B' });
    expect(toCommand({ ...emptyRow(), ...full, verb: 'Delete' })).toEqual({ verb: 'Delete', target: './A/B' });
    expect(toCommand({ ...emptyRow(), ...full, verb: 'Replace' })).toEqual({ verb: 'Replace', target: './A/B', data: ' x ', format: 'chr', type: 'text/plain' });
    expect(toCommand({ ...emptyRow(), ...full, verb: 'Copy' })).toEqual({ verb: 'Copy', target: './A/B', source: './S', format: 'chr', type: 'text/plain' });
    expect(toCommand({ ...emptyRow(), ...full, verb: 'Exec', data: '', format: '', type: ' ' })).toEqual({ verb: 'Exec', target: './A/B' });
  });
});
