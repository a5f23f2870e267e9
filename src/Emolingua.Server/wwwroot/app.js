'use strict';
// The Emolingua page: send a file (chosen, dropped or recorded) to POST api/predict and show the answer; Record and
// "Play live" stream the audio to GET api/stream (a WebSocket) and show each window as it is answered.
// No libraries and nothing from other hosts: the page must work offline.

const $ = (id) => document.getElementById(id);
const KNOWN_COLOURS = { angry: '--angry', happy: '--happy', neutral: '--neutral', sad: '--sad' };
const OTHER_COLOURS = ['#7b4bc4', '#1b8a6b', '#b5487c', '#8a6d1b'];
let model = null;
let busy = false;

function colourOf(label) {
  if (KNOWN_COLOURS[label]) return `var(${KNOWN_COLOURS[label]})`;
  const i = model ? model.labels.indexOf(label) : 0;
  return OTHER_COLOURS[Math.max(0, i) % OTHER_COLOURS.length];
}

const percent = (p) => `${(100 * p).toFixed(1)} %`;
const seconds = (s) => `${s.toFixed(1)} s`;

function setStatus(text, isError = false) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', isError);
}

function setBusy(value) {
  busy = value;
  $('file-input').disabled = value;
  $('record-button').disabled = value && !recorder;
  $('result').setAttribute('aria-busy', String(value));
}

// A server started with --api-key-file answers 401 until the request carries its key. The page asks once and keeps
// the key for this tab only (sessionStorage: gone when the tab closes, never sent to another origin).
const keyStore = 'emolingua-api-key';

async function apiFetch(url, options = {}) {
  for (let attempt = 0; ; attempt++) {
    const key = sessionStorage.getItem(keyStore);
    const headers = new Headers(options.headers || {});
    if (key) headers.set('Authorization', `Bearer ${key}`);
    const response = await fetch(url, { ...options, headers });
    if (response.status !== 401 || attempt > 0) return response;
    const entered = window.prompt(key ? 'That API key was not accepted. API key:' : 'This server needs an API key:');
    if (!entered) return response;
    sessionStorage.setItem(keyStore, entered.trim());
  }
}

async function loadModel() {
  try {
    const response = await apiFetch('api/model');
    if (!response.ok) {
      const refusal = await response.json().catch(() => ({}));
      $('model-info').textContent = `The server refused: ${refusal.error || `HTTP ${response.status}`}`;
      return;
    }
    model = await response.json();
    $('model-info').textContent =
      `Model: ${model.method} (${model.engine}), ${model.window_s} s windows; emotions: ${model.labels.join(', ')}.`;
  } catch {
    $('model-info').textContent = 'The server does not answer: is emolingua serve running?';
  }
}

async function predict(blob, name) {
  if (busy) return;
  setBusy(true);
  setStatus(`Analysing ${name}…`);
  try {
    const form = new FormData();
    form.append('file', blob, name);
    const response = await apiFetch('api/predict', { method: 'POST', body: form });
    const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
    if (!response.ok) {
      const retry = response.headers.get('Retry-After');
      setStatus(`Not analysed: ${answer.error}${retry ? ` (retry in ${retry} s)` : ''}`, true);
      return;
    }
    showResult(answer);
    setStatus(`Analysed ${name}.`);
  } catch {
    setStatus('Not analysed: the server did not answer.', true);
  } finally {
    setBusy(false);
  }
}

function showResult(answer) {
  const labels = model ? model.labels : Object.keys(answer.probabilities);
  $('result').hidden = false;
  delete $('result').dataset.live;
  const label = $('predicted-label');
  label.textContent = answer.label;
  label.dataset.label = answer.label;
  const windows = answer.segments.length;
  $('result-meta').textContent = `${seconds(answer.duration_s)} of audio, ${windows} window${windows === 1 ? '' : 's'}` +
    (windows > 1 ? ', probabilities averaged' : '');

  const bars = $('bars');
  bars.replaceChildren(...labels.map((name) => {
    const p = answer.probabilities[name];
    const row = document.createElement('li');
    row.className = 'bar' + (name === answer.label ? ' top' : '');
    row.dataset.label = name;
    const title = document.createElement('span');
    title.className = 'bar-name';
    title.id = `bar-name-${name}`;
    title.textContent = name;
    const track = document.createElement('div');
    track.className = 'bar-track';
    track.setAttribute('role', 'meter');
    track.setAttribute('aria-labelledby', title.id);
    track.setAttribute('aria-valuemin', '0');
    track.setAttribute('aria-valuemax', '1');
    track.setAttribute('aria-valuenow', String(p));
    track.setAttribute('aria-valuetext', percent(p));
    const fill = document.createElement('div');
    fill.className = 'bar-fill';
    fill.style.background = colourOf(name);
    track.append(fill);
    const value = document.createElement('span');
    value.className = 'bar-value';
    value.textContent = percent(p);
    row.append(title, track, value);
    requestAnimationFrame(() => { fill.style.width = `${(100 * p).toFixed(2)}%`; });
    return row;
  }));

  showTimeline(answer, labels);
}

