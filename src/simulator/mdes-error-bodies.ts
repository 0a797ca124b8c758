import { randomUUID } from 'node:crypto';

/** The API gateway's error shape (authentication, rate limiting). */
export function gatewayErrorBody(reasonCode: string, description: string): string {
  return JSON.stringify({
    Errors: { Error: [{ Source: 'Gateway', ReasonCode: reasonCode, Description: description, Recoverable: false }] },
  });
}

/** The MDES API's own error shape (unknown asset, invalid field, service errors). */
export function mdesErrorBody(errorCode: string, description: string, recoverable = false): string {
  return JSON.stringify({
    responseHost: 'card-art-simulator',
    responseId: randomUUID(),
    errorCode,
    errorDescription: description,
    errors: [{ source: 'INPUT', errorCode, description, reasonCode: errorCode, recoverable }],
  });
}
