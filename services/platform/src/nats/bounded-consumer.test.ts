import { describe, expect, it } from 'vitest';
import { parseDeliveryInfo } from './bounded-consumer';

describe('parseDeliveryInfo', () => {
  it('reads the classic reply subject', () => {
    expect(parseDeliveryInfo('$JS.ACK.INGEST.governance.3.120.455.1796380362629269500.17')).toEqual(
      {
        stream: 'INGEST',
        consumer: 'governance',
        deliveryCount: 3,
        streamSequence: 120,
        deliverySequence: 455,
        timestampNanos: 1796380362629269500,
        pending: 17,
      },
    );
  });

  it('reads the form with domain, account hash and a random token', () => {
    expect(
      parseDeliveryInfo('$JS.ACK.hub.ACCHASH.INGEST.governance.1.7.8.1796380362629269500.0.x1y2'),
    ).toMatchObject({
      stream: 'INGEST',
      consumer: 'governance',
      deliveryCount: 1,
      streamSequence: 7,
    });
  });

  it('refuses a reply subject that is not a JetStream delivery', () => {
    expect(() => parseDeliveryInfo('_INBOX.abc.1')).toThrow(/not a JetStream delivery/);
    expect(() => parseDeliveryInfo('$JS.ACK.INGEST.governance.1.2')).toThrow(/not a JetStream/);
  });
});
