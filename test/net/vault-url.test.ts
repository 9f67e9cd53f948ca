import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { ipLiteralOf, parseVaultUrl, type VaultUrlOptions } from '../../shared/net/vault-url.ts';

const strict: VaultUrlOptions = { allowLoopback: false, allowHttp: false };
const local: VaultUrlOptions = { allowLoopback: true, allowHttp: true };

function refusal(raw: string, options = strict): ValidationError {
  try {
    parseVaultUrl(raw, options);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`parseVaultUrl accepted ${raw}`);
}

describe('parseVaultUrl', () => {
  describe('IP literals, in every spelling a URL parser or inet_aton accepts', () => {
    it.each([
      ['dotted', 'https://169.254.169.254/'],
      ['decimal', 'https://2852039166/'],
      ['hexadecimal', 'https://0xA9FEA9FE/'],
      ['hexadecimal with leading zeros', 'https://0x00000000a9fea9fe/'],
      ['hexadecimal parts', 'https://0xa9.0xfe.0xa9.0xfe/'],
      ['octal', 'https://0251.0376.0251.0376/'],
      ['octal with extra zeros', 'https://0000000251.0376.0251.0376/'],
      ['three parts', 'https://169.254.43518/'],
      ['two parts', 'https://169.16689662/'],
      ['mixed radix', 'https://0xa9.254.0251.0xfe/'],
      ['a trailing dot', 'https://169.254.169.254./'],
      ['percent-encoded digits', 'https://%31%36%39.254.169.254/'],
      ['percent-encoded dots', 'https://169%2e254%2e169%2e254/'],
      ['full-width digits', 'https://１６９.２５４.１６９.２５４/'],
      ['a port and a path', 'https://169.254.169.254:8200/v1/'],
      ['IPv4-mapped IPv6, dotted', 'https://[::ffff:169.254.169.254]/'],
      ['IPv4-mapped IPv6, hex', 'https://[::ffff:a9fe:a9fe]/'],
      ['IPv4-mapped IPv6, uncompressed', 'https://[0:0:0:0:0:ffff:a9fe:a9fe]/'],
      ['IPv4-compatible IPv6', 'https://[::169.254.169.254]/'],
      ['NAT64', 'https://[64:ff9b::a9fe:a9fe]/'],
      ['the AWS IPv6 metadata address', 'https://[fd00:ec2::254]/'],
      ['the AWS IPv6 metadata address, uncompressed', 'https://[FD00:0EC2:0000:0000:0000:0000:0000:0254]/'],
      ['ECS task credentials', 'https://169.254.170.2/'],
    ])('refuses the metadata address written %s (%s)', (_, raw) => {
      // Act
      const error = refusal(raw);

      // Assess
      expect(error.message).toMatch(/^url: the host .* is a cloud instance metadata or credentials address/);
    });

    it.each([
      ['https://169.254.0.1/', /link-local/],
      ['https://[fe80::1]/', /link-local/],
      ['https://[::ffff:169.254.1.1]/', /link-local/],
      ['https://0/', /unspecified/],
      ['https://0.0.0.0:8200/', /unspecified/],
      ['https://[::]/', /unspecified/],
      ['https://224.0.0.1/', /multicast/],
      ['https://[ff02::1]/', /multicast/],
      ['https://255.255.255.255/', /broadcast/],
      ['https://0xffffffff/', /broadcast/],
      ['https://[64:ff9b:1::a9fe:a9fe]/', /reserved/],
    ])('refuses %s even in local mode', (raw, why) => {
      expect(refusal(raw, local).message).toMatch(why);
    });

    it.each([
      'https://127.0.0.1:8200/',
      'https://127.1/',
      'https://0x7f.1/',
      'https://2130706433/',
      'https://[::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://localhost:8200/',
      'https://LOCALHOST./',
      'https://vault.localhost/',
    ])('refuses the loopback host of %s unless loopback is allowed', (raw) => {
      // Act
      const error = refusal(raw);
      const url = parseVaultUrl(raw, { allowLoopback: true, allowHttp: false });

      // Assess
      expect(error.message).toContain('loopback is only allowed in local mode');
      expect(url.protocol).toBe('https:');
    });

    it('normalises the literal it judged into the URL it returns', () => {
      // Act
      const url = parseVaultUrl('https://0x7f.1:8200/', { allowLoopback: true, allowHttp: false });

      // Assess
      expect(url.hostname).toBe('127.0.0.1');
      expect(ipLiteralOf(url)).toBe('127.0.0.1');
      expect(ipLiteralOf(new URL('https://[::1]/'))).toBe('::1');
      expect(ipLiteralOf(new URL('https://vault.example.com/'))).toBeUndefined();
    });
  });

  it.each([
    'https://vault.example.com',
    'https://vault.example.com:8200/',
    'https://vault.internal.example:8200/prefix/',
    'https://myvault.vault.azure.net',
    'https://10.0.12.7:8200',
    'https://172.31.0.9/',
    'https://192.168.0.10',
    'https://[fd12:3456::1]:8200/',
    'https://secretsmanager.eu-west-1.amazonaws.com',
  ])('accepts %s', (raw) => {
    // Act
    const url = parseVaultUrl(raw, strict);

    // Assess
    expect(url.protocol).toBe('https:');
    expect(url.href.startsWith(raw)).toBe(true);
  });

  describe('user info', () => {
    it.each([
      'https://admin:hunter2-Sup3rSecret@vault.example.com/',
      'https://hunter2-Sup3rSecret@vault.example.com/',
      'https://admin:hunter2-Sup3rSecret@169.254.169.254/',
      'https://:hunter2-Sup3rSecret@vault.example.com/',
      'https://@vault.example.com/',
      'https://admin:hunter2-Sup3rSecret@vault.example.com@other.example/',
    ])('refuses %s without echoing the credentials', (raw) => {
      // Act
      const error = refusal(raw, local);

      // Assess
      expect(error.message).toMatch(/user name or password/);
      const shown = JSON.stringify({
        message: error.message,
        details: error.details,
        cause: String(error.cause),
      });
      expect(shown).not.toContain('hunter2');
      expect(shown).not.toContain('admin');
    });

    it('refuses an unparseable URL without echoing it', () => {
      // Act
      const error = refusal('https://admin:hunter2-Sup3rSecret@[vault/');

      // Assess
      expect(error.message).toMatch(/not a valid URL/);
      expect(error.cause).toBeUndefined();
      expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('hunter2');
    });
  });

  describe('scheme', () => {
    it('refuses http:// unless http is allowed', () => {
      // Act
      const error = refusal('http://127.0.0.1:8200/', { allowLoopback: true, allowHttp: false });
      const url = parseVaultUrl('http://127.0.0.1:8200/', local);

      // Assess
      expect(error.message).toMatch(/must use https:\/\//);
      expect(url.origin).toBe('http://127.0.0.1:8200');
    });

    it.each(['ftp://vault.example.com/', 'file:///etc/passwd', 'vault://mount/path', 'javascript:alert(1)'])(
      'refuses %s, which is not https',
      (raw) => {
        expect(refusal(raw, local).message).toMatch(/must start with https:\/\//);
      },
    );
  });

  it.each([
    ['https://vault.example.com/#frag', /fragment/],
    ['https://vault.example.com/#', /fragment/],
    ['https://vault.example.com/?token=abc', /query/],
    ['https://vault.example.com/?', /query/],
    ['https://vault.example.com:0/', /port from 1 to 65535/],
    ['https://vault.example.com:65536/', /not a valid URL/],
    ['https://', /not a valid URL/],
    ['vault.example.com', /not a valid URL/],
    ['', /not a valid URL/],
  ])('refuses %j', (raw, why) => {
    expect(refusal(raw).message).toMatch(why);
  });

  it('names the field it was given in the message and the details', () => {
    // Act
    const error = refusal('https://169.254.169.254/', { ...strict, field: 'config.endpoint' });

    // Assess
    expect(error.message.startsWith('config.endpoint: ')).toBe(true);
    expect(error.details?.[0]?.path).toBe('config.endpoint');
  });
});
