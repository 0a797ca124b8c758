/** A simulator folder generated for the service tests: plain shapes made with sharp and hand-written SVG. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export const WALLET_RANGE = '522222000';
export const MERCHANT_RANGE = '222300001';

export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="192" height="192" viewBox="0 0 192 192">
  <rect width="192" height="192" rx="40" fill="#1f3a5f"/><circle cx="96" cy="96" r="52" fill="#f2b441"/>
</svg>
`;
const BRAND_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="180" viewBox="0 0 300 180">
  <circle cx="110" cy="90" r="80" fill="#d22" fill-opacity="0.9"/><circle cx="190" cy="90" r="80" fill="#f90" fill-opacity="0.8"/>
</svg>
`;
const UNSAFE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`;

async function solidPng(width: number, height: number, rgba: { r: number; g: number; b: number; alpha: number }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: rgba } }).png().toBuffer();
}

export const CARD = {
  cardBackgroundAssetId: 'bg-blue',
  issuerLogoAssetId: 'issuer-bank',
  brandLogoAssetId: 'brand-circles',
  foregroundColor: 'ffffff',
} as const;

export interface ServiceFixtures {
  dir: string;
  /** Background IDs nobody else uses, for tests that need a cold render of their own. */
  spareBackgrounds: string[];
  cleanup(): Promise<void>;
}

export async function makeServiceFixtures(): Promise<ServiceFixtures> {
  const dir = await mkdtemp(path.join(tmpdir(), 'card-art-service-'));
  const background = await solidPng(768, 485, { r: 30, g: 70, b: 140, alpha: 1 });
  const spareBackgrounds = Array.from({ length: 16 }, (_, i) => `bg-spare-${i}`);
  const files: Record<string, string | Buffer> = {
    'bg-blue.png': background,
    'issuer-bank.png': await solidPng(400, 100, { r: 255, g: 255, b: 255, alpha: 0.8 }),
    'cobrand-shop.png': await solidPng(300, 150, { r: 20, g: 160, b: 90, alpha: 1 }),
    'brand-circles.svg': BRAND_SVG,
    'combined-card.png': await solidPng(1536, 969, { r: 90, g: 20, b: 60, alpha: 1 }),
    'logo-wallet.json': JSON.stringify({
      mediaContents: [
        { type: 'image/svg+xml', data: Buffer.from(LOGO_SVG).toString('base64') },
        {
          type: 'image/png',
          data: (await solidPng(192, 192, { r: 31, g: 58, b: 95, alpha: 1 })).toString('base64'),
          width: '192',
          height: '192',
        },
      ],
    }),
    'logo-merchant.png': await solidPng(192, 192, { r: 200, g: 40, b: 40, alpha: 1 }),
    'logo-unsafe.svg': UNSAFE_SVG,
    'token-requestors.json': JSON.stringify({
      responseId: 'fixture',
      tokenRequestors: [
        {
          tokenRequestorId: '50110030273',
          name: 'Demo Wallet Inc',
          consumerFacingEntityName: 'Demo Pay',
          imageAssetId: 'logo-wallet',
          tokenRequestorType: 'WALLET',
          enabledAccountRanges: [WALLET_RANGE],
          supportedPushMethods: ['ANDROID_APP_TO_APP'],
          availablePushMethods: [{ type: 'ANDROID_APP_TO_APP', uri: 'https://wallet.example/push' }],
        },
        {
          tokenRequestorId: '50110030274',
          name: 'Demo Shop Ltd',
          consumerFacingEntityName: 'Demo Shop',
          imageAssetId: 'logo-merchant',
          tokenRequestorType: 'MERCHANT',
          enabledAccountRanges: [MERCHANT_RANGE],
          supportedPushMethods: ['WEB'],
          availablePushMethods: [{ type: 'WEB', uri: 'https://shop.example/push' }],
        },
      ],
    }),
    'demo-cards.json': JSON.stringify([
      { name: 'Everyday Debit', productConfig: CARD, text: '•••• 4242' },
      {
        name: 'Shop Rewards',
        productConfig: { ...CARD, coBrandLogoAssetId: 'cobrand-shop', isCoBranded: true, foregroundColor: 'f0f0f0' },
        text: '•••• 0005',
      },
      { name: 'Travel Card', productConfig: { cardBackgroundCombinedAssetId: 'combined-card', foregroundColor: 'ffffff' }, text: '•••• 1881' },
    ]),
  };
  for (const id of spareBackgrounds) files[`${id}.png`] = background;
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return { dir, spareBackgrounds, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
