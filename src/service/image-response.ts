import type { Request, Response } from 'express';
import { ifNoneMatchHits } from './etag.ts';

export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export interface ImageToSend {
  bytes: Buffer;
  contentType: string;
  etag: string;
}

/** Sets the headers every image response carries (also on 304, so caches can refresh their copy). */
export function setImageValidators(res: Response, etag: string, varyAccept: boolean): void {
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', IMMUTABLE_CACHE_CONTROL);
  if (varyAccept) res.vary('Accept');
}

/** 304 when the client already holds this tag; the tag alone decides, as the content behind it never changes. */
export function sendNotModifiedIfFresh(req: Request, res: Response, etag: string, varyAccept: boolean): boolean {
  if (!ifNoneMatchHits(req.get('if-none-match'), etag)) return false;
  setImageValidators(res, etag, varyAccept);
  res.status(304).end();
  return true;
}

/** Sends an image with its validators; HEAD gets the headers and Content-Length without the body. */
export function sendImage(req: Request, res: Response, image: ImageToSend, varyAccept: boolean): void {
  if (sendNotModifiedIfFresh(req, res, image.etag, varyAccept)) return;
  setImageValidators(res, image.etag, varyAccept);
  res.setHeader('Content-Type', image.contentType);
  res.setHeader('Content-Length', String(image.bytes.length));
  if (req.method === 'HEAD') {
    res.status(200).end();
    return;
  }
  res.status(200).end(image.bytes);
}

/**
 * Before any cache or upstream work: 304 when the client names this tag. `If-None-Match: *` is left to
 * sendImage, as it only matches an image that exists.
 */
export function answeredFromTag(req: Request, res: Response, etag: string, varyAccept: boolean): boolean {
  const header = req.get('if-none-match');
  if (header === undefined || header.trim() === '*') return false;
  return sendNotModifiedIfFresh(req, res, etag, varyAccept);
}
