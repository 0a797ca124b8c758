/**
 * Build-time tool: writes the bundled sample assets (simulator folder format) into src/simulator/samples/:
 * invented banks, co-brands, a "Circles" brand mark and token requestors — no real brand artwork.
 * Run: npm run samples
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { circlePath, type Drawing, roundedRectPath, type Shape, svgElements, toPdf, toPng, toSvg } from './sample-drawing.ts';
import { strokeTextPath, strokeTextWidth } from './stroke-font.ts';

export const SAMPLE_IDS = {
  auroraBackgroundPdf: '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e01',
  sunsetBackgroundPng: '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e02',
  slateBackgroundPdf: '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e03',
  contosoCombinedPng: '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e04',
  northwindLogoPdf: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c11',
  woodgroveLogoMulti: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c12',
  fabrikamLogoSvg: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c13',
  contosoAirLogoPng: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c21',
  litwareLogoSvg: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c22',
  circlesBrandPdf: 'b3a4c5d6-e7f8-4a9b-8c0d-1e2f3a4b5c31',
  circlesBrandPng: 'b3a4c5d6-e7f8-4a9b-8c0d-1e2f3a4b5c32',
  northwindIconPng: 'd4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f41',
  contosoIconPng: 'd4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f42',
} as const;

const SAMPLES_DIR = fileURLToPath(new URL('../../src/simulator/samples/', import.meta.url));

/** Lettering as a stroked path, centred on `cx` when `align` is 'center'. */
function lettering(text: string, x: number, y: number, capHeight: number, color: string, align: 'left' | 'center' = 'left'): Shape {
  const left = align === 'center' ? x - strokeTextWidth(text, capHeight) / 2 : x;
  return { kind: 'path', d: strokeTextPath(text, left, y, capHeight), stroke: color, strokeWidth: capHeight / 7 };
}

const auroraBackground: Drawing = {
  width: 428,
  height: 270,
  shapes: [
    { kind: 'gradient', x0: 0, y0: 0, x1: 428, y1: 270, from: '#0b3c5d', to: '#2a9d8f' },
    { kind: 'path', d: circlePath(360, 40, 140), fill: '#ffffff', opacity: 0.08 },
    { kind: 'path', d: circlePath(70, 250, 110), fill: '#ffffff', opacity: 0.06 },
    { kind: 'path', d: 'M0 190 C 90 150, 180 230, 270 185 S 400 150, 428 170 L428 270 L0 270 Z', fill: '#062a40', opacity: 0.35 },
    { kind: 'path', d: 'M0 120 C 120 80, 220 170, 428 100', stroke: '#9be7dc', strokeWidth: 1.5, opacity: 0.5 },
  ],
};

const sunsetBackground: Drawing = {
  width: 1200,
  height: 800,
  shapes: [
    { kind: 'gradient', x0: 0, y0: 0, x1: 0, y1: 800, from: '#ff8c5a', to: '#5b2a86' },
    ...[0, 1, 2, 3, 4].map((i): Shape => ({ kind: 'path', d: `M${-200 + i * 260} 800 L${200 + i * 260} 0 L${260 + i * 260} 0 L${-140 + i * 260} 800 Z`, fill: '#ffffff', opacity: 0.07 })),
    { kind: 'path', d: circlePath(900, 560, 180), fill: '#ffd36e', opacity: 0.35 },
  ],
};

const slateBackground: Drawing = {
  width: 300,
  height: 300,
  shapes: [
    { kind: 'gradient', x0: 0, y0: 300, x1: 300, y1: 0, from: '#2c3e50', to: '#4ca1af' },
    ...[0, 1, 2, 3, 4, 5].map((row): Shape => ({
      kind: 'path',
      d: [0, 1, 2, 3, 4, 5].map((col) => hexagon(25 + col * 50 + (row % 2) * 25, 25 + row * 44, 22)).join(' '),
      stroke: '#ffffff',
      strokeWidth: 0.8,
      opacity: 0.18,
    })),
  ],
};

function hexagon(cx: number, cy: number, r: number): string {
  const points = Array.from({ length: 6 }, (_, i) => {
    const angle = (Math.PI / 3) * i + Math.PI / 6;
    return `${Math.round((cx + r * Math.cos(angle)) * 100) / 100} ${Math.round((cy + r * Math.sin(angle)) * 100) / 100}`;
  });
  return `M${points.join(' L')} Z`;
}

