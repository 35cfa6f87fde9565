// A real OpenID Provider for Lotsa's tests and demo: panva's certified oidc-provider, on 127.0.0.1.
//
// Never for production. Anyone may log in under any name (the name is the subject, `sub`), choosing
// the assurance level (`acr`) on the login page, as a city's provider would report e-ID's level.
// Signing keys are made anew at every start. Settings from the environment:
//   OIDC_PORT           port on 127.0.0.1 (0: any free port; the line "listening on <issuer>" says which)
//   OIDC_CLIENT_ID      the client Lotsa is (default "lotsa")
//   OIDC_CLIENT_SECRET  its secret (default "lotsa-test-secret")
//   OIDC_TEST_HOOKS=1   adds /_test/ endpoints the tests use to play an attacker (a foreign key set)
//   OIDC_FIRST_SUPERVISOR  the one name the city's directory gives the first supervisor's group
//                       (default "forsta-chefen"): its id token's `groups` claim (scope `groups`)
//                       carries "lotsa-first-supervisor", everyone else's the staff group only
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const ACR_VALUES = ['low', 'substantial', 'high'];
const clientId = process.env.OIDC_CLIENT_ID || 'lotsa';
const clientSecret = process.env.OIDC_CLIENT_SECRET || 'lotsa-test-secret';
const hooks = process.env.OIDC_TEST_HOOKS === '1';

// The city's directory, kept by its IT department, out of Lotsa's and its installer's reach: the groups
// each person is in. One person is the first supervisor (Lotsa's LOTSA_OIDC_FIRST_SUPERVISOR_CLAIM,
// "groups=lotsa-first-supervisor"); a name typed on the login page never chooses its own groups.
const FIRST_SUPERVISOR = process.env.OIDC_FIRST_SUPERVISOR || 'forsta-chefen';
const groupsOf = (sub) => (sub === FIRST_SUPERVISOR
  ? ['socialtjansten', 'lotsa-first-supervisor'] : ['socialtjansten']);

function signingKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
}

function publicPart({ kty, n, e, kid, alg, use }) {
  return { kty, n, e, kid, alg, use };
}

// Lotsa may run on any loopback port (the test server picks one): its callback and its login page
// are allowed on any of them, and on Django's test client host.
function lotsaUri(value, path) {
  try {
    const url = new URL(value);
    return ['127.0.0.1', 'localhost', 'testserver'].includes(url.hostname) && url.pathname === path;
  } catch {
    return false;
  }
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, status, title, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`);
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const listenPort = Number(process.env.OIDC_PORT || 0);
const server = http.createServer();
await new Promise((resolve) => { server.listen(listenPort, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const key = signingKey();
const foreignKey = signingKey(); // never used to sign: what /jwks says when a test plays an attacker
let publishForeignKeys = false;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: ['http://127.0.0.1/accounts/login/oidc/callback/'],
    post_logout_redirect_uris: ['http://127.0.0.1/accounts/login/'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [key] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  acrValues: ACR_VALUES,
  claims: {
    // As a city's provider does, every id token tells the assurance level (acr) and the time of login.
    acr: null, auth_time: null, iss: null, sid: null, openid: ['sub', 'acr', 'auth_time'],
    profile: ['name'], hsa: ['hsa_id'], groups: ['groups'],
  },
  conformIdTokenClaims: false, // the claims Lotsa matches travel in the signed id token
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, name: `Test person ${sub}`, hsa_id: `SE2321000016-${sub}`, groups: groupsOf(sub) };
      },
    };
  },
});
provider.Client.prototype.redirectUriAllowed = (value) => lotsaUri(value, '/accounts/login/oidc/callback/');
provider.Client.prototype.postLogoutRedirectUriAllowed = (value) => lotsaUri(value, '/accounts/login/');

async function interaction(req, res, url) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    if (req.method === 'POST' && url.pathname.endsWith('/login')) {
      const form = await formBody(req);
      const login = (form.get('login') || '').trim();
      const acr = form.get('acr');
      if (!login || !ACR_VALUES.includes(acr)) {
        return page(res, 400, 'Sign in', '<p>Give a name and a level.</p>');
      }
      return provider.interactionFinished(req, res, { login: { accountId: login, acr, amr: ['pwd'] } },
        { mergeWithLastSubmission: false });
    }
    const options = ACR_VALUES.map((v) => `<option value="${v}"${v === 'substantial' ? ' selected' : ''}>${v}</option>`);
    return page(res, 200, 'Sign in to the test provider', `
      <p>Client: ${escape(params.client_id)}. Test provider: any name logs in.</p>
      <form method="post" action="/interaction/${escape(details.uid)}/login">
        <label>Name <input name="login" autocomplete="off" required autofocus></label>
        <label>Assurance level (acr) <select name="acr">${options.join('')}</select></label>
        <button type="submit">Sign in</button>
      </form>`);
  }
  // Consent: Lotsa is the provider's own first-party client, so what it asks for is granted.
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
server.on('request', async (req, res) => {
  const url = new URL(req.url, issuer);
  try {
    if (url.pathname.startsWith('/interaction/')) return await interaction(req, res, url);
    if (hooks && url.pathname === '/_test/foreign-keys' && req.method === 'POST') {
      publishForeignKeys = (await formBody(req)).get('on') === '1';
      res.writeHead(204);
      return res.end();
    }
    if (publishForeignKeys && url.pathname === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      return res.end(JSON.stringify({ keys: [publicPart(foreignKey)] }));
    }
    return callback(req, res);
  } catch (error) {
    return page(res, 400, 'Error', `<p>${escape(error.message)}</p>`);
  }
});
console.log(`listening on ${issuer}`);
