// Webcam live mode, a two-stage pipeline: while the worker runs the forward
// pass on one frame, the page scales and reads the next (Engine.
// classifyFrame, web/frames.js), so a frame costs the slower stage, not the
// sum of both. At most DEPTH frames are in flight — the one being
// classified and the one waiting for it — so frames never queue up, the
// latest frame wins, and the rate adapts to the engine's speed.

// DEPTH 2 keeps the worker busy; more would only add latency.
const DEPTH = 2;

const MESSAGES = {
  unsupported: 'This browser cannot open a camera here (it needs a secure page: https or localhost).',
  denied: 'Camera access was denied. Allow the camera for this site in the browser settings, then press Start camera again.',
  none: 'No camera was found. Connect one, or use a photo instead.',
  busy: 'The camera is in use by another application, or could not be started. Close the other app and try again.',
  ended: 'The camera stopped (was it disconnected?).',
};

export class Camera {
  constructor(engine, ui, { onResult, onError }) {
    this.engine = engine;
    this.ui = ui; // {start, switchBtn, mirror, fps, status, card, video}
    this.onResult = onResult;
    this.onError = onError;
    this.stream = null;
    this.running = false;
    this.devices = [];
    this.deviceIndex = 0;
    this.facing = 'user';
    this.stamps = [];
    // While the camera is being asked for, the button is marked busy rather
    // than disabled: disabling the focused button would drop keyboard focus
    // to the page's body.
    ui.start.addEventListener('click', () => {
      if (ui.start.getAttribute('aria-disabled') === 'true') return;
      if (this.running) this.stop();
      else this.start();
    });
    ui.switchBtn.addEventListener('click', () => this.switchCamera());
    ui.mirror.addEventListener('change', () => this.#applyMirror());
    this.#applyMirror();
  }

  setStatus(text, state) {
    this.ui.status.textContent = text;
    this.ui.status.dataset.state = state || '';
    this.ui.status.classList.toggle('error', !!state && state !== 'live');
  }

  async start(deviceId) {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.setStatus(MESSAGES.unsupported, 'unsupported');
      return;
    }
    this.setStatus('Asking for the camera…', 'asking');
    this.ui.start.setAttribute('aria-disabled', 'true');
    const video = deviceId
      ? { deviceId: { exact: deviceId }, width: { ideal: 1280 }, height: { ideal: 720 } }
      : { facingMode: this.facing, width: { ideal: 1280 }, height: { ideal: 720 } };
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    } catch (e) {
      this.setStatus(messageFor(e), stateFor(e));
      return;
    } finally {
      this.ui.start.removeAttribute('aria-disabled');
    }
    this.#stopTracks();
    this.stream = stream;
    const track = stream.getVideoTracks()[0];
    track.addEventListener('ended', () => {
      if (this.stream === stream) {
        this.stop();
        this.setStatus(MESSAGES.ended, 'ended');
      }
    });
    const settings = track.getSettings?.() || {};
    if (settings.facingMode) this.facing = settings.facingMode;
    this.ui.video.srcObject = stream;
    this.ui.card.hidden = false;
    try {
      await this.ui.video.play();
    } catch {
      // autoplay with muted+playsinline is allowed; a refusal still shows frames
    }
    await this.#listDevices(settings.deviceId);
    this.running = true;
    this.ui.start.textContent = 'Stop camera';
    this.ui.start.setAttribute('aria-pressed', 'true');
    this.setStatus(`Live: ${track.label || 'camera'}`, 'live');
    this.stamps = [];
    this.ui.card.dataset.frames = '0';
    this.#loop(stream);
  }

  stop() {
    this.running = false;
    this.#stopTracks();
    this.ui.video.srcObject = null;
    this.ui.card.hidden = true;
    this.ui.start.textContent = 'Start camera';
    this.ui.start.setAttribute('aria-pressed', 'false');
    this.ui.fps.textContent = '';
    this.setStatus('Camera off.', 'off');
  }

  #stopTracks() {
    if (this.stream) for (const t of this.stream.getTracks()) t.stop();
    this.stream = null;
  }

  async #listDevices(currentId) {
    try {
      this.devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    } catch {
      this.devices = [];
    }
    const i = this.devices.findIndex((d) => d.deviceId === currentId);
    this.deviceIndex = i < 0 ? 0 : i;
    // Offer the switch only where there is something to switch to.
    this.ui.switchBtn.hidden = this.devices.length < 2;
  }

  async switchCamera() {
    if (this.devices.length < 2) return;
    this.deviceIndex = (this.deviceIndex + 1) % this.devices.length;
    this.running = false;
    const next = this.devices[this.deviceIndex];
    await this.start(next.deviceId);
    // Front cameras are shown mirrored, rear ones as they are.
    this.ui.mirror.checked = this.facing !== 'environment';
    this.#applyMirror();
  }

  #applyMirror() {
    // Display only: the model gets the frame as the camera delivers it.
    this.ui.video.classList.toggle('mirror', this.ui.mirror.checked);
  }

  async #loop(stream) {
    const video = this.ui.video;
    const live = () => this.running && this.stream === stream;
    const frames = new FrameClock(video);
    const inFlight = new Set();
    let seen = 0; // the last frame captured, by the clock's count
    try {
      while (live()) {
        if (inFlight.size >= DEPTH) await Promise.race(inFlight);
        seen = await frames.after(seen); // a frame not classified yet
        if (!live()) break;
        if (video.readyState < 2 || !video.videoWidth) continue;
        const job = this.engine.classifyFrame(video).then(
          (r) => {
            if (!live()) return;
            this.#tick();
            this.onResult(r);
          },
          async (e) => {
            if (!live()) return;
            this.onError(e);
            if (e.code === 'nomodel' || e.code === 'exited' || e.code === 'not-ready') {
              await sleep(500); // the model is (re)loading: wait, do not spin
            }
          },
        );
        const done = job.then(() => inFlight.delete(done));
        inFlight.add(done);
      }
    } finally {
      frames.stop();
    }
  }

  #tick() {
    const now = performance.now();
    // Results so far, for whoever measures the rate over a longer span
    // (bench/browser.mjs webcamFPS).
    this.ui.card.dataset.frames = String(Number(this.ui.card.dataset.frames || 0) + 1);
    this.stamps.push(now);
    // The last few results, or the last 2 s when the engine is fast: a rate
    // for slow models too, without smoothing away changes for fast ones.
    while (this.stamps.length > 8 || (this.stamps.length > 2 && now - this.stamps[0] > 2000)) this.stamps.shift();
    if (this.stamps.length > 1) {
      const fps = ((this.stamps.length - 1) * 1000) / (now - this.stamps[0]);
      this.ui.fps.textContent = `${fps.toFixed(fps < 10 ? 1 : 0)} frames/s`;
    }
  }
}

