"""Drives a running FluxDesk API with the official `openai` Python package,
exactly as an application would: only the base URL changes, and every
request goes through the SDK's own calls (no hand-made HTTP).

    python openai_client_test.py http://127.0.0.1:8000 [API_KEY]

Give API_KEY when the server was started with --api-key. The queue-full
check fills the server's whole queue (its capacity comes from /health), so
a small --queue keeps it quick (ctest starts the server with --queue 2).

Prints one line per check ("ok   NAME" or "FAIL NAME DETAIL"), then
"images received: K" (ctest compares K with the library folder) and, last,
"N passed, M failed"; exits non-zero on any failure. Run by ctest
(test_api_cli, label api) with the interpreter of the project's virtual
environment (scripts/install-python-env.sh installs the pinned SDK).
"""

import base64
import io
import socket
import sys
import threading
import time

from PIL import Image  # pinned beside the SDK: decodes every output format fully

try:
    import openai
except ImportError:
    print("the openai package is missing: run scripts/install-python-env.sh and use .venv/bin/python")
    sys.exit(2)

PROMPT = "A photo of an astronaut riding a horse on Mars."
MODEL = "black-forest-labs/FLUX-1-schnell"
# Non-square sizes catch a swapped width and height.
SIZE_FOR_COUNT = {1: "256x256", 2: "512x256", 3: "256x512", 4: "256x256"}
REQUEST_SECONDS = 300  # a generous bound for the small requests on a slow CPU
# The queue-full check: jobs long enough that the queue stays full while we
# look, and how long the clients holding the queue wait before leaving.
FILLER_SIZE = "2048x2048"
FILLER_SECONDS = 6.0

passed = 0
failed = 0
images_received = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name} {detail}".rstrip(), flush=True)
    return condition


# --- image headers -----------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC)
# share the range but are not frames.
JPEG_FRAME_MARKERS = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def png_size(data):
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def jpeg_size(data):
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
            continue
        if marker == 0xDA:  # image data starts: no frame header came first
            return None
        if marker in JPEG_FRAME_MARKERS and i + 9 <= len(data):
            height = int.from_bytes(data[i + 5:i + 7], "big")
            width = int.from_bytes(data[i + 7:i + 9], "big")
            return width, height
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return None


def image_kind(data):
    """("png" | "jpeg" | "webp", width, height) from the file's own header,
    checked against a full decode by Pillow, or None."""
    kind = None
    if data.startswith(PNG_SIGNATURE):
        size = png_size(data)
        kind = ("png",) + size if size else None
    elif data.startswith(b"\xff\xd8"):
        size = jpeg_size(data)
        kind = ("jpeg",) + size if size else None
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = ("webp", None, None)
    if kind is None:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # every pixel decoded, not only the header
            decoded = (image.format.lower(), image.width, image.height)
    except Exception:  # noqa: BLE001 - an undecodable image is the finding
        return None
    if kind[0] == "webp":
        kind = ("webp", decoded[1], decoded[2])
    return kind if decoded == kind else None


def decode_b64(text):
    try:
        return base64.b64decode(text or "", validate=True)
    except ValueError:
        return b""


# --- clients -----------------------------------------------------------------

def make_client(base_url, api_key, timeout=REQUEST_SECONDS, **options):
    # max_retries=0: a retry would hide the status under test (the SDK
    # retries 429 and timeouts by default).
    return openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", max_retries=0, timeout=timeout,
                         **options)


def extra_of(model):
    """The fields the SDK's type does not declare (FluxDesk's `seed`)."""
    return model.model_extra or {}


