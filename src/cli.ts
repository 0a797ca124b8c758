/**
 * card-art command line: compose a card or rasterize one asset from a folder in the simulator format.
 *   node src/cli.ts compose --product-config pc.json --assets DIR --out card.png [--text "•••• 1234"] [--width N] [--format png|webp|avif]
 *   node src/cli.ts rasterize ASSET_FILE_OR_ID [--width N] [--assets DIR] --out file.png [--format png|webp|avif]
 * Exit codes: 0 done, 1 rendering failed (missing asset, bad asset data, I/O), 2 usage or invalid input.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AssetMedia, OutputFormat } from './core/asset-media.ts';
import type { CardRenderer } from './core/card-renderer.ts';
import { assertAllowedWidth, CARD_WIDTH, CONTENT_TYPES, type EncodedImage } from './core/card-render-types.ts';
import { parseCardText, parseProductConfig } from './core/product-config.ts';
import { CardArtError, isCardArtError } from './errors.ts';
import { createFolderMediaLoader, MIME_BY_EXTENSION, singleEntryBody } from './simulator/asset-folder.ts';

const USAGE = `usage:
  card-art compose --product-config PC.json --assets DIR --out CARD.png [--text "•••• 1234"] [--width N] [--format png|webp|avif]
  card-art rasterize ASSET_FILE_OR_ID [--assets DIR] [--width N] --out FILE.png [--format png|webp|avif]

  PC.json    a productConfig object, or {"productConfig": {...}, "text": "..."}
  DIR        asset folder in the simulator format: <assetId>.png|pdf|svg|json
  --width    compose: one of the allowed card widths (default 1536); rasterize: 1..1536 (default natural width)
  --format   default from the --out extension, else png`;

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

/** Single asset files above this are refused before reading (MDES assets are a few hundred kB). */
const MAX_ASSET_FILE_BYTES = 20 * 1024 * 1024;
const MAX_PRODUCT_CONFIG_BYTES = 1024 * 1024;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'compose':
        await compose(rest);
        return EXIT_OK;
      case 'rasterize':
        await rasterize(rest);
        return EXIT_OK;
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return EXIT_OK;
      default:
        throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
    }
  } catch (error) {
    return report(error);
  }
}

async function compose(args: string[]): Promise<void> {
  const { values } = parse(args, {
    'product-config': { type: 'string' },
    assets: { type: 'string' },
    out: { type: 'string' },
    text: { type: 'string' },
    width: { type: 'string' },
    format: { type: 'string' },
  });
  const configFile = required(values['product-config'], '--product-config');
  const assetDir = required(values.assets, '--assets');
  const out = required(values.out, '--out');
  const format = outputFormat(values.format, out);
  const width = values.width === undefined ? CARD_WIDTH : integer(values.width, '--width');
  assertAllowedWidth(width);

  const document = await readJsonFile(configFile);
  const wrapped = isObject(document) && 'productConfig' in document;
  const productConfig = parseProductConfig(wrapped ? document.productConfig : document);
  const text = parseCardText(values.text ?? (wrapped ? document.text : undefined));

  await withRenderer(createFolderMediaLoader(assetDir, decodeBody), async (renderer) => {
    const image = await renderer.renderCard({ productConfig, text, width, format });
    await writeImage(out, image);
  });
}

async function rasterize(args: string[]): Promise<void> {
  const { values, positionals } = parse(
    args,
    { assets: { type: 'string' }, out: { type: 'string' }, width: { type: 'string' }, format: { type: 'string' } },
    true,
  );
  if (positionals.length !== 1) throw new UsageError('rasterize takes exactly one ASSET_FILE_OR_ID');
  const target = positionals[0]!;
  const out = required(values.out, '--out');
  const format = outputFormat(values.format, out);
  const width = values.width === undefined ? undefined : integer(values.width, '--width');
  if (width !== undefined && (width < 1 || width > CARD_WIDTH)) {
    throw new CardArtError('INVALID_WIDTH', `--width must be from 1 to ${CARD_WIDTH}`);
  }

  let assetId = target;
  let loadMedia: (assetId: string) => Promise<AssetMedia>;
  if (values.assets !== undefined) {
    loadMedia = createFolderMediaLoader(values.assets, decodeBody);
  } else if (await isFile(target)) {
    // A file stands for itself under a fixed ID, so any file name works.
    assetId = 'file';
    const media = decodeBody(await assetFileBody(target));
    loadMedia = () => media;
  } else {
    throw new UsageError(`"${target}" is not a file; pass --assets DIR to rasterize an asset ID`);
  }
  await withRenderer(loadMedia, async (renderer) => {
    await writeImage(out, await renderer.renderAsset(assetId, width, format));
  });
}