// FrameClock counts the frames a video presents, so that the live loop can
// take a frame the moment the engine has room for it if one has come since
// the last it took, and wait for the next one otherwise.
class FrameClock {
  constructor(video) {
    this.video = video;
    this.count = 0;
    this.waiters = [];
    this.stopped = false;
    this.rvfc = typeof video.requestVideoFrameCallback === 'function';
    this.#watch();
  }

  #watch() {
    if (this.stopped) return;
    const tick = () => {
      this.count++;
      for (const w of this.waiters.splice(0)) w(this.count);
      this.#watch();
    };
    if (this.rvfc) this.video.requestVideoFrameCallback(tick);
    else requestAnimationFrame(tick);
  }

  // after resolves with the frame count once it is past n; also after
  // 250 ms, since a paused or hidden video presents no frames.
  after(n) {
    if (this.count > n) return Promise.resolve(this.count);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(this.count), 250);
      this.waiters.push((c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
  }

  stop() {
    this.stopped = true;
    for (const w of this.waiters.splice(0)) w(this.count);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function stateFor(e) {
  switch (e && e.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'none';
    case 'NotReadableError':
    case 'AbortError':
    case 'TrackStartError':
      return 'busy';
    default:
      return 'busy';
  }
}

function messageFor(e) {
  const s = stateFor(e);
  return s === 'busy' && e && !['NotReadableError', 'AbortError', 'TrackStartError'].includes(e.name)
    ? `The camera could not be started: ${e.message || e.name}`
    : MESSAGES[s];
}
