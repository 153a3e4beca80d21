import { describe, expect, it } from 'vitest';
import { certificateNodeId } from './client-certificate.ts';

/** The node a client certificate names, as Node's getPeerCertificate() reports the fields. */
describe('certificateNodeId', () => {
  it('takes the perimeter:node/ URI over the CN', () => {
    expect(
      certificateNodeId({
        subject: { CN: 'someone-else' },
        subjectaltname: 'DNS:gpu-01.lab, URI:perimeter:node/gpu-01',
      }),
    ).toBe('gpu-01');
  });

  it('falls back to the CN when no node URI is there', () => {
    expect(certificateNodeId({ subject: { CN: 'gpu-02' }, subjectaltname: 'DNS:gpu-02.lab' })).toBe('gpu-02');
    expect(certificateNodeId({ subject: { CN: 'gpu-03' } })).toBe('gpu-03');
  });

  it('names no node for two node URIs, a CN given twice, or neither', () => {
    expect(
      certificateNodeId({
        subject: { CN: 'gpu-01' },
        subjectaltname: 'URI:perimeter:node/gpu-01, URI:perimeter:node/gpu-02',
      }),
    ).toBeNull();
    expect(certificateNodeId({ subject: { CN: ['gpu-01', 'gpu-02'] } })).toBeNull();
    expect(certificateNodeId({})).toBeNull();
  });
});
