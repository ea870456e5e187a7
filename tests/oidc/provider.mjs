// Two OpenID providers in one process, for lianban's tests and demo: the government's staff
// identity service (统一身份认证) and the citizens' account (政务服务网 / 豫事办). Each listens
// on its own port-0 listener; once both listen, one line on stdout, `LIANBAN_ISSUERS {json}`,
// gives their issuers (the provider itself may print notices on stdout too).
//
//   node provider.mjs <lianban base URL> <people.json>
//
// people.json: {"staff": {"<login>": {"name": "…"}}, "citizens": {"<login>": {"name": "…",
// "id_number": "…"}}}. Sign-in uses the provider's development login form: any password.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const [host, peopleFile] = process.argv.slice(2);
if (!host || !peopleFile) {
  console.error('usage: node provider.mjs <lianban base URL> <people.json>');
  process.exit(2);
}
const people = JSON.parse(readFileSync(peopleFile, 'utf8'));
// Started by a program that holds our stdin open: when that program goes, so do we, even if it
// was killed before it could stop us.
if (process.env.LIANBAN_EXIT_WITH_STDIN) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

function configuration(kind) {
  const accounts = people[kind] ?? {};
  return {
    clients: [{
      client_id: 'lianban',
      client_secret: `lianban-${kind}-secret`,
      redirect_uris: [`${host}/api/v1/auth/${kind}/callback`],
      post_logout_redirect_uris: [`${host}/`],
      backchannel_logout_uri: `${host}/api/v1/auth/${kind}/backchannel-logout`,
      backchannel_logout_session_required: true,
    }],
    async findAccount(_ctx, id) {
      const person = accounts[id];
      if (!person) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, name: person.name, id_number: person.id_number };
        },
      };
    },
    claims: { openid: ['sub'], profile: ['name'], idcard: ['id_number'] },
    scopes: ['openid', 'profile', 'idcard'],
    // The ID token carries what the scopes grant, so the relying party needs no userinfo call.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    pkce: { required: () => true },
    // The provider refuses to call loopback addresses (its SSRF guard); here the host it
    // calls back (back-channel logout) is on the loopback address by design.
    fetch: (url, options) => {
      const { dispatcher: _guard, ...rest } = options;
      return globalThis.fetch(url, rest);
    },
    ttl: {
      AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Grant: 3600, Interaction: 600,
      Session: 3600,
    },
    cookies: { keys: [`cookie-key-${kind}`] },
  };
}

function listen(kind) {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const issuer = `http://127.0.0.1:${server.address().port}`;
      const provider = new Provider(issuer, configuration(kind));
      provider.on('backchannel.error', (_ctx, error, client) => {
        console.error(`${kind}: back-channel logout to ${client.clientId} failed: ${error} ${error.cause ?? ""}`);
      });
      provider.on('backchannel.success', (_ctx, client) => {
        console.error(`${kind}: back-channel logout to ${client.clientId} delivered`);
      });
      server.on('request', provider.callback());
      resolve(issuer);
    });
  });
}

// A third issuer that is not a real provider but an attacker's stand-in: it follows the code
// flow like any provider, and its token endpoint hands out the ID token that
// `POST /__mode {"mode", "now"}` asks for — signed with a key it never published, expired,
// for another client, from another issuer, unsigned (`alg: none`), with another nonce, or a
// good one. Its metadata even claims `none` and `HS256` are fine.
async function hostile() {
  const published = await generateKeyPair('RS256');
  const unpublished = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(published.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const codes = new Map();
  let setting = { mode: 'good', now: Math.floor(Date.now() / 1000) };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, issuer);
    const body = await new Promise((done) => {
      let data = '';
      req.on('data', (c) => { data += c; });
      req.on('end', () => done(data));
    });
    const json = (status, value) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'HS256', 'none'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/__mode') {
      setting = JSON.parse(body);
      return json(200, setting);
    }
    if (url.pathname === '/__logout_token') {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({
        iss: url.searchParams.get('iss'), aud: 'lianban', sub: 'wang', iat: now, exp: now + 600,
        jti: `forged-${now}`, events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      }).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'logout+jwt' }).sign(unpublished.privateKey);
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(token);
    }
    if (url.pathname === '/auth') {
      const code = `code-${codes.size}`;
      codes.set(code, url.searchParams.get('nonce'));
      const back = new URL(url.searchParams.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state'));
      res.writeHead(303, { location: back.href });
      return res.end();
    }
    if (url.pathname === '/token') {
      const code = new URLSearchParams(body).get('code');
      const { mode, now } = setting;
      const claims = {
        iss: mode === 'wrong_issuer' ? 'http://127.0.0.1:1/elsewhere' : issuer,
        aud: mode === 'wrong_audience' ? 'someone-else' : 'lianban',
        sub: 'wang',
        name: '王敏',
        nonce: mode === 'wrong_nonce' ? 'not-the-nonce' : codes.get(code),
        iat: now - 60,
        exp: mode === 'expired' ? now - 30 : now + 600,
      };
      let idToken;
      if (mode === 'alg_none') {
        const part = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
        idToken = `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
      } else if (mode === 'hs256') {
        idToken = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .sign(new TextEncoder().encode('lianban-staff-secret'));
      } else {
        const key = mode === 'forged' ? unpublished.privateKey : published.privateKey;
        idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(key);
      }
      return json(200, { access_token: 'at', token_type: 'Bearer', expires_in: 600, id_token: idToken });
    }
    json(404, { error: 'not_found' });
  });
  let issuer;
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  issuer = `http://127.0.0.1:${server.address().port}`;
  return issuer;
}

const [staff, citizens, forger] = await Promise.all([listen('staff'), listen('citizens'), hostile()]);
console.log(`LIANBAN_ISSUERS ${JSON.stringify({ staff, citizens, hostile: forger })}`);
