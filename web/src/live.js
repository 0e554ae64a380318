// GET /api/live as a stream of pulses. EventSource cannot send the
// Authorization header, so the stream is read with fetch; when it ends (the
// daemon restarted, the network dropped, or the daemon ended it with an
// `end` event because the token stopped holding) it is opened again after a
// pause that grows to 30 s, unless the token is refused: then the session
// has ended and the page signs out.
//
// The daemon sends a heartbeat every 15 s on a quiet stream; a stream silent
// for longer than SILENCE_MS is taken for lost (a network that dropped
// without closing it) and opened again, so the page never shows "live" on
// a connection that no longer carries anything.
import { endSession, session } from './api.js';

const SILENCE_MS = 20000;

export function followLive(onPulse, onState) {
  let stopped = false;
  let controller = null;
  let wait = 1000;
  let heard = 0; // when the stream last carried anything
  const watchdog = setInterval(() => {
    if (controller && heard && Date.now() - heard > SILENCE_MS) controller.abort();
  }, 1000);

  async function run() {
    while (!stopped) {
      controller = new AbortController();
      try {
        const current = session();
        const response = await fetch('/api/live', {
          headers: { Accept: 'text/event-stream', Authorization: `Bearer ${current ? current.token : ''}` },
          signal: controller.signal,
        });
        if (response.status === 401 && current) {
          endSession();
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        heard = Date.now();
        onState('live');
        wait = 1000;
        await readEvents(response.body, onPulse, () => { heard = Date.now(); });
      } catch {
        if (stopped) return;
      }
      heard = 0;
      onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 30000);
    }
  }

  run();
  return () => {
    stopped = true;
    clearInterval(watchdog);
    if (controller) controller.abort();
  };
}

async function readEvents(body, onPulse, onHeard) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onHeard();
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (event === 'pulse' && data) {
        try {
          onPulse(JSON.parse(data));
        } catch {
          // a malformed event is skipped, the stream goes on
        }
      }
    }
  }
}