const northwindLogo: Drawing = {
  width: 645,
  height: 160,
  shapes: [
    { kind: 'path', d: circlePath(75, 80, 62), stroke: '#1b365d', strokeWidth: 8 },
    { kind: 'path', d: 'M75 24 L95 80 L75 136 L55 80 Z', fill: '#1b365d' },
    { kind: 'path', d: 'M75 24 L95 80 L55 80 Z', fill: '#c8102e' },
    lettering('NORTHWIND', 165, 28, 54, '#1b365d'),
    lettering('BANK', 165, 102, 30, '#c8102e'),
  ],
};

const woodgroveLogo: Drawing = {
  width: 600,
  height: 150,
  shapes: [
    { kind: 'path', d: 'M70 10 L125 110 L15 110 Z', fill: '#2e7d32' },
    { kind: 'path', d: 'M62 110 H78 V140 H62 Z', fill: '#6d4c41' },
    lettering('WOODGROVE', 150, 30, 48, '#1b5e20'),
    lettering('BANK', 150, 98, 28, '#6d4c41'),
  ],
};

const fabrikamLogo: Drawing = {
  width: 560,
  height: 120,
  shapes: [
    { kind: 'path', d: hexagon(60, 60, 52), fill: '#5c2d91' },
    { kind: 'path', d: hexagon(60, 60, 28), fill: '#ffffff', opacity: 0.85 },
    lettering('FABRIKAM', 135, 33, 54, '#5c2d91'),
  ],
};

const contosoAirLogo: Drawing = {
  width: 560,
  height: 160,
  shapes: [
    // Semi-transparent wing: exercises straight-alpha compositing.
    { kind: 'path', d: 'M10 120 C 60 40, 140 20, 190 30 C 140 60, 100 100, 80 140 Z', fill: '#00a3e0', opacity: 0.55 },
    { kind: 'path', d: 'M40 130 C 90 70, 150 55, 200 60 C 150 85, 120 115, 105 150 Z', fill: '#005587' },
    lettering('CONTOSO', 215, 30, 50, '#005587'),
    lettering('AIR', 215, 100, 34, '#00a3e0'),
  ],
};

const litwareLogo: Drawing = {
  width: 430,
  height: 140,
  shapes: [
    { kind: 'path', d: starPath(70, 70, 60, 26), fill: '#f2b705' },
    lettering('LITWARE', 150, 30, 40, '#333333'),
    lettering('REWARDS', 150, 86, 24, '#d97706'),
  ],
};

function starPath(cx: number, cy: number, outer: number, inner: number): string {
  const points = Array.from({ length: 10 }, (_, i) => {
    const r = i % 2 === 0 ? outer : inner;
    const angle = -Math.PI / 2 + (Math.PI / 5) * i;
    return `${Math.round((cx + r * Math.cos(angle)) * 100) / 100} ${Math.round((cy + r * Math.sin(angle)) * 100) / 100}`;
  });
  return `M${points.join(' L')} Z`;
}

/** The invented "Circles" payment brand: two overlapping circles over a wordmark. */
const circlesBrand: Drawing = {
  width: 160,
  height: 128,
  shapes: [
    { kind: 'path', d: circlePath(55, 50, 40), fill: '#d8232a' },
    { kind: 'path', d: circlePath(105, 50, 40), fill: '#f5b52e' },
    { kind: 'path', d: 'M80 18.78 A40 40 0 0 1 80 81.22 A40 40 0 0 1 80 18.78 Z', fill: '#f0712b' },
    lettering('CIRCLES', 80, 103, 14, '#ffffff', 'center'),
  ],
};

function icon(initials: string, color: string): Drawing {
  return {
    width: 100,
    height: 100,
    shapes: [
      { kind: 'path', d: roundedRectPath(0, 0, 100, 100, 20), fill: color },
      lettering(initials, 50, 32, 36, '#ffffff', 'center'),
    ],
  };
}

function requestorLogo(initials: string, color: string): Drawing {
  return {
    width: 192,
    height: 192,
    shapes: [
      { kind: 'path', d: roundedRectPath(0, 0, 192, 192, 40), fill: color },
      lettering(initials, 96, 60, 72, '#ffffff', 'center'),
    ],
  };
}