// One block per window. Windows overlap by half, so each block covers its window's start up to the next window's
// start (the last one up to the end of the audio): blocks tile the clip without hiding each other.
function showTimeline(answer, labels) {
  const section = $('timeline-section');
  const segments = answer.segments;
  section.hidden = segments.length < 2;
  if (section.hidden) return;
  const total = answer.duration_s;
  $('timeline').replaceChildren(...segments.map((s, i) => {
    const end = i + 1 < segments.length ? segments[i + 1].start_s : s.end_s;
    const block = document.createElement('li');
    block.dataset.label = s.label;
    block.style.left = `${(100 * s.start_s / total).toFixed(3)}%`;
    block.style.width = `${(100 * (end - s.start_s) / total).toFixed(3)}%`;
    block.style.background = colourOf(s.label);
    const text = `${s.start_s.toFixed(1)}–${s.end_s.toFixed(1)} s: ${s.label} (${percent(s.probabilities[s.label])})`;
    block.title = text;
    block.setAttribute('aria-label', text);
    return block;
  }));
  $('timeline-end').textContent = seconds(total);
  $('legend').replaceChildren(...labels.map((name) => {
    const item = document.createElement('li');
    item.textContent = name;
    item.style.setProperty('--swatch', colourOf(name));
    return item;
  }));
}

// ---- Choosing or dropping a file ----

$('file-input').addEventListener('change', (event) => {
  const file = event.target.files[0];
  if (file) predict(file, file.name);
  event.target.value = '';
});

const dropZone = $('drop-zone');
for (const type of ['dragenter', 'dragover']) {
  dropZone.addEventListener(type, (event) => { event.preventDefault(); dropZone.classList.add('dragging'); });
}
for (const type of ['dragleave', 'drop']) {
  dropZone.addEventListener(type, () => dropZone.classList.remove('dragging'));
}
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  const file = event.dataTransfer.files[0];
  if (file) predict(file, file.name);
});

// ---- Recording: Web Audio captures PCM and we write a WAV (MediaRecorder would give WebM/Opus) ----

let recorder = null;

async function startRecording() {
  if (!navigator.mediaDevices || !window.AudioWorkletNode) {
    setStatus('Recording needs a secure page (https, or http://localhost / 127.0.0.1) and a recent browser.', true);
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
  } catch (e) {
    setStatus(`No microphone: ${e.message || e.name}`, true);
    return;
  }
  const context = new AudioContext();
  await context.audioWorklet.addModule('recorder-worklet.js');
  const source = context.createMediaStreamSource(stream);
  const capture = new AudioWorkletNode(context, 'pcm-capture', {
    numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1, channelCountMode: 'explicit', channelInterpretation: 'speakers',
  });
  const chunks = [];
  const live = openLive(context.sampleRate, 'Recording');
  capture.port.onmessage = (event) => { chunks.push(event.data); live.send(event.data); };
  // Silent output: the worklet must be pulled by the graph to run, but nothing should be played back.
  const mute = new GainNode(context, { gain: 0 });
  source.connect(capture).connect(mute).connect(context.destination);
  const started = performance.now();
  const maxSeconds = model ? Math.min(model.limits.max_seconds, 600) : 60;
  const timer = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    setStatus(`Recording… ${seconds(elapsed)} (press Stop to end)`);
    if (elapsed >= maxSeconds) stopRecording();
  }, 200);
  recorder = { stream, context, capture, chunks, timer, live };
  const button = $('record-button');
  button.textContent = 'Stop';
  button.setAttribute('aria-pressed', 'true');
  setStatus('Recording…');
}

async function stopRecording() {
  const r = recorder;
  if (!r) return;
  recorder = null;
  clearInterval(r.timer);
  r.capture.port.postMessage('flush');
  await new Promise((resolve) => setTimeout(resolve, 50));
  r.stream.getTracks().forEach((t) => t.stop());
  await r.context.close();
  const button = $('record-button');
  button.textContent = 'Record';
  button.setAttribute('aria-pressed', 'false');
  const total = r.chunks.reduce((n, c) => n + c.length, 0);
  if (total === 0) {
    setStatus('Nothing was recorded.', true);
    return;
  }
  const samples = new Float32Array(total);
  let at = 0;
  for (const c of r.chunks) { samples.set(c, at); at += c.length; }
  const wav = encodeWav(samples, r.context.sampleRate);
  const link = $('recording-link');
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(wav);
  link.hidden = false;
  // The live stream's end is the whole recording's result; without a stream (refused, dropped) the WAV is sent instead.
  if (!(await r.live.finish())) predict(wav, 'recording.wav');
}

// ---- Live: the audio goes to GET api/stream (a WebSocket) as it is captured; each window is shown as it is answered ----

/** 16-bit PCM of float samples, rounded exactly as encodeWav writes them, so the stream and the WAV hold the same audio. */
function toPcm16(samples) {
  const pcm = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) pcm[i] = Math.round(Math.max(-1, Math.min(1, samples[i])) * 32767);
  return pcm;
}

