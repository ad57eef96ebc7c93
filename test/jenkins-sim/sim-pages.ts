import type { ServerResponse } from 'node:http';

/**
 * Jenkins core's page for an exception nothing handled (hudson/model/Hudson/oops.jelly, status 500): it
 * names no reason, only a logging id for the controller's log.
 */
export function sendOops(response: ServerResponse): void {
  const html = [
    '<!DOCTYPE html><html><head><title>Jenkins</title></head><body>',
    '<div id="main-panel"><h1 style="text-align: center">Oops!</h1>',
    '<div id="error-description"><h2 style="text-align: center">A problem occurred while processing the request</h2>',
    `<p style="text-align: center">Logging ID=${crypto.randomUUID()}</p></div></div></body></html>`,
  ].join('\n');
  response.writeHead(500, { 'Content-Type': 'text/html;charset=utf-8' }).end(html);
}

/**
 * configuration-as-code-plugin src/main/resources/io/jenkins/plugins/casc/ConfigurationAsCode/error.jelly
 * (58646eb6) inside the l:layout page, status 200: errorMessage (ConfiguratorException.getErrorMessage, no
 * source line), the configurator's name as `target`, the invalid attribute and the valid ones. Escaped
 * (escape-by-default='true').
 */
export function sendErrorJelly(response: ServerResponse, error: { message: string; target?: string; invalid?: string; valid?: string[] }): void {
  const lines = [
    '<!DOCTYPE html><html><head><title>Error loading configuration [Jenkins]</title></head><body>',
    '<div id="main-panel"><div class="jenkins-app-bar"><div class="jenkins-app-bar__content"><h1>Error loading configuration</h1></div></div>',
    `<p>${escapeHtml(error.message)}<pre><code>${escapeHtml(error.target ?? '')}</code></pre></p>`,
  ];
  if (error.invalid !== undefined) lines.push(`<p>Attribute was: <pre><code>${escapeHtml(error.invalid)}</code></pre></p>`);
  if (error.valid !== undefined && error.valid.length > 0) {
    lines.push('<p>Valid attributes are:</p>', '<ul>', ...error.valid.map((name) => `<li>${escapeHtml(name)}</li>`), '</ul>');
  }
  lines.push('</div></body></html>');
  response.writeHead(200, { 'Content-Type': 'text/html;charset=utf-8' }).end(lines.join('\n'));
}

/** A plain error page, as Jetty/Stapler send for sendError(status). */
export function sendPage(response: ServerResponse, status: number, message: string): void {
  const html = `<html><head><title>Error ${status} ${escapeHtml(message)}</title></head><body><h2>HTTP ERROR ${status} ${escapeHtml(message)}</h2></body></html>`;
  response.writeHead(status, { 'Content-Type': 'text/html;charset=utf-8' }).end(html);
}

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8' }).end(JSON.stringify(value));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);
}