/** The finished card (background + logos) as MDES sends for cardBackgroundCombinedAssetId. */
function combinedCardSvg(width: number, height: number): string {
  const card: Drawing = {
    width: 1536,
    height: 969,
    shapes: [
      { kind: 'gradient', x0: 0, y0: 0, x1: 1536, y1: 969, from: '#7b1e3a', to: '#d1495b' },
      { kind: 'path', d: circlePath(1300, 150, 420), fill: '#ffffff', opacity: 0.07 },
    ],
  };
  const nested = (drawing: Drawing, x: number, y: number, w: number, id: string) => {
    const h = (w * drawing.height) / drawing.width;
    return `<svg x="${x}" y="${y}" width="${w}" height="${h}" viewBox="0 0 ${drawing.width} ${drawing.height}">${svgElements(drawing, id)}</svg>`;
  };
  const white = (drawing: Drawing): Drawing => ({
    ...drawing,
    shapes: drawing.shapes.map((shape) => (shape.kind === 'path' && shape.stroke ? { ...shape, stroke: '#ffffff' } : shape)),
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 1536 969">` +
    svgElements(card, 'c') +
    nested(white(contosoAirLogo), 82 + (1372 - 880) / 2, 57, 880, 'a') +
    nested(circlesBrand, 1454 - 354, 912 - 283, 354, 'b') +
    `</svg>\n`
  );
}

interface TokenRequestorSample {
  tokenRequestorId: string;
  name: string;
  consumerFacingEntityName: string;
  initials: string;
  color: string;
  tokenRequestorType: 'WALLET' | 'MERCHANT';
  imageAssetId: string;
  enabledAccountRanges: string[];
  supportedPushMethods: string[];
  availablePushMethods: Array<{ type: string; uri: string }>;
  supportsMultiplePushedCards: boolean;
  supportedAccountHolderData: string[];
  /** Simulator: the requestor verifies a signed pushAccountData (JWS) instead of plain receipts. */
  tokenRequestorSignatureSupport: boolean;
  /** Simulator and demo only (not an MDES field): a Click to Pay-like requestor, sent `extFlow=true`. */
  clickToPay?: boolean;
}

/** Replaced by the simulator's own origin when it serves the list, so WEB uris open its requestor pages. */
const SIM = '{SIMULATOR_ORIGIN}';
/**
 * The simulator's range rule: a card is enabled when its number starts with a range. Each range is the first nine
 * digits of one of the test cards below, so every requestor enables some of them and not others.
 */
const RANGE = { mc5555: '555555555', mc5105: '510510510', mc2223: '222300312', mc5200: '520082828', mc5454: '545454545' } as const;

const TOKEN_REQUESTORS: TokenRequestorSample[] = [
  {
    tokenRequestorId: '50110030271', name: 'Tailspin Pay', consumerFacingEntityName: 'Tailspin Pay', initials: 'TP', color: '#0b6bcb',
    tokenRequestorType: 'WALLET', imageAssetId: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a51',
    enabledAccountRanges: [RANGE.mc5555, RANGE.mc5105, RANGE.mc2223, RANGE.mc5200],
    supportedPushMethods: ['ANDROID', 'IOS', 'WEB'],
    availablePushMethods: [{ type: 'ANDROID', uri: 'tailspinpay://push' }, { type: 'WEB', uri: `${SIM}/requestors/50110030271/push` }],
    supportsMultiplePushedCards: true, supportedAccountHolderData: ['NAME', 'ADDRESS'], tokenRequestorSignatureSupport: true,
  },
  {
    tokenRequestorId: '50110030272', name: 'Wingtip Wallet', consumerFacingEntityName: 'Wingtip Wallet', initials: 'WW', color: '#107c10',
    tokenRequestorType: 'WALLET', imageAssetId: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a52',
    enabledAccountRanges: [RANGE.mc5555, RANGE.mc2223, RANGE.mc5454],
    supportedPushMethods: ['IOS', 'WEB'],
    availablePushMethods: [{ type: 'IOS', uri: 'wingtipwallet://push' }, { type: 'WEB', uri: `${SIM}/requestors/50110030272/push?flow=issuer` }],
    supportsMultiplePushedCards: true, supportedAccountHolderData: ['NAME', 'EMAIL_ADDRESS', 'MOBILE_PHONE_NUMBER'], tokenRequestorSignatureSupport: false,
  },
  {
    tokenRequestorId: '50110030273', name: 'Adatum Shop', consumerFacingEntityName: 'Adatum Online Shop', initials: 'AS', color: '#d83b01',
    tokenRequestorType: 'MERCHANT', imageAssetId: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a53',
    enabledAccountRanges: [RANGE.mc5555, RANGE.mc5105],
    supportedPushMethods: ['WEB'],
    availablePushMethods: [{ type: 'WEB', uri: `${SIM}/requestors/50110030273/push` }],
    supportsMultiplePushedCards: false, supportedAccountHolderData: [], tokenRequestorSignatureSupport: false,
  },
  {
    tokenRequestorId: '50110030274', name: 'Proseware Click to Pay', consumerFacingEntityName: 'Proseware Click to Pay', initials: 'PC', color: '#5c2d91',
    tokenRequestorType: 'WALLET', imageAssetId: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a54',
    enabledAccountRanges: [RANGE.mc5555, RANGE.mc5200, RANGE.mc5454],
    supportedPushMethods: ['WEB'],
    availablePushMethods: [{ type: 'WEB', uri: `${SIM}/requestors/50110030274/push` }],
    supportsMultiplePushedCards: true, supportedAccountHolderData: ['NAME', 'EMAIL_ADDRESS'], tokenRequestorSignatureSupport: true, clickToPay: true,
  },
  {
    tokenRequestorId: '50110030275', name: 'Alpine Rides', consumerFacingEntityName: 'Alpine Ski Rides', initials: 'AR', color: '#008272',
    tokenRequestorType: 'MERCHANT', imageAssetId: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a55',
    enabledAccountRanges: [RANGE.mc2223, RANGE.mc5454],
    supportedPushMethods: ['IOS', 'ANDROID'],
    availablePushMethods: [{ type: 'IOS', uri: 'alpinerides://cards/push' }],
    supportsMultiplePushedCards: false, supportedAccountHolderData: [], tokenRequestorSignatureSupport: false,
  },
];

/**
 * The issuer's cards the demo can push (Mastercard test card numbers only, never real ones). The service never
 * stores them: the demo page sends them to the push endpoint only, and only the last four digits come back.
 */
function pushCards() {
  const cards = demoCards();
  const holder = {
    accountHolderName: 'Alex Example',
    accountHolderAddress: { line1: '1 Test Street', city: 'Springfield', postalCode: '12345', country: 'USA' },
    accountHolderEmailAddress: 'alex@example.com',
    accountHolderMobilePhoneNumber: { countryDialInCode: '1', phoneNumber: '5550100' },
  };
  const entry = (card: number, accountNumber: string, name: string) => ({
    name,
    productConfig: cards[card]!.productConfig,
    accountNumber,
    expiryMonth: '12',
    expiryYear: '39',
    accountHolderData: holder,
  });
  return [
    entry(0, '5555555555554444', 'Northwind Classic'),
    entry(1, '5105105105105100', 'Contoso Air Miles'),
    entry(3, '2223003122003222', 'Fabrikam Everyday'),
    entry(5, '5200828282828210', 'Woodgrove Debit'),
    entry(4, '5454545454545454', 'Northwind Litware Rewards'),
  ];
}

/** Cards for the demo page and the benchmark: each combination the renderer has to handle. */
function demoCards() {
  const ids = SAMPLE_IDS;
  return [
    {
      name: 'Northwind Classic (PDF background, PDF logos)',
      productConfig: {
        cardBackgroundAssetId: ids.auroraBackgroundPdf,
        issuerLogoAssetId: ids.northwindLogoPdf,
        brandLogoAssetId: ids.circlesBrandPdf,
        iconAssetId: ids.northwindIconPng,
        foregroundColor: 'ffffff',
        isCoBranded: false,
      },
      text: '•••• 4242',
    },
    {
      name: 'Contoso Air Miles (PNG background, issuer + co-brand)',
      productConfig: {
        cardBackgroundAssetId: ids.sunsetBackgroundPng,
        issuerLogoAssetId: ids.woodgroveLogoMulti,
        coBrandLogoAssetId: ids.contosoAirLogoPng,
        brandLogoAssetId: ids.circlesBrandPng,
        iconAssetId: ids.contosoIconPng,
        foregroundColor: 'FFF4E0',
        isCoBranded: true,
      },
      text: '•••• 1234',
    },
    {
      name: 'Contoso Air World (combined image)',
      productConfig: {
        cardBackgroundCombinedAssetId: ids.contosoCombinedPng,
        iconAssetId: ids.contosoIconPng,
        foregroundColor: 'ffffff',
        isCoBranded: true,
      },
      text: '•••• 9876',
    },
    {
      name: 'Fabrikam Everyday (square PDF background, SVG logo)',
      productConfig: {
        cardBackgroundAssetId: ids.slateBackgroundPdf,
        issuerLogoAssetId: ids.fabrikamLogoSvg,
        brandLogoAssetId: ids.circlesBrandPdf,
        foregroundColor: 'e8f1f2',
        isCoBranded: false,
      },
      text: '•••• 5501',
    },
    {
      name: 'Northwind Litware Rewards (PDF issuer + SVG co-brand)',
      productConfig: {
        cardBackgroundAssetId: ids.auroraBackgroundPdf,
        issuerLogoAssetId: ids.northwindLogoPdf,
        coBrandLogoAssetId: ids.litwareLogoSvg,
        brandLogoAssetId: ids.circlesBrandPng,
        foregroundColor: 'f2b705',
        isCoBranded: true,
      },
      text: '•••• 3090',
    },
    {
      name: 'Woodgrove Debit (multi-entry logo, no text)',
      productConfig: {
        cardBackgroundAssetId: ids.sunsetBackgroundPng,
        issuerLogoAssetId: ids.woodgroveLogoMulti,
        brandLogoAssetId: ids.circlesBrandPdf,
        foregroundColor: '000000',
      },
    },
  ];
}

function mediaEntry(type: string, bytes: Buffer | string, width?: number, height?: number) {
  return {
    type,
    data: Buffer.from(bytes).toString('base64'),
    ...(width !== undefined && height !== undefined ? { width: String(width), height: String(height) } : {}),
  };
}

export async function makeSamples(dir: string = SAMPLES_DIR): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    rmSync(path.join(dir, name));
  }
  const files: Array<[string, Buffer | string]> = [];
  const add = (name: string, bytes: Buffer | string) => files.push([name, bytes]);
  const ids = SAMPLE_IDS;

  add(`${ids.auroraBackgroundPdf}.pdf`, await toPdf(auroraBackground, 'Aurora card background'));
  add(`${ids.sunsetBackgroundPng}.png`, await toPng(toSvg(sunsetBackground, { width: 900, height: 600 }), { palette: true }));
  add(`${ids.slateBackgroundPdf}.pdf`, await toPdf(slateBackground, 'Slate card background'));
  add(`${ids.contosoCombinedPng}.png`, await toPng(combinedCardSvg(1024, 646), { palette: true }));
  add(`${ids.northwindLogoPdf}.pdf`, await toPdf(northwindLogo, 'Northwind Bank logo'));
  add(
    `${ids.woodgroveLogoMulti}.json`,
    `${JSON.stringify(
      {
        mediaContents: [
          mediaEntry('application/pdf', await toPdf(woodgroveLogo, 'Woodgrove Bank logo')),
          mediaEntry('image/png', await toPng(toSvg(woodgroveLogo, { width: 600, height: 150 })), 600, 150),
          mediaEntry('image/png', await toPng(toSvg(woodgroveLogo, { width: 300, height: 75 })), 300, 75),
        ],
      },
      null,
      2,
    )}\n`,
  );
  add(`${ids.fabrikamLogoSvg}.svg`, toSvg(fabrikamLogo));
  add(`${ids.contosoAirLogoPng}.png`, await toPng(toSvg(contosoAirLogo, { width: 560, height: 160 })));
  add(`${ids.litwareLogoSvg}.svg`, toSvg(litwareLogo));
  add(`${ids.circlesBrandPdf}.pdf`, await toPdf(circlesBrand, 'Circles brand mark'));
  add(`${ids.circlesBrandPng}.png`, await toPng(toSvg(circlesBrand, { width: 320, height: 256 })));
  add(`${ids.northwindIconPng}.png`, await toPng(toSvg(icon('NB', '#1b365d'))));
  add(`${ids.contosoIconPng}.png`, await toPng(toSvg(icon('CA', '#005587'))));

  for (const requestor of TOKEN_REQUESTORS) {
    const logo = requestorLogo(requestor.initials, requestor.color);
    const svg = toSvg(logo);
    add(
      `${requestor.imageAssetId}.json`,
      `${JSON.stringify({ mediaContents: [mediaEntry('image/svg+xml', svg, 192, 192), mediaEntry('image/png', await toPng(svg), 192, 192)] }, null, 2)}\n`,
    );
  }
  add('demo-cards.json', `${JSON.stringify(demoCards(), null, 2)}\n`);
  const tokenRequestors = TOKEN_REQUESTORS.map(({ initials: _initials, color: _color, ...rest }) => rest);
  add('token-requestors.json', `${JSON.stringify({ tokenRequestors }, null, 2)}\n`);
  add('push-cards.json', `${JSON.stringify(pushCards(), null, 2)}\n`);

  for (const [name, bytes] of files) writeFileSync(path.join(dir, name), bytes);
  return files.map(([name]) => name);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = await makeSamples();
  console.log(`wrote ${written.length} sample files to ${SAMPLES_DIR}`);
}
