/**
 * The warm-hit floor: a bare node:http server answering every request with the same bytes and the same
 * caching headers as the service. Run as a child: `node bare-http-server.ts <file> <content-type> <port>`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [file, contentType, port] = process.argv.slice(2);
if (!file || !contentType || !port) throw new Error('usage: bare-http-server.ts <file> <content-type> <port>');

const body = readFileSync(file);
const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

const server = createServer((_request, response) => {
  response.writeHead(200, {
    'Content-Type': contentType,
    'Content-Length': body.length,
    ETag: etag,
    'Cache-Control': 'public, max-age=31536000, immutable',
  });
  response.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
