// Scanning a QR code with the camera where the browser has BarcodeDetector; elsewhere the
// pages let people type the code.
import {h} from './dom.js';

export function canScan() {
  return 'BarcodeDetector' in window && !!navigator.mediaDevices?.getUserMedia;
}

// Shows the camera in `container` until a QR code is read; calls onCode(text) once.
// Returns a function that stops the camera.
const scanning = new WeakMap();

export async function startScan(container, onCode, label) {
  // Pressing the button again restarts the camera instead of leaving the first one running.
  const previous = scanning.get(container);
  if (previous) previous();
  const stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: 'environment'}});
  const video = h('video', {class: 'scanner', muted: true, playsinline: true, autoplay: true, 'aria-label': label});
  video.srcObject = stream;
  container.replaceChildren(video);
  const detector = new window.BarcodeDetector({formats: ['qr_code']});
  let running = true;
  const stop = () => {
    running = false;
    stream.getTracks().forEach((track) => track.stop());
    video.remove();
    if (scanning.get(container) === stop) scanning.delete(container);
  };
  scanning.set(container, stop);
  const look = async () => {
    if (!running) return;
    try {
      const codes = await detector.detect(video);
      if (codes.length > 0 && running) {
        stop();
        onCode(codes[0].rawValue);
        return;
      }
    } catch {
      // the video is not ready yet
    }
    setTimeout(look, 250);
  };
  look();
  return stop;
}

// The payment request code in a scanned stall QR: market4's EMVCo template (tag 27, code in
// 27.01), or the code itself when it was typed or the QR holds only the code.
export function stallCode(text) {
  const value = String(text || '').trim();
  if (/^000201/.test(value)) {
    const template = tlv(value)['27'];
    const code = template ? tlv(template)['01'] : '';
    if (code) return code;
  }
  return value.replace(/\s+/g, '');
}

// EMVCo tag-length-value pairs: "0002xx0104abcd" -> {'00': 'xx', '01': 'abcd'}.
export function tlv(text) {
  const fields = {};
  let at = 0;
  while (at + 4 <= text.length) {
    const tag = text.slice(at, at + 2);
    const length = Number(text.slice(at + 2, at + 4));
    if (!Number.isInteger(length) || at + 4 + length > text.length) break;
    fields[tag] = text.slice(at + 4, at + 4 + length);
    at += 4 + length;
  }
  return fields;
}
