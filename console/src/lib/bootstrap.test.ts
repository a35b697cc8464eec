import { describe, it, expect } from 'vitest';
import { describeBootstrapMethod, describeEnrollment, describeProfile, enrollmentConfig } from './bootstrap.ts';

describe('bootstrap in words', () => {
  it('says what a profile issues', () => {
    expect(describeProfile({ name: 'default', profile: 'dm', form: 'tnds', clientAuth: 'md5', serverAuth: 'md5' }))
      .toBe("Issues a SyncML DM message that adds the account as one TNDS object through ./Inbox; the device is given this server's public DM address, fresh per-device credentials it uses with MD5 digest, and the server proves itself with MD5 digest.");
    const cp = describeProfile({ name: 'x', profile: 'cp', form: 'direct', clientAuth: 'basic', serverAuth: 'none', serverUri: 'https://dm.example.com/dm' });
    expect(cp).toContain('WAP provisioning (CP) document');
    expect(cp).toContain('https://dm.example.com/dm');
    expect(cp).toContain('Basic');
    expect(cp).toContain('does not authenticate');
    expect(describeProfile({ name: 'd', profile: 'dm', form: 'direct', clientAuth: 'hmac', serverAuth: 'md5' })).toContain('adds each ./DMAcc node directly');
  });
  it('says who may enroll', () => {
    expect(describeEnrollment({ profile: 'default' })).toContain('any device');
    expect(describeEnrollment({ profile: 'p', devId: 'VM:1' })).toContain('only the device VM:1');
  });
  it('names bootstrap methods, passing unknown ones through', () => {
    expect(describeBootstrapMethod('client-initiated')).toMatch(/^client-initiated \(/);
    expect(describeBootstrapMethod(undefined)).toBeUndefined();
    expect(describeBootstrapMethod('future')).toBe('future');
  });
  it('gives a client config that names the bootstrap server account', () => {
    const c = JSON.parse(enrollmentConfig({ name: 'fleet-a', secret: 's3cret-s3cret' }, 'http://h/bootstrap')) as { accounts: { clientAuth: { name: string; secret: string } }[]; bootstrap: { server: string } };
    expect(c.accounts[0]!.clientAuth).toEqual({ type: 'BASIC', name: 'fleet-a', secret: 's3cret-s3cret' });
    expect(c.bootstrap.server).toBe('dmvisor-bootstrap');
  });
});
