// QR codes drawn in the page (for text the server has no route for, such as a login token),
// with the vendored qrcode-generator (vendor/qrcode.js, MIT).

const SVG = 'http://www.w3.org/2000/svg';
const MARGIN = 4;

function modulesPath(qr) {
  const count = qr.getModuleCount();
  const parts = [];
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) {
      if (qr.isDark(row, col)) parts.push(`M${col + MARGIN} ${row + MARGIN}h1v1h-1z`);
    }
  }
  return parts.join('');
}

// An <svg> QR code of `text`, labelled `label` for screen readers.
export function qrSvg(text, label) {
  if (typeof window.qrcode !== 'function') throw new Error('QR library missing');
  const qr = window.qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const size = qr.getModuleCount() + 2 * MARGIN;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('class', 'qr');
  const background = document.createElementNS(SVG, 'rect');
  background.setAttribute('width', size);
  background.setAttribute('height', size);
  background.setAttribute('fill', '#ffffff');
  const modules = document.createElementNS(SVG, 'path');
  modules.setAttribute('d', modulesPath(qr));
  modules.setAttribute('fill', '#000000');
  svg.append(background, modules);
  return svg;
}
