/**
 * The warm-hit floor: a bare node:http server answering every request with the same bytes and the same headers
 * as the service. Run as a child: `node bare-http-server.ts <file> <port> <headers as JSON>`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [file, port, headersJson] = process.argv.slice(2);
if (!file || !port || !headersJson) throw new Error('usage: bare-http-server.ts <file> <port> <headers JSON>');

const body = readFileSync(file);
const headers = { ...(JSON.parse(headersJson) as Record<string, string>), 'Content-Length': String(body.length) };

const server = createServer((_request, response) => {
  response.writeHead(200, headers);
  response.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
