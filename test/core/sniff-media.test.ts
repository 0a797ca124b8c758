import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sniffMediaKind } from '../../src/core/sniff-media.ts';
import { makeVectorPdf } from '../support/pdf-fixtures.ts';
import { makeLogoSvg } from '../support/svg-fixtures.ts';

describe('sniffMediaKind', () => {
  it('recognises a PNG by its signature', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 4, background: '#ff000080' } }).png().toBuffer();
    expect(sniffMediaKind(png)).toBe('png');
  });

  it('recognises a PDF header at the start or within the first 1024 bytes, not later', async () => {
    const pdf = await makeVectorPdf({ widthPt: 10, heightPt: 10 });
    expect(sniffMediaKind(pdf)).toBe('pdf');
    expect(sniffMediaKind(Buffer.concat([Buffer.alloc(1000, 0x20), pdf]))).toBe('pdf');
    expect(sniffMediaKind(Buffer.concat([Buffer.alloc(1100, 0x20), pdf]))).toBeUndefined();
  });

  it('recognises SVG after a BOM, whitespace, XML declaration, comments and a DOCTYPE', () => {
    expect(sniffMediaKind(makeLogoSvg())).toBe('svg');
    const prolog =
      '\ufeff \n<?xml version="1.0" encoding="UTF-8"?>\n<!-- Generator: editor -->\n' +
      '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n';
    expect(sniffMediaKind(Buffer.from(`${prolog}<svg xmlns="http://www.w3.org/2000/svg"/>`))).toBe('svg');
    expect(sniffMediaKind(Buffer.from('<!DOCTYPE svg [ <!ENTITY a "b"> ]><svg>&a;</svg>'))).toBe('svg');
  });

  it('recognises a root with a namespace prefix (<svg:svg xmlns:svg="…">)', () => {
    expect(sniffMediaKind(Buffer.from('<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:rect/></svg:svg>'))).toBe('svg');
    expect(sniffMediaKind(Buffer.from('<s:svgfoo xmlns:s="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffMediaKind(Buffer.from('<html:body><svg/></html:body>'))).toBeUndefined();
  });

  it('rejects other formats and look-alikes', () => {
    expect(sniffMediaKind(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBeUndefined(); // JPEG
    expect(sniffMediaKind(Buffer.from('<html><svg></svg></html>'))).toBeUndefined();
    expect(sniffMediaKind(Buffer.from('<svgfoo/>'))).toBeUndefined();
    expect(sniffMediaKind(Buffer.from('<!-- unterminated <svg>'))).toBeUndefined();
    expect(sniffMediaKind(Buffer.alloc(0))).toBeUndefined();
    expect(sniffMediaKind(Buffer.from('hello'))).toBeUndefined();
  });
});