async function withRenderer(loadMedia: (assetId: string) => Promise<AssetMedia>, run: (renderer: CardRenderer) => Promise<void>): Promise<void> {
  // Loaded only once the arguments are valid, so usage errors answer without loading sharp, pdf.js and canvas.
  const [{ createCardRenderer }, { createRasterizer }] = await Promise.all([import('./core/card-renderer.ts'), import('./core/rasterizer.ts')]);
  // One render per run: PDFs are rendered on this thread, no worker pool to start. This process fetches nothing,
  // so pdf.js may have its file-only loaders here too and draws with colour management, as the rasterizer process does.
  (await import('./core/pdfjs-local-files.ts')).installPdfjsLocalFiles();
  const rasterizer = createRasterizer({ processes: 0 });
  try {
    await run(createCardRenderer({ loadMedia, rasterizer }));
  } finally {
    await rasterizer.close();
  }
}

async function decodeBody(body: unknown): Promise<AssetMedia> {
  const { decodeBestMedia } = await import('./core/decode-asset-body.ts');
  return decodeBestMedia(body);
}

/** A Get Asset body for one file: .json is taken as the body itself, anything else becomes one entry (bytes are sniffed later). */
async function assetFileBody(file: string): Promise<unknown> {
  const bytes = await readBounded(file, MAX_ASSET_FILE_BYTES);
  const extension = path.extname(file).toLowerCase();
  if (extension === '.json') return parseJson(bytes, file);
  return singleEntryBody(MIME_BY_EXTENSION[extension] ?? 'application/octet-stream', bytes);
}

async function writeImage(out: string, image: EncodedImage): Promise<void> {
  await writeFile(out, image.bytes);
  console.log(`wrote ${out} (${image.width}x${image.height} ${image.contentType}, ${image.bytes.length} bytes)`);
}

function parse<T extends Record<string, { type: 'string' }>>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${flag}`);
  return value;
}

function integer(value: string, flag: string): number {
  if (!/^\d{1,6}$/.test(value)) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return Number(value);
}

function outputFormat(format: string | undefined, out: string): OutputFormat {
  const chosen = format ?? path.extname(out).slice(1).toLowerCase();
  if (Object.hasOwn(CONTENT_TYPES, chosen)) return chosen as OutputFormat;
  if (format === undefined) return 'png';
  throw new UsageError(`--format must be png, webp or avif, got "${format}"`);
}

async function readJsonFile(file: string): Promise<unknown> {
  return parseJson(await readBounded(file, MAX_PRODUCT_CONFIG_BYTES), file);
}

function parseJson(bytes: Buffer, file: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

async function readBounded(file: string, maxBytes: number): Promise<Buffer> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  if (!info.isFile()) throw new UsageError(`${file} is not a file`);
  if (info.size > maxBytes) throw new UsageError(`${file} is larger than ${maxBytes} bytes`);
  return readFile(file);
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then((info) => info.isFile(), () => false);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function report(error: unknown): number {
  if (error instanceof UsageError) {
    console.error(`error: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (isCardArtError(error)) {
    console.error(`error: ${error.code}: ${error.message}`);
    return error.kind === 'bad-input' ? EXIT_USAGE : EXIT_FAILED;
  }
  console.error(`error: ${(error as Error)?.message ?? String(error)}`);
  return EXIT_FAILED;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
