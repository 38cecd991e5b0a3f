"""The real huggingface_hub against FluxDesk's cache (run by tests/hub/hub_interop_test.cpp).

  hf_cache_interop.py check MANIFEST   a cache FluxDesk wrote: scan_cache_dir lists the repo, its
                                       revision, refs and files; snapshot_download(local_files_only=True)
                                       returns the same folder with the same bytes
  hf_cache_interop.py download MANIFEST  huggingface_hub downloads the repo from HF_ENDPOINT into the
                                         cache (to be reused by FluxDesk); prints the snapshot folder

MANIFEST (JSON): {"cache", "repo", "revision", "commit", "folder", "files": {path: sha256}}.
Prints one line per check and "N passed, M failed" last; exits 1 when a check failed.
"""

import hashlib
import json
import os
import sys
import traceback

import huggingface_hub
from huggingface_hub import scan_cache_dir, snapshot_download

passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok: {name}")
    else:
        failed += 1
        print(f"FAILED: {name} {detail}")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_fluxdesk_cache(m):
    info = scan_cache_dir(m["cache"])
    check("scan_cache_dir has no warnings", not info.warnings, [str(w) for w in info.warnings])
    repos = {r.repo_id: r for r in info.repos}
    check("scan_cache_dir lists the repo", m["repo"] in repos, sorted(repos))
    if m["repo"] not in repos:
        return
    repo = repos[m["repo"]]
    check("it is a model repo", repo.repo_type == "model", repo.repo_type)
    revisions = {r.commit_hash: r for r in repo.revisions}
    check("the revision is the commit", m["commit"] in revisions, sorted(revisions))
    if m["commit"] not in revisions:
        return
    revision = revisions[m["commit"]]
    check("refs name the revision", m["revision"] in revision.refs, sorted(revision.refs))
    listed = {os.path.relpath(f.file_path, revision.snapshot_path).replace(os.sep, "/") for f in revision.files}
    check("the revision lists the files", listed == set(m["files"]), f"{sorted(listed)} != {sorted(m['files'])}")
    sizes = {os.path.relpath(f.file_path, revision.snapshot_path): f.size_on_disk for f in revision.files}
    check("file sizes are the blobs' sizes", all(s >= 0 for s in sizes.values()))
    check("no incomplete files", not info.incomplete_files, [str(f.file_path) for f in info.incomplete_files])

    folder = snapshot_download(m["repo"], revision=m["revision"], cache_dir=m["cache"], local_files_only=True)
    check("snapshot_download(local_files_only) returns FluxDesk's folder",
          os.path.realpath(folder) == os.path.realpath(m["folder"]), f"{folder} != {m['folder']}")
    for path, digest in sorted(m["files"].items()):
        actual = sha256(os.path.join(folder, path))
        check(f"same bytes: {path}", actual == digest, f"{actual} != {digest}")


def download(m):
    folder = snapshot_download(m["repo"], revision=m["revision"], cache_dir=m["cache"])
    print(f"folder: {folder}")
    check("huggingface_hub downloaded into the expected folder",
          os.path.realpath(folder) == os.path.realpath(m["folder"]), f"{folder} != {m['folder']}")
    for path, digest in sorted(m["files"].items()):
        actual = sha256(os.path.join(folder, path))
        check(f"huggingface_hub got the bytes: {path}", actual == digest, f"{actual} != {digest}")


def main():
    mode, manifest_path = sys.argv[1], sys.argv[2]
    with open(manifest_path) as f:
        manifest = json.load(f)
    print(f"huggingface_hub {huggingface_hub.__version__}")
    try:
        {"check": check_fluxdesk_cache, "download": download}[mode](manifest)
    except Exception:  # a crash is a failed check, with its traceback in the log
        traceback.print_exc()
        check("no exception", False)
    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 and passed > 0 else 1)


if __name__ == "__main__":
    main()
