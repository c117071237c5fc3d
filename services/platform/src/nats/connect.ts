import { connect } from '@nats-io/transport-node';
import { nkeyAuthenticator, type NatsConnection } from '@nats-io/nats-core';

export type { NatsConnection };

export interface NatsCredentials {
  /** NKey user seed (`SU…`), when the server requires authentication. */
  readonly nkeySeed?: Uint8Array;
  /** Reply subject prefix; connectors must use the one their permissions allow. */
  readonly inboxPrefix?: string;
}

export async function connectNats(
  url: string,
  name: string,
  credentials: NatsCredentials = {},
): Promise<NatsConnection> {
  return connect({
    servers: url.split(',').map((server) => server.trim()),
    name,
    maxReconnectAttempts: -1,
    ...(credentials.nkeySeed === undefined
      ? {}
      : { authenticator: nkeyAuthenticator(credentials.nkeySeed) }),
    ...(credentials.inboxPrefix === undefined ? {} : { inboxPrefix: credentials.inboxPrefix }),
  });
}
