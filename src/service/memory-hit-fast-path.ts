/**
 * Warm hits without the general request work (issue #13): after the normal route has validated a GET image URL
 * and answered it, the raw URL + Accept header are remembered with the render key and ETag it computed. The next
 * request with exactly that URL and Accept header is answered here, before express, straight from the memory tier
 * — no parsing, validation, hashing, abort plumbing or middleware — with byte-identical status and headers.
 * Anything else (a new URL, a memory miss, a POST, a rate limit that is on) falls through to express unchanged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { CacheEntry } from '../cache/cache-types.ts';
import { ifNoneMatchHits } from './etag.ts';
import { IMMUTABLE_CACHE_CONTROL } from './image-response.ts';

/** 4 MB of remembered URLs (a card URL is ~250 bytes): tens of thousands of hot URLs, whatever clients send. */
export const FAST_PATH_TABLE_BYTES = 4 * 1024 * 1024;
/** URLs or Accept headers longer than this are never remembered (they are not what real clients send). */
const MAX_REMEMBERED_CHARS = 4096;

export interface RememberedImage {
  /** Memory-tier key of the encoded image. */
  key: string;
  etag: string;
  /** The format came from Accept, so the answer says `Vary: Accept`. */
  varyAccept: boolean;
  /** Route pattern for the request log and metrics. */
  route: string;
}

export interface MemoryHitFastPath {
  /** True when it answered the request (a remembered URL whose image is in memory). */
  tryAnswer(req: IncomingMessage, res: ServerResponse): boolean;
  /** Called by a route after it answered a GET/HEAD image request it validated. */
  remember(url: string, accept: string | undefined, image: RememberedImage): void;
}

export interface MemoryHitFastPathDeps {
  /** A memory-tier read only (counts a memory hit); never the persistent store or a loader. */
  readMemory(key: string): CacheEntry | undefined;
  /** Logs and observes one answered request as the request observer does, for a fixed (method, route, status). */
  recorder(method: string, route: string, status: number): (seconds: number) => void;
  tableBytes?: number;
}

/** The most Accept variants remembered per URL (a browser, an app and a proxy each send their own). */
const MAX_ACCEPT_VARIANTS = 8;

type Recorder = (seconds: number) => void;

/** A remembered image with its prebuilt header lists (flat name, value pairs for one writeHead call). */
interface RememberedAnswer extends RememberedImage {
  accept: string | undefined;
  notModifiedHeaders: string[];
  /** The 200 headers for an entry of this type and length (rebuilt if the entry in memory differs). */
  okHeaders: string[] | undefined;
  okType: string;
  okLength: number;
  /**
   * Request recorders per answer kind, made on first use (no per-hit string building or series lookup), at
   * recorderSlot(head, notModified).
   */
  recorders: (Recorder | undefined)[];
}

/** GET 200, GET 304, HEAD 200, HEAD 304. */
const recorderSlot = (head: boolean, notModified: boolean) => (head ? 2 : 0) + (notModified ? 1 : 0);

const answerBytes = (answer: RememberedAnswer) => answer.key.length + answer.etag.length + (answer.accept?.length ?? 0) * 2 + 256;

export function createMemoryHitFastPath(deps: MemoryHitFastPathDeps): MemoryHitFastPath {
  // Keyed by the raw URL; the Accept variants of one URL are compared in a short list (no key string per hit).
  const table = new LRUCache<string, RememberedAnswer[]>({
    maxSize: deps.tableBytes ?? FAST_PATH_TABLE_BYTES,
    sizeCalculation: (answers, url) => url.length * 2 + answers.reduce((sum, answer) => sum + answerBytes(answer), 0),
  });

  /** The same headers, in the same order, as the express route (X-Content-Type-Options, validators, type, length). */
  function okHeaders(remembered: RememberedAnswer, entry: CacheEntry): string[] {
    const type = entry.meta.contentType ?? 'application/octet-stream';
    const length = entry.bytes.length;
    if (remembered.okHeaders === undefined || remembered.okType !== type || remembered.okLength !== length) {
      remembered.okHeaders = [...remembered.notModifiedHeaders, 'Content-Type', type, 'Content-Length', String(length)];
      remembered.okType = type;
      remembered.okLength = length;
    }
    return remembered.okHeaders;
  }

  function record(remembered: RememberedAnswer, head: boolean, notModified: boolean, seconds: number): void {
    const slot = recorderSlot(head, notModified);
    (remembered.recorders[slot] ??= deps.recorder(head ? 'HEAD' : 'GET', remembered.route, notModified ? 304 : 200))(seconds);
  }

  return {
    tryAnswer(req, res) {
      const method = req.method;
      const head = method === 'HEAD';
      if (method !== 'GET' && !head) return false;
      const url = req.url;
      if (url === undefined) return false;
      const answers = table.get(url);
      if (answers === undefined) return false;
      const accept = req.headers.accept;
      let remembered: RememberedAnswer | undefined;
      for (const answer of answers) {
        if (answer.accept === accept) {
          remembered = answer;
          break;
        }
      }
      if (remembered === undefined) return false;
      const entry = deps.readMemory(remembered.key);
      if (entry === undefined) return false;
      const started = performance.now();
      // One writeHead with a prebuilt list: no per-header setHeader bookkeeping.
      const inm = req.headers['if-none-match'];
      const notModified = inm !== undefined && ifNoneMatchHits(inm, remembered.etag);
      if (notModified) {
        res.writeHead(304, remembered.notModifiedHeaders);
        res.end();
      } else {
        res.writeHead(200, okHeaders(remembered, entry));
        if (head) res.end();
        else res.end(entry.bytes);
      }
      record(remembered, head, notModified, (performance.now() - started) / 1000);
      return true;
    },

    remember(url, accept, image) {
      if (url.length > MAX_REMEMBERED_CHARS || (accept?.length ?? 0) > MAX_REMEMBERED_CHARS) return;
      const notModifiedHeaders = ['X-Content-Type-Options', 'nosniff', 'ETag', image.etag, 'Cache-Control', IMMUTABLE_CACHE_CONTROL];
      if (image.varyAccept) notModifiedHeaders.push('Vary', 'Accept');
      const answer: RememberedAnswer = {
        ...image,
        accept,
        notModifiedHeaders,
        okHeaders: undefined,
        okType: '',
        okLength: -1,
        recorders: [undefined, undefined, undefined, undefined],
      };
      const others = (table.peek(url) ?? []).filter((known) => known.accept !== accept).slice(-(MAX_ACCEPT_VARIANTS - 1));
      // set() again (not an in-place push) so the table re-measures the entry's size.
      table.set(url, [...others, answer]);
    },
  };
}
