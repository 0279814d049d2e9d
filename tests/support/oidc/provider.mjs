// A real, certified OpenID Connect provider (oidc-provider) for Candor's sign-in tests.
//
//   node provider.mjs [--rogue]
//
// Listens on a free loopback port it picks itself and prints `listening http://127.0.0.1:PORT`
// on stdout, then serves until killed. One confidential client, `candor` / `candor-test-secret`,
// registered as a native application so that its loopback redirect URI
// (http://127.0.0.1/login/oidc/callback) matches on any port (RFC 8252 §7.3), as Candor's test
// port is chosen at run time. Sign-in and consent are oidc-provider's own development forms
// (any password): the login names the account.
//
// Accounts: `wang` (wang.fang@example.com, verified, written in mixed case), `nobody`
// (an address no Candor person has), `unverified` (li.na@example.com, email_verified false).
//
// --rogue: the provider signs ID tokens with one key and publishes another under the same key
// id, as a forged or misconfigured provider would: no client may accept its tokens.
import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const rogue = process.argv.includes('--rogue');

const accounts = {
  wang: { email: 'Wang.Fang@Example.com', email_verified: true, name: 'Wang Fang' },
  nobody: { email: 'nobody@example.com', email_verified: true, name: 'No Body' },
  unverified: { email: 'li.na@example.com', email_verified: false, name: 'Li Na' },
};

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
}

const key = signingKey();
// What the rogue provider publishes instead: another key's public half, under the same kid.
const { d, p, q, dp, dq, qi, ...published } = rogue ? signingKey() : key;

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'candor',
      client_secret: 'candor-test-secret',
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/login/oidc/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [key] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...account }; } };
    },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  const handle = provider.callback();
  server.on('request', (req, res) => {
    if (rogue && req.url.startsWith('/jwks')) {
      res.setHeader('content-type', 'application/jwk-set+json');
      res.end(JSON.stringify({ keys: [published] }));
      return;
    }
    handle(req, res);
  });
  console.log(`listening ${issuer}`);
  // The test reads that one line and may close the pipe: anything else goes to stderr.
  process.stdout.on('error', () => {});
  console.log = console.info = console.error;
});
