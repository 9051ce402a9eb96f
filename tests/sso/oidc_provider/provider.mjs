// A real OpenID Connect provider (npm: oidc-provider, panva) for Samverka's SSO tests.
//
//   OIDC_PORT=9100 OIDC_CLIENTS='[{"client_id": ..., "client_secret": ..., "redirect_uris": [...],
//   "post_logout_redirect_uris": [...]}]' node provider.mjs
//
// Prints "READY <issuer>" once listening on 127.0.0.1. Adapted from the shared recipe; the
// tests steer it through two loopback-only control endpoints:
//   POST /__test/accounts  {"<login>": {claims}, ...}  replaces the accounts (any password)
//   POST /__test/mutate    {"set": {claim: value}, "unset": [claim]}  changes the NEXT ID token
//                          the token endpoint hands out, re-signed with the provider's own key,
//                          so the relying party sees a correctly signed but wrong token
//                          ("foreignKey": true signs with a key the provider never published).
import { generateKeyPairSync, sign } from 'node:crypto';
import Provider from 'oidc-provider';

const PORT = Number(process.env.OIDC_PORT || 9100);
const ISSUER = `http://127.0.0.1:${PORT}`;
const CLIENTS = JSON.parse(process.env.OIDC_CLIENTS || '[]');

let accounts = {};
let nextMutation = null;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey; // not published
const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'test-rs256' };

const configuration = {
  clients: CLIENTS.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  jwks: { keys: [jwk] },
  cookies: { keys: ['test-cookie-key-1'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups'],
  },
  scopes: ['openid', 'email', 'profile'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  conformIdTokenClaims: false,
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
};

const b64url = (value) => Buffer.from(value).toString('base64url');

function resign(idToken, mutation) {
  const [header, payload] = idToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  Object.assign(claims, mutation.set || {});
  for (const name of mutation.unset || []) delete claims[name];
  const input = `${header}.${b64url(JSON.stringify(claims))}`;
  const key = mutation.foreignKey ? foreignKey : privateKey;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

const oidc = new Provider(ISSUER, configuration);
oidc.on('server_error', (ctx, err) => console.error('server_error', err));

oidc.use(async (ctx, next) => {
  if (ctx.path.startsWith('/__test/')) {
    const loopback = ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(ctx.req.socket.remoteAddress);
    if (!loopback || ctx.method !== 'POST') { ctx.status = 404; return; }
    const body = await readJson(ctx.req);
    if (ctx.path === '/__test/accounts') accounts = body;
    else if (ctx.path === '/__test/mutate') nextMutation = body;
    else { ctx.status = 404; return; }
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && nextMutation && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: resign(ctx.body.id_token, nextMutation) };
    nextMutation = null;
  }
});

const server = oidc.listen(PORT, '127.0.0.1', () => console.log(`READY ${ISSUER}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
