/**
 * The Bot Framework's token side, on loopback: the channel's OpenID configuration and signing keys (what
 * botbuilder fetches from login.botframework.com to check the Bearer token on each activity), tokens signed
 * with that key as Teams would send them, and an AAD-like token endpoint where the bot gets its own token
 * for the Bot Connector. RS256 by hand with node:crypto: a test fake needs no JWT library.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { ConfigurationServiceClientCredentialFactory } from 'botbuilder';
import type { TeamsAuth } from '../../src/teams/adapter.js';
import { RecordingServer } from './recorder.js';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function signingKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey };
}

const b64url = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64url');

/** A compact JWS (RS256) of `claims`, signed with `key` and naming `kid` (the key's own unless told). */
export function signJwt(claims: Record<string, unknown>, key: SigningKey, kid = key.kid): string {
  const input = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

export interface ChannelClaims {
  appId: string;
  serviceUrl: string;
  /** Seconds from now the token expires (negative: already expired). Default one hour. */
  expiresIn?: number;
  [claim: string]: unknown;
}

export class FakeOpenId extends RecordingServer {
  /** The key the JWKS publishes, endorsed for Teams (botbuilder checks the activity's channelId is endorsed). */
  readonly key = signingKey('safecall-test-key');
  readonly endorsements = ['msteams'];
  /** Access tokens the token endpoint handed to the bot, in order. */
  readonly issued: string[] = [];
  private n = 0;

  constructor(private readonly clientSecret: string) {
    super((r) => {
      const path = r.path.split('?')[0]!;
      if (path === '/.well-known/openid-configuration')
        return { body: { issuer: this.issuer, jwks_uri: `${this.url}/keys`, id_token_signing_alg_values_supported: ['RS256'] } };
      if (path === '/keys') return { body: { keys: [{ ...this.key.publicKey.export({ format: 'jwk' }), kid: this.key.kid, use: 'sig', endorsements: this.endorsements }] } };
      if (path === '/token' && r.method === 'POST') {
        if (r.body.grant_type !== 'client_credentials' || r.body.client_secret !== this.clientSecret)
          return { status: 401, body: { error: 'invalid_client' } };
        const token = `bot-token-${++this.n}`;
        this.issued.push(token);
        return { body: { access_token: token, expires_in: 3600, token_type: 'Bearer' } };
      }
      return undefined;
    });
  }

  /** The `iss` of channel tokens (the public cloud's is https://api.botframework.com). */
  get issuer(): string {
    return `${this.url}/`;
  }

  /** What start() is given: this fake's configuration, issuer and token endpoint, and credentials that use it. */
  auth(appId: string, password: string): TeamsAuth {
    return {
      openIdMetadataUrl: `${this.url}/.well-known/openid-configuration`,
      issuer: this.issuer,
      loginUrl: `${this.url}/token`,
      credentials: new LocalLoginCredentials(appId, password),
    };
  }

  /** A channel token as Teams sends one: aud the bot's app id, iss the channel, the activity's serviceUrl. */
  channelToken({ appId, serviceUrl, expiresIn = 3600, ...extra }: ChannelClaims, key: SigningKey = this.key, kid?: string): string {
    const now = Math.floor(Date.now() / 1000);
    return signJwt({ iss: this.issuer, aud: appId, serviceurl: serviceUrl, nbf: now - 60, iat: now - 60, exp: now + expiresIn, ...extra }, key, kid);
  }
}

type Credentials = Awaited<ReturnType<ConfigurationServiceClientCredentialFactory['createCredentials']>>;
type Signable = Parameters<Credentials['signRequest']>[0];

/**
 * The bot's credentials from its app id and password, as botbuilder's (its app id check is botbuilder's
 * own, so a token for another app is still refused), except that the token for the Bot Connector is asked
 * of the login URL botbuilder passes in, with a plain client-credentials POST. botbuilder's MSAL client
 * cannot be pointed at loopback: it requires https and asks login.microsoftonline.com to vouch for the host.
 */
export class LocalLoginCredentials extends ConfigurationServiceClientCredentialFactory {
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(appId: string, password: string) {
    super({ MicrosoftAppId: appId, MicrosoftAppPassword: password, MicrosoftAppType: 'MultiTenant' });
  }

  override async createCredentials(appId: string, audience: string, loginEndpoint: string): Promise<Credentials> {
    if (!(await this.isValidAppId(appId))) throw new Error('Invalid appId.');
    const token = () => {
      const key = `${loginEndpoint} ${audience}`;
      let got = this.tokens.get(key);
      if (!got) {
        got = this.login(loginEndpoint, audience);
        this.tokens.set(key, got);
        got.catch(() => this.tokens.delete(key));
      }
      return got;
    };
    return {
      signRequest: async (request: Signable) => {
        request.headers.set('authorization', `Bearer ${await token()}`);
        return request;
      },
    } as Credentials;
  }

  private async login(url: string, audience: string): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.appId ?? '', client_secret: this.password ?? '', scope: `${audience}/.default` });
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    if (!res.ok) throw new Error(`the token endpoint answered ${res.status}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }
}
