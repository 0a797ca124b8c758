/**
 * The canvas filters pdf.js needs, for @napi-rs/canvas: soft masks by luminosity, alpha soft masks with a transfer
 * function (/TR), and transfer functions of the graphics state.
 *
 * In a browser pdf.js builds SVG filters (`DOMFilterFactory` in pdfjs-dist 5.7.284's `pdf.mjs`) and sets
 * `ctx.filter = "url(#…)"` before drawing; in Node its `NodeFilterFactory` answers `"none"` for every filter, so
 * `_prepareSMaskCanvas` uses a luminosity mask as if it were plain alpha (a gradient fade becomes a solid block).
 * pdf.js takes its own `FilterFactory` and `CanvasFactory` classes from `getDocument`; `createCanvasFilters()`
 * makes a pair that share one table of filters:
 * - the FilterFactory answers an id (`url(#card-art-filter-N)`) for each filter pdf.js asks for, as the DOM one does;
 * - every context the CanvasFactory makes (and the page's own, through `enable()`) keeps `filter` as pdf.js set it,
 *   and draws through a known filter as a browser applies an SVG filter: the source's un-premultiplied pixels
 *   mapped, then composited with the context's alpha, compositing mode and clip. drawImage maps the image's
 *   pixels; fills, strokes and text are drawn on a layer of the canvas's size and the layer's pixels mapped.
 * The maps are the DOM factory's: luminosity = 0.3 R + 0.59 G + 0.11 B into alpha (colour 0), then the optional
 * transfer table on alpha; an alpha map looks alpha up in its table; a transfer map looks R, G and B up in theirs
 * (`feComponentTransfer type="discrete"` with 256 entries is a plain lookup of the 8-bit value).
 */
import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';

/** What a filter does to straight (un-premultiplied) RGBA pixels. */
export type PixelFilter =
  | { kind: 'transfer'; maps: readonly [Uint8Array | null, Uint8Array | null, Uint8Array | null] }
  | { kind: 'alpha'; map: Uint8Array }
  | { kind: 'luminosity'; map: Uint8Array | null };

/** Maps straight RGBA pixels in place. */
export function applyPixelFilter(pixels: Uint8ClampedArray | Uint8Array, filter: PixelFilter): void {
  const length = pixels.length;
  switch (filter.kind) {
    case 'transfer': {
      const [r, g, b] = filter.maps;
      for (let i = 0; i < length; i += 4) {
        if (r) pixels[i] = r[pixels[i]!]!;
        if (g) pixels[i + 1] = g[pixels[i + 1]!]!;
        if (b) pixels[i + 2] = b[pixels[i + 2]!]!;
      }
      return;
    }
    case 'alpha': {
      const map = filter.map;
      for (let i = 3; i < length; i += 4) pixels[i] = map[pixels[i]!]!;
      return;
    }
    case 'luminosity': {
      const map = filter.map;
      for (let i = 0; i < length; i += 4) {
        // Transparent pixels un-premultiply to black, as in a browser: luminosity 0.
        const luminosity = Math.round(0.3 * pixels[i]! + 0.59 * pixels[i + 1]! + 0.11 * pixels[i + 2]!);
        pixels[i] = pixels[i + 1] = pixels[i + 2] = 0;
        pixels[i + 3] = map ? map[luminosity]! : luminosity;
      }
      return;
    }
  }
}

