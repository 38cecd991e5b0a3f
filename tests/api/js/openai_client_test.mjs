// Drives a running FluxDesk API with the official `openai` npm package,
// exactly as an application would: only the base URL changes.
//
//   node openai_client_test.mjs http://127.0.0.1:8000 [API_KEY]
//
// Prints one line per check and "N passed, M failed"; exits non-zero on
// any failure. Run by ctest (test_api_cli, label api).
import OpenAI from 'openai';

const [baseUrl, apiKey] = process.argv.slice(2);
if (!baseUrl) {
  console.error('usage: node openai_client_test.mjs BASE_URL [API_KEY]');
  process.exit(2);
}

let passed = 0;
let failed = 0;
function check(name, condition, detail = '') {
  if (condition) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name} ${detail}`);
  }
}

// Width and height from a PNG (IHDR) or a baseline JPEG (SOF0/SOF2).
function imageSize(bytes) {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) {
    return { format: 'png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) return null;
      const marker = bytes[i + 1];
      const length = bytes.readUInt16BE(i + 2);
      if (marker === 0xc0 || marker === 0xc2) {
        return { format: 'jpeg', height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
      }
      i += 2 + length;
    }
  }
  return null;
}

const prompt = 'A photo of an astronaut riding a horse on Mars.';
const model = 'black-forest-labs/FLUX-1-schnell';

async function generateAt(prefix, extra, expectedFormat) {
  const client = new OpenAI({ baseURL: `${baseUrl}${prefix}`, apiKey: apiKey || 'not-needed', maxRetries: 0 });
  const result = await client.images.generate({
    model, prompt, n: 2, size: '256x256', response_format: 'b64_json', steps: 1, ...extra,
  });
  check(`${prefix}: created is a unix time`, Number.isInteger(result.created) && Math.abs(result.created - Date.now() / 1000) < 3600);
  check(`${prefix}: two images`, Array.isArray(result.data) && result.data.length === 2, JSON.stringify(result.data?.length));
  const seeds = new Set();
  for (const [i, item] of (result.data || []).entries()) {
    const bytes = Buffer.from(item.b64_json || '', 'base64');
    const size = imageSize(bytes);
    check(`${prefix}: image ${i} is a 256x256 ${expectedFormat}`,
      size && size.width === 256 && size.height === 256 && size.format === expectedFormat, JSON.stringify(size));
    check(`${prefix}: image ${i} revised_prompt`, item.revised_prompt === prompt);
    seeds.add(item.seed);
  }
  check(`${prefix}: each image has its own seed`, seeds.size === 2 && [...seeds].every(Number.isInteger));
}

try {
  await generateAt('/v1', {}, 'jpeg');
  await generateAt('/v1/openai', { output_format: 'png' }, 'png');

  const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: apiKey || 'not-needed', maxRetries: 0 });
  const models = await client.models.list();
  const ids = models.data.map((m) => m.id);
  check('models.list names one model', ids.length === 1 && typeof ids[0] === 'string', JSON.stringify(ids));

  // Errors arrive as the SDK's typed errors, with status, param and code.
  try {
    await client.images.generate({ model, prompt, n: 5, size: '256x256', response_format: 'b64_json' });
    check('n=5 is refused', false, 'no error');
  } catch (e) {
    check('n=5 is a BadRequestError with param n',
      e instanceof OpenAI.BadRequestError && e.status === 400 && e.param === 'n', `${e.status} ${e.param} ${e.message}`);
  }
  try {
    await client.images.generate({ model: 'dall-e-3', prompt, response_format: 'b64_json' });
    check('unknown model is refused', false, 'no error');
  } catch (e) {
    check('unknown model is a NotFoundError with code model_not_found',
      e instanceof OpenAI.NotFoundError && e.code === 'model_not_found', `${e.status} ${e.code}`);
  }
  try {
    await client.images.generate({ model, prompt, response_format: 'url' });
    check('url format is refused', false, 'no error');
  } catch (e) {
    check('response_format url is a 400 naming it', e.status === 400 && e.param === 'response_format', `${e.status} ${e.param}`);
  }
  if (apiKey) {
    const wrong = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'wrong-key', maxRetries: 0 });
    try {
      await wrong.models.list();
      check('a wrong key is refused', false, 'no error');
    } catch (e) {
      check('a wrong key is an AuthenticationError', e instanceof OpenAI.AuthenticationError && e.status === 401,
        `${e.status}`);
    }
  }
} catch (e) {
  check('no unexpected error', false, `${e?.constructor?.name}: ${e?.message}`);
}

console.log(`openai client test: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
