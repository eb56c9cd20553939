// Files the tests feed the page: the shipped example images, and bad
// inputs generated here (so each is exactly what its name says).
import { readFileSync } from 'node:fs';
import { deflateSync, crc32 } from 'node:zlib';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

/** The example images, as on disk. */
export const EXAMPLES = ['bird', 'horse', 'car', 'rocket', 'coffee'].map((name) => ({
  name, path: join(ROOT, 'assets', 'examples', `${name}.png`),
  bytes: readFileSync(join(ROOT, 'assets', 'examples', `${name}.png`)),
}));

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body) >>> 0, 8 + data.length);
  return out;
}

/** A valid grayscale PNG of `width × height` black pixels. */
export function blackPng(width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // grayscale
  const raw = Buffer.alloc((width + 1) * height); // filter byte 0 + zero pixels per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 1 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A two-frame animated GIF (2×2 red pixels, 100 ms a frame, looping). */
export function animatedGif() {
  const header = Buffer.from([...Buffer.from('GIF89a'), 0x02, 0x00, 0x02, 0x00, 0x80, 0x00, 0x00,
    0xff, 0x00, 0x00, 0x00, 0x00, 0xff]); // 2×2, global 2-colour table: red, blue
  const loop = Buffer.from([0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0'), 0x03, 0x01, 0x00, 0x00, 0x00]);
  const frame = Buffer.from([
    0x21, 0xf9, 0x04, 0x04, 0x0a, 0x00, 0x00, 0x00, // graphic control: 100 ms
    0x2c, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, // image descriptor: 2×2 at (0, 0)
    0x02, 0x03, 0x04, 0x00, 0x05, 0x00, // LZW (min code size 2): clear, 0, 0, 0, 0, end
  ]);
  return Buffer.concat([header, loop, frame, frame, Buffer.from([0x3b])]);
}

/** Every bad input of the issue, with what the page's message must mention. */
export function badInputs() {
  const png = EXAMPLES[0].bytes;
  return [
    { name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('not an image at all\n'), expect: /not an image/ },
    { name: 'empty.png', type: 'image/png', bytes: Buffer.alloc(0), expect: /empty/ },
    { name: 'corrupt.png', type: 'image/png', bytes: Buffer.concat([png.subarray(0, 8), Buffer.alloc(400, 7)]), expect: /corrupt/ },
    { name: 'truncated.png', type: 'image/png', bytes: png.subarray(0, png.length >> 1), expect: /corrupt or truncated/ },
    { name: 'huge.png', type: 'image/png', bytes: blackPng(12000, 12000), expect: /12000 × 12000 is too large/ },
    { name: 'drawing.svg', type: 'image/svg+xml', bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'), expect: /SVG/ },
  ];
}
