"""Images on Matrix: upload the PNG to the media repository, then send one ``m.image``
event whose ``body`` is the caption.

Caption choice: the caption travels in the image event itself (Matrix 1.10 media captions:
``filename`` names the file and ``body`` differs from it, so clients show ``body`` as the
caption and screen readers read it as the description). One event cannot be split or
interleaved by other messages, and clients that predate captions still show the text as
the image's name. No separate notice is needed.

The transaction id is derived from the caller's key, the caption and the image bytes, not
from the ``mxc://`` URI: a retry after a crash uploads again (a new URI) but reuses the
same transaction id, so the homeserver still sends the image only once.
"""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any

import nio

from bot.matrix.convert import transaction_id
from bot.matrix.failures import SendFailed
from bot.messages import Image, Outgoing
from bot.render import plain

log = logging.getLogger(__name__)


def image_content(out: Outgoing, image: Image, mxc: str) -> dict[str, Any]:
    """``m.image`` content for an uploaded PNG, with the caption and the reply/thread."""
    caption = plain(out.text) or image.alt
    content: dict[str, Any] = {
        "msgtype": "m.image",
        "body": caption if caption != image.filename else image.alt,
        "filename": image.filename,
        "url": mxc,
        "info": {
            "mimetype": "image/png",
            "size": len(image.data),
            "w": image.width,
            "h": image.height,
        },
        "m.mentions": {"user_ids": list(out.mentions)} if out.mentions else {},
    }
    if out.thread_root:
        content["m.relates_to"] = {
            "rel_type": "m.thread",
            "event_id": out.thread_root,
            "is_falling_back": out.reply_to is None,
            "m.in_reply_to": {"event_id": out.reply_to or out.thread_root},
        }
    elif out.reply_to:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": out.reply_to}}
    return content


def image_txn(out: Outgoing, image: Image) -> str:
    """A transaction id that does not depend on the upload's URI (see the module doc)."""
    digest = hashlib.sha256(image.data).hexdigest()
    return transaction_id(out.txn_key, out.room_id, {"image": digest, "caption": out.text})


async def send_image(transport: Any, out: Outgoing) -> str:
    """Upload ``out.image`` and send it; return the event id. ``transport`` is the
    `MatrixTransport` (retries, rate limits and stopping are its business)."""
    image = out.image
    assert image is not None
    client = transport.client
    room = client.rooms.get(out.room_id)
    if room is not None and room.encrypted:
        log.warning("room %s is encrypted; this image goes out unencrypted", out.room_id)

    async def upload() -> Any:
        resp, _keys = await client.upload(
            lambda _limited, _timeouts: io.BytesIO(image.data),
            content_type="image/png",
            filename=image.filename,
            filesize=len(image.data),
        )
        return resp

    resp = await transport.call(upload, what=f"upload {image.filename}")
    if not isinstance(resp, nio.UploadResponse):
        raise SendFailed(f"uploading {image.filename} refused: {resp}")
    content = image_content(out, image, str(resp.content_uri))
    return str(
        await transport.send_event(out.room_id, "m.room.message", content, image_txn(out, image))
    )
