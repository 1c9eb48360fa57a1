// Webcam live mode: the latest frame wins. A frame is captured only when the
// previous classification has come back, so frames are never queued and the
// rate adapts to the engine's speed.

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
    ui.start.addEventListener('click', () => (this.running ? this.stop() : this.start()));
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
    this.ui.start.disabled = true;
    const video = deviceId
      ? { deviceId: { exact: deviceId }, width: { ideal: 1280 }, height: { ideal: 720 } }
      : { facingMode: this.facing, width: { ideal: 1280 }, height: { ideal: 720 } };
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    } catch (e) {
      this.ui.start.disabled = false;
      this.setStatus(messageFor(e), stateFor(e));
      return;
    } finally {
      this.ui.start.disabled = false;
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
    while (this.running && this.stream === stream) {
      await nextFrame(video);
      if (!this.running || this.stream !== stream) break;
      if (video.readyState < 2 || !video.videoWidth) continue;
      try {
        const r = await this.engine.classify(video);
        if (!this.running || this.stream !== stream) break;
        this.#tick();
        this.onResult(r);
      } catch (e) {
        this.onError(e);
        if (e.code === 'nomodel' || e.code === 'exited' || e.code === 'not-ready') {
          await sleep(500); // the model is (re)loading: wait, do not spin
        }
      }
    }
  }

  #tick() {
    const now = performance.now();
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

function nextFrame(video) {
  return new Promise((resolve) => {
    if (typeof video.requestVideoFrameCallback === 'function') {
      // Also resolve on a timer: a paused or hidden video delivers no frames.
      const t = setTimeout(resolve, 250);
      video.requestVideoFrameCallback(() => {
        clearTimeout(t);
        resolve();
      });
    } else {
      requestAnimationFrame(() => resolve());
    }
  });
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
