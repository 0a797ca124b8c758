/**
 * Debian's nginx (/usr/sbin/nginx) as a loopback load balancer in front of some instances: its own temp prefix,
 * config, pid and logs, started in the foreground and stopped by the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.ts';

export const NGINX_BIN = '/usr/sbin/nginx';

export interface NginxProcess {
  baseUrl: string;
  port: number;
  /** The error log so far (upstream failures and retries are logged there). */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/** nginx round-robin over `upstreamPorts` on 127.0.0.1, retrying a request on the next one when one fails. */
export async function startNginx(upstreamPorts: number[]): Promise<NginxProcess> {
  const dir = await mkdtemp(path.join(tmpdir(), 'card-art-nginx-'));
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(path.join(dir, sub));
  const port = await freePort();
  const errorLogPath = path.join(dir, 'error.log');
  const servers = upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=10s;`).join('\n');
  const conf = `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${errorLogPath} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream card_art {
${servers}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://card_art;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # A dead or refusing instance: the request goes to the next one (GET and HEAD only, as nginx does by default).
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
      proxy_read_timeout 30s;
      # Whole answers in memory, never in temp files (the workers may run as a user that cannot write this prefix).
      proxy_buffer_size 16k;
      proxy_buffers 32 64k;
      proxy_max_temp_file_size 0;
    }
  }
}
`;
  const confPath = path.join(dir, 'nginx.conf');
  await writeFile(confPath, conf);
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', dir, '-e', errorLogPath, '-c', confPath, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');

  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = await readFile(errorLogPath, 'utf8').catch(() => '');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start: ${output} ${log}`.slice(0, 2000));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    errorLog: () => readFile(errorLogPath, 'utf8').catch(() => ''),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT'); // graceful: the master stops its worker
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
