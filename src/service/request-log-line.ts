/**
 * The request log line of one fixed (method, route, status) series, written without pino's per-call work (bench
 * row 1, issue #13: pino's info() was ~1 µs of a ~20 µs warm hit; this is a quarter of that). pino itself renders
 * the line once, with sentinel values, through its own serializer (`pino.symbols`, which pino exposes for
 * "performant integration"); each request then joins the pieces around the time and the duration, so the line is
 * byte for byte what `logger.info({ durationMs }, 'request')` writes (tested). A logger whose line cannot be
 * templated that way (a mixin, write hooks, a metadata stream) gets undefined, and the caller uses info().
 */
import { pino, type Logger } from 'pino';

const { asJsonSym, streamSym, mixinSym, hooksSym, timeSym, needsMetadataGsym } = pino.symbols as unknown as Record<string, symbol>;

/** Sentinels pino renders in place of the values a request fills in. */
const TIME_SENTINEL = ',"time":-1.25e-300';
const DURATION_SENTINEL = -2.5e-300;

type PinoInternals = Record<symbol, unknown>;

/** Returns a writer of `logger`'s `{ durationMs }` 'request' info line, or undefined when it cannot be templated. */
export function requestLineWriter(logger: Logger): ((durationMs: number) => void) | undefined {
  const internals = logger as unknown as PinoInternals;
  const hooks = internals[hooksSym!] as { streamWrite?: unknown; logMethod?: unknown } | undefined;
  const asJson = internals[asJsonSym!] as ((obj: object, msg: string, num: number, time: string) => string) | undefined;
  const time = internals[timeSym!] as (() => string) | undefined;
  const stream = internals[streamSym!] as { write(line: string): unknown; [key: symbol]: unknown } | undefined;
  if (!asJson || !time || !stream || typeof stream.write !== 'function') return undefined;
  if (internals[mixinSym!] || hooks?.streamWrite || hooks?.logMethod || stream[needsMetadataGsym!] === true) return undefined;

  const level = logger.levels.values.info!;
  const rendered = asJson.call(logger, { durationMs: DURATION_SENTINEL }, 'request', level, TIME_SENTINEL);
  const pieces = rendered.split(TIME_SENTINEL);
  if (pieces.length !== 2) return undefined;
  const [prefix, afterTime] = pieces as [string, string];
  const durationPieces = afterTime.split(`"durationMs":${DURATION_SENTINEL}`);
  if (durationPieces.length !== 2) return undefined;
  const middle = `${durationPieces[0]}"durationMs":`;
  const suffix = durationPieces[1]!;

  return (durationMs) => {
    if (!logger.isLevelEnabled('info')) return;
    // pino writes a non-finite number as null.
    stream.write(prefix + time() + middle + (Number.isFinite(durationMs) ? durationMs : 'null') + suffix);
  };
}
