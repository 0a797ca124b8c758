/**
 * nginx (Debian's /usr/sbin/nginx) on a loopback port with its own prefix, config and temp folders: the warm-hit
 * floor "a web server sending a file with sendfile", and the generator ceiling (an empty 204). Started by the
 * bench, stopped after; nothing of the system nginx is touched.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../support/free-port.ts';
import { IMMUTABLE_CACHE_CONTROL } from '../../src/service/image-response.ts';

export const NGINX_BINARY = process.env.BENCH_NGINX ?? '/usr/sbin/nginx';

export interface NginxFile {
  /** URL path it is served under, e.g. "/card-36k". */
  urlPath: string;
  file: string;
  contentType: string;
  etag: string;
}

export interface NginxServer {
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startNginx(dir: string, files: readonly NginxFile[]): Promise<NginxServer> {
  if (!existsSync(NGINX_BINARY)) throw new Error(`nginx not found at ${NGINX_BINARY}: install nginx: apt-get install nginx`);
  await mkdir(path.join(dir, 'www'), { recursive: true });
  await mkdir(path.join(dir, 'temp'), { recursive: true });
  const port = await freePort();
  const locations: string[] = [];
  for (const [index, served] of files.entries()) {
    const name = `file-${index}`;
    await copyFile(served.file, path.join(dir, 'www', name));
    // The same headers the service sends; nginx's own ETag is replaced by the service's, as a fixed header.
    locations.push(`    location = ${served.urlPath} {
      default_type ${served.contentType};
      etag off;
      add_header ETag '${served.etag}';
      add_header Cache-Control '${IMMUTABLE_CACHE_CONTROL}';
      add_header X-Content-Type-Options nosniff;
      alias ${path.join(dir, 'www', name)};
    }`);
  }
  const temp = path.join(dir, 'temp');
  const config = `worker_processes 1;
daemon off;
master_process off;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  open_file_cache max=16 inactive=300s;
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  server {
    listen 127.0.0.1:${port};
    location = /empty { return 204; } # the readiness probe below
${locations.join('\n')}
  }
}
`;
  const configFile = path.join(dir, 'nginx.conf');
  await writeFile(configFile, config);
  const child = spawn(NGINX_BINARY, ['-p', dir, '-c', configFile, '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start: ${stderr}`);
    const ok = await fetch(`${baseUrl}/empty`).then((response) => response.status === 204, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not answer: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    baseUrl,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
