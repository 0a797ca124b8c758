import { describe, expect, it } from 'vitest';
import { MAX_PDF_INFLATED_CONTENT_BYTES, preflightPdf } from '../../src/core/pdf-preflight.ts';
import { rasterizePdf } from '../../src/core/rasterize-pdf.ts';
import { makeInflateBombPdf, makeLzwBombPdf, makeLzwContentPdf, makeLzwOverFlateBombPdf } from '../support/hostile-pdf-fixtures.ts';

async function refusal(pdf: Buffer): Promise<{ code?: string; message?: string } | undefined> {
  try {
    await preflightPdf(pdf);
    return undefined;
  } catch (error) {
    return error as { code?: string; message?: string };
  }
}

describe('PDF preflight: decoded stream sizes', () => {
  const content = '0 0 1 rg 0 0 300 189 re f\n';

  it('counts an LZW content stream at its decoded size, and pdf.js draws it (the decoder reads LZW as pdf.js does)', async () => {
    const pdf = makeLzwContentPdf(content.repeat(50));
    expect((await preflightPdf(pdf)).contentBytes).toBe(content.length * 50);
    const image = await rasterizePdf(pdf, { width: 30, height: 19 });
    expect([...image.data.subarray(0, 4)]).toEqual([0, 0, 255, 255]);
  });

  it('refuses a 1 MB LZW stream that decodes to 2.6 GB, quickly', async () => {
    const bomb = makeLzwBombPdf();
    // CPU time, not wall time: what this process spent, however long other work on the machine made it wait.
    const before = process.cpuUsage();
    const error = await refusal(bomb);
    const spent = process.cpuUsage(before);
    expect(error?.code).toBe('PDF_TOO_COMPLEX');
    expect(error?.message).toContain(`decodes to more than ${MAX_PDF_INFLATED_CONTENT_BYTES} bytes`);
    // Decoding stops at the cap (32 MB, a fraction of a second); the whole 2.6 GB would take many seconds.
    expect((spent.user + spent.system) / 1000).toBeLessThan(1500);
  });

  it('refuses a Flate bomb behind LZW ([/LZWDecode /FlateDecode]), as it refuses one alone', async () => {
    expect((await refusal(await makeLzwOverFlateBombPdf()))?.code).toBe('PDF_TOO_COMPLEX');
    expect((await refusal(await makeInflateBombPdf()))?.code).toBe('PDF_TOO_COMPLEX');
  });
});
