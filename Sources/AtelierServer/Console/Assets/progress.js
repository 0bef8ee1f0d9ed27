// Follows one job until it ends: a WebSocket first (authenticated by a single-use ticket, since a
// browser cannot set headers on one), else Server-Sent Events read through fetch (EventSource
// cannot send the bearer header; fetch can, and the stream is the same text/event-stream).
import { ApiError } from "./api.js";

const TERMINAL = new Set(["succeeded", "failed", "canceled"]);

export function isTerminal(state) {
  return TERMINAL.has(state);
}

/**
 * Calls `onEvent(event, transport)` for every job event and resolves with the terminal one.
 * `transport`: "auto" (WebSocket, then SSE), "websocket" or "sse".
 */
export async function followJob(api, jobId, onEvent, transport = "auto") {
  if (transport !== "sse" && typeof WebSocket === "function") {
    try {
      const last = await overWebSocket(api, jobId, onEvent);
      if (last) return last;
    } catch (error) {
      if (transport === "websocket") throw error;
    }
    if (transport === "websocket") throw new ApiError(0, "NETWORK", "The progress connection closed before the job ended.");
  }
  return overEventStream(api, jobId, onEvent);
}

/** Resolves with the terminal event, or null when the socket could not be used to the end. */
async function overWebSocket(api, jobId, onEvent) {
  const { ticket } = await api.request("POST", "/api/v1/events/tickets");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/api/v1/jobs/${encodeURIComponent(jobId)}/events?ticket=${encodeURIComponent(ticket)}`;
  return new Promise((resolve) => {
    let socket;
    try {
      socket = new WebSocket(url);
    } catch {
      resolve(null);
      return;
    }
    let settled = false;
    const finish = (value) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    socket.addEventListener("message", (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      onEvent(event, "WebSocket");
      if (isTerminal(event.state)) {
        socket.close(1000);
        finish(event);
      }
    });
    // Closed (or refused) before the end: the caller carries on over SSE, which starts again
    // from where the job stands, so nothing is missed.
    socket.addEventListener("close", () => finish(null));
    socket.addEventListener("error", () => finish(null));
  });
}

/** SSE through fetch, reconnecting with Last-Event-ID when the stream ends early. */
async function overEventStream(api, jobId, onEvent) {
  let lastId = null;
  let refreshed = false;
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const headers = { Accept: "text/event-stream", Authorization: api.authorization() };
    if (lastId) headers["Last-Event-ID"] = lastId;
    let response;
    try {
      response = await fetch(`/api/v1/jobs/${encodeURIComponent(jobId)}/events`, { headers });
    } catch {
      await pause(1000 * (attempt + 1));
      continue;
    }
    if (response.status === 401 && !refreshed) {
      refreshed = true;
      await api.refresh();
      attempt -= 1;
      continue;
    }
    if (!response.ok || !response.body) {
      const parsed = await response.json().catch(() => null);
      const error = (parsed && parsed.error) || {};
      throw new ApiError(response.status, error.code || `HTTP_${response.status}`, error.message || "The progress stream was refused.");
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const { id, data } = parseBlock(block);
        if (id) lastId = id;
        if (!data) continue;
        const event = JSON.parse(data);
        onEvent(event, "Server-Sent Events");
        if (isTerminal(event.state)) {
          reader.cancel().catch(() => {});
          return event;
        }
      }
    }
    await pause(500);
  }
  throw new ApiError(0, "NETWORK", "Lost the progress stream; the job goes on, and My media will show its result.");
}

function parseBlock(block) {
  let id = null;
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("id:")) id = line.slice(3).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  return { id, data: data.join("\n") };
}

function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