class Health:
    """GET /health through the SDK's generic request (it sits beside /v1)."""

    def __init__(self, base_url, api_key):
        self.client = make_client(base_url, api_key, timeout=30)

    def get(self):
        return self.client.get("/health", cast_to=object, options={"security": {"bearer_auth": True}})

    def pending(self):
        return self.get()["queue"]["pending"]

    def wait_until(self, condition, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition(self.pending()):
                return True
            time.sleep(0.05)
        return False

    def wait_idle(self, seconds=120):
        return self.wait_until(lambda pending: pending == 0, seconds)


def generate(client, **arguments):
    """images.generate with this suite's defaults; counts what comes back."""
    global images_received
    request = dict(model=MODEL, prompt=PROMPT, n=1, size="256x256", response_format="b64_json")
    request.update(arguments)
    result = client.images.generate(**request)
    images_received += len(result.data or [])
    return result


def expect_error(name, call, error_class, **expected):
    """Runs call(); checks it raises error_class with the given attributes."""
    try:
        call()
    except error_class as error:
        wrong = {key: getattr(error, key, None) for key, value in expected.items()
                 if getattr(error, key, None) != value}
        check(name, not wrong, f"got {wrong}, wanted {expected}; {error}")
        return error
    except Exception as error:  # noqa: BLE001 - the wrong class is the finding
        check(name, False, f"{type(error).__name__}: {error}")
        return None
    check(name, False, "no error")
    return None


# --- scenarios ---------------------------------------------------------------

def check_images(label, result, count, size, fmt, seed=None):
    width, height = (int(side) for side in size.split("x"))
    check(f"{label}: created is a unix time",
          isinstance(result.created, int) and abs(result.created - time.time()) < 3600, repr(result.created))
    data = result.data or []
    check(f"{label}: {count} images", len(data) == count, f"got {len(data)}")
    check(f"{label}: output_format and size reported", (result.output_format, result.size) == (fmt, size),
          repr((result.output_format, result.size)))
    # usage, typed by the SDK: T5 prompt tokens, one output token per 16x16 patch of each image.
    usage = result.usage
    check(f"{label}: usage reported", usage is not None, repr(usage))
    if usage is not None:
        check(f"{label}: usage.output_tokens", usage.output_tokens == count * (width // 16) * (height // 16),
              repr(usage.output_tokens))
        check(f"{label}: usage.total_tokens", usage.total_tokens == usage.input_tokens + usage.output_tokens,
              repr((usage.input_tokens, usage.output_tokens, usage.total_tokens)))
        check(f"{label}: usage.input_tokens_details.text_tokens",
              usage.input_tokens_details is not None and usage.input_tokens_details.text_tokens == usage.input_tokens,
              repr(usage.input_tokens_details))
    check(f"{label}: background reported", getattr(result, "background", None) == "opaque",
          repr(getattr(result, "background", None)))
    check(f"{label}: quality reported as one of OpenAI's levels", result.quality in ("low", "medium", "high"),
          repr(result.quality))
    seeds = []
    for i, item in enumerate(data):
        kind = image_kind(decode_b64(item.b64_json))
        check(f"{label}: image {i} is a {size} {fmt}", kind == (fmt, width, height), repr(kind))
        check(f"{label}: image {i} revised_prompt", item.revised_prompt == PROMPT, repr(item.revised_prompt))
        seeds.append(extra_of(item).get("seed"))
    check(f"{label}: every image has a whole-number seed", all(isinstance(s, int) for s in seeds), repr(seeds))
    check(f"{label}: each image has its own seed", len(set(seeds)) == len(seeds), repr(seeds))
    if seed is not None:
        check(f"{label}: seeds count up from the requested one", seeds == [seed + i for i in range(count)],
              repr(seeds))


def check_generations(base_url, api_key):
    """n = 1..4 on both paths: JPEG by default on /v1, PNG on /v1/openai."""
    for path, fmt in (("/v1", "jpeg"), ("/v1/openai", "png")):
        client = make_client(base_url + path, api_key)
        for count in range(1, 5):
            size = SIZE_FOR_COUNT[count]
            extra = {"steps": 1}
            # Fixed seeds on one path (the extension field), random on the other.
            seed = 4200 + count if path == "/v1/openai" else None
            if seed is not None:
                extra["seed"] = seed
            arguments = dict(n=count, size=size, extra_body=extra)
            if fmt == "png":
                arguments["output_format"] = "png"
            check_images(f"{path} n={count}", generate(client, **arguments), count, size, fmt, seed)


def check_output_formats(client):
    """png, jpeg and webp, with output_compression; each decodes fully."""
    sizes = {}
    for fmt in ("png", "jpeg", "webp"):
        for compression in (10, 95):
            if fmt == "png" and compression == 10:
                continue
            result = generate(client, output_format=fmt, output_compression=compression,
                              extra_body={"steps": 1, "seed": 7})
            data = result.data or []
            raw = decode_b64(data[0].b64_json) if data else b""
            check(f"output_format {fmt} compression {compression}: a 256x256 {fmt} that decodes",
                  image_kind(raw) == (fmt, 256, 256), repr(image_kind(raw)))
            check(f"output_format {fmt}: reported", result.output_format == fmt, repr(result.output_format))
            sizes[(fmt, compression)] = len(raw)
    for fmt in ("jpeg", "webp"):
        check(f"{fmt}: output_compression 10 makes a smaller file than 95",
              sizes.get((fmt, 10), 0) < sizes.get((fmt, 95), 0), repr(sizes))
    result = generate(client, background="opaque", moderation="low", extra_body={"steps": 1})
    check("background opaque and moderation low are accepted", len(result.data or []) == 1)


def stream_events(client, **arguments):
    """images.generate(stream=True): the events, in order, as the SDK types them."""
    global images_received
    request = dict(model=MODEL, prompt=PROMPT, n=1, size="256x256", stream=True)
    request.update(arguments)
    events = list(client.images.generate(**request))
    images_received += sum(1 for e in events if e.type == "image_generation.completed")
    return events


def check_streaming(client, health):
    """stream=True with partial_images: previews first, then the image."""
    events = stream_events(client, partial_images=2, output_format="png", extra_body={"steps": 4, "seed": 11})
    types = [event.type for event in events]
    check("a stream with partial_images=2 sends 2 partial images, then the completed image",
          types == ["image_generation.partial_image"] * 2 + ["image_generation.completed"], repr(types))
    partials = [e for e in events if e.type == "image_generation.partial_image"]
    check("partial_image_index counts 0, 1", [e.partial_image_index for e in partials] == [0, 1],
          repr([e.partial_image_index for e in partials]))
    for event in events:
        kind = image_kind(decode_b64(event.b64_json))
        check(f"{event.type} {getattr(event, 'partial_image_index', '')}: a 256x256 png that decodes",
              kind == ("png", 256, 256), repr(kind))
        check(f"{event.type}: size, format, background, quality as requested",
              (event.size, event.output_format, event.background) == ("256x256", "png", "opaque")
              and event.quality in ("low", "medium", "high"), repr(event))
        check(f"{event.type}: created_at is a unix time", abs(event.created_at - time.time()) < 3600,
              repr(event.created_at))
    completed = events[-1] if events else None
    if completed is not None and completed.type == "image_generation.completed":
        usage = completed.usage
        check("the completed event carries usage", usage.output_tokens == (256 // 16) ** 2
              and usage.total_tokens == usage.input_tokens + usage.output_tokens and usage.input_tokens > 0,
              repr(usage))
        # The streamed image is the image the same request makes unstreamed.
        whole = generate(client, output_format="png", extra_body={"steps": 4, "seed": 11})
        same = whole.data and Image.open(io.BytesIO(decode_b64(whole.data[0].b64_json))).tobytes() == \
            Image.open(io.BytesIO(decode_b64(completed.b64_json))).tobytes()
        check("the streamed final image equals the unstreamed one (same seed)", bool(same))
        previews_differ = len(partials) == 2 and decode_b64(partials[0].b64_json) != decode_b64(partials[1].b64_json)
        check("the two partial images are different steps' previews", previews_differ)

    # partial_images=0: the image alone, in one event.
    events = stream_events(client, partial_images=0, output_format="webp", extra_body={"steps": 2})
    check("partial_images=0 streams only the completed image",
          [e.type for e in events] == ["image_generation.completed"], repr([e.type for e in events]))
    if events:
        kind = image_kind(decode_b64(events[-1].b64_json))
        check("a streamed webp decodes", kind == ("webp", 256, 256), repr(kind))

    # n = 2: every image's events in the one stream, told apart by image_index.
    events = stream_events(client, n=2, partial_images=1, output_format="jpeg", extra_body={"steps": 4})
    seen = [(e.type, extra_of(e).get("image_index"), getattr(e, "partial_image_index", None)) for e in events]
    check("n=2 streams a partial image and a completed image for each image_index",
          sorted(seen, key=repr) == sorted([("image_generation.partial_image", 0, 0),
                                            ("image_generation.partial_image", 1, 0),
                                            ("image_generation.completed", 0, None),
                                            ("image_generation.completed", 1, None)], key=repr)
          and [t for t, _, _ in seen][-2:] == ["image_generation.completed"] * 2, repr(seen))
    completed = [e for e in events if e.type == "image_generation.completed"]
    if len(completed) == 2:
        total_input = sum(e.usage.input_tokens for e in completed)
        check("n=2: the prompt's tokens are counted once over the completed events",
              completed[0].usage.input_tokens == total_input and completed[1].usage.input_tokens == 0,
              repr([e.usage for e in completed]))

    # Errors before the stream starts are plain HTTP errors.
    expect_error("stream with partial_images=4 is a BadRequestError",
                 lambda: stream_events(client, partial_images=4), openai.BadRequestError,
                 status_code=400, param="partial_images")

    # A client that leaves mid-stream stops its job.
    stream = client.images.generate(model=MODEL, prompt=PROMPT, n=1, size="2048x2048", stream=True,
                                    partial_images=3, extra_body={"steps": 4})
    started = health.wait_until(lambda pending: pending >= 1, 10)
    stream.close()
    check("a stream's job is queued", started)
    check("closing the stream ends its job", health.wait_idle(30), f"pending {health.pending()}")


def png_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def check_edits(client):
    """images.edit with a picture and an OpenAI-style mask (alpha 0 = edit)."""
    global images_received
    width, height = 320, 256
    picture = Image.new("RGB", (width, height))
    picture.putdata([((x * 3) % 256, (y * 2) % 256, (x + y) % 256) for y in range(height) for x in range(width)])
    mask = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    box = (80, 64, 240, 192)
    mask.paste((0, 0, 0, 0), box)
    result = client.images.edit(model=MODEL, image=("photo.png", png_bytes(picture), "image/png"),
                                mask=("mask.png", png_bytes(mask), "image/png"), prompt=PROMPT,
                                output_format="png", extra_body={"steps": 4, "seed": 5})
    images_received += len(result.data or [])
    data = result.data or []
    check("images.edit answers one image", len(data) == 1, repr(len(data)))
    if not data:
        return
    edited = Image.open(io.BytesIO(decode_b64(data[0].b64_json))).convert("RGB")
    check("the edit has the picture's size", edited.size == (width, height), repr(edited.size))
    check("the edit reports its size", result.size == f"{width}x{height}", repr(result.size))
    if edited.size == (width, height):
        source, out = picture.load(), edited.load()
        outside = [(x, y) for y in range(height) for x in range(width)
                   if not (box[0] <= x < box[2] and box[1] <= y < box[3])]
        changed_outside = sum(1 for x, y in outside if out[x, y] != source[x, y])
        changed_inside = sum(1 for y in range(box[1], box[3]) for x in range(box[0], box[2]) if out[x, y] != source[x, y])
        check("pixels outside the mask are the picture's exactly", changed_outside == 0, f"{changed_outside} changed")
        check("the masked area is redrawn", changed_inside > (box[2] - box[0]) * (box[3] - box[1]) // 2,
              f"{changed_inside} changed")
    # Image-to-image without a mask, as WebP in and out.
    buffer = io.BytesIO()
    picture.save(buffer, format="WEBP", quality=90)
    result = client.images.edit(model=MODEL, image=("photo.webp", buffer.getvalue(), "image/webp"), prompt=PROMPT,
                                size="256x256", output_format="webp", extra_body={"steps": 4, "strength": 0.5})
    images_received += len(result.data or [])
    kind = image_kind(decode_b64(result.data[0].b64_json)) if result.data else None
    check("images.edit from a WebP with strength 0.5 gives a 256x256 webp", kind == ("webp", 256, 256), repr(kind))
    # Streamed edits are image_edit.* events.
    events = list(client.images.edit(model=MODEL, image=("photo.png", png_bytes(picture), "image/png"), prompt=PROMPT,
                                     stream=True, partial_images=1, extra_body={"steps": 4, "strength": 0.75}))
    images_received += sum(1 for e in events if e.type == "image_edit.completed")
    check("a streamed edit sends image_edit.partial_image then image_edit.completed",
          [e.type for e in events] == ["image_edit.partial_image", "image_edit.completed"], repr([e.type for e in events]))
    expect_error("a mask of another size is a BadRequestError naming mask",
                 lambda: client.images.edit(model=MODEL, image=("photo.png", png_bytes(picture), "image/png"),
                                            mask=("mask.png", png_bytes(mask.resize((64, 64))), "image/png"),
                                            prompt=PROMPT),
                 openai.BadRequestError, status_code=400, param="mask")
    expect_error("two images are a BadRequestError naming image",
                 lambda: client.images.edit(model=MODEL, image=[("a.png", png_bytes(picture), "image/png"),
                                                                 ("b.png", png_bytes(picture), "image/png")],
                                            prompt=PROMPT),
                 openai.BadRequestError, status_code=400, param="image")


def check_models(client):
    ids = [model.id for model in client.models.list().data]
    check("models.list names one model", len(ids) == 1 and isinstance(ids[0], str), repr(ids))
    if ids:
        check("models.retrieve finds the listed model", client.models.retrieve(ids[0]).id == ids[0])
    expect_error("models.retrieve of an unknown model is a NotFoundError",
                 lambda: client.models.retrieve("dall-e-3"), openai.NotFoundError,
                 status_code=404, code="model_not_found")


def check_bad_requests(client):
    """400s: the SDK's BadRequestError with OpenAI's error fields."""
    cases = [
        ("n=0", dict(n=0), "n", "invalid_value"),
        ("n=5", dict(n=5), "n", "invalid_value"),
        ("size 1000x1000", dict(size="1000x1000"), "size", "invalid_value"),
        ("an empty prompt", dict(prompt=""), "prompt", "invalid_value"),
        ("response_format url", dict(response_format="url"), "response_format", "unsupported_value"),
        ("background transparent", dict(background="transparent"), "background", "unsupported_value"),
        ("output_format svg", dict(output_format="svg"), "output_format", "unsupported_value"),
        ("steps 99 (extra_body)", dict(extra_body={"steps": 99}), "steps", "invalid_value"),
    ]
    for label, arguments, param, code in cases:
        error = expect_error(f"{label} is a BadRequestError naming {param}",
                             lambda: generate(client, **arguments), openai.BadRequestError,
                             status_code=400, param=param, code=code, type="invalid_request_error")
        if error is not None:
            body = error.body if isinstance(error.body, dict) else {}
            check(f"{label}: body carries OpenAI's error fields",
                  set(body) >= {"message", "type", "param", "code"} and bool(body.get("message")), repr(error.body))


def check_unknown_model(client):
    # The loaded model and its family's aliases are accepted; another name
    # is OpenAI's 404 model_not_found (api_model_names.cpp).
    expect_error("an unknown model is a NotFoundError", lambda: generate(client, model="dall-e-3"),
                 openai.NotFoundError, status_code=404, param="model", code="model_not_found")
    check("another alias of the family is accepted",
          len(generate(client, model="flux-schnell", extra_body={"steps": 1}).data or []) == 1)


def check_keys(base_url, api_key):
    # Authorization can only be left out by omitting it explicitly: the SDK
    # refuses to build a client without some credential.
    no_auth = {"Authorization": openai.omit}
    if not api_key:
        client = make_client(base_url + "/v1", None)
        check("without a server key, requests without one work",
              len(client.models.list(extra_headers=no_auth).data) == 1)
        return
    wrong = make_client(base_url + "/v1", "wrong-key")
    expect_error("a wrong key is an AuthenticationError", wrong.models.list, openai.AuthenticationError,
                 status_code=401, code="invalid_api_key")
    expect_error("a wrong key on images.generate is an AuthenticationError", lambda: generate(wrong),
                 openai.AuthenticationError, status_code=401, code="invalid_api_key")
    client = make_client(base_url + "/v1", api_key)
    expect_error("no key is an AuthenticationError", lambda: client.models.list(extra_headers=no_auth),
                 openai.AuthenticationError, status_code=401, code="invalid_api_key")
    x_api_key = {"Authorization": openai.omit, "x-api-key": api_key}
    check("the key in x-api-key is accepted", len(client.models.list(extra_headers=x_api_key).data) == 1)


def check_client_timeout(client, health):
    """A client that gives up: APITimeoutError, and its job goes away."""
    expect_error("a client timeout is an APITimeoutError",
                 lambda: generate(client, size="1024x1024", extra_body={"steps": 4}, timeout=0.05),
                 openai.APITimeoutError)
    check("the abandoned job leaves the queue", health.wait_idle(), f"pending {health.pending()}")
    result = generate(client, extra_body={"steps": 1})
    check("the server answers the next request", len(result.data or []) == 1)


def hold_queue_slot(client, outcomes):
    """One client waiting on a long job until FILLER_SECONDS, then leaving."""
    try:
        generate(client, size=FILLER_SIZE, extra_body={"steps": 4}, timeout=FILLER_SECONDS)
        outcomes.append("finished")
    except openai.APITimeoutError:
        outcomes.append("left")
    except Exception as error:  # noqa: BLE001 - reported by the caller
        outcomes.append(f"{type(error).__name__}: {error}")


def check_queue_full(client, health):
    """429: fill every slot of the queue, then ask once more."""
    capacity = health.get()["queue"]["capacity"]
    outcomes = []
    holders = [threading.Thread(target=hold_queue_slot, args=(client, outcomes), daemon=True)
               for _ in range(capacity)]
    for holder in holders:
        holder.start()
    full = health.wait_until(lambda pending: pending >= capacity, FILLER_SECONDS - 2)
    if check(f"{capacity} waiting clients fill the queue", full, f"pending {health.pending()}"):
        error = expect_error("a request to a full queue is a RateLimitError", lambda: generate(client),
                             openai.RateLimitError, status_code=429, code="queue_full")
        if error is not None:
            retry_after = error.response.headers.get("retry-after", "")
            check("the 429 says when to retry (Retry-After)", retry_after.isdigit(), repr(retry_after))
    for holder in holders:
        holder.join(FILLER_SECONDS + REQUEST_SECONDS)
    unexpected = [o for o in outcomes if o not in ("finished", "left")]
    check("the clients holding the queue got images or timed out", not unexpected, repr(unexpected))
    check("the queue empties once they leave", health.wait_idle(), f"pending {health.pending()}")


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check_connection_refused():
    client = make_client(f"http://127.0.0.1:{closed_port()}/v1", None, timeout=10)
    error = expect_error("a refused connection is an APIConnectionError", lambda: generate(client),
                         openai.APIConnectionError)
    if error is not None:
        check("a refused connection is not reported as a timeout", not isinstance(error, openai.APITimeoutError))


def run_scenario(name, scenario, *arguments):
    # One scenario failing unexpectedly must not hide the others' results.
    try:
        scenario(*arguments)
    except Exception as error:  # noqa: BLE001
        check(f"{name} ran without an unexpected error", False, f"{type(error).__name__}: {error}")


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: python openai_client_test.py BASE_URL [API_KEY]", file=sys.stderr)
        return 2
    base_url = argv[1].rstrip("/")
    api_key = argv[2] if len(argv) == 3 else None
    client = make_client(base_url + "/v1", api_key)
    health = Health(base_url, api_key)

    run_scenario("generations", check_generations, base_url, api_key)
    run_scenario("output formats", check_output_formats, client)
    run_scenario("streaming", check_streaming, client, health)
    run_scenario("edits", check_edits, client)
    run_scenario("models", check_models, client)
    run_scenario("bad requests", check_bad_requests, client)
    run_scenario("unknown model", check_unknown_model, client)
    run_scenario("keys", check_keys, base_url, api_key)
    run_scenario("client timeout", check_client_timeout, client, health)
    run_scenario("queue full", check_queue_full, client, health)
    run_scenario("connection refused", check_connection_refused)

    print(f"images received: {images_received}")
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