type Context = SKRSContext2D;
type CanvasAndContext = { canvas: Canvas | null; context: Context | null };
/** The 2D context's own methods, called past pdf.js's per-instance wrappers (it mirrors some calls to another context). */
const NATIVE = (() => {
  const proto = Object.getPrototypeOf(createCanvas(1, 1).getContext('2d')) as Context;
  return {
    drawImage: proto.drawImage,
    save: proto.save,
    restore: proto.restore,
    setTransform: proto.setTransform as (a: number, b: number, c: number, d: number, e: number, f: number) => void,
    filter: Object.getOwnPropertyDescriptor(proto, 'filter'),
  };
})();
/** Drawing state a layer takes over from its context (everything that shapes what is drawn, not how it is composited). */
const LAYER_STATE = [
  'fillStyle', 'strokeStyle', 'lineWidth', 'lineCap', 'lineJoin', 'miterLimit', 'lineDashOffset', 'font',
  'textAlign', 'textBaseline', 'direction', 'imageSmoothingEnabled', 'imageSmoothingQuality',
] as const;
const LAYERED_OPS = ['fill', 'stroke', 'fillRect', 'strokeRect', 'fillText', 'strokeText'] as const;
const FILTER_ID = /^url\(#card-art-filter-\d+\)$/;

export interface CanvasFilters {
  /** For getDocument({ FilterFactory }). */
  FilterFactory: new (options?: unknown) => unknown;
  /** For getDocument({ CanvasFactory }): canvases whose contexts draw through the filters above. */
  CanvasFactory: new (options?: unknown) => unknown;
  /** Makes a context made elsewhere (the page's canvas) draw through the filters too. */
  enable(context: Context): void;
}

/** A FilterFactory / CanvasFactory pair for one document (see above). */
export function createCanvasFilters(): CanvasFilters {
  const filters = new Map<string, PixelFilter>();
  const idsByKey = new Map<string, string>();

  function register(key: string, filter: PixelFilter): string {
    let id = idsByKey.get(key);
    if (!id) {
      id = `url(#card-art-filter-${filters.size})`;
      filters.set(id, filter);
      idsByKey.set(key, id);
    }
    return id;
  }
  const tableKey = (map: Uint8Array | null | undefined) => (map ? Buffer.from(map.buffer, map.byteOffset, map.byteLength).toString('base64') : '-');

  class FilterFactory {
    /** /TR of a graphics state: 1 map for R, G and B, or one per component (the 4th, if any, is not used for RGB). */
    addFilter(maps: Array<Uint8Array | null> | null | undefined): string {
      if (!maps || maps.length === 0) return 'none';
      const [r, g, b] = maps.length === 1 ? [maps[0]!, maps[0]!, maps[0]!] : [maps[0] ?? null, maps[1] ?? null, maps[2] ?? null];
      if (!r && !g && !b) return 'none';
      return register(`transfer ${tableKey(r)} ${tableKey(g)} ${tableKey(b)}`, { kind: 'transfer', maps: [r, g, b] });
    }
    addAlphaFilter(map: Uint8Array): string {
      return register(`alpha ${tableKey(map)}`, { kind: 'alpha', map });
    }
    addLuminosityFilter(map: Uint8Array | null | undefined): string {
      return register(`luminosity ${tableKey(map)}`, { kind: 'luminosity', map: map ?? null });
    }
    /** High-contrast page colours: never asked for (the service passes no pageColors). */
    addHCMFilter(): string {
      return 'none';
    }
    addHighlightHCMFilter(): string {
      return 'none';
    }
    destroy(): void {
      filters.clear();
      idsByKey.clear();
    }
  }

  const contextFilter = new WeakMap<Context, { value: string; stack: string[] }>();

  /** The pixels of whatever drawImage was given, as a canvas of its own size mapped through `filter`. */
  function filteredCopy(image: unknown, filter: PixelFilter): Canvas | undefined {
    const { width, height } = image as { width?: number; height?: number };
    if (!width || !height) return undefined;
    const copy = createCanvas(width, height);
    const copyContext = copy.getContext('2d');
    (NATIVE.drawImage as (...args: unknown[]) => void).call(copyContext, image, 0, 0);
    const pixels = copyContext.getImageData(0, 0, width, height);
    applyPixelFilter(pixels.data, filter);
    copyContext.putImageData(pixels, 0, 0);
    return copy;
  }

  function enable(context: Context): void {
    if (contextFilter.has(context)) return;
    const state = { value: 'none', stack: [] as string[] };
    contextFilter.set(context, state);
    const active = () => (state.value === 'none' ? undefined : filters.get(state.value));
    Object.defineProperty(context, 'filter', {
      configurable: true,
      enumerable: true,
      get: () => state.value,
      set(value: unknown) {
        const text = String(value);
        state.value = text;
        // Other CSS filters (none of pdf.js's page drawing uses one) still go to the canvas itself.
        NATIVE.filter?.set?.call(context, FILTER_ID.test(text) ? 'none' : text);
      },
    });
    Object.assign(context, {
      save(this: Context) {
        state.stack.push(state.value);
        NATIVE.save.call(this);
      },
      restore(this: Context) {
        if (state.stack.length > 0) state.value = state.stack.pop()!;
        NATIVE.restore.call(this);
      },
      drawImage(this: Context, image: Canvas, ...rest: number[]) {
        const filter = active();
        const source = filter ? (filteredCopy(image, filter) ?? image) : image;
        return (NATIVE.drawImage as (...args: unknown[]) => void).call(this, source, ...rest);
      },
    });
    for (const op of LAYERED_OPS) {
      const original = (context as unknown as Record<string, (...args: unknown[]) => void>)[op]!;
      (context as unknown as Record<string, unknown>)[op] = function (this: Context, ...args: unknown[]) {
        const filter = active();
        // fill() / stroke() of the context's current path cannot be replayed on a layer: drawn unfiltered.
        const replayable = op !== 'fill' && op !== 'stroke' ? true : args[0] !== undefined && typeof args[0] === 'object';
        if (!filter || !replayable) return original.apply(this, args);
        drawThroughLayer(this, filter, (layer) => (layer as unknown as Record<string, (...a: unknown[]) => void>)[op]!(...args));
      };
    }
  }

  /** Draws on a transparent layer as large as the canvas, maps its pixels, then composites it with the context's own alpha, mode and clip. */
  function drawThroughLayer(context: Context, filter: PixelFilter, draw: (layer: Context) => void): void {
    const { width, height } = context.canvas;
    const layer = createCanvas(width, height);
    const layerContext = layer.getContext('2d');
    const source = context as unknown as Record<string, unknown>;
    const target = layerContext as unknown as Record<string, unknown>;
    for (const property of LAYER_STATE) if (source[property] !== undefined) target[property] = source[property];
    layerContext.setLineDash(context.getLineDash());
    layerContext.setTransform(context.getTransform());
    draw(layerContext);
    // @napi-rs/canvas 0.1 can apply the current transform to putImageData (a browser never does): identity first.
    layerContext.setTransform(1, 0, 0, 1, 0, 0);
    const pixels = layerContext.getImageData(0, 0, width, height);
    applyPixelFilter(pixels.data, filter);
    layerContext.putImageData(pixels, 0, 0);
    NATIVE.save.call(context);
    NATIVE.setTransform.call(context, 1, 0, 0, 1, 0, 0);
    (NATIVE.drawImage as (...args: unknown[]) => void).call(context, layer, 0, 0);
    NATIVE.restore.call(context);
  }

  class CanvasFactory {
    create(width: number, height: number): CanvasAndContext {
      if (width <= 0 || height <= 0) throw new Error('Invalid canvas size');
      const canvas = createCanvas(width, height);
      const context = canvas.getContext('2d');
      enable(context);
      return { canvas, context };
    }
    reset(entry: CanvasAndContext, width: number, height: number): void {
      if (!entry.canvas) throw new Error('Canvas is not specified');
      if (width <= 0 || height <= 0) throw new Error('Invalid canvas size');
      entry.canvas.width = width;
      entry.canvas.height = height;
      // A resized canvas starts from the default state, filter included.
      const state = entry.context ? contextFilter.get(entry.context) : undefined;
      if (state) {
        state.value = 'none';
        state.stack.length = 0;
      }
    }
    destroy(entry: CanvasAndContext): void {
      if (!entry.canvas) throw new Error('Canvas is not specified');
      entry.canvas.width = entry.canvas.height = 0;
      entry.canvas = null;
      entry.context = null;
    }
  }

  return { FilterFactory, CanvasFactory, enable };
}
