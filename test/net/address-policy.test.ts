import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import {
  type AddressClass,
  addressRefusal,
  assertAllowedAddress,
  classifyAddress,
} from '../../shared/net/address-policy.ts';

const examples: Record<AddressClass, string[]> = {
  metadata: [
    '169.254.169.254',
    '169.254.170.2',
    '169.254.170.23',
    '100.100.100.200',
    'fd00:ec2::254',
    'FD00:0EC2:0:0:0:0:0:0254',
    'fd00:ec2::23',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '0:0:0:0:0:ffff:a9fe:a9fe',
    '::a9fe:a9fe',
    '::169.254.169.254',
    '::ffff:0:a9fe:a9fe',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b::169.254.169.254',
    '2002:a9fe:a9fe::1',
  ],
  'link-local': [
    '169.254.0.1',
    '169.254.255.255',
    'fe80::1',
    'febf:ffff::1',
    'fe80::1%eth0',
    '::ffff:169.254.1.1',
  ],
  loopback: ['127.0.0.1', '127.255.255.254', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::7f00:1'],
  unspecified: ['0.0.0.0', '0.1.2.3', '::', '::ffff:0.0.0.0', '::0.0.0.2'],
  multicast: ['224.0.0.1', '239.255.255.250', 'ff02::1', 'ff05::1:3', '::ffff:224.0.0.251'],
  broadcast: ['255.255.255.255', '::ffff:255.255.255.255'],
  reserved: ['240.0.0.1', '254.1.2.3', '64:ff9b:1::a9fe:a9fe', '64:ff9b:1:a9:fe00:a9fe::'],
  private: [
    '10.0.0.1',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    'fc00::1',
    'fd12:3456::1',
    'fd00:ec2::1',
    '::ffff:10.1.2.3',
    '64:ff9b::a01:203',
  ],
  public: [
    '1.1.1.1',
    '172.32.0.1',
    '169.253.255.255',
    '169.255.0.1',
    '203.0.113.10',
    '223.255.255.255',
    '2600:1f18::1',
    'fe7f::1',
    'fe00::1',
    '::ffff:203.0.113.10',
    '64:ff9b::cb00:710a',
  ],
};

describe('classifyAddress', () => {
  for (const [kind, addresses] of Object.entries(examples)) {
    it.each(addresses)(`classifies %s as ${kind}`, (address) => {
      // Act
      const classified = classifyAddress(address);

      // Assess
      expect(classified).toBe(kind);
    });
  }

  it('classifies the deprecated IPv6 site-local range as private', () => {
    expect(classifyAddress('fec0::1')).toBe('private');
  });

  it.each(['vault.example.com', '169.254.169.254.', '0xA9FEA9FE', '2852039166', '[::1]', ''])(
    'refuses %j, which is not an IP address',
    (text) => {
      expect(() => classifyAddress(text)).toThrow(ValidationError);
    },
  );
});

describe('assertAllowedAddress', () => {
  it.each([...examples.private, ...examples.public])('allows %s', (address) => {
    expect(addressRefusal(address, { allowLoopback: false })).toBeUndefined();
    expect(() => assertAllowedAddress(address, { allowLoopback: false })).not.toThrow();
  });

  it.each([
    ['169.254.169.254', /metadata/],
    ['fd00:ec2::254', /metadata/],
    ['169.254.1.1', /link-local/],
    ['fe80::1', /link-local/],
    ['0.0.0.0', /unspecified/],
    ['::', /unspecified/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['240.0.0.1', /reserved/],
  ])('always refuses %s, saying why', (address, why) => {
    for (const allowLoopback of [false, true]) {
      expect(() => assertAllowedAddress(address, { allowLoopback })).toThrow(why);
    }
  });

  it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1'])(
    'refuses loopback %s unless loopback is allowed',
    (address) => {
      // Act
      const refused = () => assertAllowedAddress(address, { allowLoopback: false });
      const allowed = () => assertAllowedAddress(address, { allowLoopback: true });

      // Assess
      expect(refused).toThrow(ValidationError);
      expect(refused).toThrow('loopback is only allowed in local mode');
      expect(allowed).not.toThrow();
    },
  );

  it('names the host that resolved to the address, and the field, in the message and details', () => {
    // Act
    let thrown: unknown;
    try {
      assertAllowedAddress('169.254.169.254', {
        allowLoopback: false,
        host: 'vault.test',
        field: 'config.url',
      });
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(ValidationError);
    const error = thrown as ValidationError;
    expect(error.message).toMatch(
      /^config\.url: "vault\.test" resolves to 169\.254\.169\.254, a cloud instance metadata/,
    );
    expect(error.details).toEqual([
      { path: 'config.url', message: expect.stringContaining('"vault.test" resolves to') },
    ]);
  });
});