/**
 * Opens a live stream at `sampleRate`: send(Float32Array) as audio comes, finish() when it ends. finish() resolves to
 * true once the stream's end message is shown, false when there was no working stream (the caller falls back).
 */
function openLive(sampleRate, what) {
  const url = new URL('api/stream', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  // Browsers cannot set headers on a WebSocket: the server takes the tab's key as access_token on the upgrade.
  const key = sessionStorage.getItem(keyStore);
  if (key) url.searchParams.set('access_token', key);
  const windows = [];
  let socket;
  let ended = null;
  let failed = false;
  const done = new Promise((resolve) => { ended = resolve; });
  try { socket = new WebSocket(url); } catch { failed = true; }
  const pending = [];
  if (socket) {
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'start', sample_rate: Math.round(sampleRate), encoding: 'pcm_s16le' }));
      for (const p of pending.splice(0)) socket.send(p);
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'window') {
        windows.push(message);
        showLive(windows, what);
      } else if (message.type === 'end') {
        showResult({ label: message.label, probabilities: message.probabilities, duration_s: message.duration_s, segments: windows });
        ended(true);
      }
    };
    socket.onclose = (event) => {
      if (event.code !== 1000) {
        failed = true;
        let reason = event.reason;
        try { reason = JSON.parse(event.reason).error; } catch { /* not JSON */ }
        if (reason) setStatus(`Live analysis stopped: ${reason}`, true);
      }
      ended(false);
    };
  }
  return {
    send(samples) {
      if (failed || !socket) return;
      const bytes = toPcm16(samples).buffer;
      if (socket.readyState === WebSocket.OPEN) socket.send(bytes); else pending.push(bytes);
    },
    async finish() {
      if (failed || !socket || socket.readyState !== WebSocket.OPEN) { if (socket) socket.close(); return false; }
      socket.send(JSON.stringify({ type: 'stop' }));
      return done;
    },
  };
}

/** While audio streams: the current emotion (the smoothed label), this window's bars and the timeline so far. */
function showLive(windows, what) {
  const last = windows[windows.length - 1];
  showResult({ label: last.smoothed_label, probabilities: last.probabilities, duration_s: last.end_s, segments: windows });
  $('result-meta').textContent = `${what}: ${seconds(last.end_s)} so far, ${windows.length} window${windows.length === 1 ? '' : 's'}; ` +
    `the current emotion (the last windows' mean)`;
  $('result').dataset.live = 'true';
}

// ---- Playing a chosen file live: decoded in the browser, played aloud and streamed at real-time pace ----

let playing = false;

async function playLive(file) {
  if (playing) return;
  playing = true;
  const context = new AudioContext();
  try {
    const audio = await context.decodeAudioData(await file.arrayBuffer());
    const mono = new Float32Array(audio.length);
    for (let c = 0; c < audio.numberOfChannels; c++) {
      const channel = audio.getChannelData(c);
      for (let i = 0; i < mono.length; i++) mono[i] += channel[i] / audio.numberOfChannels;
    }
    const live = openLive(audio.sampleRate, `Playing ${file.name}`);
    const source = new AudioBufferSourceNode(context, { buffer: audio });
    source.connect(context.destination);
    source.start();
    const block = Math.round(audio.sampleRate / 10); // 0.1 s frames, sent as the sound plays
    const started = performance.now();
    for (let at = 0; at < mono.length; at += block) {
      const due = started + (1000 * at) / audio.sampleRate;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      live.send(mono.subarray(at, Math.min(mono.length, at + block)));
      setStatus(`Playing ${file.name} live… ${seconds(at / audio.sampleRate)}`);
    }
    if (await live.finish()) setStatus(`Played ${file.name} live.`);
    else predict(file, file.name);
  } catch (e) {
    setStatus(`Not played: ${e.message || e}`, true);
  } finally {
    await context.close();
    playing = false;
  }
}

$('live-file-input').addEventListener('change', (event) => {
  const file = event.target.files[0];
  if (file) playLive(file);
  event.target.value = '';
});

/** 16-bit PCM mono WAV: the 44-byte RIFF header, then the samples clipped to [-1, 1] and rounded. */
function encodeWav(samples, sampleRate) {
  const buffer = new ArrayBuffer(44 + 2 * samples.length);
  const view = new DataView(buffer);
  const text = (offset, s) => { for (let i = 0; i < s.length; i++) view.setUint8(offset + i, s.charCodeAt(i)); };
  text(0, 'RIFF'); view.setUint32(4, 36 + 2 * samples.length, true); text(8, 'WAVE');
  text(12, 'fmt '); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true); view.setUint32(28, 2 * sampleRate, true); view.setUint16(32, 2, true); view.setUint16(34, 16, true);
  text(36, 'data'); view.setUint32(40, 2 * samples.length, true);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    view.setInt16(44 + 2 * i, Math.round(s * 32767), true);
  }
  return new Blob([buffer], { type: 'audio/wav' });
}

$('record-button').addEventListener('click', () => {
  if (recorder) stopRecording();
  else startRecording().catch((e) => setStatus(`Recording failed: ${e.message || e}`, true));
});

loadModel();
